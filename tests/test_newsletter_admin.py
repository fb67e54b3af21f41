"""The newsletter back office: subscribers and composing, previewing, sending issues."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Delivery, Issue, Subscriber
from tests.test_newsletter_sending import make_article, make_issue, make_subscribers

pytestmark = pytest.mark.django_db

SUBSCRIBERS = reverse("admin:newsletter_subscriber_changelist")
ISSUES = reverse("admin:newsletter_issue_changelist")


@pytest.fixture
def editor(client):
    """Staff with every newsletter permission but not superuser."""
    user = User.objects.create_user("editor", "editor@example.com", "pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="newsletter")
    )
    client.force_login(user)
    return client


@pytest.fixture
def clerk(client):
    """Staff who may edit issues but not send them."""
    user = User.objects.create_user("clerk", "clerk@example.com", "pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="newsletter").exclude(
            codename="send_issue"
        )
    )
    client.force_login(user)
    return client


def action(client, name, subscribers):
    return client.post(
        SUBSCRIBERS,
        {"action": name, "_selected_action": [s.pk for s in subscribers]},
    )


class TestSubscriberList:
    @pytest.mark.parametrize("n", [1, 30])
    def test_query_count_does_not_grow(
        self, admin_client, n, django_assert_max_num_queries
    ):
        make_subscribers(n)
        with django_assert_max_num_queries(8):
            response = admin_client.get(SUBSCRIBERS)
        assert response.status_code == 200

    @pytest.mark.parametrize(
        "query",
        [
            "status__exact=confirmed",
            "source__exact=footer",
            "confirmation=failed",
            "confirmation=unsent",
            "confirmation=sent",
            "created_at__gte=2020-01-01+00%3A00%3A00%2B00%3A00",
            "q=reader1",
            "created_at__year=2099",
        ],
    )
    def test_filters_and_search_work(self, admin_client, query):
        make_subscribers(3)
        response = admin_client.get(f"{SUBSCRIBERS}?{query}")
        assert response.status_code == 200

    def test_filters_narrow_the_list(self, admin_client):
        Subscriber.objects.create(email="a@example.com", source="footer")
        Subscriber.objects.create(email="b@example.com", source="home", mail_error="x")
        response = admin_client.get(f"{SUBSCRIBERS}?source__exact=footer")
        assert "a@example.com" in response.text and "b@example.com" not in response.text
        response = admin_client.get(f"{SUBSCRIBERS}?confirmation=failed")
        assert "b@example.com" in response.text and "a@example.com" not in response.text

    @pytest.mark.parametrize("query", ["status__exact=nonsense", "created_at__gte=x"])
    def test_bad_filter_values_do_not_crash(self, admin_client, query):
        assert admin_client.get(f"{SUBSCRIBERS}?{query}").status_code in (200, 302)

    def test_shows_signups_per_day(self, admin_client):
        make_subscribers(3)
        Subscriber.objects.filter(email="reader0@example.com").update(
            created_at=timezone.now() - timedelta(days=2)
        )
        response = admin_client.get(SUBSCRIBERS)
        rows = response.context["signups_per_day"]
        assert [row["signups"] for row in rows] == [2, 1]
        assert "Signups per day" in response.text

    def test_csv_export_has_every_selected_row_and_neutralises_formulas(
        self, admin_client
    ):
        subscribers = make_subscribers(3)
        evil = Subscriber.objects.create(email="=cmd@example.com", consent_text="ok")
        response = action(admin_client, "export_csv", [*subscribers, evil])
        assert response["Content-Type"] == "text/csv"
        body = b"".join(response.streaming_content).decode()
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[0][:3] == ["email", "status", "source"]
        assert len(rows) == 5
        assert [r[0] for r in rows if "cmd" in r[0]] == ["'=cmd@example.com"]

    def test_send_confirmation_again_to_pending_only(self, admin_client):
        pending = make_subscribers(2, status="pending")
        confirmed = make_subscribers(1, prefix="done")
        response = action(admin_client, "send_confirmation_again", pending + confirmed)
        assert response.status_code == 302
        assert sorted(m.to[0] for m in mail.outbox) == [s.email for s in pending]
        assert all(
            s.confirmation_sent_at for s in Subscriber.objects.filter(status="pending")
        )

    def test_send_confirmation_again_reports_failures(self, admin_client, settings):
        settings.MAILERS = {
            "default": {"BACKEND": "tests.test_newsletter.FailingMailer"}
        }
        pending = make_subscribers(1, status="pending")
        response = action(admin_client, "send_confirmation_again", pending)
        messages = [str(m) for m in response.wsgi_request._messages]
        assert any("failed" in m for m in messages)
        assert Subscriber.objects.get().mail_error

    def test_unsubscribe_action(self, admin_client):
        leaving, staying = make_subscribers(2)
        action(admin_client, "unsubscribe", [leaving])
        leaving.refresh_from_db()
        staying.refresh_from_db()
        assert (leaving.status, staying.status) == ("unsubscribed", "confirmed")
        assert leaving.unsubscribed_at is not None

    def test_subscriber_added_by_staff_is_marked_as_such(self, admin_client):
        admin_client.post(
            reverse("admin:newsletter_subscriber_add"),
            {"email": "desk@example.com", "status": "pending"},
        )
        assert Subscriber.objects.get().source == "admin"


class TestIssueAdmin:
    def test_new_issue_without_stories_gets_those_published_since_the_last(
        self, admin_client
    ):
        recent = make_article(1, days_ago=1)
        make_article(2, days_ago=30)
        response = admin_client.post(
            reverse("admin:newsletter_issue_add"),
            {
                "subject": "Weekly",
                "intro": "Hi",
                "issuestory_set-TOTAL_FORMS": "0",
                "issuestory_set-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302
        assert list(Issue.objects.get().stories.all()) == [recent]

    def test_draft_article_cannot_be_picked(self, admin_client):
        draft = make_article(1, status="draft")
        response = admin_client.post(
            reverse("admin:newsletter_issue_add"),
            {
                "subject": "Weekly",
                "issuestory_set-TOTAL_FORMS": "1",
                "issuestory_set-INITIAL_FORMS": "0",
                "issuestory_set-0-position": "0",
                "issuestory_set-0-article": str(draft.pk),
            },
        )
        assert response.status_code == 200
        assert not Issue.objects.exists()

    @pytest.mark.parametrize("n", [1, 8])
    def test_changelist_counts_deliveries_in_fixed_queries(
        self, admin_client, n, django_assert_max_num_queries
    ):
        readers = make_subscribers(3)
        article = make_article(1)
        for i in range(n):
            issue = make_issue([article], subject=f"Issue {i}")
            Delivery.objects.bulk_create(
                Delivery(issue=issue, subscriber=r, status="sent", run="x")
                for r in readers
            )
        with django_assert_max_num_queries(8):
            response = admin_client.get(ISSUES)
        assert response.status_code == 200
        assert '<td class="field-delivered">3</td>' in response.text

    def test_preview_shows_the_mail_html_and_text(self, admin_client):
        issue = make_issue([make_article(1)])
        url = reverse("admin:newsletter_preview", args=[issue.pk])
        html = admin_client.get(url)
        assert html.status_code == 200
        assert "Story number 1 &amp; friends" in html.text
        assert all(
            u.startswith("http://testserver/")
            for u in re.findall(r'href="([^"]+)"', html.text)
        )
        text = admin_client.get(url + "?format=text")
        assert text["Content-Type"].startswith("text/plain")
        assert "Story number 1 & friends" in text.text

    def test_preview_of_a_missing_issue_is_404(self, admin_client):
        url = reverse("admin:newsletter_preview", args=[999])
        assert admin_client.get(url).status_code == 404

    def test_send_test_goes_to_the_editor_only(self, editor):
        make_subscribers(3)
        issue = make_issue([make_article(1)])
        editor.post(reverse("admin:newsletter_send_test", args=[issue.pk]))
        [message] = mail.outbox
        assert message.to == ["editor@example.com"]
        issue.refresh_from_db()
        assert issue.test_sent_at is not None
        assert issue.status == "draft"

    def test_send_test_without_an_address_explains(self, admin_client, admin_user):
        admin_user.email = ""
        admin_user.save()
        issue = make_issue([make_article(1)])
        response = admin_client.post(
            reverse("admin:newsletter_send_test", args=[issue.pk]), follow=True
        )
        assert "Add an e-mail address" in response.text
        assert not mail.outbox

    def test_send_page_asks_then_sends_to_every_confirmed_reader(self, editor):
        make_subscribers(4)
        make_subscribers(1, status="pending", prefix="p")
        issue = make_issue([make_article(1)])
        url = reverse("admin:newsletter_send", args=[issue.pk])
        page = editor.get(url)
        assert page.status_code == 200
        assert page.context["recipients"] == 4
        assert "db_worker" in page.text  # warns that the page will wait
        assert not mail.outbox
        response = editor.post(url, follow=True)
        assert "Sent to 4 readers" in response.text
        assert len(mail.outbox) == 4
        issue.refresh_from_db()
        assert issue.status == "sent"
        # A second press sends nothing more.
        editor.post(url)
        assert len(mail.outbox) == 4

    def test_with_a_worker_backend_the_send_is_queued(self, editor, settings):
        settings.TASKS = {
            "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}
        }
        make_subscribers(2)
        issue = make_issue([make_article(1)])
        url = reverse("admin:newsletter_send", args=[issue.pk])
        assert "db_worker" not in editor.get(url).text
        response = editor.post(url, follow=True)
        assert "in the background" in response.text
        assert not mail.outbox
        issue.refresh_from_db()
        assert issue.status == "sending"
        assert "Resume sending" in response.text

    def test_issue_without_stories_is_not_sent(self, editor):
        make_subscribers(2)
        issue = Issue.objects.create(subject="Empty")
        editor.post(reverse("admin:newsletter_send", args=[issue.pk]))
        assert not mail.outbox

    def test_staff_without_the_send_permission_cannot_send(self, clerk):
        make_subscribers(2)
        issue = make_issue([make_article(1)])
        url = reverse("admin:newsletter_send", args=[issue.pk])
        assert clerk.get(url).status_code == 403
        assert clerk.post(url).status_code == 403
        assert not mail.outbox

    def test_sent_issue_is_read_only(self, admin_client):
        issue = make_issue([make_article(1)], subject="Done")
        Issue.objects.filter(pk=issue.pk).update(status="sent")
        url = reverse("admin:newsletter_issue_change", args=[issue.pk])
        page = admin_client.get(url)
        assert page.status_code == 200
        assert 'name="subject"' not in page.text
        assert 'name="issuestory_set-0-article"' not in page.text
        assert "Send to subscribers" not in page.text


class TestStoriesNoLongerLive:
    """An issue composed with a story that is later unpublished (and perhaps
    rewritten) must not mail it; the desk sees what was left out."""

    @pytest.fixture
    def issue(self):
        live, pulled = make_article(1), make_article(2)
        issue = make_issue([live, pulled])
        pulled.status = "draft"
        pulled.headline = "Rewritten while off the site"
        pulled.save()
        return issue

    def test_the_digest_mails_only_stories_live_at_send_time(self, editor, issue):
        make_subscribers(2)
        editor.post(reverse("admin:newsletter_send", args=[issue.pk]))
        assert len(mail.outbox) == 2
        for message in mail.outbox:
            assert "Story number 1" in message.body
            assert "Rewritten" not in message.body
            assert "story-2" not in message.alternatives[0].content

    def test_a_story_scheduled_for_later_is_not_mailed_either(self, editor):
        make_subscribers(1)
        later = make_article(3, days_ago=-1)
        issue = make_issue([make_article(1), later])
        editor.post(reverse("admin:newsletter_send", args=[issue.pk]))
        [message] = mail.outbox
        assert "Story number 3" not in message.body

    def test_issue_and_send_pages_name_the_stories_left_out(self, editor, issue):
        for url in (
            reverse("admin:newsletter_issue_change", args=[issue.pk]),
            reverse("admin:newsletter_send", args=[issue.pk]),
        ):
            page = editor.get(url)
            assert page.status_code == 200
            assert "Left out of the mail" in page.text
            assert "Rewritten while off the site" in page.text
            assert "(draft)" in page.text

    def test_nothing_is_sent_when_no_story_is_live(self, editor):
        make_subscribers(2)
        article = make_article(1)
        issue = make_issue([article])
        article.status = "draft"
        article.save()
        response = editor.post(
            reverse("admin:newsletter_send", args=[issue.pk]), follow=True
        )
        assert "Add at least one live story" in response.text
        assert not mail.outbox

    def test_the_command_mails_only_live_stories_and_names_the_rest(self, issue):
        from io import StringIO

        from django.core.management import call_command

        make_subscribers(1)
        out = StringIO()
        call_command("send_newsletter", "--issue", str(issue.pk), stdout=out)
        assert "Left out, not live now: Rewritten while off the site" in out.getvalue()
        [message] = mail.outbox
        assert "Story number 1" in message.body
        assert "Rewritten" not in message.body

    def test_the_command_refuses_an_issue_with_no_live_story(self):
        from django.core.management import CommandError, call_command

        make_subscribers(1)
        article = make_article(1)
        issue = make_issue([article])
        article.status = "draft"
        article.save()
        with pytest.raises(CommandError, match="None of issue"):
            call_command("send_newsletter", "--issue", str(issue.pk))
        assert not mail.outbox
        assert Issue.objects.get().status == "draft"
