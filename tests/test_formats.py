"""Entertainment formats around shows: films, episodes and season pages, story kinds,
reviews with stars, recaps with spoiler control, and where to watch."""

import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from articles.admin import ArticleAdminForm
from articles.body import render_body, sanitise
from articles.fragments import bump_content_version
from articles.models import Article, DailyReads, Kind, Status
from articles.search import add_highlights, stories_matching
from newsletter.mail import _story as digest_story
from reminders.payload import story_payload
from shows.models import (
    Episode,
    OfferKind,
    Season,
    Show,
    ShowKind,
    WatchOffer,
    offers_change_at,
    start_of_day,
)
from tests.factories import (
    make_article,
    make_episode,
    make_network,
    make_offer,
    make_recap,
    make_review,
    make_season,
    make_show,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

LD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def json_ld(html):
    """Every JSON-LD block of a page, parsed, by @type."""
    blocks = [json.loads(text) for text in LD_BLOCK.findall(html)]
    return {block["@type"]: block for block in blocks}


def meta(html, key):
    found = re.search(
        rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html
    )
    return found.group(1) if found else None


@pytest.fixture
def series():
    show = make_show("Heartstopper", network=make_network())
    season = make_season(show, 1, release_date=date(2022, 4, 22))
    return show, season


# --- Models: films, episodes, what a review may name, ratings ------------------------
class TestFilms:
    def test_a_film_has_a_release_date_and_running_time(self):
        film = make_show(
            "The Film", kind=ShowKind.FILM, release_date=date(2024, 5, 1), runtime=112
        )
        film.full_clean()
        assert film.runtime_label == "1 h 52 min"
        assert film.first_shown == date(2024, 5, 1)

    def test_a_series_has_neither(self):
        show = Show(title="S", slug="s", kind=ShowKind.SERIES, runtime=40)
        with pytest.raises(ValidationError, match="Only a film"):
            show.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            show.save()

    def test_a_film_has_no_seasons(self):
        film = make_show("A Film", kind=ShowKind.FILM)
        with pytest.raises(ValidationError, match="A film has no seasons"):
            Season(show=film, number=1).full_clean()


class TestEpisodes:
    def test_number_is_unique_per_season(self, series):
        _show, season = series
        make_episode(season, 1)
        with pytest.raises(IntegrityError), transaction.atomic():
            make_episode(season, 1)

    def test_validation_names_the_clash(self, series):
        _show, season = series
        make_episode(season, 1)
        with pytest.raises(ValidationError, match="already has an episode"):
            Episode(season=season, number=1, title="Again").full_clean()

    def test_other_seasons_reuse_numbers(self, series):
        show, season = series
        make_episode(season, 1)
        make_episode(make_season(show, 2), 1)
        assert Episode.objects.filter(number=1).count() == 2

    def test_numbers_start_at_one(self, series):
        _show, season = series
        with pytest.raises(IntegrityError), transaction.atomic():
            make_episode(season, 0)

    def test_links_to_its_place_on_the_season_page(self, series):
        _show, season = series
        episode = make_episode(season, 3)
        assert episode.get_absolute_url() == "/shows/heartstopper/seasons/1/#episode-3"
        assert episode.code == "S1 E3"

    def test_one_air_date_per_country(self, series):
        _show, season = series
        episode = make_episode(season, 1)
        episode.air_dates.create(region="US", date=date(2022, 4, 23))
        with pytest.raises(IntegrityError), transaction.atomic():
            episode.air_dates.create(region="US", date=date(2022, 4, 24))


def review(**fields):
    fields.setdefault("headline", "A review")
    fields.setdefault("body", "<p>Words.</p>")
    fields.setdefault("kind", Kind.REVIEW)
    return Article(**fields)


class TestRatings:
    @pytest.mark.parametrize("rating", ["0.5", "1.0", "2.5", "4.5", "5.0"])
    def test_half_steps_from_half_a_star_to_five(self, series, rating):
        show, _season = series
        article = review(subject_show=show, rating=Decimal(rating), verdict="Yes.")
        article.full_clean(exclude=["slug"])
        article.save()

    @pytest.mark.parametrize("rating", ["0", "0.7", "4.2", "5.5", "-1"])
    def test_anything_else_is_refused(self, series, rating):
        show, _season = series
        article = review(subject_show=show, rating=Decimal(rating), verdict="Yes.")
        with pytest.raises(ValidationError) as error:
            article.full_clean(exclude=["slug"])
        assert "rating" in error.value.message_dict

    @pytest.mark.parametrize("rating", ["0.7", "6.0", "0.0"])
    def test_the_database_refuses_it_too(self, series, rating):
        show, _season = series
        article = make_review(show, rating="3")
        with pytest.raises(IntegrityError), transaction.atomic():
            Article.objects.filter(pk=article.pk).update(rating=Decimal(rating))

    @pytest.mark.parametrize(
        ("rating", "label", "half_stars"),
        [("4", "4 out of 5 stars", 8), ("4.5", "4.5 out of 5 stars", 9)],
    )
    def test_text_equivalent(self, series, rating, label, half_stars):
        show, _season = series
        article = make_review(show, rating=rating)
        article.refresh_from_db()
        assert (article.rating_label, article.half_stars) == (label, half_stars)


class TestWhatAReviewMayName:
    def test_a_show_a_season_an_episode_or_a_film(self, series):
        show, season = series
        episode = make_episode(season, 1)
        film = make_show("Film", kind=ShowKind.FILM)
        for subject in (show, season, episode, film):
            assert make_review(subject).subject == subject

    def test_exactly_one_thing(self, series):
        show, season = series
        article = review(
            subject_show=show, subject_season=season, rating=Decimal(4), verdict="V"
        )
        with pytest.raises(ValidationError, match="Name one thing"):
            article.full_clean(exclude=["slug"])
        with pytest.raises(IntegrityError), transaction.atomic():
            article.save()

    def test_nothing_is_not_enough(self):
        article = review(rating=Decimal(4), verdict="V")
        with pytest.raises(ValidationError, match="Name one thing"):
            article.full_clean(exclude=["slug"])
        with pytest.raises(IntegrityError), transaction.atomic():
            article.save()

    def test_a_review_needs_stars_and_a_verdict(self, series):
        show, _season = series
        with pytest.raises(ValidationError) as error:
            review(subject_show=show).full_clean(exclude=["slug"])
        assert set(error.value.message_dict) == {"rating", "verdict"}

    def test_a_recap_names_an_episode_and_nothing_else(self, series):
        show, season = series
        episode = make_episode(season, 1)
        recap = Article(headline="R", body="<p>x</p>", kind=Kind.RECAP)
        with pytest.raises(ValidationError, match="names the episode"):
            recap.full_clean(exclude=["slug"])
        recap.subject_season = season
        recap.subject_episode = episode
        with pytest.raises(ValidationError, match="leave the show and season empty"):
            recap.full_clean(exclude=["slug"])
        with pytest.raises(IntegrityError), transaction.atomic():
            Article.objects.create(
                headline="R", body="<p>x</p>", kind=Kind.RECAP, subject_show=show
            )

    @pytest.mark.parametrize("kind", [Kind.NEWS, Kind.FEATURE, Kind.INTERVIEW])
    def test_other_kinds_name_nothing_and_have_no_stars(self, series, kind):
        show, _season = series
        article = Article(headline="N", body="<p>x</p>", kind=kind, subject_show=show)
        with pytest.raises(ValidationError, match="Only reviews and recaps"):
            article.full_clean(exclude=["slug"])
        with pytest.raises(IntegrityError), transaction.atomic():
            Article.objects.create(headline="N", body="<p>x</p>", kind=kind, rating=3)


class TestArticleForm:
    """The admin form turns every broken combination into a form error."""

    def data(self, **fields):
        return {
            "headline": "A review",
            "slug": "",
            "standfirst": "",
            "kind": Kind.REVIEW,
            "body": "<p>Words.</p>",
            "status": "draft",
            **fields,
        }

    def test_review_of_a_season_joins_its_show(self, series):
        show, season = series
        form = ArticleAdminForm(
            self.data(subject_season=season.pk, rating="4.5", verdict="Lovely.")
        )
        assert form.is_valid(), form.errors
        assert list(form.cleaned_data["shows"]) == [show]

    @pytest.mark.parametrize("rating", ["4.2", "7", "abc", "", "0"])
    def test_bad_ratings_are_form_errors(self, series, rating):
        _show, season = series
        form = ArticleAdminForm(
            self.data(subject_season=season.pk, rating=rating, verdict="V")
        )
        assert not form.is_valid()
        assert "rating" in form.errors

    def test_a_form_without_a_kind_keeps_the_storys(self):
        form = ArticleAdminForm(
            {"headline": "H", "body": "<p>x</p>", "status": "draft"}
        )
        assert form.is_valid(), form.errors
        assert form.cleaned_data["kind"] == Kind.NEWS


class TestRatingInput(HypothesisTestCase):
    @settings(max_examples=40, deadline=None)
    @given(st.text(max_size=12))
    def test_any_text_is_a_form_error_or_a_half_step(self, text):
        show = Show.objects.get_or_create(slug="hyp", defaults={"title": "Hyp"})[0]
        form = ArticleAdminForm(
            {
                "headline": "R",
                "kind": Kind.REVIEW,
                "body": "<p>x</p>",
                "status": "draft",
                "subject_show": show.pk,
                "rating": text,
                "verdict": "V",
            }
        )
        if form.is_valid():
            assert form.cleaned_data["rating"] * 2 in range(1, 11)
        else:
            assert "rating" in form.errors


# --- Story kinds --------------------------------------------------------------------
class TestKinds:
    def test_cards_and_pages_carry_the_label_news_none(self, client):
        topic = make_topic("Netflix")
        make_article(headline="Plain news", topics=[topic])
        feature = make_article(headline="A feature", kind=Kind.FEATURE, topics=[topic])
        html = client.get(topic.get_absolute_url()).text
        assert html.count('class="kind-label') == 1
        assert '<span class="kind-label kind-label--feature">Feature</span>' in html
        page = client.get(feature.get_absolute_url()).text
        assert 'kind-label--feature">Feature</span>' in page

    def test_topic_page_filters_by_kind(self, client):
        topic = make_topic("Netflix")
        make_article(headline="Plain news", topics=[topic])
        make_article(headline="An interview", kind=Kind.INTERVIEW, topics=[topic])
        response = client.get(f"{topic.get_absolute_url()}?kind=interview")
        assert [a.headline for a in response.context["articles"]] == ["An interview"]
        assert response.context["kinds"] == [Kind.NEWS, Kind.INTERVIEW]
        assert 'href="?kind=interview" aria-current="page"' in response.text

    def test_topic_kinds_are_those_of_its_live_stories(self, client):
        """The filter offers the kinds of the topic's live stories only, found one
        story per kind (kind_flags) rather than by reading every story."""
        topic, other = make_topic("Netflix"), make_topic("Film")
        make_article(kind=Kind.GUIDE, topics=[topic])
        make_article(kind=Kind.FEATURE, topics=[topic])
        make_article(kind=Kind.INTERVIEW, topics=[topic], status=Status.DRAFT)
        make_article(
            kind=Kind.GALLERY,
            topics=[topic],
            publish_at=timezone.now() + timedelta(hours=1),
        )
        make_article(kind=Kind.LIVE, topics=[other])
        response = client.get(topic.get_absolute_url())
        assert response.context["kinds"] == [Kind.FEATURE, Kind.GUIDE]
        stories = Article.objects.published().filter(topics=topic)
        assert response.context["kinds"] == stories.kinds()

    def test_show_kinds_are_those_of_its_live_stories(
        self, client, series, django_assert_num_queries
    ):
        """One story per kind looked for (ArticleQuerySet.kinds()), in one query."""
        show, season = series
        make_article(kind=Kind.GUIDE, shows=[show])
        make_article(kind=Kind.FEATURE, shows=[show], status=Status.DRAFT)
        make_article(kind=Kind.INTERVIEW, shows=[make_show("Other")])
        make_review(season, headline="Season review")
        with django_assert_num_queries(1):
            assert show.articles.published().kinds() == [Kind.REVIEW, Kind.GUIDE]
        assert Article.objects.none().kinds() == []
        response = client.get(show.get_absolute_url())
        assert list(response.context["kinds"]) == [Kind.REVIEW, Kind.GUIDE]

    def test_show_page_filters_by_kind(self, client, series):
        show, season = series
        make_article(headline="Renewed", shows=[show])
        make_review(season, headline="Season review")
        response = client.get(f"{show.get_absolute_url()}?kind=review")
        assert [a.headline for a in response.context["stories"]] == ["Season review"]

    @pytest.mark.parametrize("kind", ["bogus", "REVIEW", "news%00"])
    def test_an_unknown_kind_is_a_404(self, client, series, kind):
        show, _season = series
        topic = make_topic("Netflix")
        assert client.get(f"/topics/netflix/?kind={kind}").status_code == 404
        assert client.get(f"{show.get_absolute_url()}?kind={kind}").status_code == 404
        assert topic

    def test_admin_list_filters_by_kind(self, client):
        client.force_login(make_user("admin"))
        make_article(headline="News one")
        make_article(headline="A guide", kind=Kind.GUIDE)
        response = client.get("/admin/articles/article/?kind__exact=guide")
        assert [a.headline for a in response.context["cl"].result_list] == ["A guide"]


# --- Reviews on pages ----------------------------------------------------------------
class TestReviewPages:
    def test_card_shows_stars_text_and_verdict(self, client, series):
        show, season = series
        topic = make_topic("TV")
        make_review(season, rating="4.5", verdict="Tender and funny.", topics=[topic])
        html = client.get(topic.get_absolute_url()).text
        assert 'class="stars stars--9"' in html
        assert '<span class="visually-hidden">4.5 out of 5 stars</span>' in html
        assert "Tender and funny." in html

    def test_page_shows_stars_with_text_and_what_it_reviews(self, client, series):
        _show, season = series
        article = make_review(season, rating="4", verdict="Worth it.")
        html = client.get(article.get_absolute_url()).text
        assert '<span class="stars__text">4 out of 5 stars</span>' in html
        assert f'href="{season.get_absolute_url()}">season 1</a>' in html

    def test_show_and_season_pages_show_our_reviews_beside_critics(
        self, client, series
    ):
        show, season = series
        show.ratings.create(source="Rotten Tomatoes critics", score=100, scale=100)
        season.ratings.create(show=show, source="Metacritic", score=84, scale=100)
        make_review(season, rating="5", verdict="A triumph.")
        for url in (show.get_absolute_url(), season.get_absolute_url()):
            html = client.get(url).text
            section = html[html.index('id="ratings-heading"') :]
            assert "5 out of 5 stars" in section and "A triumph." in section
            assert "Our review</a>, season 1" in section
        assert "Metacritic" in client.get(season.get_absolute_url()).text

    @pytest.mark.parametrize(
        ("subject", "expected_type"),
        [
            ("show", "TVSeries"),
            ("season", "TVSeason"),
            ("episode", "TVEpisode"),
            ("film", "Movie"),
        ],
    )
    def test_review_json_ld(self, client, series, subject, expected_type):
        show, season = series
        episode = make_episode(season, 2, title="Practice")
        film = make_show(
            "A Film", kind=ShowKind.FILM, release_date=date(2024, 1, 5), runtime=95
        )
        target = {"show": show, "season": season, "episode": episode, "film": film}
        article = make_review(target[subject], rating="3.5")
        data = json_ld(client.get(article.get_absolute_url()).text)["Review"]
        assert data["reviewRating"] == {
            "@type": "Rating",
            "ratingValue": 3.5,
            "bestRating": 5,
            "worstRating": 0.5,
        }
        assert data["author"][0]["@type"] == "Person"
        item = data["itemReviewed"]
        assert item["@type"] == expected_type
        if subject == "episode":
            assert item["episodeNumber"] == 2 and item["name"] == "Practice"
            assert item["partOfSeason"]["seasonNumber"] == 1
            assert item["partOfSeries"]["name"] == "Heartstopper"
        if subject == "season":
            assert item["seasonNumber"] == 1
            assert item["partOfSeries"]["@type"] == "TVSeries"
        if subject == "film":
            assert item["name"] == "A Film" and item["datePublished"] == "2024-01-05"

    def test_news_has_no_review_json_ld(self, client):
        article = make_article()
        assert "Review" not in json_ld(client.get(article.get_absolute_url()).text)


# --- Films and seasons on their pages ------------------------------------------------
class TestFilmPage:
    def test_movie_json_ld_and_facts(self, client):
        film = make_show(
            "A Film", kind=ShowKind.FILM, release_date=date(2024, 1, 5), runtime=95
        )
        html = client.get(film.get_absolute_url()).text
        data = json_ld(html)["Movie"]
        assert data["duration"] == "PT1H35M" and data["datePublished"] == "2024-01-05"
        assert "TVSeries" not in json_ld(html)
        assert "1 h 35 min" in html and meta(html, "og:type") == "video.movie"


class TestSeasonPage:
    def test_lists_episodes_with_air_dates_and_recaps(self, client, series):
        show, season = series
        first = make_episode(
            season, 1, title="A New Seat", first_aired=date(2022, 4, 22)
        )
        first.air_dates.create(region="US", date=date(2022, 4, 23))
        make_episode(season, 2, title="Practice")
        make_recap(first, headline="Episode one recap")
        make_recap(first, headline="Unpublished recap", status="draft")
        response = client.get("/shows/heartstopper/seasons/1/")
        assert response.status_code == 200
        html = response.text
        assert html.index("A New Seat") < html.index("Practice")
        assert '<time datetime="2022-04-22">22 April 2022</time>' in html
        assert "United States of America: <time" in html
        assert "Episode one recap" in html and "Unpublished recap" not in html
        assert 'id="episode-1"' in html

    def test_tv_season_json_ld_with_its_episodes(self, client, series):
        _show, season = series
        make_episode(season, 1, title="A New Seat", first_aired=date(2022, 4, 22))
        make_episode(season, 2, title="Practice")
        data = json_ld(client.get(season.get_absolute_url()).text)["TVSeason"]
        assert data["seasonNumber"] == 1 and data["numberOfEpisodes"] == 2
        assert data["partOfSeries"]["name"] == "Heartstopper"
        assert [e["@type"] for e in data["episode"]] == ["TVEpisode", "TVEpisode"]
        assert data["episode"][0] == {
            "@type": "TVEpisode",
            "episodeNumber": 1,
            "name": "A New Seat",
            "url": "http://testserver/shows/heartstopper/seasons/1/#episode-1",
            "datePublished": "2022-04-22",
        }

    @pytest.mark.parametrize(
        "path", ["/shows/heartstopper/seasons/2/", "/shows/nope/seasons/1/"]
    )
    def test_unknown_season_is_a_404(self, client, series, path):
        assert client.get(path).status_code == 404

    @pytest.mark.parametrize("n", [1, 6])
    def test_query_count_is_fixed(self, client, series, n, django_assert_num_queries):
        show, season = series
        for number in range(1, n + 1):
            episode = make_episode(season, number, first_aired=date(2022, 4, 22))
            episode.air_dates.create(region="US", date=date(2022, 4, 23))
            make_recap(episode, n_topics=2)
        make_review(season)
        make_offer(show, "GB")
        make_offer(show, "US", season=season)
        client.get(season.get_absolute_url())  # the header's topics, cached
        # season (show, network, poster), episodes, their air dates, critics'
        # ratings; stories with their authors and topics; offers
        with django_assert_num_queries(8):
            response = client.get(season.get_absolute_url())
        assert len(response.context["season"].episodes.all()) == n


# --- Spoilers -----------------------------------------------------------------------
class TestSpoilerPassages:
    def test_marked_paragraphs_fold_into_one_details_element(self):
        html = render_body(
            '<p>Before.</p><p class="spoiler">Nick says it.</p>'
            '<p class="spoiler">They kiss.</p><p>After.</p>'
        ).html
        assert html.count("<details") == 1
        assert re.search(
            r'<details class="spoiler"><summary>Spoiler: select to read</summary>'
            r"<p>Nick says it.</p>\s*<p>They kiss.</p></details>",
            html,
        )

    @pytest.mark.parametrize(
        ("given", "kept"),
        [
            ('<p class="spoiler spoiler">x</p>', '<p class="spoiler">x</p>'),
            ('<p class="other spoiler">x</p>', '<p class="spoiler">x</p>'),
            ('<p class="other">x</p>', "<p>x</p>"),
            ('<p class="spoiler" onclick="evil()">x</p>', '<p class="spoiler">x</p>'),
            ("<details open><summary>s</summary>x</details>", "sx"),
        ],
    )
    def test_sanitiser_keeps_only_the_spoiler_class(self, given, kept):
        assert sanitise(given) == kept

    def test_the_editor_offers_the_spoiler_style(self, client):
        client.force_login(make_user("admin"))
        html = client.get("/admin/articles/article/add/").text
        assert (
            "&quot;paragraph&quot;:[{&quot;className&quot;:&quot;spoiler&quot;,"
            "&quot;title&quot;:&quot;Spoiler&quot;}]"
        ) in html

    def test_search_snippets_leave_spoilers_out(self):
        make_article(
            headline="Finale recap",
            body="<p>The finale is at the seaside with friends.</p>"
            '<p class="spoiler">Nick kisses Charlie on the seaside pier.</p>',
        )
        stories = list(stories_matching("seaside"))
        add_highlights(stories, "seaside")
        assert len(stories) == 1
        assert "kisses" not in stories[0].snippet_html
        assert "finale" in stories[0].snippet_html.lower()


def guarded(lift_in, **fields):
    """A recap with spoiler-free text whose spoilers lift `lift_in` from now."""
    show = Show.objects.filter(slug="heartstopper").first() or make_show("Heartstopper")
    season = show.seasons.first() or make_season(show, 1)
    episode = make_episode(season, season.episodes.count() + 1)
    fields.setdefault("safe_standfirst", "Our look back. Spoilers inside.")
    return make_recap(
        episode,
        headline="Nick and Charlie get together",
        standfirst="The beach scene, in full.",
        safe_headline="Season one finale recap",
        spoilers_lift_at=timezone.now() + lift_in,
        hero=True,
        **fields,
    )


BEFORE, AFTER = timedelta(hours=2), -timedelta(minutes=1)


class TestSpoilerFreeText:
    def test_default_lift_is_seven_days_after_the_first_air_date(self, series):
        _show, season = series
        aired = timezone.localdate() - timedelta(days=6)
        episode = make_episode(season, 1, first_aired=aired)
        recap = make_recap(episode, safe_headline="Safe")
        assert recap.spoilers_until == start_of_day(aired + timedelta(days=7))
        assert recap.public_headline == "Safe"
        episode.first_aired = aired - timedelta(days=2)
        episode.save()
        recap.refresh_from_db()
        assert not recap.spoilers_hidden
        assert recap.public_headline == recap.headline

    def test_the_editors_time_wins(self, series):
        _show, season = series
        episode = make_episode(season, 1, first_aired=date(2022, 4, 22))
        later = timezone.now() + timedelta(days=30)
        recap = make_recap(episode, safe_headline="Safe", spoilers_lift_at=later)
        assert recap.spoilers_until == later and recap.spoilers_hidden
        episode.first_aired = date(2022, 4, 1)
        episode.save()
        recap.refresh_from_db()
        assert recap.spoilers_until == later

    def test_without_spoiler_free_text_nothing_changes(self, series):
        _show, season = series
        recap = make_recap(make_episode(season, 1), standfirst="Real.")
        assert (recap.public_headline, recap.public_standfirst) == (
            recap.headline,
            "Real.",
        )

    @pytest.mark.parametrize(("lift_in", "hidden"), [(BEFORE, True), (AFTER, False)])
    def test_cards_on_home_topic_and_show_pages(self, client, lift_in, hidden):
        topic = make_topic("TV")
        recap = guarded(lift_in, topics=[topic])
        show = recap.subject_episode.season.show
        for url in ("/", topic.get_absolute_url(), show.get_absolute_url()):
            html = client.get(url).text
            assert ("Season one finale recap" in html) is hidden, url
            assert ("Nick and Charlie get together" in html) is not hidden, url
            assert ("The beach scene, in full." in html) is not hidden, url

    @pytest.mark.parametrize(("lift_in", "hidden"), [(BEFORE, True), (AFTER, False)])
    def test_share_tags_and_structured_data(self, client, lift_in, hidden):
        recap = guarded(lift_in)
        html = client.get(recap.get_absolute_url()).text
        expected = "Season one finale recap" if hidden else recap.headline
        assert meta(html, "og:title") == expected
        assert meta(html, "twitter:title") in (None, expected)
        assert meta(html, "og:description") == (
            "Our look back. Spoilers inside." if hidden else recap.standfirst
        )
        assert json_ld(html)["NewsArticle"]["headline"] == expected
        assert re.search(rf"<title>{re.escape(expected)}", html)
        # The story itself always shows the real headline.
        assert '<h1 class="article__headline">Nick and Charlie get together</h1>' in (
            html
        )

    @pytest.mark.parametrize(("lift_in", "hidden"), [(BEFORE, True), (AFTER, False)])
    def test_feeds_and_news_sitemap(self, client, lift_in, hidden):
        recap = guarded(lift_in)
        expected = "Season one finale recap" if hidden else recap.headline
        feed = client.get("/feeds/latest/").content
        rss = ElementTree.fromstring(feed)  # noqa: S314 - the site's own output
        item = rss.find("channel/item")
        assert item.findtext("title") == expected
        assert item.findtext("description") == (
            "Our look back. Spoilers inside." if hidden else recap.standfirst
        )
        show = recap.subject_episode.season.show
        show_feed = client.get(f"/shows/{show.slug}/feed/").text
        assert ("Nick and Charlie" in show_feed) is not hidden
        news = client.get("/sitemap-news.xml").text
        assert f"<news:title>{expected}</news:title>" in news

    @pytest.mark.parametrize(("lift_in", "hidden"), [(BEFORE, True), (AFTER, False)])
    def test_newsletter_digest(self, lift_in, hidden):
        recap = guarded(lift_in)
        story = digest_story(recap)
        assert (story["headline"] == "Season one finale recap") is hidden
        assert (story["standfirst"] == "Our look back. Spoilers inside.") is hidden
        out = io.StringIO()
        call_command("send_newsletter", "--dry-run", stdout=out)
        assert ("Season one finale recap" in out.getvalue()) is hidden

    @pytest.mark.parametrize(("lift_in", "hidden"), [(BEFORE, True), (AFTER, False)])
    def test_search_related_most_read_and_share_links(self, client, lift_in, hidden):
        topic = make_topic("TV")
        recap = guarded(lift_in, topics=[topic])
        other = make_article(topics=[topic])
        html = client.get(other.get_absolute_url()).text
        related = html[html.index('id="related-heading"') :]
        assert ("Season one finale recap" in related) is hidden
        results = client.get("/search/?q=Charlie").text
        assert ("Season one finale recap" in results) is hidden
        assert ("Nick and <mark>Charlie</mark> get" in results) is not hidden
        DailyReads.objects.create(article=recap, day=timezone.localdate(), count=5)
        home = client.get("/").text
        most_read = home[home.index('id="most-read-heading"') :]
        most_read = most_read[: most_read.index("</section>")]
        assert ("Season one finale recap" in most_read) is hidden
        own = client.get(recap.get_absolute_url()).text
        shares = own[own.index("x.com/intent") :][:400]
        assert ("Season+one+finale+recap" in shares) is hidden

    def test_reminders_and_others_use_one_property_each(self):
        recap = guarded(BEFORE)
        assert recap.public_headline == "Season one finale recap"
        assert recap.public_standfirst == "Our look back. Spoilers inside."
        no_safe_standfirst = guarded(BEFORE, safe_standfirst="")
        assert no_safe_standfirst.public_standfirst == ""


# --- Where to watch ------------------------------------------------------------------
class TestWhereToWatch:
    def test_show_page_lists_the_default_region_then_the_others_folded(
        self, client, series
    ):
        show, season = series
        make_offer(show, "GB", "Netflix")
        make_offer(show, "US", "Netflix", kind=OfferKind.SUBSCRIPTION)
        make_offer(show, "US", "Apple TV", kind=OfferKind.BUY, season=season)
        make_offer(show, "IE", "Netflix")
        html = client.get(show.get_absolute_url()).text
        section = html[html.index('id="watch-heading"') :]
        section = section[: section.index("</section>")]
        assert section.index("United Kingdom") < section.index("<details")
        assert re.findall(r"<summary>([^<]+)<", section) == [
            "Ireland",
            "United States of America",
        ]
        assert "Season 1 only" in section and "Buy" in section

    def test_default_region_comes_from_settings(self, client, series, settings):
        settings.SITE_REGION = "US"
        show, _season = series
        make_offer(show, "US", "Hulu")
        make_offer(show, "GB", "Netflix")
        html = client.get(show.get_absolute_url()).text
        assert re.search(r'watch__region">United States of America<', html)
        assert "<summary>United Kingdom" in html

    def test_the_articles_show_card_says_where_to_watch(self, client, series):
        show, _season = series
        make_offer(show, "GB", "Netflix")
        article = make_article(shows=[show])
        html = client.get(article.get_absolute_url()).text
        card = html[html.index('class="show-card"') :]
        assert "Where to watch" in card and "Netflix" in card

    def test_expired_and_future_offers_are_not_shown(self, client, series):
        show, _season = series
        today = timezone.localdate()
        make_offer(show, "GB", "Gone", ends_on=today - timedelta(days=1))
        make_offer(show, "GB", "Later", starts_on=today + timedelta(days=1))
        make_offer(show, "GB", "Lastday", ends_on=today)
        html = client.get(show.get_absolute_url()).text
        assert "Lastday" in html and "Gone" not in html and "Later" not in html
        assert [o.provider.name for o in WatchOffer.objects.current()] == ["Lastday"]

    def test_offers_leave_without_a_deploy(self, client, series):
        """The same rows, read a day later: the ended offer has gone by itself."""
        show, _season = series
        today = timezone.localdate()
        make_offer(show, "GB", "Lastday", ends_on=today)
        assert WatchOffer.objects.current(today).count() == 1
        assert WatchOffer.objects.current(today + timedelta(days=1)).count() == 0

    def test_cache_lifetime_stops_at_the_next_change(self, client, series, monkeypatch):
        """100 seconds before an offer's last day ends, every page that prints
        offers may be kept (by browsers and shared caches) 100 seconds at most."""
        show, season = series
        make_offer(show, "GB", "Lastday", ends_on=timezone.localdate())
        article = make_article(shows=[show])
        midnight = start_of_day(timezone.localdate() + timedelta(days=1))
        soon = midnight - timedelta(seconds=100)
        monkeypatch.setattr(timezone, "now", lambda: soon)
        for url in (
            show.get_absolute_url(),
            season.get_absolute_url(),
            "/watch/",
            article.get_absolute_url(),
        ):
            response = client.get(url)
            assert "Lastday" in response.text, url
            assert "watchoffer-" in response["Surrogate-Key"], url
            control = response["Cache-Control"]
            for directive in ("max-age", "s-maxage"):
                seconds = int(re.search(rf"{directive}=(\d+)", control).group(1))
                assert 0 < seconds <= 100, (url, control)

    def test_pages_without_offers_keep_their_usual_lifetime(self, client, series):
        show, _season = series
        control = client.get(show.get_absolute_url())["Cache-Control"]
        assert "s-maxage=600" in control

    def test_next_change(self, series):
        show, _season = series
        now = timezone.now()
        today = timezone.localdate(now)
        assert WatchOffer.objects.next_change(now) is None
        make_offer(show, "GB", "A", ends_on=today + timedelta(days=3))
        make_offer(show, "US", "B", starts_on=today + timedelta(days=2))
        make_offer(show, "IE", "C", ends_on=today - timedelta(days=3))
        expected = start_of_day(today + timedelta(days=2))
        assert WatchOffer.objects.next_change(now) == expected
        assert offers_change_at(WatchOffer.objects.all(), now) == expected

    def test_ends_before_it_starts_is_refused(self, series):
        show, _season = series
        with pytest.raises(IntegrityError), transaction.atomic():
            make_offer(show, starts_on=date(2025, 1, 2), ends_on=date(2025, 1, 1))

    def test_one_offer_per_show_country_service_and_kind(self, series):
        show, season = series
        make_offer(show, "GB", "Netflix")
        make_offer(show, "GB", "Netflix", season=season)
        with pytest.raises(IntegrityError), transaction.atomic():
            make_offer(show, "GB", "Netflix")

    def test_season_must_belong_to_the_show(self, series):
        _show, season = series
        other = make_show("Other")
        offer = WatchOffer(
            show=other,
            season=season,
            region="GB",
            provider=make_offer(other, "US").provider,
            url="https://x.example/",
        )
        with pytest.raises(ValidationError, match="Pick a season"):
            offer.full_clean()

    def test_watch_action_json_ld_with_eligible_region(self, client, series):
        show, _season = series
        make_offer(show, "GB", "Netflix", ends_on=date(2099, 1, 1))
        make_offer(show, "US", "Apple TV", kind=OfferKind.RENT)
        data = json_ld(client.get(show.get_absolute_url()).text)["TVSeries"]
        actions = data["potentialAction"]
        assert [a["@type"] for a in actions] == ["WatchAction", "WatchAction"]
        required = {
            a["actionAccessibilityRequirement"]["eligibleRegion"]["name"]: a[
                "actionAccessibilityRequirement"
            ]
            for a in actions
        }
        assert required["GB"]["category"] == "subscription"
        assert required["GB"]["availabilityEnds"] == "2099-01-01"
        assert required["US"]["category"] == "rental"
        assert actions[0]["target"]["urlTemplate"].startswith("https://")


class TestStreamingNow:
    def test_groups_the_default_regions_offers_by_provider(self, client):
        one, two = make_show("Alpha"), make_show("Beta")
        make_offer(two, "GB", "Netflix")
        make_offer(one, "GB", "Netflix")
        make_offer(one, "GB", "BBC iPlayer", kind=OfferKind.FREE)
        make_offer(one, "US", "Hulu")
        make_offer(two, "GB", "Gone", ends_on=timezone.localdate() - timedelta(1))
        html = client.get("/watch/").text
        providers = re.findall(
            r'<h2 class="section-title" id="provider-[^"]+">([^<]+)', html
        )
        assert providers == ["BBC iPlayer", "Netflix"]
        netflix = html[html.index("provider-netflix") :]
        assert netflix.index("Alpha") < netflix.index("Beta")
        assert "Hulu" not in html and "Gone" not in html

    def test_empty(self, client):
        assert "Nothing listed to watch" in client.get("/watch/").text

    @pytest.mark.parametrize("n", [1, 8])
    def test_query_count_is_fixed(self, client, n, django_assert_num_queries):
        for i in range(n):
            show = make_show(f"Show {i}", network=make_network())
            make_offer(show, "GB", f"Service {i % 3}")
        client.get("/watch/")
        with django_assert_num_queries(1):
            response = client.get("/watch/")
        assert len(response.context["offers"]) == n


class TestQueryCounts:
    @pytest.mark.parametrize("n", [1, 5])
    def test_show_page(self, client, series, n, django_assert_num_queries):
        show, season = series
        for number in range(1, n + 1):
            make_offer(show, ["GB", "US", "IE", "FR", "DE"][number - 1])
            make_review(make_episode(season, number), n_topics=2)
            make_article(shows=[show], kind=Kind.FEATURE)
        client.get(show.get_absolute_url())
        bump_content_version()  # the full path, not the cached pieces (1 query)
        # show (network, pictures), genres, seasons, credits, ratings, offers;
        # stories (counted a few pages ahead) with authors and topics, their
        # kinds, our reviews
        with django_assert_num_queries(12):
            response = client.get(show.get_absolute_url())
        assert len(response.context["reviews"]) == n

    @pytest.mark.parametrize("n", [1, 4])
    def test_article_page_with_shows_to_watch(
        self, client, n, django_assert_max_num_queries
    ):
        shows = [make_show(f"Show {i}") for i in range(n)]
        for show in shows:
            make_offer(show, "GB")
            make_offer(show, "US")
        season = make_season(shows[0], 1)
        article = make_review(season, n_topics=2)
        article.shows.add(*shows)
        client.get(article.get_absolute_url())
        with django_assert_max_num_queries(7):
            html = client.get(article.get_absolute_url()).text
        assert html.count('class="show-card__watch"') == n


# --- Back office ---------------------------------------------------------------------
class TestAdmin:
    @pytest.fixture
    def admin(self, client):
        client.force_login(make_user("admin"))
        return client

    def test_season_page_edits_its_episodes(self, admin, series):
        _show, season = series
        make_episode(season, 1)
        response = admin.get(f"/admin/shows/season/{season.pk}/change/")
        assert response.status_code == 200
        prefixes = {f.formset.prefix for f in response.context["inline_admin_formsets"]}
        assert prefixes == {"episodes"}

    def test_episode_page_edits_air_dates(self, admin, series):
        _show, season = series
        episode = make_episode(season, 1)
        response = admin.get(f"/admin/shows/episode/{episode.pk}/change/")
        prefixes = {f.formset.prefix for f in response.context["inline_admin_formsets"]}
        assert prefixes == {"air_dates"}

    def test_duplicate_episode_is_a_form_error(self, admin, series):
        _show, season = series
        make_episode(season, 1)
        response = admin.post(
            "/admin/shows/episode/add/",
            {
                "season": season.pk,
                "number": "1",
                "title": "Again",
                "synopsis": "",
                "first_aired": "",
                "air_dates-TOTAL_FORMS": "0",
                "air_dates-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200
        assert "already has an episode" in response.text

    def test_a_films_page_has_no_seasons(self, admin):
        film = make_show("Film", kind=ShowKind.FILM)
        response = admin.get(f"/admin/shows/show/{film.pk}/change/")
        prefixes = {f.formset.prefix for f in response.context["inline_admin_formsets"]}
        assert "seasons" not in prefixes and "watch_offers" in prefixes

    @pytest.mark.parametrize(
        "path",
        [
            "/admin/shows/season/",
            "/admin/shows/episode/",
            "/admin/shows/provider/",
            "/admin/autocomplete/?app_label=articles&model_name=article"
            "&field_name=subject_season&term=heart",
            "/admin/autocomplete/?app_label=articles&model_name=article"
            "&field_name=subject_episode&term=heart",
        ],
    )
    def test_lists_open(self, admin, series, path):
        make_episode(series[1], 1)
        assert admin.get(path).status_code == 200

    def test_review_form_errors_not_500(self, admin, series):
        response = admin.post(
            "/admin/articles/article/add/",
            {
                "headline": "A review",
                "kind": Kind.REVIEW,
                "rating": "4.5",
                "body": "<p>x</p>",
                "status": "draft",
                "byline_set-TOTAL_FORMS": "0",
                "byline_set-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200
        assert "Name one thing the review is about" in response.text


# --- Demo ----------------------------------------------------------------------------
class TestDemo:
    def test_heartstopper_season_one_episodes_and_netflix_in_gb_and_us(self):
        call_command("seed_demo", stdout=io.StringIO())
        season = Season.objects.get(show__slug="heartstopper", number=1)
        assert season.episodes.count() == 8
        assert all(e.first_aired == season.release_date for e in season.episodes.all())
        offers = WatchOffer.objects.filter(show__slug="heartstopper")
        assert {(o.region.code, o.provider.name) for o in offers} == {
            ("GB", "Netflix"),
            ("US", "Netflix"),
        }
        call_command("seed_demo", stdout=io.StringIO())
        assert season.episodes.count() == 8 and offers.count() == 2


class TestReminderPayload:
    @pytest.mark.parametrize(("lift_in", "hidden"), [(BEFORE, True), (AFTER, False)])
    def test_reminders_carry_the_public_text(self, lift_in, hidden):
        recap = guarded(lift_in)
        payload = story_payload(recap)
        assert (payload["title"] == "Season one finale recap") is hidden
        assert (payload["body"] == "Our look back. Spoilers inside.") is hidden
        assert (payload["title"] == recap.headline) is not hidden
