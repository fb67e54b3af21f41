"""The page cache and its tags: a change reaches every cached page that shows it at
once, and only those; scheduled stories appear on time; a page is served while the
database is down; the key ignores parameters pages do not read.

Purges run on commit, so tests that change content run the commit callbacks
(`django_capture_on_commit_callbacks(execute=True)`), as autocommit does in the app.
"""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from articles.models import Article, Status
from core import cache_tags
from tests.factories import (
    make_article,
    make_author,
    make_person,
    make_show,
    make_topic,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.CACHE_MIDDLEWARE_SECONDS = 600
    cache.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what a change would run on commit (the purges)."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, response.content.decode()


class TestHitAndMiss:
    def test_first_request_misses_then_hits_without_a_query(
        self, client, django_assert_num_queries
    ):
        make_article(headline="Renewed for two more seasons")
        first, _ = get(client, "/")
        assert first["X-Cache"] == "MISS"
        with django_assert_num_queries(0):
            second, html = get(client, "/")
        assert second["X-Cache"] == "HIT"
        assert "Renewed for two more seasons" in html
        assert second.content == first.content
        assert "default-src 'self'" in second["Content-Security-Policy"]
        assert not second.cookies

    def test_responses_name_their_tags_for_varnish_and_cdns(self, client):
        topic = make_topic("Netflix", in_navigation=True)
        story = make_article(topics=[topic], hero=True)
        response, _ = get(client, story.get_absolute_url())
        tags = set(response["xkey"].split())
        assert tags == set(response["Surrogate-Key"].split())
        author = story.authors.get()
        assert {
            f"article-{story.pk}",
            f"topic-{topic.pk}",
            f"author-{author.pk}",
            f"image-{story.hero_image_id}",
            "navigation",
        } <= tags

    def test_list_pages_carry_their_list_tag(self, client):
        make_article()
        for url in ("/", "/feeds/latest/", "/sitemap.xml", "/search/?q=story"):
            response, _ = get(client, url)
            assert "article-list" in response["xkey"].split(), url

    def test_cache_hit_answers_before_sessions_and_auth_run(self, client, settings):
        get(client, "/")
        # Behind the page cache now sits a middleware that fails every request:
        # a hit never reaches it (nor sessions, CSRF, auth, messages behind it).
        at = settings.MIDDLEWARE.index("newsroom.page_cache.PageCacheMiddleware")
        settings.MIDDLEWARE = [
            *settings.MIDDLEWARE[: at + 1],
            "tests.test_freshness.explode_middleware",
            *settings.MIDDLEWARE[at + 1 :],
        ]
        response, _ = get(Client(), "/")
        assert response.status_code == 200
        assert response["X-Cache"] == "HIT"

    def test_a_request_with_cookies_is_rendered_and_never_public(self, client):
        get(client, "/")
        client.cookies["sessionid"] = "anything"
        response, _ = get(client, "/")
        assert "X-Cache" not in response
        assert "public" not in response["Cache-Control"]
        assert "private" in response["Cache-Control"]

    def test_staff_and_private_pages_are_never_stored(self, client, admin_client):
        admin_client.get("/")
        assert "X-Cache" not in admin_client.get("/")
        get(client, "/healthz")
        assert "X-Cache" not in get(client, "/healthz")[0]

    def test_anonymous_cache_control_lets_caches_serve_stale(self, client):
        control = get(client, "/")[0]["Cache-Control"]
        assert "public" in control
        assert "stale-while-revalidate=" in control
        assert "stale-if-error=" in control
        assert "s-maxage=" in control


class TestQueryParameters:
    def test_tracking_parameters_neither_miss_nor_add_entries(self, client):
        make_article()
        get(client, "/")
        for extra in ("utm_source=x&utm_medium=y", "fbclid=abc", "_=12345"):
            response, _ = get(client, f"/?{extra}")
            assert response["X-Cache"] == "HIT", extra

    def test_parameters_a_page_reads_make_their_own_entry(self, client):
        topic = make_topic("Netflix")
        for _ in range(13):
            make_article(topics=[topic])
        first, _ = get(client, "/topics/netflix/")
        second, _ = get(client, "/topics/netflix/?page=2")
        assert second["X-Cache"] == "MISS"
        assert first.content != second.content
        assert (
            get(client, "/topics/netflix/?page=2&utm_source=x")[0]["X-Cache"] == "HIT"
        )


class TestConditionalGet:
    def test_etag_and_304_on_a_hit_and_a_miss(self, client):
        first, _ = get(client, "/")
        etag = first["ETag"]
        assert etag
        again = client.get("/", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again["ETag"] == etag
        cache.clear()
        fresh = client.get("/", headers={"If-None-Match": etag})
        assert fresh.status_code == 304


class TestPreciseInvalidation:
    def test_a_new_story_shows_at_once_on_home_its_topic_and_writer(
        self, client, commit
    ):
        topic = make_topic("Netflix")
        author = make_author("Grace Morris", slug="grace-morris")
        make_article(topics=[topic], authors=[author])
        for url in (
            "/",
            "/topics/netflix/",
            "/authors/grace-morris/",
            "/feeds/latest/",
        ):
            get(client, url)
        commit(
            make_article,
            headline="Heartstopper renewed",
            topics=[topic],
            authors=[author],
        )
        for url in (
            "/",
            "/topics/netflix/",
            "/authors/grace-morris/",
            "/feeds/latest/",
        ):
            response, html = get(client, url)
            assert response["X-Cache"] == "MISS", url
            assert "Heartstopper renewed" in html, url

    def test_a_correction_reaches_the_story_and_every_list_showing_it(
        self, client, commit
    ):
        topic = make_topic("Netflix")
        story = make_article(headline="Renewed for two seasons", topics=[topic])
        get(client, story.get_absolute_url())
        get(client, "/topics/netflix/")
        story.headline = "Renewed for three seasons"
        commit(story.save)
        for url in (story.get_absolute_url(), "/topics/netflix/"):
            response, html = get(client, url)
            assert "Renewed for three seasons" in html, url

    def test_pages_that_do_not_show_the_change_stay_cached(self, client, commit):
        netflix, bbc = make_topic("Netflix"), make_topic("BBC")
        story = make_article(topics=[netflix])
        other = make_article(topics=[bbc])
        get(client, other.get_absolute_url())
        get(client, "/topics/bbc/")
        story.headline = "Changed"
        commit(story.save)
        assert get(client, other.get_absolute_url())[0]["X-Cache"] == "HIT"
        assert get(client, "/topics/bbc/")[0]["X-Cache"] == "HIT"

    def test_a_page_found_current_after_another_purge_still_sees_its_own(
        self, client, commit
    ):
        """A hit re-checks tag versions only once the purge counter has moved; the
        entry then remembers the counter, and a later purge of its own tag still
        reaches it."""
        story = make_article(headline="First words")
        get(client, story.get_absolute_url())
        cache_tags.purge_now({"topic-99999"})  # elsewhere
        assert get(client, story.get_absolute_url())[0]["X-Cache"] == "HIT"
        assert get(client, story.get_absolute_url())[0]["X-Cache"] == "HIT"
        story.headline = "Second words"
        commit(story.save)
        response, html = get(client, story.get_absolute_url())
        assert response["X-Cache"] == "MISS"
        assert "Second words" in html

    def test_a_purge_made_by_another_server_arrives_within_the_counter_window(
        self, client, settings, monkeypatch
    ):
        """Hits trust this process's reading of the purge counter for
        PAGE_CACHE_COUNTER_SECONDS; a purge another server made shows after it."""
        settings.PAGE_CACHE_COUNTER_SECONDS = 0.25
        story = make_article(headline="Before")
        get(client, story.get_absolute_url())
        assert get(client, story.get_absolute_url())[0]["X-Cache"] == "HIT"
        # Another server edits the story and purges: the shared cache changes, this
        # process's reading of the counter does not.
        Article.objects.filter(pk=story.pk).update(headline="After")
        version = cache.incr("cachetag:counter")
        cache.set(f"cachetag:v:article-{story.pk}", version, None)
        assert get(client, story.get_absolute_url())[0]["X-Cache"] == "HIT"
        later = time.monotonic() + 0.3
        monkeypatch.setattr(time, "monotonic", lambda: later)
        response, html = get(client, story.get_absolute_url())
        assert response["X-Cache"] == "MISS"
        assert "After" in html

    def test_the_purge_counter_never_goes_back_after_the_cache_loses_it(self):
        before = cache_tags.current_counter()
        cache_tags.purge_now({"article-1"})
        cache.delete("cachetag:counter")
        assert cache_tags.current_counter() > before + 1

    def test_unpublishing_takes_the_story_off_cached_lists(self, client, commit):
        story = make_article(headline="Soon gone")
        get(client, "/")
        story.status = Status.DRAFT
        commit(story.save)
        assert "Soon gone" not in get(client, "/")[1]
        assert get(client, story.get_absolute_url())[0].status_code == 404

    def test_deleting_a_story_takes_it_off_its_topic(self, client, commit):
        topic = make_topic("Netflix")
        story = make_article(headline="Deleted soon", topics=[topic])
        get(client, "/topics/netflix/")
        commit(story.delete)
        assert "Deleted soon" not in get(client, "/topics/netflix/")[1]

    def test_a_picture_caption_change_reaches_pages_showing_it(self, client, commit):
        story = make_article(hero=True)
        get(client, story.get_absolute_url())
        image = story.hero_image
        image.caption = "A brand new caption"
        commit(image.save)
        assert "A brand new caption" in get(client, story.get_absolute_url())[1]

    def test_a_new_cast_member_reaches_the_show_page(self, client, commit):
        from shows.models import Credit

        show = make_show("Heartstopper")
        get(client, "/shows/heartstopper/")
        person = make_person("Kit Connor")
        commit(
            Credit.objects.create,
            show=show,
            person=person,
            role="cast",
            character="Nick Nelson",
            billing=1,
        )
        assert "Nick Nelson" in get(client, "/shows/heartstopper/")[1]

    def test_linking_a_story_to_a_show_reaches_the_show_page(self, client, commit):
        show = make_show("Heartstopper")
        story = make_article(headline="Season four news")
        get(client, "/shows/heartstopper/")
        commit(story.shows.add, show)
        assert "Season four news" in get(client, "/shows/heartstopper/")[1]

    def test_linking_a_person_from_their_side_reaches_their_page(self, client, commit):
        person = make_person("Joe Locke")
        story = make_article(headline="Joe Locke interview")
        get(client, "/people/joe-locke/")
        commit(person.articles.add, story)
        assert "Joe Locke interview" in get(client, "/people/joe-locke/")[1]

    def test_a_navigation_topic_reaches_every_page_header(self, client, commit):
        story = make_article()
        get(client, story.get_absolute_url())
        commit(make_topic, "Reality TV", in_navigation=True)
        assert "Reality TV" in get(client, story.get_absolute_url())[1]

    def test_editing_a_draft_purges_nothing(self, client, commit):
        topic = make_topic("Netflix")
        make_article(topics=[topic])
        get(client, "/topics/netflix/")
        draft = commit(make_article, status=Status.DRAFT, topics=[topic])
        draft.headline = "Still a draft"
        commit(draft.save)
        assert get(client, "/topics/netflix/")[0]["X-Cache"] == "HIT"

    def test_a_page_made_while_its_content_changed_is_not_stored(self, client):
        """What a page read may be older than a purge during its making."""
        story = make_article()
        start = cache_tags.current_counter()
        cache_tags.purge_now({f"article-{story.pk}"})
        assert cache_tags.versions_for_storing({f"article-{story.pk}"}, start) is None
        assert cache_tags.versions_for_storing({"topic-999"}, start + 1) is not None


class TestScheduledStories:
    def test_page_lifetime_stops_at_the_next_scheduled_story(self, client):
        make_article()
        soon = timezone.now() + timedelta(seconds=90)
        make_article(headline="Goes live soon", publish_at=soon)
        response, html = get(client, "/")
        assert "Goes live soon" not in html
        control = response["Cache-Control"]
        max_age = int(control.split("s-maxage=")[1].split(",")[0])
        assert 80 <= max_age <= 90

    def test_the_story_appears_on_cached_pages_when_its_time_comes(
        self, client, monkeypatch
    ):
        make_article()
        soon = timezone.now() + timedelta(seconds=90)
        make_article(headline="Goes live soon", publish_at=soon)
        get(client, "/")
        assert get(client, "/")[0]["X-Cache"] == "HIT"
        # 91 seconds later, by every clock the site reads.
        real_time, real_now = time.time, timezone.now
        monkeypatch.setattr(time, "time", lambda: real_time() + 91)
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=91))
        response, html = get(client, "/")
        assert response["X-Cache"] == "MISS"
        assert "Goes live soon" in html

    def test_rescheduling_earlier_purges_what_was_cached_until_the_old_time(
        self, client, commit
    ):
        make_article()
        story = make_article(
            headline="Moved up", publish_at=timezone.now() + timedelta(hours=2)
        )
        get(client, "/")
        story.publish_at = timezone.now() - timedelta(seconds=1)
        commit(story.save)
        assert "Moved up" in get(client, "/")[1]


class TestSpoilerLift:
    def test_cards_switch_to_the_real_headline_when_spoilers_lift(
        self, client, monkeypatch
    ):
        story = make_article(headline="Who dies in the finale")
        lift = timezone.now() + timedelta(seconds=90)
        Article.objects.filter(pk=story.pk).update(
            safe_headline="The finale, recapped", spoilers_until=lift
        )
        response, html = get(client, "/")
        assert "The finale, recapped" in html
        assert "Who dies in the finale" not in html
        max_age = int(response["Cache-Control"].split("s-maxage=")[1].split(",")[0])
        assert 80 <= max_age <= 90
        real_time, real_now = time.time, timezone.now
        monkeypatch.setattr(time, "time", lambda: real_time() + 91)
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=91))
        assert "Who dies in the finale" in get(client, "/")[1]


class TestDatabaseOutage:
    def test_the_last_good_copy_is_served_while_the_database_is_down(
        self, client, monkeypatch
    ):
        make_article(headline="Still readable")
        get(client, "/")
        cache_tags.purge_now({"article-list"})  # the copy is no longer current

        def down(*args, **kwargs):
            raise OperationalError("connection refused")

        monkeypatch.setattr(Article.objects, "published", down)
        response, html = get(Client(raise_request_exception=False), "/")
        assert response.status_code == 200
        assert response["X-Cache"] == "STALE"
        assert "Still readable" in html


def explode_middleware(get_response):
    def middleware(request):
        raise AssertionError("a cache hit must not reach this middleware")

    return middleware
