"""/search/: stories by their words (full text on PostgreSQL, a word match on
SQLite), shows and people by name, odd input handled, only published stories."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles import search
from articles.models import Article, ArticleSearch, Status
from tests.factories import (
    make_article,
    make_network,
    make_person,
    make_show,
    make_topic,
)

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="full-text search (ranking, the trigger) runs on PostgreSQL only; "
    "SQLite uses the word-match fallback",
)


def found(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return [story.headline for story in response.context["stories"]]


class TestFindingStories:
    def test_finds_words_in_headline_standfirst_and_body(self, client):
        make_article(headline="Heartstopper renewed")
        make_article(standfirst="Netflix orders more Heartstopper")
        make_article(body="<p>Fans of <em>Heartstopper</em> rejoice.</p>")
        make_article(headline="Something else entirely")
        assert len(found(client, "heartstopper")) == 3

    def test_every_word_must_match(self, client):
        make_article(headline="Heartstopper renewed by Netflix")
        make_article(headline="Heartstopper cast on tour")
        assert found(client, "heartstopper netflix") == [
            "Heartstopper renewed by Netflix"
        ]

    @pytest.mark.parametrize(
        "hidden",
        [
            {"status": Status.DRAFT},
            {"status": Status.REVIEW},
            {"publish_at": timezone.now() + timedelta(days=1)},
        ],
        ids=["draft", "review", "scheduled"],
    )
    def test_never_finds_a_story_readers_cannot_see(self, client, hidden):
        make_article(headline="Secret renewal news", **hidden)
        assert found(client, "renewal") == []

    def test_headline_match_ranks_before_an_older_body_match(self, client):
        make_article(
            headline="Cast news",
            body="<p>The show was renewed.</p>",
            publish_at=timezone.now() - timedelta(hours=1),
        )
        make_article(
            headline="Show renewed for two seasons",
            publish_at=timezone.now() - timedelta(days=3),
        )
        assert found(client, "renewed") == ["Show renewed for two seasons", "Cast news"]

    @on_postgresql
    def test_on_postgresql_a_headline_match_ranks_before_a_newer_body_match(
        self, client
    ):
        make_article(
            headline="Weekend viewing guide",
            body="<p>Among the picks: Heartstopper, now renewed.</p>",
        )
        make_article(
            headline="Heartstopper renewed",
            body="<p>Two more seasons are coming.</p>",
            publish_at=timezone.now() - timedelta(days=5),
        )
        assert found(client, "heartstopper") == [
            "Heartstopper renewed",
            "Weekend viewing guide",
        ]

    def test_headline_then_standfirst_then_body_matches_then_the_newest(self, client):
        """The same order on SQLite and PostgreSQL: how well the headline and
        standfirst match, then newest first (body-only matches by date alone)."""
        now = timezone.now()
        make_article(
            headline="Weekend viewing",
            body="<p>Renewed, renewed, renewed: the week's renewals.</p>",
            publish_at=now - timedelta(days=9),
        )
        make_article(
            headline="Casting news",
            body="<p>The show was renewed.</p>",
            publish_at=now - timedelta(days=1),
        )
        make_article(
            headline="Ratings are in",
            standfirst="The drama is renewed",
            publish_at=now - timedelta(hours=2),
        )
        make_article(headline="Drama renewed", publish_at=now - timedelta(days=30))
        make_article(headline="Unrelated", publish_at=now - timedelta(hours=1))
        assert found(client, "renewed") == [
            "Drama renewed",
            "Ratings are in",
            "Casting news",
            "Weekend viewing",
        ]

    def test_the_same_stories_on_every_page_as_in_all(self, client):
        """Each page reads its own stories (search.stories_of); together the pages
        give every match once, in the order of the whole list."""
        now = timezone.now()
        for i in range(45):
            make_article(
                headline=f"Renewed story {i}" if i % 3 else f"Story {i}",
                body="<p>It was renewed.</p>",
                n_authors=0,
                publish_at=now - timedelta(minutes=i + 1),
            )
        make_article(headline="Nothing to see", n_authors=0)
        pages = [found(client, "renewed", page=n) for n in (1, 2, 3)]
        assert [len(page) for page in pages] == [20, 20, 5]
        everything = [story.headline for story in search.stories_matching("renewed")]
        assert [headline for page in pages for headline in page] == everything
        assert len(set(everything)) == 45
        assert everything[:30] == [f"Renewed story {i}" for i in range(45) if i % 3]
        assert client.get("/search/", {"q": "renewed", "page": 4}).status_code == 404

    @on_postgresql
    def test_on_postgresql_stems_words(self, client):
        make_article(headline="Netflix renews Heartstopper")
        for query in ("renewed", "renewing", "renewal"):
            assert found(client, query) == ["Netflix renews Heartstopper"]

    @on_postgresql
    def test_on_postgresql_stories_from_bulk_create_are_searchable(self):
        """seed_bulk writes with bulk_create, which skips save(): the trigger
        fills the search vector anyway."""
        Article.objects.bulk_create(
            [
                Article(
                    headline="Bulk story about Solitaire",
                    slug="bulk-solitaire",
                    body="<p>Words.</p>",
                    status=Status.PUBLISHED,
                    publish_at=timezone.now() - timedelta(hours=1),
                )
            ]
        )
        stories = search.stories_matching("solitaire")
        assert [story.slug for story in stories] == ["bulk-solitaire"]

    @on_postgresql
    def test_on_postgresql_editing_a_story_updates_its_vector(self, client):
        story = make_article(headline="Old words")
        story.headline = "Fresh phrasing"
        story.save()
        assert found(client, "fresh") == ["Fresh phrasing"]
        Article.objects.filter(pk=story.pk).update(standfirst="Queryset update")
        assert found(client, "queryset") == ["Fresh phrasing"]


class TestHighlights:
    def test_matched_words_are_marked_and_everything_else_escaped(self, client):
        make_article(
            headline="<b>Heartstopper</b> & friends",
            body="<p>A long body about Heartstopper and its &lt;cast&gt;.</p>",
        )
        html = client.get("/search/", {"q": "heartstopper"}).text
        result = html.split('class="search-results"')[1].split("</ol>")[0]
        assert "&lt;b&gt;<mark>Heartstopper</mark>&lt;/b&gt; &amp; friends" in result
        assert "<mark>Heartstopper</mark> and its &lt;cast&gt;" in result
        assert "<b>" not in result

    def test_snippet_is_plain_text_of_the_body(self, client):
        make_article(
            headline="Renewal",
            body="<p>First paragraph.</p><h2>Heading</h2><p>Second renewal part.</p>",
        )
        story = client.get("/search/", {"q": "renewal"}).context["stories"][0]
        assert "<p>" not in story.snippet_html and "<h2>" not in story.snippet_html
        assert "<mark>" in story.snippet_html


class TestShowsAndPeople:
    def test_shows_and_people_named_by_the_query_come_above_stories(self, client):
        show = make_show("Heartstopper", network=make_network("Netflix"))
        person = make_person("Joe Locke")
        make_show("Solitaire")
        make_article(headline="Joe Locke joins Heartstopper tour")
        response = client.get("/search/", {"q": "heartstopper"})
        assert list(response.context["shows"]) == [show]
        assert list(response.context["people"]) == []
        html = response.text
        assert html.index('id="search-shows-heading"') < html.index(
            'id="search-stories-heading"'
        )
        assert f'href="{show.get_absolute_url()}"' in html
        assert list(client.get("/search/", {"q": "joe locke"}).context["people"]) == [
            person
        ]

    def test_only_on_the_first_page(self, client):
        make_show("Renewed Show")
        for i in range(21):
            make_article(headline=f"Renewed {i}")
        response = client.get("/search/", {"q": "renewed", "page": 2})
        assert "shows" not in response.context


class TestOddInput:
    def test_empty_query_shows_the_form_and_no_results(
        self, client, django_assert_max_num_queries
    ):
        make_article(headline="Anything")
        client.get("/search/")  # warms the header's navigation cache
        with django_assert_max_num_queries(0):
            response = client.get("/search/")
        assert response.status_code == 200
        assert 'name="q"' in response.text
        assert "stories found" not in response.text

    @pytest.mark.parametrize(
        "query",
        [
            '"unclosed quote',
            "& | ! : * ( ) <-> ~",
            "-",
            "'; DROP TABLE articles_article; --",
            "' OR 1=1 --",
            "%_%",
            "\\",
            "Señor 日本語 😀 ÆØÅ",
            "the a of",
            "héllo:* & !wörld",
            "x" * 200,
            "\u202e\u200b",
        ],
    )
    def test_odd_queries_give_a_page_not_an_error(self, client, query):
        make_article(headline="Heartstopper renewed")
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200
        assert Article.objects.count() == 1

    def test_wildcards_are_taken_literally(self, client):
        make_article(headline="Heartstopper renewed")
        assert found(client, "%") == []
        assert found(client, "_") == []

    def test_too_long_query_says_so(self, client):
        response = client.get("/search/", {"q": "x" * 201})
        assert response.status_code == 200
        assert "too long to search for" in response.text
        assert 'aria-invalid="true"' in response.text

    def test_nul_byte_is_refused_with_a_message(self, client):
        response = client.get("/search/?q=heart%00stopper")
        assert response.status_code == 200
        assert "Null characters are not allowed." in response.text

    @pytest.mark.parametrize("page", ["abc", "0", "-1", "99", "1.5"])
    def test_bad_page_is_404(self, client, page):
        make_article(headline="Heartstopper renewed")
        response = client.get("/search/", {"q": "heartstopper", "page": page})
        assert response.status_code == 404

    def test_repeated_q_uses_the_last(self, client):
        make_article(headline="Heartstopper renewed")
        response = client.get("/search/?q=nothing&q=heartstopper")
        assert response.status_code == 200


class TestPage:
    def test_paginates_with_links_that_keep_the_query(self, client):
        for i in range(25):
            make_article(
                headline=f"Renewed story {i}",
                publish_at=timezone.now() - timedelta(minutes=i + 1),
            )
        first = client.get("/search/", {"q": "renewed"})
        assert len(first.context["stories"]) == 20
        assert "25 stories found" in first.text
        assert 'href="?q=renewed&amp;page=2"' in first.text
        second = client.get("/search/", {"q": "renewed", "page": 2})
        assert len(second.context["stories"]) == 5
        assert '<ol class="search-results" start="21">' in second.text

    def test_no_results_says_so(self, client):
        response = client.get("/search/", {"q": "nothingmatches"})
        assert "No stories match “nothingmatches”" in response.text

    def test_cacheable_cookieless_and_not_indexed(self, client):
        make_article(headline="Heartstopper renewed")
        response = client.get("/search/", {"q": "heartstopper"})
        assert not response.cookies
        assert "public" in response["Cache-Control"]
        assert '<meta name="robots" content="noindex, follow">' in response.text

    def test_every_control_has_a_label(self, client):
        html = client.get("/search/", {"q": "x"}).text
        assert '<label class="form-label" for="id_q">' in html
        assert 'for="site-search-q"' in html

    @pytest.mark.parametrize("n", [1, 25])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        topic = make_topic("Netflix")
        for i in range(n):
            make_article(
                headline=f"Renewed {i}", topics=[topic], n_authors=2, hero=i == 0
            )
            make_show(f"Renewed show {i}", network=make_network("Netflix"))
            make_person(f"Renewed Person {i}")
        client.get("/search/")  # warms the header's navigation cache
        # the page's matches (with their count), their stories, the stories'
        # authors and topics, shows, people
        with django_assert_max_num_queries(6):
            response = client.get("/search/", {"q": "renewed"})
        assert len(response.context["stories"]) == min(n, 20)


class TestSearchTable:
    def test_pages_never_read_the_search_table(self):
        assert "articlesearch" not in str(Article.objects.all().query)
        assert "articlesearch" not in str(Article.objects.published().for_cards().query)

    @on_postgresql
    def test_on_postgresql_the_vector_has_a_gin_index_and_a_trigger(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'search_vector_idx'"
            )
            (definition,) = cursor.fetchone()
            cursor.execute(
                "SELECT count(*) FROM pg_trigger "
                "WHERE tgname = 'articles_article_search_row'"
            )
            (triggers,) = cursor.fetchone()
        assert "articles_articlesearch USING gin (vector)" in definition
        assert triggers == 1

    @on_postgresql
    def test_on_postgresql_headline_weighs_most(self):
        story = make_article(
            headline="Alpha", standfirst="Beta", body="<p>Gamma <b>delta</b></p>"
        )
        row = ArticleSearch.objects.get(article=story)
        vector, title = row.vector, row.title_vector
        assert "'alpha':1A" in vector and "'beta':2B" in vector
        assert "'gamma':3C" in vector and "'delta':4C" in vector
        assert "'b'" not in vector  # tags are not words
        assert title == "'alpha':1A 'beta':2B"

    @on_postgresql
    def test_on_postgresql_the_row_follows_its_story(self):
        """Status and publish time are copied (the "live" rule reads them there);
        the row goes with its story, even when deleted without the ORM."""
        story = make_article(headline="Alpha")
        later = timezone.now() + timedelta(days=1)
        Article.objects.filter(pk=story.pk).update(
            status=Status.REVIEW, publish_at=later
        )
        row = ArticleSearch.objects.get(article=story)
        assert (row.status, row.publish_at) == (Status.REVIEW, later)
        assert "'alpha':1A" in row.vector
        other = make_article()
        story.delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM articles_byline WHERE article_id = %s", [other.pk]
            )
            cursor.execute("DELETE FROM articles_article WHERE id = %s", [other.pk])
        assert not ArticleSearch.objects.exists()

    @on_postgresql
    def test_on_postgresql_the_search_rows_are_narrow(self):
        """The whole text's vector is stored out of line, so a broad search's
        matches sit on few pages of the table; the ranking vector stays in the row."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reloptions FROM pg_class "
                "WHERE relname = 'articles_articlesearch'"
            )
            (options,) = cursor.fetchone()
            cursor.execute(
                "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = "
                "'articles_articlesearch'::regclass AND attname LIKE '%%vector'"
            )
            storage = dict(cursor.fetchall())
        assert "toast_tuple_target=256" in options
        assert storage == {"vector": "e", "title_vector": "m"}
