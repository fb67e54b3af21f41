"""Newsletter signup, double opt-in and unsubscribe (reader side).

Digest sending lives in test_newsletter_sending.py, the admin in
test_newsletter_admin.py.
"""

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core import mail, signing
from django.db import connection
from django.template import RequestContext, Template
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from newsletter import tokens
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/newsletter/"
SAME_ORIGIN = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}


def post_signup(client, email, *, headers=None, **extra):
    data = {"email": email, "website": "", "source": "page", **extra}
    return client.post(SIGNUP_URL, data, headers=headers or SAME_ORIGIN)


def link_in(message, name):
    return re.search(rf"http://testserver/newsletter/{name}/[^/\s]+/", message.body)[0]


def make_subscriber(email="reader@example.com", status="confirmed", **kwargs):
    return Subscriber.objects.create(email=email, status=status, **kwargs)


class TestSignupTag:
    def render(self, source):
        request = RequestFactory().get("/")
        return Template(source).render(RequestContext(request, {}))

    def test_renders_the_form_without_queries_or_token(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            html = self.render('{% load newsletter %}{% newsletter_signup "home" %}')
        assert 'action="/newsletter/"' in html
        assert 'name="email"' in html
        assert 'for="nl-home-email"' in html
        assert 'value="home"' in html
        assert "csrfmiddlewaretoken" not in html

    def test_ids_stay_unique_with_two_forms_on_a_page(self):
        html = self.render(
            "{% load newsletter %}"
            '{% newsletter_signup "article" %}{% newsletter_signup "footer" %}'
        )
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert len(ids) == len(set(ids))
        assert "nl-article-email" in ids and "nl-footer-email" in ids


class TestCacheablePages:
    @pytest.mark.parametrize("url", ["/", SIGNUP_URL, "/newsletter/check-your-inbox/"])
    def test_anonymous_page_with_the_form_sets_no_cookie_and_has_no_token(
        self, client, url
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert 'name="email"' in response.text or url.endswith("inbox/")
        assert not response.cookies
        assert "Set-Cookie" not in response.headers
        assert "csrfmiddlewaretoken" not in response.text

    def test_article_page_with_the_form_sets_no_cookie(self, client):
        from tests.test_newsletter_sending import make_article

        response = client.get(make_article(1).get_absolute_url())
        assert response.status_code == 200
        assert 'name="email"' in response.text
        assert not response.cookies
        assert "csrfmiddlewaretoken" not in response.text

    def test_signup_page_shows_the_form_once(self, client):
        assert client.get(SIGNUP_URL).text.count('name="email"') == 1

    def test_other_pages_have_the_footer_form(self, client):
        """Home and article pages carry the form in their content instead."""
        assert 'id="nl-footer-email"' in client.get("/topics/").text
        assert 'id="nl-footer-email"' not in client.get("/").text

    def test_signup_page_is_publicly_cacheable(self, client):
        response = client.get(SIGNUP_URL)
        assert "public" in response.headers["Cache-Control"]
        assert "Cookie" not in response.headers.get("Vary", "")


class TestCrossSiteProtection:
    """The form carries no CSRF token, so the endpoint checks where posts come from."""

    @pytest.mark.parametrize(
        "headers",
        [
            {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
            {"Sec-Fetch-Site": "same-site", "Origin": "https://sub.testserver"},
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Referer": "https://evil.example/page"},
            {},
        ],
        ids=[
            "fetch-cross-site",
            "fetch-same-site",
            "origin",
            "null",
            "referer",
            "none",
        ],
    )
    def test_cross_site_post_is_refused(self, client, headers):
        response = client.post(SIGNUP_URL, {"email": "a@example.com"}, headers=headers)
        assert response.status_code == 403
        assert "couldn" in response.text
        assert not Subscriber.objects.exists()
        assert not mail.outbox

    @pytest.mark.parametrize(
        "headers",
        [
            SAME_ORIGIN,
            {"Origin": "http://testserver"},
            {"Referer": "http://testserver/articles/some-story/"},
        ],
        ids=["fetch-metadata", "origin-only", "referer-only"],
    )
    def test_same_site_post_without_javascript_works(self, headers):
        # enforce_csrf_checks: what a real browser meets, not the test shortcut.
        client = Client(enforce_csrf_checks=True)
        response = client.post(
            SIGNUP_URL, {"email": "a@example.com", "source": "footer"}, headers=headers
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/newsletter/check-your-inbox/"
        assert Subscriber.objects.get().source == "footer"
        assert not response.cookies


class TestSignup:
    def test_new_address_is_pending_and_gets_a_confirmation_mail(self, client):
        response = post_signup(client, "  Fan@Example.COM ")
        assert response.status_code == 302
        subscriber = Subscriber.objects.get()
        assert subscriber.email == "fan@example.com"
        assert subscriber.status == "pending"
        assert subscriber.source == "page"
        assert "one-click unsubscribe" in subscriber.consent_text
        assert subscriber.consent_at is not None
        assert subscriber.confirmation_sent_at is not None
        [message] = mail.outbox
        assert message.to == ["fan@example.com"]
        assert "confirm" in message.subject.lower()
        assert link_in(message, "confirm")

    @pytest.mark.parametrize(
        "email", ["", "not-an-address", "a@b", "x" * 250 + "@example.com"]
    )
    def test_invalid_address_gets_a_clear_error(self, client, email):
        response = post_signup(client, email)
        assert response.status_code == 200
        assert 'class="invalid-feedback' in response.text or "invalid" in response.text
        assert response.context["form"].errors["email"]
        assert not Subscriber.objects.exists()

    def test_error_is_tied_to_the_field_for_screen_readers(self, client):
        response = post_signup(client, "nope")
        html = response.text
        assert 'aria-invalid="true"' in html
        assert 'aria-describedby="nl-page-email_error nl-page-consent"' in html
        assert 'id="nl-page-email_error"' in html

    def test_unknown_source_is_stored_as_other(self, client):
        post_signup(client, "a@example.com", source="<script>")
        assert Subscriber.objects.get().source == "other"

    def test_honeypot_filled_creates_nothing_but_replies_the_same(self, client):
        response = post_signup(client, "bot@example.com", website="http://spam")
        assert response.status_code == 302
        assert response.headers["Location"] == "/newsletter/check-your-inbox/"
        assert not Subscriber.objects.exists()
        assert not mail.outbox

    def test_address_typed_in_the_admin_is_normalised_too(self):
        assert make_subscriber(" Desk@Example.COM").email == "desk@example.com"

    def test_same_address_in_another_case_is_one_subscriber(self, client):
        post_signup(client, "fan@example.com")
        post_signup(client, "FAN@example.com")
        assert Subscriber.objects.count() == 1


class TestReaderPageQueries:
    """Newsletter pages cost a fixed, small number of queries."""

    @pytest.mark.parametrize("subscribers", [1, 40])
    @pytest.mark.parametrize(
        "page", ["signup", "check_inbox", "confirm", "unsubscribe"]
    )
    def test_query_count_is_fixed(
        self, client, page, subscribers, django_assert_max_num_queries
    ):
        readers = [
            make_subscriber(f"r{i}@example.com", status="pending")
            for i in range(subscribers)
        ]
        urls = {
            "signup": SIGNUP_URL,
            "check_inbox": "/newsletter/check-your-inbox/",
            "confirm": reverse("newsletter:confirm", args=[readers[0].confirm_token()]),
            "unsubscribe": readers[-1].get_unsubscribe_url(),
        }
        with django_assert_max_num_queries(3):
            response = client.get(urls[page])
        assert response.status_code == 200

    def test_signup_post_runs_a_fixed_number_of_queries(
        self, client, django_assert_max_num_queries
    ):
        # The signup's transaction, then the (immediate) mail task's read and write.
        with django_assert_max_num_queries(7):
            post_signup(client, "fan@example.com")


class TestEnumerationSafety:
    """The reply must not tell a stranger whether an address subscribes."""

    @pytest.mark.parametrize("status", [None, "pending", "confirmed", "unsubscribed"])
    def test_reply_is_identical_for_every_state(self, client, status):
        if status:
            make_subscriber("fan@example.com", status=status)
        response = post_signup(client, "fan@example.com")
        reference = post_signup(Client(), "someone-new@example.com")
        assert response.status_code == reference.status_code == 302
        assert response.headers["Location"] == reference.headers["Location"]
        assert dict(response.cookies) == dict(reference.cookies) == {}
        assert (
            Client().get(response.headers["Location"]).content
            == Client().get(reference.headers["Location"]).content
        )

    def test_confirmed_address_gets_a_notice_not_a_new_confirmation(self, client):
        make_subscriber("fan@example.com", status="confirmed")
        post_signup(client, "fan@example.com")
        [message] = mail.outbox
        assert "already" in message.subject
        assert Subscriber.objects.get().status == "confirmed"


class TestDoubleOptIn:
    def signup_and_get_link(self, client, email="fan@example.com"):
        post_signup(client, email)
        return link_in(mail.outbox[-1], "confirm")

    def test_get_asks_and_post_confirms_with_thank_you_and_welcome(self, client):
        url = self.signup_and_get_link(client)
        page = client.get(url)
        assert page.status_code == 200
        assert "fan@example.com" in page.text
        assert Subscriber.objects.get().status == "pending"  # link scanners only GET

        response = client.post(url)
        assert response.status_code == 200
        assert "Thank you" in response.text
        subscriber = Subscriber.objects.get()
        assert subscriber.status == "confirmed"
        assert subscriber.confirmed_at is not None
        assert "welcome" in mail.outbox[-1].subject.lower()

    def test_confirming_twice_sends_one_welcome(self, client):
        url = self.signup_and_get_link(client)
        client.post(url)
        client.post(url)
        assert sum("Welcome" in m.subject for m in mail.outbox) == 1

    def test_token_pages_are_private(self, client):
        response = client.get(self.signup_and_get_link(client))
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["Referrer-Policy"] == "no-referrer"

    def test_expired_link_gets_a_friendly_page(self, client, settings):
        url = self.signup_and_get_link(client)
        settings.NEWSLETTER_CONFIRM_MAX_AGE = -1
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 410
            assert "expired" in response.text
        assert Subscriber.objects.get().status == "pending"

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
            lambda t: t[: len(t) // 2],
            lambda t: "garbage",
            lambda t: "a:b:c",
            lambda t: "%00%ff",
        ],
        ids=["signature", "truncated", "garbage", "colons", "bytes"],
    )
    def test_tampered_link_gets_a_friendly_page(self, client, mangle):
        url = self.signup_and_get_link(client)
        token = url.rstrip("/").rsplit("/", 1)[1]
        bad = f"/newsletter/confirm/{mangle(token)}/"
        for response in (client.get(bad), client.post(bad)):
            assert response.status_code == 404
            assert "doesn" in response.text
        assert Subscriber.objects.get().status == "pending"

    def test_unsubscribe_token_does_not_confirm(self, client):
        post_signup(client, "fan@example.com")
        subscriber = Subscriber.objects.get()
        url = reverse("newsletter:confirm", args=[subscriber.unsubscribe_token()])
        assert client.post(url).status_code == 404

    def test_token_for_a_row_that_now_holds_another_address_fails(self, client):
        subscriber = make_subscriber("old@example.com", status="pending")
        token = subscriber.confirm_token()
        Subscriber.objects.filter(pk=subscriber.pk).update(email="new@example.com")
        assert client.post(f"/newsletter/confirm/{token}/").status_code == 404


class TestResubscribe:
    def test_unsubscribed_reader_can_sign_up_again_with_double_opt_in(self, client):
        make_subscriber("fan@example.com", status="unsubscribed")
        post_signup(client, "fan@example.com")
        subscriber = Subscriber.objects.get()
        assert subscriber.status == "pending"
        client.post(link_in(mail.outbox[-1], "confirm"))
        subscriber.refresh_from_db()
        assert subscriber.status == "confirmed"

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_an_old_confirmation_link_does_not_undo_unsubscribing(self, client, method):
        post_signup(client, "fan@example.com")
        link = link_in(mail.outbox[-1], "confirm")
        client.post(link)
        subscriber = Subscriber.objects.get()
        client.post(subscriber.get_unsubscribe_url())
        sent = len(mail.outbox)

        response = getattr(client, method)(link)
        assert response.status_code == 410
        assert "You are unsubscribed" in response.text
        assert 'href="/newsletter/"' in response.text
        subscriber.refresh_from_db()
        assert subscriber.status == "unsubscribed"
        assert len(mail.outbox) == sent  # no welcome mail either

    def test_only_pending_signups_can_be_confirmed(self):
        for status in ("unsubscribed", "confirmed"):
            subscriber = make_subscriber(f"{status}@example.com", status=status)
            assert subscriber.confirm() is False
            subscriber.refresh_from_db()
            assert subscriber.status == status
        pending = make_subscriber("new@example.com", status="pending")
        assert pending.confirm() is True
        assert pending.status == "confirmed" and pending.confirmed_at

    def test_pending_reader_gets_the_confirmation_again(self, client):
        post_signup(client, "fan@example.com")
        post_signup(client, "fan@example.com")
        assert len(mail.outbox) == 2
        assert Subscriber.objects.count() == 1


class TestUnsubscribe:
    def test_get_asks_and_post_unsubscribes(self, client):
        subscriber = make_subscriber()
        url = subscriber.get_unsubscribe_url()
        page = client.get(url)
        assert page.status_code == 200
        assert "<form" in page.text
        subscriber.refresh_from_db()
        assert subscriber.status == "confirmed"

        response = client.post(url)
        assert response.status_code == 200
        subscriber.refresh_from_db()
        assert subscriber.status == "unsubscribed"
        assert subscriber.unsubscribed_at is not None

    def test_rfc8058_one_click_post_from_a_mail_provider(self):
        """Mail providers POST List-Unsubscribe=One-Click with no cookie or origin."""
        subscriber = make_subscriber()
        client = Client(enforce_csrf_checks=True)
        response = client.post(
            subscriber.get_unsubscribe_url(),
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        subscriber.refresh_from_db()
        assert subscriber.status == "unsubscribed"

    def test_unsubscribe_link_never_expires(self, client, settings):
        subscriber = make_subscriber()
        settings.NEWSLETTER_CONFIRM_MAX_AGE = -1
        assert client.post(subscriber.get_unsubscribe_url()).status_code == 200

    @pytest.mark.parametrize("token", ["nope", "1:abc:def", "W10:1v:xyz"])
    def test_bad_token_gets_a_friendly_page(self, client, token):
        url = f"/newsletter/unsubscribe/{token}/"
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 404
            assert "doesn" in response.text

    def test_unsubscribing_twice_is_harmless(self, client):
        subscriber = make_subscriber()
        client.post(subscriber.get_unsubscribe_url())
        response = client.post(subscriber.get_unsubscribe_url())
        assert response.status_code == 200


def token_minted_ago(subscriber, seconds, monkeypatch):
    """A confirmation token as if it had been mailed `seconds` ago."""
    with monkeypatch.context() as patch:
        patch.setattr(
            signing.TimestampSigner,
            "timestamp",
            lambda self: signing.b62_encode(int(time.time() - seconds)),
        )
        return subscriber.confirm_token()


class TestTokenAge:
    def test_confirm_link_older_than_the_limit_is_expired(self, monkeypatch, settings):
        subscriber = make_subscriber(status="pending")
        age = settings.NEWSLETTER_CONFIRM_MAX_AGE + 60
        token = token_minted_ago(subscriber, age, monkeypatch)
        with pytest.raises(tokens.TokenExpired):
            Subscriber.objects.from_token(token, tokens.CONFIRM)

    def test_confirm_link_within_the_limit_works(self, monkeypatch, settings):
        subscriber = make_subscriber(status="pending")
        age = settings.NEWSLETTER_CONFIRM_MAX_AGE - 3600
        token = token_minted_ago(subscriber, age, monkeypatch)
        assert Subscriber.objects.from_token(token, tokens.CONFIRM) == subscriber


class TestRateLimits:
    def test_per_ip_limit_answers_429_with_a_friendly_page(self, client, settings):
        settings.NEWSLETTER_SIGNUP_RATE_PER_IP = "3/h"
        for i in range(3):
            assert post_signup(client, f"fan{i}@example.com").status_code == 302
        response = post_signup(client, "fan9@example.com")
        assert response.status_code == 429
        assert "Too many" in response.text
        assert Subscriber.objects.count() == 3
        other = Client(REMOTE_ADDR="203.0.113.9")
        assert post_signup(other, "fan9@example.com").status_code == 302

    def test_per_address_limit_is_silent_so_it_reveals_nothing(self, settings):
        """An error for a busy address would tell a stranger it had just signed up."""
        settings.NEWSLETTER_SIGNUP_RATE_PER_ADDRESS = "2/h"
        replies = [
            post_signup(Client(REMOTE_ADDR=f"198.51.100.{i}"), "Fan@example.com")
            for i in range(4)
        ]
        assert {r.status_code for r in replies} == {302}
        assert len(mail.outbox) == 2  # the mailbox is not flooded
        other = post_signup(Client(), "other@example.com")
        assert other.status_code == 302
        assert len(mail.outbox) == 3

    def test_limits_are_counted_in_the_cache(self, settings):
        from django.core.cache import cache

        settings.NEWSLETTER_SIGNUP_RATE_PER_IP = "1/h"
        client = Client()
        post_signup(client, "a@example.com")
        assert post_signup(client, "b@example.com").status_code == 429
        cache.clear()
        assert post_signup(client, "b@example.com").status_code == 302


class FailingMailer:
    """A mail backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


class TestConfirmationMailFailure:
    @pytest.fixture
    def mail_down(self, settings):
        settings.MAILERS = {
            "default": {"BACKEND": "tests.test_newsletter.FailingMailer"}
        }
        return settings

    def test_signup_is_kept_and_the_reply_unchanged(self, client, mail_down):
        response = post_signup(client, "fan@example.com")
        assert response.status_code == 302
        subscriber = Subscriber.objects.get()
        assert subscriber.status == "pending"
        assert subscriber.confirmation_sent_at is None
        assert "mail server down" in subscriber.mail_error

    def test_signing_up_again_retries_the_mail(self, client, mail_down, settings):
        post_signup(client, "fan@example.com")
        settings.MAILERS = {  # the server is back
            "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
        }
        post_signup(client, "fan@example.com")
        subscriber = Subscriber.objects.get()
        assert subscriber.confirmation_sent_at is not None
        assert subscriber.mail_error == ""
        [message] = mail.outbox
        assert "confirm" in message.subject.lower()


RACE_SCRIPT = """
import json, sys, threading
import django
django.setup()
from django.conf import settings
from django.db import connection
from django.test import Client
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
settings.MAILERS = {"default": {"BACKEND": LOCMEM}}
settings.RATELIMIT_ENABLE = sys.argv[2] == "1"
from newsletter.models import Subscriber
from tests.test_newsletter import race_threads
statuses = race_threads(sys.argv[1], int(sys.argv[3]))
print(json.dumps({
    "statuses": statuses,
    "rows": list(Subscriber.objects.values_list("email", "status")),
}))
"""


def race_threads(email, threads):
    """POST one signup from `threads` threads at the same instant; their statuses."""
    barrier = threading.Barrier(threads)
    statuses = []

    def sign_up(i):
        try:
            client = Client(REMOTE_ADDR=f"10.0.{i // 250}.{i % 250 + 1}")
            barrier.wait()
            statuses.append(post_signup(client, email).status_code)
        except Exception as exc:  # noqa: BLE001 - reported as a failed reply
            statuses.append(repr(exc))
        finally:
            connection.close()

    workers = [threading.Thread(target=sign_up, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return statuses


@pytest.mark.django_db(transaction=True)
class TestConcurrentSignups:
    """Fifty simultaneous signups for one address: one subscriber, no error reply.

    Real threads, each with its own database connection, race on the unique index.
    PostgreSQL (CI's second run) runs them in this process. SQLite's in-memory test
    database cannot take writes from several connections at once (it fails with
    "table is locked" instead of waiting), so on SQLite the race runs in a
    subprocess against a file copy of the test database: the embedded default.
    """

    THREADS = 50

    def race(self, email, *, limits, tmp_path):
        if connection.features.test_db_allows_multiple_connections:
            with override_settings(RATELIMIT_ENABLE=limits):
                statuses = race_threads(email, self.THREADS)
            return statuses, list(Subscriber.objects.values_list("email", "status"))
        path = tmp_path / "race.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{path}",
            "DJANGO_SETTINGS_MODULE": "tests.settings",
        }
        args = [email, "1" if limits else "0", str(self.THREADS)]
        done = subprocess.run(
            [sys.executable, "-c", RACE_SCRIPT, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parent.parent,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout.strip().splitlines()[-1])
        return result["statuses"], [tuple(row) for row in result["rows"]]

    @pytest.mark.parametrize("limits", [True, False], ids=["limits-on", "limits-off"])
    def test_one_subscriber_and_no_error_reply(self, limits, tmp_path):
        statuses, rows = self.race("Race@Example.com", limits=limits, tmp_path=tmp_path)
        assert statuses == [302] * self.THREADS
        assert rows == [("race@example.com", "pending")]

    def test_race_on_an_unsubscribed_address_leaves_one_pending_row(self, tmp_path):
        make_subscriber("race@example.com", status="unsubscribed")
        statuses, rows = self.race("race@example.com", limits=False, tmp_path=tmp_path)
        assert statuses == [302] * self.THREADS
        assert rows == [("race@example.com", "pending")]
