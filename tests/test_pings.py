"""IndexNow and WebSub pings when stories go live, change or are taken down.

A local HTTP receiver on 127.0.0.1 stands in for the IndexNow endpoint and the hub;
nothing ever reaches the real services.
"""

import socket
from datetime import timedelta
from urllib.parse import parse_qs
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles import services
from articles.models import Status
from tests.factories import make_article, make_author, make_show, make_topic, make_user
from tests.receivers import Receiver

pytestmark = pytest.mark.django_db

KEY = "0123456789abcdef-key"


@pytest.fixture
def receiver():
    receiver = Receiver(default_status=200)
    yield receiver
    receiver.close()


@pytest.fixture
def pings_on(settings, receiver):
    settings.INDEXNOW_KEY = KEY
    settings.INDEXNOW_ENDPOINT = f"{receiver.url}/indexnow"
    settings.WEBSUB_HUB_URL = f"{receiver.url}/hub"
    return receiver


def hub_feeds(receiver):
    return sorted(parse_qs(r.body.decode())["hub.url"][0] for r in receiver.to("/hub"))


def publish_story(capture, **fields):
    with capture(execute=True):
        return make_article(**fields)


class TestWhenPingsGoOut:
    def test_publishing_pings_indexnow_and_the_hub_for_every_feed_of_the_story(
        self, pings_on, django_capture_on_commit_callbacks
    ):
        writer = make_author("Grace Morris", slug="grace-morris")
        article = publish_story(
            django_capture_on_commit_callbacks,
            slug="renewed",
            authors=[writer],
            topics=[make_topic("Netflix")],
            shows=[make_show("Heartstopper")],
        )
        [indexnow] = pings_on.to("/indexnow")
        assert indexnow.headers["content-type"].startswith("application/json")
        assert indexnow.json() == {
            "host": "testserver",
            "key": KEY,
            "keyLocation": f"http://testserver/{KEY}.txt",
            "urlList": [f"http://testserver{article.get_absolute_url()}"],
        }
        assert hub_feeds(pings_on) == [
            "http://testserver/authors/grace-morris/feed/",
            "http://testserver/feeds/latest/",
            "http://testserver/feeds/latest/atom/",
            "http://testserver/shows/heartstopper/feed/",
            "http://testserver/topics/netflix/feed/",
        ]
        assert all(
            parse_qs(r.body.decode())["hub.mode"] == ["publish"]
            for r in pings_on.to("/hub")
        )

    def test_editing_a_live_story_pings_again(
        self, pings_on, django_capture_on_commit_callbacks
    ):
        article = publish_story(django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            article.standfirst = "Now with the cast's reaction."
            article.save()
        assert len(pings_on.to("/indexnow")) == 2

    def test_a_save_that_changes_nothing_readers_see_sends_nothing(
        self, pings_on, django_capture_on_commit_callbacks
    ):
        article = publish_story(django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            services.article_feature(article=article, by=make_user("editor"))
        assert len(pings_on.to("/indexnow")) == 1

    def test_taking_a_story_down_pings_so_engines_drop_it(
        self, pings_on, django_capture_on_commit_callbacks
    ):
        article = publish_story(django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            services.article_unpublish(article=article, by=make_user("editor"))
        assert len(pings_on.to("/indexnow")) == 2

    def test_drafts_and_scheduled_stories_are_not_pinged(
        self, pings_on, django_capture_on_commit_callbacks
    ):
        publish_story(django_capture_on_commit_callbacks, status=Status.DRAFT)
        publish_story(
            django_capture_on_commit_callbacks,
            publish_at=timezone.now() + timedelta(hours=1),
        )
        assert pings_on.requests == []

    def test_nothing_is_sent_while_the_settings_are_unset(
        self, receiver, django_capture_on_commit_callbacks
    ):
        article = publish_story(django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            article.headline = "Changed"
            article.save()
        assert receiver.requests == []

    def test_only_indexnow_when_only_its_key_is_set(
        self, settings, receiver, django_capture_on_commit_callbacks
    ):
        settings.INDEXNOW_KEY = KEY
        settings.INDEXNOW_ENDPOINT = f"{receiver.url}/indexnow"
        publish_story(django_capture_on_commit_callbacks)
        assert [r.path for r in receiver.requests] == ["/indexnow"]


class TestRetries:
    def test_a_busy_or_failing_service_is_tried_again_up_to_three_times(
        self, pings_on, django_capture_on_commit_callbacks
    ):
        pings_on.answer("/indexnow", 503, 429)
        publish_story(django_capture_on_commit_callbacks)
        assert len(pings_on.to("/indexnow")) == 3  # 503, 429, then 200

    def test_attempts_are_bounded(self, pings_on, django_capture_on_commit_callbacks):
        pings_on.answer("/indexnow", 500, 500, 500, 500, 500)
        publish_story(django_capture_on_commit_callbacks)
        assert len(pings_on.to("/indexnow")) == 3

    def test_a_refusal_is_not_retried(
        self, pings_on, django_capture_on_commit_callbacks
    ):
        pings_on.answer("/indexnow", 422)
        publish_story(django_capture_on_commit_callbacks)
        assert len(pings_on.to("/indexnow")) == 1

    def test_an_unreachable_service_never_fails_the_editors_save(
        self, settings, django_capture_on_commit_callbacks
    ):
        with socket.socket() as closed:  # a port nothing listens on
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
        settings.INDEXNOW_KEY = KEY
        settings.INDEXNOW_ENDPOINT = f"http://127.0.0.1:{port}/indexnow"
        settings.WEBSUB_HUB_URL = f"http://127.0.0.1:{port}/hub"
        article = publish_story(django_capture_on_commit_callbacks)
        assert article.is_published


class TestKeyFile:
    def test_the_key_file_holds_the_key(self, client, settings):
        settings.INDEXNOW_KEY = KEY
        response = client.get(f"/{KEY}.txt")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode() == KEY

    @pytest.mark.parametrize("key", ["", "another-key-123"])
    def test_no_key_file_without_the_key_or_for_another_name(
        self, client, settings, key
    ):
        settings.INDEXNOW_KEY = key
        assert client.get(f"/{KEY}.txt").status_code == 404

    def test_robots_txt_is_still_robots(self, client, settings):
        settings.INDEXNOW_KEY = KEY
        assert b"Sitemap" in client.get("/robots.txt").content


ATOM = "{http://www.w3.org/2005/Atom}"


def links(body, tag):
    """{rel: href} of the feed's own link elements."""
    root = ElementTree.fromstring(body)  # noqa: S314 - our own feed
    channel = root.find("channel")
    parent = channel if channel is not None else root
    return {link.get("rel"): link.get("href") for link in parent.findall(tag)}


class TestFeedsNameTheHub:
    @pytest.mark.parametrize("url", ["/feeds/latest/", "/topics/netflix/feed/"])
    def test_rss_feeds_name_the_hub_and_themselves(self, client, settings, url):
        settings.WEBSUB_HUB_URL = "https://hub.example/"
        make_topic("Netflix")
        found = links(client.get(url).content, f"{ATOM}link")
        assert found == {
            "hub": "https://hub.example/",
            "self": f"http://testserver{url}",
        }

    def test_the_atom_feed_names_the_hub_and_itself(self, client, settings):
        settings.WEBSUB_HUB_URL = "https://hub.example/"
        found = links(client.get("/feeds/latest/atom/").content, f"{ATOM}link")
        assert found["hub"] == "https://hub.example/"
        assert found["self"] == "http://testserver/feeds/latest/atom/"

    def test_no_hub_link_without_a_hub(self, client):
        assert "hub" not in links(client.get("/feeds/latest/").content, f"{ATOM}link")
