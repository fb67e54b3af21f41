"""Topics: the index, topic pages, navigation and pagination."""

from datetime import timedelta

import pytest
from django.core import serializers
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Status, Topic
from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db


class TestTopicModel:
    def test_story_counts_only_count_what_readers_see(self):
        topic = make_topic("Netflix")
        make_article(topics=[topic])
        make_article(topics=[topic], status=Status.DRAFT)
        make_article(topics=[topic], publish_at=timezone.now() + timedelta(hours=1))
        assert Topic.objects.with_story_counts().get(pk=topic.pk).story_count == 1

    def test_rails_hold_each_topics_newest_live_stories(self):
        netflix, film = make_topic("Netflix"), make_topic("Film")
        stories = [
            make_article(
                topics=[netflix], publish_at=timezone.now() - timedelta(hours=h)
            )
            for h in range(1, 7)
        ]
        make_article(topics=[netflix], status=Status.DRAFT)
        only_film = make_article(topics=[film])
        rails = dict(Topic.objects.order_by("name").rails(per_topic=4))
        assert rails[netflix] == stories[:4]
        assert rails[film] == [only_film]

    def test_rails_rank_only_the_newest_stories(self):
        """Bounded work per home page: an old story beyond the window is left out."""
        quiet, busy = make_topic("Quiet"), make_topic("Busy")
        make_article(topics=[quiet], publish_at=timezone.now() - timedelta(days=30))
        recent = [make_article(topics=[busy]) for _ in range(2)]
        rails = Topic.objects.order_by("name").rails(among_newest=2)
        assert [topic for topic, _ in rails] == [busy]
        assert set(rails[0][1]) == set(recent)

    def test_dumped_topics_load_back_by_natural_key(self):
        """taggit's natural keys must survive our own queryset on the manager."""
        topic = make_topic("Netflix")
        assert Topic.objects.get_by_natural_key("Netflix") == topic
        dumped = serializers.serialize("json", [topic], use_natural_primary_keys=True)
        topic.delete()
        (loaded,) = serializers.deserialize("json", dumped)
        loaded.save()
        assert Topic.objects.get(name="Netflix").slug == topic.slug

    def test_topics_without_live_stories_get_no_rail(self):
        empty = make_topic("Empty")
        make_article(topics=[empty], status=Status.DRAFT)
        assert Topic.objects.rails() == []


class TestTopicIndex:
    def test_lists_topics_with_live_stories_and_their_counts(self, client):
        netflix, empty = make_topic("Netflix"), make_topic("Nothing yet")
        make_article(topics=[netflix])
        make_article(topics=[netflix])
        make_article(topics=[empty], status=Status.DRAFT)
        html = client.get("/topics/").content.decode()
        assert f'<a href="{netflix.get_absolute_url()}">Netflix</a>' in html
        assert "2 stories" in html
        assert "Nothing yet" not in html

    @pytest.mark.parametrize("n", [1, 30])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        for _ in range(n):
            make_article(n_topics=1, n_authors=0)
        # +1 on a cold cache: when the next scheduled story goes live.
        with django_assert_max_num_queries(4):
            response = client.get("/topics/")
        assert response.content.decode().count('class="topic-index__item"') == n


class TestTopicPage:
    def test_lists_only_published_stories_newest_first(self, client):
        topic = make_topic("Netflix", description="All about the streamer.")
        old = make_article(
            topics=[topic], publish_at=timezone.now() - timedelta(days=2)
        )
        new = make_article(topics=[topic])
        draft = make_article(topics=[topic], status=Status.DRAFT)
        other = make_article(n_topics=1)
        response = client.get(topic.get_absolute_url())
        assert list(response.context["articles"]) == [new, old]
        html = response.content.decode()
        assert "All about the streamer." in html
        assert draft.headline not in html
        assert other.headline not in html

    def test_empty_topic_says_so(self, client):
        topic = make_topic("Quiet")
        assert "No Quiet stories yet." in client.get(topic.get_absolute_url()).text

    def test_unknown_topic_is_404(self, client):
        assert client.get("/topics/no-such-topic/").status_code == 404

    def test_paginates_with_links_that_keep_other_parameters(self, client):
        topic = make_topic("Many")
        for _ in range(13):
            make_article(topics=[topic], n_authors=0)
        first = client.get(topic.get_absolute_url() + "?utm_source=x")
        assert len(first.context["articles"]) == 12
        assert 'href="?utm_source=x&amp;page=2"' in first.text
        second = client.get(topic.get_absolute_url() + "?page=2")
        assert len(second.context["articles"]) == 1
        assert "Page 2 of 2" in second.text

    @pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", "1.5", "2"])
    def test_bad_page_is_404_not_500(self, client, page):
        topic = make_topic("Few")
        make_article(topics=[topic])
        response = client.get(f"{topic.get_absolute_url()}?page={page}")
        assert response.status_code == 404

    def test_last_page_keyword_works(self, client):
        topic = make_topic("Last")
        make_article(topics=[topic])
        assert client.get(f"{topic.get_absolute_url()}?page=last").status_code == 200

    @pytest.mark.parametrize("n", [1, 12])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        topic = make_topic("Counted")
        for _ in range(n):
            make_article(topics=[topic], n_authors=3, n_topics=2, hero=n == 1)
        # The kinds of story on the topic come with the topic (no query of their
        # own); +1 on a cold cache: when the next scheduled story goes live.
        with django_assert_max_num_queries(7):
            response = client.get(topic.get_absolute_url())
        assert response.text.count('class="card"') == n


class TestNavigation:
    def test_header_lists_navigation_topics_only(self, client):
        shown = make_topic("Netflix", in_navigation=True)
        make_topic("Hidden", in_navigation=False)
        html = client.get("/").content.decode()
        nav = html.split('aria-label="Topics"')[1].split("</nav>")[0]
        assert f'href="{shown.get_absolute_url()}"' in nav
        assert "Hidden" not in nav

    def test_header_costs_no_query_once_cached(self, client):
        make_topic("Netflix", in_navigation=True)
        topic_queries = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                client.get("/topics/")
            topic_queries.append(
                [q for q in queries if "in_navigation" in q["sql"].lower()]
            )
        assert len(topic_queries[0]) == 1
        assert topic_queries[1] == []

    @pytest.mark.parametrize(
        "change",
        [
            lambda topic: setattr(topic, "name", "Streaming") or topic.save(),
            lambda topic: setattr(topic, "in_navigation", False) or topic.save(),
            lambda topic: topic.delete(),
        ],
        ids=["renamed", "hidden", "deleted"],
    )
    def test_a_topic_change_reaches_the_cached_header_at_once(self, client, change):
        topic = make_topic("Netflix", in_navigation=True)
        assert "Netflix" in _nav(client.get("/authors/").text)
        change(topic)
        nav = _nav(client.get("/authors/").text)
        assert "Netflix" not in nav
        assert ("Streaming" in nav) == (topic.pk is not None and topic.in_navigation)

    def test_a_new_navigation_topic_appears_at_once(self, client):
        client.get("/authors/")
        make_topic("Reality TV", in_navigation=True)
        assert "Reality TV" in _nav(client.get("/authors/").text)

    def test_admin_pages_do_not_read_the_navigation(self, admin_client):
        make_topic("Netflix", in_navigation=True)
        with CaptureQueriesContext(connection) as queries:
            admin_client.get("/admin/")
        assert not [q for q in queries if "in_navigation" in q["sql"].lower()]


def _nav(html):
    return html.split('aria-label="Topics"')[1].split("</nav>")[0]
