"""Back-office sign-in: guessing is throttled per account and per client address
(django-axes), and staff who can publish need a second factor (TOTP) when
STAFF_2FA_REQUIRED is on, so a stolen editor password is not enough to publish."""

from base64 import b32encode
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.models import Article, Status
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
CHANGELIST = "/admin/articles/article/"


def sign_in(client, username, password="pw"):  # noqa: S107
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}
    )


def signed_in(client):
    return client.get("/admin/").status_code == 200


def code_for(device):
    """The code an authenticator app shows now for `device` (RFC 6238)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


class TestThrottling:
    def test_the_right_password_is_refused_after_too_many_wrong_ones(self, settings):
        editor = make_user("editor")
        client = Client(REMOTE_ADDR="203.0.113.5")
        replies = [sign_in(client, editor.username, "wrong") for _ in range(5)]
        assert [r.status_code for r in replies] == [200, 200, 200, 200, 429]
        locked = sign_in(client, editor.username)
        assert locked.status_code == 429
        assert "Too many failed sign-ins" in locked.text
        assert "15 minutes" in locked.text
        assert locked["Retry-After"] == "900"
        assert "back office" in locked.text  # the admin's own look
        assert not signed_in(client)

    def test_the_account_is_locked_whichever_address_guesses(self):
        editor = make_user("editor")
        for n in range(5):
            sign_in(Client(REMOTE_ADDR=f"198.51.100.{n}"), editor.username, "wrong")
        client = Client(REMOTE_ADDR="203.0.113.77")
        assert sign_in(client, editor.username).status_code == 429
        # Others still sign in meanwhile.
        other = make_user("editor")
        assert sign_in(client, other.username).status_code == 302

    def test_an_address_that_guesses_many_accounts_is_locked(self):
        users = [make_user("writer") for _ in range(6)]
        guesser = Client(REMOTE_ADDR="203.0.113.9")
        for user in users[:5]:
            sign_in(guesser, user.username, "wrong")
        assert sign_in(guesser, users[5].username).status_code == 429
        assert (
            sign_in(Client(REMOTE_ADDR="192.0.2.1"), users[5].username).status_code
            == 302
        )

    def test_the_lock_lifts_after_the_cool_off(self):
        editor = make_user("editor")
        client = Client(REMOTE_ADDR="203.0.113.5")
        for _ in range(5):
            sign_in(client, editor.username, "wrong")
        AccessAttempt.objects.update(
            attempt_time=timezone.now() - timedelta(minutes=16)
        )
        assert sign_in(client, editor.username).status_code == 302
        assert signed_in(client)

    def test_behind_a_proxy_the_reader_address_counts_not_the_proxys(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        victim, guessed = make_user("editor"), [make_user("writer") for _ in range(5)]
        proxy = Client(REMOTE_ADDR="10.0.0.1")
        for user in guessed:
            proxy.post(
                LOGIN,
                {"username": user.username, "password": "wrong"},
                HTTP_X_FORWARDED_FOR="203.0.113.66",
            )
        response = proxy.post(
            LOGIN,
            {"username": victim.username, "password": "pw", "next": "/admin/"},
            HTTP_X_FORWARDED_FOR="198.51.100.10",
        )
        assert response.status_code == 302
        assert AccessAttempt.objects.filter(ip_address="203.0.113.66").exists()


@pytest.fixture
def required(settings):
    settings.STAFF_2FA_REQUIRED = True


def enrolled(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


class TestSecondFactor:
    def test_a_stolen_editor_password_cannot_publish(self, required):
        editor = make_user("editor")
        enrolled(editor)
        draft = make_article(status=Status.REVIEW)
        thief = Client()
        assert sign_in(thief, editor.username).status_code == 302
        page = thief.get(CHANGELIST)
        assert page.status_code == 302
        assert page["Location"].startswith("/admin/two-step/?next=")
        thief.post(CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]})
        thief.get(f"/articles/{draft.slug}/")  # nor read drafts as staff
        draft.refresh_from_db()
        assert draft.status == Status.REVIEW
        wrong = thief.post("/admin/two-step/", {"otp_token": "000000"})
        assert "That code is not right" in wrong.text
        assert thief.get(CHANGELIST).status_code == 302

    def test_the_code_from_the_app_completes_the_sign_in(self, required):
        editor = make_user("editor")
        device = enrolled(editor)
        draft = make_article(status=Status.REVIEW)
        client = Client()
        sign_in(client, editor.username)
        response = client.post(
            "/admin/two-step/", {"otp_token": code_for(device), "next": CHANGELIST}
        )
        assert response.status_code == 302
        assert response["Location"] == CHANGELIST
        client.post(CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]})
        assert Article.objects.get(pk=draft.pk).status == Status.PUBLISHED

    def test_a_code_cannot_be_used_twice(self, required):
        editor = make_user("editor")
        device = enrolled(editor)
        code = code_for(device)
        first, second = Client(), Client()
        for client in (first, second):
            sign_in(client, editor.username)
        first.post("/admin/two-step/", {"otp_token": code})
        assert signed_in(first)
        second.post("/admin/two-step/", {"otp_token": code})
        assert not signed_in(second)

    def test_the_next_address_must_be_on_this_site(self, required):
        editor = make_user("editor")
        device = enrolled(editor)
        client = Client()
        sign_in(client, editor.username)
        response = client.post(
            "/admin/two-step/",
            {"otp_token": code_for(device), "next": "https://evil.example/"},
        )
        assert response["Location"] == "/admin/"

    @pytest.mark.parametrize("token", ["", "12345", "abcdef", "1" * 12, "١٢٣٤٥٦"])
    def test_malformed_codes_are_form_errors(self, required, token):
        editor = make_user("editor")
        enrolled(editor)
        client = Client()
        sign_in(client, editor.username)
        response = client.post("/admin/two-step/", {"otp_token": token})
        assert response.status_code == 200
        assert 'class="errornote"' in response.text


class TestEnrolment:
    def test_an_editor_without_an_app_must_add_one_first(self, required):
        editor = make_user("editor")
        client = Client()
        sign_in(client, editor.username)
        page = client.get("/admin/")
        assert page.status_code == 302
        assert page["Location"].startswith("/admin/two-step/setup/")
        setup = client.get(page["Location"])
        assert setup.status_code == 200
        assert "<svg" in setup.text  # the QR code, drawn inline
        assert "must use two-step sign-in" in setup.text
        device = TOTPDevice.objects.get(user=editor, confirmed=False)
        secret = b32encode(device.bin_key).decode()
        assert secret[:4] in setup.text  # for typing in by hand
        response = client.post(
            "/admin/two-step/setup/", {"otp_token": code_for(device), "next": "/admin/"}
        )
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert signed_in(client)

    def test_a_wrong_code_does_not_enrol(self, required):
        editor = make_user("editor")
        client = Client()
        sign_in(client, editor.username)
        client.get("/admin/two-step/setup/")
        response = client.post("/admin/two-step/setup/", {"otp_token": "123456"})
        assert "That code is not right" in response.text
        assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()
        assert not signed_in(client)

    def test_a_thief_cannot_enrol_another_app_over_an_existing_one(self, required):
        editor = make_user("editor")
        enrolled(editor)
        thief = Client()
        sign_in(thief, editor.username)
        response = thief.get("/admin/two-step/setup/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/two-step/")
        assert not TOTPDevice.objects.filter(user=editor, confirmed=False).exists()

    def test_writers_are_not_forced(self, required):
        writer = make_user("writer")
        client = Client()
        sign_in(client, writer.username)
        assert signed_in(client)

    def test_off_by_default_editors_sign_in_with_a_password(self):
        editor = make_user("editor")
        client = Client()
        sign_in(client, editor.username)
        assert signed_in(client)

    def test_anyone_who_added_an_app_uses_it_even_when_not_required(self):
        writer = make_user("writer")
        enrolled(writer)
        client = Client()
        sign_in(client, writer.username)
        assert not signed_in(client)
