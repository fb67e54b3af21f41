"""The "story went live" signal: once per story, whichever way it becomes live."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.tasks import task
from django.utils import timezone

from articles import publication, services
from articles.models import Article, Status
from articles.publication import story_went_live
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def went_live():
    """The ids of the stories story_went_live was sent for, in order."""
    sent = []

    def record(sender, article, **kwargs):
        assert sender is Article
        sent.append(article.pk)

    story_went_live.connect(record, dispatch_uid="tests.went_live")
    yield sent
    story_went_live.disconnect(dispatch_uid="tests.went_live")


@pytest.fixture(autouse=True)
def _requests_look(settings):
    """The suite turns the request-time look off (tests/settings.py); on here."""
    settings.STORY_ANNOUNCE_SECONDS = 30


def scheduled_story_now_due(**fields):
    """A story scheduled for later whose time then came (no commit ran meanwhile)."""
    article = make_article(publish_at=timezone.now() + timedelta(hours=1), **fields)
    Article.objects.filter(pk=article.pk).update(
        publish_at=timezone.now() - timedelta(minutes=1)
    )
    return article


def later(minutes):
    """Patch the clock `minutes` ahead (timezone.now everywhere)."""
    moment = timezone.now() + timedelta(minutes=minutes)
    return mock.patch("django.utils.timezone.now", return_value=moment)


class TestPublishedNow:
    def test_a_story_published_by_a_save_is_announced_once_on_commit(
        self, went_live, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            article = make_article()
            assert went_live == []  # not before the save commits
        assert went_live == [article.pk]
        article.refresh_from_db()
        assert article.announced_at is not None

    def test_saving_again_or_editing_does_not_announce_again(
        self, went_live, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            article = make_article()
        for headline in ["Edited", "Edited again"]:
            with django_capture_on_commit_callbacks(execute=True):
                article.headline = headline
                article.save()
        assert went_live == [article.pk]

    def test_a_stale_copy_saved_later_cannot_clear_the_mark(
        self, went_live, django_capture_on_commit_callbacks
    ):
        """A copy loaded before the announcement still has announced_at None."""
        article = make_article(publish_at=timezone.now() + timedelta(hours=1))
        stale = Article.objects.get(pk=article.pk)
        with django_capture_on_commit_callbacks(execute=True):
            services.article_publish(
                article=article, by=make_user("editor"), at=timezone.now()
            )
        with django_capture_on_commit_callbacks(execute=True):
            stale.headline = "Saved from an old copy"
            stale.save()
        assert Article.objects.get(pk=article.pk).announced_at is not None
        assert publication.announce_due() == 0
        assert went_live == [article.pk]

    def test_drafts_reviews_and_scheduled_stories_are_not_announced(
        self, went_live, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            make_article(status=Status.DRAFT)
            make_article(status=Status.REVIEW)
            make_article(publish_at=timezone.now() + timedelta(hours=1))
        assert went_live == []

    def test_a_queryset_update_that_publishes_announces_on_commit(
        self, went_live, django_capture_on_commit_callbacks
    ):
        draft = make_article(status=Status.DRAFT)
        with django_capture_on_commit_callbacks(execute=True):
            Article.objects.filter(pk=draft.pk).update(
                status=Status.PUBLISHED, publish_at=timezone.now()
            )
        assert went_live == [draft.pk]

    def test_the_admin_publish_action_announces_once(
        self, client, went_live, django_capture_on_commit_callbacks
    ):
        stories = [make_article(status=Status.REVIEW) for _ in range(2)]
        client.force_login(make_user("editor"))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/admin/articles/article/",
                {"action": "publish", "_selected_action": [a.pk for a in stories]},
            )
        assert response.status_code == 302
        assert sorted(went_live) == sorted(a.pk for a in stories)

    def test_a_republished_or_rescheduled_story_is_not_announced_again(
        self, went_live, django_capture_on_commit_callbacks
    ):
        editor = make_user("editor")
        with django_capture_on_commit_callbacks(execute=True):
            article = make_article()
        with django_capture_on_commit_callbacks(execute=True):
            services.article_unpublish(article=article, by=editor)
            services.article_publish(
                article=article, by=editor, at=timezone.now() + timedelta(minutes=5)
            )
        with later(10):
            assert publication.announce_due() == 0
        with django_capture_on_commit_callbacks(execute=True):
            services.article_publish(article=article, by=editor, at=timezone.now())
        assert went_live == [article.pk]


class TestScheduledStories:
    def test_a_scheduled_story_is_announced_when_its_time_has_come(self, went_live):
        article = make_article(publish_at=timezone.now() + timedelta(minutes=5))
        assert publication.announce_due() == 0
        with later(6):
            assert publication.announce_due() == 1
            assert publication.announce_due() == 0
        assert went_live == [article.pk]

    def test_two_processes_noticing_the_same_story_announce_it_once(self, went_live):
        article = scheduled_story_now_due()
        assert publication.announce(article.pk) is True
        assert publication.announce(article.pk) is False
        assert went_live == [article.pk]

    def test_the_next_request_notices_a_due_story(self, client, went_live):
        article = scheduled_story_now_due()
        assert client.get("/robots.txt").status_code == 200
        assert went_live == [article.pk]

    def test_requests_look_at_most_once_per_window(
        self, client, went_live, django_assert_num_queries
    ):
        client.get("/robots.txt")  # this one looks (and finds nothing)
        scheduled_story_now_due()
        with django_assert_num_queries(0):
            client.get("/robots.txt")  # robots.txt itself runs none
        assert went_live == []
        cache.delete(publication.CHECK_KEY)  # the window has passed
        client.get("/robots.txt")
        assert len(went_live) == 1

    def test_a_page_from_the_page_cache_costs_no_query(
        self, client, settings, django_assert_num_queries
    ):
        settings.CACHE_MIDDLEWARE_SECONDS = 60
        make_article()
        client.get("/")
        cache.delete(publication.CHECK_KEY)
        with django_assert_num_queries(0):
            response = client.get("/")
        assert response.status_code == 200

    def test_the_task_worker_notices_a_due_story(self, went_live):
        article = scheduled_story_now_due()
        noop.enqueue()
        assert went_live == [article.pk]

    def test_announce_stories_command(self, went_live):
        due = [scheduled_story_now_due() for _ in range(3)]
        out = io.StringIO()
        call_command("announce_stories", "--dry-run", stdout=out)
        assert "3 stories due." in out.getvalue()
        assert went_live == []
        call_command("announce_stories", stdout=out)
        assert "Announced 3 stories." in out.getvalue()
        assert sorted(went_live) == sorted(a.pk for a in due)

    def test_a_failing_receiver_does_not_stop_the_others_or_the_page(
        self, client, went_live, caplog
    ):
        def broken(sender, article, **kwargs):
            raise RuntimeError("receiver down")

        story_went_live.connect(broken, dispatch_uid="tests.broken")
        try:
            article = scheduled_story_now_due()
            assert client.get("/robots.txt").status_code == 200
        finally:
            story_went_live.disconnect(dispatch_uid="tests.broken")
        assert went_live == [article.pk]
        assert "receiver down" in caplog.text


@task()
def noop():
    return "done"
