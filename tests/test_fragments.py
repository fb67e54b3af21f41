"""Cached page fragments (core.fragments): fewer queries and less rendering on
the uncached path, and every change to what a page shows on the very next request."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from articles.models import Article, Byline, ContentVersion, Status
from core.fragments import Fragments, code_version
from core.fragments import current_version as content_version
from shows.models import Credit, Rating, Season
from tests.factories import (
    make_article,
    make_author,
    make_network,
    make_person,
    make_show,
    make_topic,
    make_user,
    picture,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    """A live story with everything the page prints, and a related story."""
    topic = make_topic("Netflix")
    show = make_show("Heartstopper", network=make_network("Netflix"))
    Rating.objects.create(show=show, source="Critics", score=100)
    article = make_article(
        headline="Netflix renews Heartstopper",
        authors=[make_author("Grace Morris", with_photo=True)],
        topics=[topic],
        shows=[show],
        hero=True,
    )
    make_article(headline="The cast reacts", topics=[topic], shows=[show])
    return Article.objects.get(pk=article.pk)


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


class TestArticlePageFragments:
    @pytest.mark.parametrize("n", [1, 4])
    def test_a_cached_page_costs_one_query(self, client, n, django_assert_num_queries):
        """The story row and the content version, in one query; nothing else."""
        article = make_article(n_authors=n, n_topics=n, hero=True)
        for _ in range(n):
            make_article(topics=list(article.topics.all()))
        first = page(client, article)
        with django_assert_num_queries(1):
            assert page(client, article) == first

    @pytest.mark.parametrize("n", [1, 4])
    def test_the_uncached_page_has_a_fixed_query_count(
        self, client, n, django_assert_num_queries
    ):
        """The story and version, authors, topics, shows, their ratings and offers,
        and the related stories: 7, as without fragments, whatever the numbers."""
        shows = [make_show() for _ in range(n)]
        article = make_article(n_authors=n, n_topics=n, hero=True, shows=shows)
        for _ in range(n):
            make_article(topics=list(article.topics.all()))
        page(client, article)  # the navigation topics reach the cache
        ContentVersion.objects.filter(pk=1).update(counter=10**6)  # fragments out
        with django_assert_num_queries(7):
            html = page(client, article)
        assert html.count('class="related-story"') == min(n, 4)

    @pytest.mark.parametrize(
        "change, shown",
        [
            (lambda a: _save(a, headline="Netflix renews it again"), "renews it again"),
            (lambda a: _save(a, update_note="Corrected a date."), "Corrected a date."),
            (lambda a: _save(a.authors.get(), name="Grace Morrison"), "Grace Morrison"),
            (
                lambda a: _save(a.authors.get(), bio="Grace now edits."),
                "Grace now edits",
            ),
            (
                lambda a: _save(a.authors.get().photo, alt_text="Grace, smiling"),
                "Grace, smiling",
            ),
            (lambda a: _save(a.hero_image, credit="Netflix UK"), "Netflix UK"),
            (lambda a: _save(a.topics.get(), name="Streaming"), "Streaming"),
            (lambda a: a.topics.add(make_topic("LGBTQ")), "LGBTQ"),
            (lambda a: _save(a.shows.get(), title="Heartstopper!"), "Heartstopper!"),
            (lambda a: _save(a.shows.get().network, name="Netflix UK"), "Netflix UK"),
            (lambda a: _save(a.shows.get().ratings.get(), score=97), "97%"),
            (lambda a: a.shows.add(make_show("Sex Education")), "Sex Education"),
            (
                lambda a: Byline.objects.create(
                    article=a, author=make_author("Priya Shah"), position=1
                ),
                "Priya Shah",
            ),
            (
                lambda a: _save(
                    Article.objects.get(headline="The cast reacts"),
                    headline="The cast celebrates",
                ),
                "The cast celebrates",
            ),
            (
                lambda a: make_article(
                    headline="Season three starts filming", shows=list(a.shows.all())
                ),
                "Season three starts filming",
            ),
        ],
    )
    def test_a_change_to_anything_shown_shows_on_the_next_request(
        self, client, story, change, shown
    ):
        assert shown not in page(client, story)
        assert shown not in page(client, story)  # now from the fragment cache
        change(story)
        assert shown in page(client, story)

    @pytest.mark.parametrize(
        "change",
        [
            lambda related: related.delete(),
            lambda related: _save(related, status=Status.DRAFT),
        ],
    )
    def test_a_related_story_taken_down_leaves_at_once(self, client, story, change):
        assert "The cast reacts" in page(client, story)
        change(Article.objects.get(headline="The cast reacts"))
        assert "The cast reacts" not in page(client, story)

    def test_a_byline_removed_leaves_at_once(self, client, story):
        assert "Grace Morris" in page(client, story)
        Byline.objects.filter(article=story).delete()
        assert "Grace Morris" not in page(client, story)

    def test_a_scheduled_story_appears_when_its_time_comes(self, client, story):
        """No save happens when a scheduled story goes live: the newest live publish
        time in the version moves on by itself."""
        soon = timezone.now() + timedelta(minutes=5)
        make_article(
            headline="Trailer drops", shows=list(story.shows.all()), publish_at=soon
        )
        assert "Trailer drops" not in page(client, story)
        later = soon + timedelta(seconds=1)
        with mock.patch("django.utils.timezone.now", return_value=later):
            assert "Trailer drops" in page(client, story)

    def test_a_picture_in_the_body_shows_its_new_caption(self, client):
        image = picture("Body", caption="First caption")
        article = make_article(body=f"<p>Text.</p><p>[picture {image.pk}]</p>")
        assert "First caption" in page(client, article)
        _save(image, caption="Second caption")
        assert "Second caption" in page(client, article)

    def test_staff_editing_a_draft_see_each_change(self, client):
        client.force_login(make_user("editor"))
        draft = make_article(status=Status.DRAFT, headline="First draft")
        assert "First draft" in page(client, draft)
        Article.objects.filter(pk=draft.pk).update(headline="Second draft")
        assert "Second draft" in page(client, draft)  # no signal: drafts never cached

    def test_off_when_fragment_cache_seconds_is_zero(self, client, settings, story):
        settings.FRAGMENT_CACHE_SECONDS = 0
        page(client, story)
        Article.objects.filter(pk=story.pk).update(headline="Changed without a signal")
        assert "Changed without a signal" in page(client, story)


class TestHomePageFragments:
    def test_a_cached_home_page_costs_two_queries(
        self, client, story, django_assert_num_queries
    ):
        """The most-read list (part of the key) and the content version."""
        first = client.get("/").text
        with django_assert_num_queries(2):
            assert client.get("/").text == first

    @pytest.mark.parametrize(
        "change, shown",
        [
            (lambda a: make_article(headline="Breaking: a new show"), "a new show"),
            (lambda a: _save(a.authors.get(), name="Grace Morrison"), "Grace Morrison"),
            (lambda a: _save(a.shows.get(), title="Heartstopper!"), "Heartstopper!"),
            (lambda a: _save(a, headline="Netflix renews it again"), "renews it again"),
        ],
    )
    def test_a_change_shows_on_the_next_request(self, client, story, change, shown):
        client.get("/")
        assert shown not in client.get("/").text
        change(story)
        assert shown in client.get("/").text

    def test_the_most_read_list_is_never_stale(self, client, story):
        """Reads reach the list when flushed, with no save: the list is in the key."""
        assert "Most read this week" not in client.get("/").text
        story.reads.create(day=timezone.localdate(), count=3)
        html = client.get("/").text
        assert "Most read this week" in html
        assert html.split("Most read this week")[1].count("Netflix renews") == 1


class TestTopicPageFragments:
    def test_a_cached_topic_page_costs_two_queries(
        self, client, story, django_assert_num_queries
    ):
        """The topic with the version and the kinds the filter offers, and the
        count the pagination needs (as far as a few pages ahead)."""
        first = client.get("/topics/netflix/").text
        with django_assert_num_queries(2):
            assert client.get("/topics/netflix/").text == first

    def test_a_new_story_in_the_topic_shows_at_once(self, client, story):
        client.get("/topics/netflix/")
        make_article(headline="Filming begins", topics=[story.topics.get()])
        assert "Filming begins" in client.get("/topics/netflix/").text

    def test_each_page_of_the_topic_is_its_own_fragment(self, client, story):
        topic = story.topics.get()
        for n in range(13):
            make_article(headline=f"Older story {n}", topics=[topic])
        first, second = (
            client.get("/topics/netflix/").text,
            client.get("/topics/netflix/?page=2").text,
        )
        assert first.count('<article class="card') == 12
        assert second.count('<article class="card') == 3

    def test_other_parameters_never_reach_a_cached_fragment(self, client, story):
        """Pagination links keep the request's own parameters, so they stay out of
        the cached piece."""
        topic = story.topics.get()
        for n in range(12):
            make_article(headline=f"Older story {n}", topics=[topic])
        client.get("/topics/netflix/?utm_source=mail")
        assert "utm_source" not in client.get("/topics/netflix/").text


class TestShowPageFragments:
    @pytest.fixture
    def show(self, story):
        show = story.shows.get()
        person = make_person("Kit Connor")
        credit = Credit.objects.create(
            show=show, person=person, character="Nick", billing=1
        )
        credit.seasons.add(Season.objects.create(show=show, number=1))
        return show

    def test_a_cached_show_page_costs_one_query(
        self, client, show, django_assert_num_queries
    ):
        """The show row with the content version; cast, seasons, ratings and stories
        come from the cached pieces."""
        first = client.get(show.get_absolute_url()).text
        with django_assert_num_queries(1):
            assert client.get(show.get_absolute_url()).text == first

    @pytest.mark.parametrize(
        "change, shown",
        [
            (
                lambda s: _save(s.credits.get().person, name="Kit Connor Jr"),
                "Connor Jr",
            ),
            (lambda s: _save(s.credits.get(), character="Nicholas"), "Nicholas"),
            (lambda s: Season.objects.create(show=s, number=2), "Season 2"),
            (lambda s: _save(s.ratings.get(), score=96), "96%"),
            (lambda s: _save(s.network, name="Netflix UK"), "Netflix UK"),
            (lambda s: make_article(headline="Season two", shows=[s]), "Season two"),
        ],
    )
    def test_a_change_shows_on_the_next_request(self, client, show, change, shown):
        client.get(show.get_absolute_url())
        assert shown not in client.get(show.get_absolute_url()).text
        change(show)
        assert shown in client.get(show.get_absolute_url()).text


class TestContentVersion:
    def test_moves_on_with_a_save_and_not_with_read_counts(self, story):
        before = content_version()
        story.reads.create(day=timezone.localdate(), count=5)
        assert content_version() == before
        story.save()
        assert content_version() != before

    def test_read_with_the_story_in_the_same_query(self, story):
        from core.fragments import version_of, with_version

        article = with_version(Article.objects.all()).get(pk=story.pk)
        assert version_of(article) == content_version()

    def test_keys_carry_the_code_version(self, story):
        """A release that changes templates never serves the old release's pieces."""
        fragments = Fragments("article:1", ["content"])
        assert code_version() in fragments.keys["content"]
        assert code_version() == code_version()


class TestBumpedInTheSavingTransaction(TestCase):
    def test_a_rolled_back_change_leaves_the_version(self):
        article = make_article()
        before = content_version()
        with pytest.raises(RuntimeError), transaction.atomic():
            _save(article, headline="Never committed")
            raise RuntimeError
        assert content_version() == before


def _save(instance, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()


class TestCacheTagsOfCachedPieces:
    def test_a_page_from_cached_pieces_still_names_what_it_shows(self, client, story):
        """Objects inside a cached piece are not read again, so the piece carries
        their cache tags: a later change to them still purges the page."""
        first = client.get(story.get_absolute_url())
        second = client.get(story.get_absolute_url())
        author = story.authors.get()
        tags = set(second["Surrogate-Key"].split())
        assert tags == set(first["Surrogate-Key"].split())
        assert {f"author-{author.pk}", f"show-{story.shows.get().pk}"} <= tags
        related = Article.objects.get(headline="The cast reacts")
        assert f"article-{related.pk}" in tags
