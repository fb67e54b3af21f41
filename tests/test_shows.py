"""Shows, seasons, people, cast and ratings: models, pages, filters, admin."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from images.models import Image
from shows.demo import seed
from shows.models import (
    Credit,
    Genre,
    Person,
    Rating,
    Role,
    Season,
    SeasonStatus,
    Show,
    ShowStatus,
)
from tests import factories
from tests.factories import make_network, make_person, make_show

pytestmark = pytest.mark.django_db


# --- helpers --------------------------------------------------------------------------


def make_article(n, *, shows=(), people=(), published=True):
    """Story n, published n + 1 hours ago (so lower n is newer)."""
    return factories.make_article(
        headline=f"Story {n}",
        slug=f"story-{n}",
        status="published" if published else "draft",
        publish_at=timezone.now() - timedelta(hours=n + 1),
        shows=shows,
        people=people,
    )


def cast_show():
    """Heartstopper's facts without the demo pictures (drawing them is slow)."""
    show = make_show("Heartstopper", network=make_network(), status=ShowStatus.RENEWED)
    show.genres.add(Genre.objects.create(name="Romance", slug="romance"))
    seasons = [Season.objects.create(show=show, number=n) for n in (1, 2, 3)]
    alice, joe = make_person("Alice Oseman"), make_person("Joe Locke")
    for role in (Role.CREATOR, Role.WRITER):
        Credit.objects.create(show=show, person=alice, role=role)
    credit = Credit.objects.create(
        show=show, person=joe, character="Charlie Spring", billing=1
    )
    credit.seasons.add(seasons[0])
    Rating.objects.create(show=show, source="Rotten Tomatoes critics", score=100)
    return show


def fill_show(show, n):
    """n seasons, n cast members (each in every season), n ratings and n stories."""
    seasons = [
        Season.objects.create(show=show, number=i, status=SeasonStatus.RELEASED)
        for i in range(1, n + 1)
    ]
    people = []
    for i in range(1, n + 1):
        person = make_person(f"Actor {show.pk}-{i}")
        credit = Credit.objects.create(
            show=show, person=person, character=f"Role {i}", billing=i
        )
        credit.seasons.set(seasons)
        Rating.objects.create(show=show, source=f"Source {i}", score=90, scale=100)
        people.append(person)
    for i in range(n):
        make_article(show.pk * 100 + i, shows=[show])
    return people


class TestDemoSeed:
    def test_creates_heartstopper_with_the_seeds_facts(self):
        result = seed()
        show = result["heartstopper"]
        assert show.network == result["netflix"]
        assert show.based_on_author.name == "Alice Oseman"
        assert {(c.person.name, c.role) for c in show.credits.all()} == {
            ("Alice Oseman", Role.CREATOR),
            ("Alice Oseman", Role.WRITER),
            ("Joe Locke", Role.CAST),
            ("Kit Connor", Role.CAST),
        }
        assert [str(c) for c in show.cast] == [
            "Joe Locke as Charlie Spring",
            "Kit Connor as Nick Nelson",
        ]
        assert [(s.number, s.status) for s in show.seasons.all()] == [
            (1, "released"),
            (2, "confirmed"),
            (3, "confirmed"),
        ]
        rating = show.headline_rating
        assert (rating.source, rating.display_score) == (
            "Rotten Tomatoes critics",
            "100%",
        )
        assert show.poster.credit == "Netflix"
        assert show.trailer.provider == "youtube"
        show.full_clean()

    def test_is_idempotent(self):
        first = seed()
        counts = [m.objects.count() for m in (Show, Person, Season, Credit, Rating)]
        second = seed()
        assert second["heartstopper"].pk == first["heartstopper"].pk
        assert [m.objects.count() for m in (Show, Person, Season, Credit, Rating)] == (
            counts
        )


class TestShowCard:
    @pytest.mark.parametrize("n", [1, 8])
    def test_cards_cost_two_queries_for_any_number_of_shows(
        self, n, django_assert_num_queries
    ):
        netflix = make_network()
        for i in range(n):
            show = make_show(f"Show {i}", network=netflix)
            Rating.objects.create(show=show, source="Critics", score=80 + i)
        with django_assert_num_queries(2):
            html = "".join(
                render_to_string("partials/show_card.html", {"show": show})
                for show in Show.objects.for_cards()
            )
        assert html.count("show-card__title") == n
        assert "80%" in html and "Netflix" in html


# --- models and constraints -----------------------------------------------------------


class TestSeason:
    def test_number_is_unique_per_show(self):
        show = make_show()
        Season.objects.create(show=show, number=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            Season.objects.create(show=show, number=1)

    def test_other_shows_reuse_numbers(self):
        Season.objects.create(show=make_show("A"), number=1)
        Season.objects.create(show=make_show("B"), number=1)
        assert Season.objects.filter(number=1).count() == 2

    def test_numbers_start_at_one(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Season.objects.create(show=make_show(), number=0)

    def test_validation_names_the_clash(self):
        show = make_show()
        Season.objects.create(show=show, number=2)
        with pytest.raises(ValidationError, match="already has a season with"):
            Season(show=show, number=2).full_clean()

    def test_seasons_come_in_number_order(self):
        show = make_show()
        for number in (3, 1, 2):
            Season.objects.create(show=show, number=number)
        assert [s.number for s in show.seasons.all()] == [1, 2, 3]


class TestCredit:
    def test_cast_needs_a_character(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Credit.objects.create(show=make_show(), person=make_person(), billing=1)

    def test_cast_needs_a_billing_position(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Credit.objects.create(
                show=make_show(), person=make_person(), character="Charlie Spring"
            )

    def test_crew_needs_neither(self):
        credit = Credit.objects.create(
            show=make_show(), person=make_person(), role=Role.CREATOR
        )
        credit.full_clean()

    def test_billing_position_is_unique_per_show(self):
        show = make_show()
        Credit.objects.create(
            show=show, person=make_person("A"), character="X", billing=1
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            Credit.objects.create(
                show=show, person=make_person("B"), character="Y", billing=1
            )

    def test_crew_without_billing_do_not_clash(self):
        show = make_show()
        for name in ("A", "B"):
            Credit.objects.create(show=show, person=make_person(name), role=Role.WRITER)
        assert show.credits.count() == 2

    def test_one_person_may_create_write_and_act(self):
        show, person = make_show(), make_person("Alice Oseman")
        for role in (Role.CREATOR, Role.WRITER):
            Credit.objects.create(show=show, person=person, role=role)
        Credit.objects.create(show=show, person=person, character="Cameo", billing=9)
        with pytest.raises(IntegrityError), transaction.atomic():
            Credit.objects.create(show=show, person=person, role=Role.WRITER)

    def test_cast_is_listed_in_billing_order(self):
        show = make_show()
        for billing, name in [(3, "C"), (1, "A"), (2, "B")]:
            Credit.objects.create(
                show=show, person=make_person(name), character=name, billing=billing
            )
        Credit.objects.create(show=show, person=make_person("W"), role=Role.WRITER)
        show = Show.objects.for_page().get()
        assert [c.person.name for c in show.cast] == ["A", "B", "C"]
        assert [p.name for p in show.writers] == ["W"]

    @pytest.mark.parametrize(
        ("numbers", "label"),
        [
            ([], ""),
            ([2], "Season 2"),
            ([1, 2, 3], "Seasons 1–3"),
            ([1, 3], "Seasons 1, 3"),
        ],
    )
    def test_seasons_label(self, numbers, label):
        show = make_show()
        credit = Credit.objects.create(
            show=show, person=make_person(), character="X", billing=1
        )
        credit.seasons.set(
            [Season.objects.create(show=show, number=n) for n in numbers]
        )
        assert credit.seasons_label == label


class TestRating:
    @pytest.mark.parametrize(
        ("score", "scale", "shown"),
        [
            (100, 100, "100%"),
            (Decimal("87.5"), 100, "87.5%"),
            (Decimal("8.1"), 10, "8.1/10"),
        ],
    )
    def test_display_score(self, score, scale, shown):
        rating = Rating.objects.create(
            show=make_show(), source="Critics", score=score, scale=scale
        )
        rating.refresh_from_db()
        assert rating.display_score == shown

    @pytest.mark.parametrize(("score", "scale"), [(101, 100), (-1, 100), (5, 0)])
    def test_score_stays_within_its_scale(self, score, scale):
        with pytest.raises(IntegrityError), transaction.atomic():
            Rating.objects.create(
                show=make_show(), source="Critics", score=score, scale=scale
            )

    def test_season_must_belong_to_the_show(self):
        other_season = Season.objects.create(show=make_show("Other"), number=1)
        rating = Rating(
            show=make_show(), season=other_season, source="Critics", score=90
        )
        with pytest.raises(ValidationError, match="season of this show"):
            rating.full_clean()

    def test_headline_rating_is_the_first_show_wide_one(self):
        show = make_show()
        season = Season.objects.create(show=show, number=1)
        Rating.objects.create(show=show, season=season, source="Season", score=50)
        Rating.objects.create(show=show, source="Critics", score=100)
        Rating.objects.create(show=show, source="Audience", score=90)
        assert Show.objects.for_cards().get().headline_rating.source == "Critics"
        assert Show.objects.get().headline_rating.source == "Critics"


class TestShowModel:
    def test_trailer_is_a_click_to_load_embed(self):
        show = make_show(
            "Heartstopper", trailer_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        )
        assert show.trailer.provider == "youtube"
        assert show.trailer.title == "Heartstopper: official trailer"

    def test_trailer_must_be_a_video_link(self):
        show = make_show(trailer_url="https://example.com/trailer")
        with pytest.raises(ValidationError, match="YouTube or Vimeo"):
            show.full_clean()
        assert show.trailer is None

    def test_network_links_to_its_filtered_show_list(self):
        assert make_network().get_absolute_url() == "/shows/?network=netflix"


# --- reader pages ---------------------------------------------------------------------


def assert_cacheable(response):
    """An anonymous reader page carries nothing per reader (a CDN may cache it)."""
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert "csrfmiddlewaretoken" not in response.text


class TestShowList:
    def test_lists_shows_as_cards(self, client):
        make_show("Heartstopper", network=make_network())
        response = client.get("/shows/")
        assert_cacheable(response)
        assert 'href="/shows/heartstopper/"' in response.text

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("", {"Heartstopper", "Sex Education", "Doctor Who"}),
            ("?network=netflix", {"Heartstopper", "Sex Education"}),
            ("?status=ended", {"Sex Education", "Doctor Who"}),
            ("?network=netflix&status=ended", {"Sex Education"}),
            ("?network=bbc&status=renewed", set()),
            ("?network=&status=", {"Heartstopper", "Sex Education", "Doctor Who"}),
        ],
    )
    def test_filters_by_network_and_status(self, client, query, expected):
        netflix, bbc = make_network("Netflix"), make_network("BBC")
        make_show("Heartstopper", network=netflix, status=ShowStatus.RENEWED)
        make_show("Sex Education", network=netflix, status=ShowStatus.ENDED)
        make_show("Doctor Who", network=bbc, status=ShowStatus.ENDED)
        response = client.get(f"/shows/{query}")
        assert response.status_code == 200
        assert {show.title for show in response.context["shows"]} == expected

    def test_empty_result_says_so(self, client):
        make_network("BBC")
        response = client.get("/shows/?network=bbc")
        assert "No shows match these filters." in response.text

    @pytest.mark.parametrize(
        "query",
        [
            "?network=no-such-network",
            "?status=renewed-forever",
            "?network=%00",
            "?page=abc",
            "?page=0",
            "?page=99",
            "?page=-1",
        ],
    )
    def test_bad_filters_and_pages_are_404_not_500(self, client, query):
        make_show(network=make_network())
        assert client.get(f"/shows/{query}").status_code == 404

    def test_pagination_keeps_the_filters(self, client):
        netflix = make_network()
        for i in range(25):
            make_show(f"Show {i:02}", network=netflix)
        response = client.get("/shows/?network=netflix")
        assert len(response.context["shows"]) == 24
        assert 'href="?network=netflix&amp;page=2"' in response.text
        page_two = client.get("/shows/?network=netflix&page=2")
        assert [s.title for s in page_two.context["shows"]] == ["Show 24"]

    @pytest.mark.parametrize("n", [1, 24])
    def test_query_count_does_not_grow_with_shows(
        self, client, n, django_assert_max_num_queries
    ):
        netflix = make_network()
        for i in range(n):
            show = make_show(f"Show {i}", network=netflix)
            Rating.objects.create(show=show, source="Critics", score=90)
        # count, shows, ratings, the filter form's networks, the header's topics
        # +1 on a cold cache: when the next scheduled story goes live.
        with django_assert_max_num_queries(6):
            response = client.get("/shows/")
        assert len(response.context["shows"]) == n


class TestShowDetail:
    def test_shows_everything_a_reader_wants_at_a_glance(self, client):
        show = seed()["heartstopper"]
        response = client.get(show.get_absolute_url())
        assert_cacheable(response)
        text = response.text
        assert "Watch on Netflix" in text
        assert "the Heartstopper graphic novels" in text
        assert 'by <a href="/people/alice-oseman/">Alice Oseman</a>' in text
        assert "Created by" in text
        assert "Image credit: Netflix" in text
        for name, character in [
            ("Joe Locke", "Charlie Spring"),
            ("Kit Connor", "Nick Nelson"),
        ]:
            assert (
                f'>{name}</a> <span class="cast-card__as">as</span> '
                f'<span class="cast-card__character">{character}</span>'
            ) in text
        assert text.count("season-status--confirmed") == 2
        assert "100%" in text and "Rotten Tomatoes critics" in text
        assert '<meta property="og:image" content="http://testserver/' in text

    def test_trailer_loads_nothing_until_the_reader_asks(self, client):
        show = make_show("Heartstopper", trailer_url="https://youtu.be/dQw4w9WgXcQ")
        text = client.get(show.get_absolute_url()).text
        assert "Heartstopper: official trailer" in text
        assert "<iframe" not in text
        assert "/static/js/embeds.js" in text

    def test_no_trailer_no_script(self, client):
        text = client.get(make_show().get_absolute_url()).text
        assert "embeds.js" not in text and "Trailer" not in text

    def test_lists_only_published_stories_about_the_show(self, client):
        show, other = make_show(), make_show("Other")
        make_article(1, shows=[show])
        make_article(2, shows=[show], published=False)
        make_article(3, shows=[other])
        response = client.get(show.get_absolute_url())
        assert [a.headline for a in response.context["stories"]] == ["Story 1"]

    def test_unknown_show_is_404(self, client):
        assert client.get("/shows/no-such-show/").status_code == 404

    def test_stories_come_a_page_at_a_time_newest_first(self, client):
        show = make_show()
        for n in range(1, 9):
            make_article(n, shows=[show])
        url = show.get_absolute_url()
        first = client.get(url)
        assert [a.headline for a in first.context["stories"]] == [
            f"Story {n}" for n in range(1, 7)
        ]
        assert 'rel="next" href="?page=2"' in first.text
        second = client.get(f"{url}?page=2")
        assert [a.headline for a in second.context["stories"]] == ["Story 7", "Story 8"]
        assert 'rel="prev" href="?page=1"' in second.text
        assert "Page 2 of 2" in second.text
        for past_the_end in ("3", "0", "two", "9" * 30):
            assert client.get(f"{url}?page={past_the_end}").status_code == 404

    def test_our_latest_reviews_sit_beside_ratings_and_the_rest_are_a_link_away(
        self, client
    ):
        show = make_show()
        for n in range(1, 9):
            factories.make_article(
                headline=f"Review {n}",
                slug=f"review-{n}",
                kind="review",
                rating=4,
                subject_show=show,
                status="published",
                publish_at=timezone.now() - timedelta(hours=n),
                shows=[show],
            )
        response = client.get(show.get_absolute_url())
        section = response.text.split('id="ratings-heading"')[1].split("</section>")[0]
        assert section.count("Our review</a>") == 6
        assert "/articles/review-1/" in section and "/articles/review-7/" not in section
        assert 'href="?kind=review#stories-heading">All our reviews' in section
        reviews = client.get(f"{show.get_absolute_url()}?kind=review&page=2")
        assert [a.headline for a in reviews.context["stories"]] == [
            "Review 7",
            "Review 8",
        ]

    def test_a_few_reviews_need_no_link(self, client):
        show = make_show()
        factories.make_article(
            headline="Review",
            slug="review",
            kind="review",
            rating=4,
            subject_show=show,
            status="published",
            publish_at=timezone.now(),
            shows=[show],
        )
        text = client.get(show.get_absolute_url()).text
        assert "Our review</a>" in text and "All our reviews" not in text

    @pytest.mark.parametrize("n", [1, 6])
    def test_query_count_is_fixed_whatever_the_seasons_cast_ratings_stories(
        self, client, n, django_assert_max_num_queries
    ):
        show = make_show(network=make_network(), based_on="Books")
        show.based_on_author = fill_show(show, n)[0]
        show.trailer_url = "https://youtu.be/dQw4w9WgXcQ"
        show.save()
        # show, genres, seasons, credits, credit seasons, ratings, offers; stories
        # (counted a few pages ahead, then a page), their authors and topics
        # (Article.for_cards), the kinds of story, our reviews; the header's topics
        # +1 on a cold cache: when the next scheduled story goes live.
        with django_assert_max_num_queries(15):
            response = client.get(show.get_absolute_url())
        assert len(response.context["show"].cast) == n
        assert len(response.context["stories"]) == n


class TestPersonDetail:
    def test_lists_roles_across_shows(self, client):
        alice = cast_show().creators[0]
        other = make_show("Solitaire")
        Credit.objects.create(show=other, person=alice, character="Narrator", billing=1)
        response = client.get(alice.get_absolute_url())
        assert_cacheable(response)
        text = response.text
        assert text.index("Heartstopper") < text.index("Solitaire")
        assert "Creator" in text and "Writer" in text and "Plays Narrator" in text

    def test_cast_member_shows_character_and_seasons(self, client):
        joe = cast_show().cast[0].person
        text = client.get(joe.get_absolute_url()).text
        assert "Plays Charlie Spring" in text and "(Season 1)" in text

    def test_lists_only_published_stories_mentioning_them(self, client):
        person = make_person()
        make_article(1, people=[person])
        make_article(2, people=[person], published=False)
        make_article(3)
        response = client.get(person.get_absolute_url())
        assert [a.headline for a in response.context["stories"]] == ["Story 1"]

    def test_unknown_person_is_404(self, client):
        assert client.get("/people/nobody/").status_code == 404

    @pytest.mark.parametrize("n", [1, 6])
    def test_query_count_is_fixed_whatever_the_credits_and_stories(
        self, client, n, django_assert_max_num_queries
    ):
        person = make_person("Busy Actor")
        for i in range(n):
            show = make_show(f"Show {i}", network=make_network(f"Net {i}"))
            seasons = [Season.objects.create(show=show, number=k) for k in (1, 2)]
            credit = Credit.objects.create(
                show=show, person=person, character=f"Part {i}", billing=1
            )
            credit.seasons.set(seasons)
            make_article(i, shows=[show], people=[person])
        # person, credits with shows, credit seasons; stories, their authors and
        # topics (Article.for_cards); the header's topics
        # +1 on a cold cache: when the next scheduled story goes live.
        with django_assert_max_num_queries(8):
            response = client.get(person.get_absolute_url())
        assert response.text.count("Plays Part") == n
        assert len(response.context["stories"]) == n


# --- admin ----------------------------------------------------------------------------


def show_form(**overrides):
    """POST data for the show admin form with its four (empty) inlines."""
    data = {
        "title": "Heartstopper",
        "slug": "heartstopper",
        "kind": "series",
        "release_date": "",
        "runtime": "",
        "network": "",
        "status": ShowStatus.RENEWED,
        "premiere_date": "",
        "synopsis": "",
        "based_on": "",
        "based_on_author": "",
        "poster": "",
        "key_art": "",
        "trailer_url": "",
        "official_site": "",
    }
    for prefix in ("seasons", "credits", "ratings", "watch_offers"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data | overrides


def inline_rows(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows))}
    for i, row in enumerate(rows):
        data |= {f"{prefix}-{i}-{key}": value for key, value in row.items()}
    return data


class TestShowAdmin:
    def test_changelist_filters_by_network_and_status(self, admin_client):
        netflix, bbc = make_network("Netflix"), make_network("BBC")
        make_show("Heartstopper", network=netflix, status=ShowStatus.RENEWED)
        make_show("Sex Education", network=netflix, status=ShowStatus.ENDED)
        make_show("Doctor Who", network=bbc, status=ShowStatus.RENEWED)
        response = admin_client.get(
            f"/admin/shows/show/?network__id__exact={netflix.pk}&status__exact=renewed"
        )
        assert [s.title for s in response.context["cl"].result_list] == ["Heartstopper"]

    def test_change_page_has_seasons_credits_and_ratings_inlines(self, admin_client):
        show = cast_show()
        other = make_show("Other")
        Season.objects.create(show=other, number=7)
        response = admin_client.get(f"/admin/shows/show/{show.pk}/change/")
        assert response.status_code == 200
        prefixes = {f.formset.prefix for f in response.context["inline_admin_formsets"]}
        assert prefixes == {"seasons", "credits", "ratings", "watch_offers"}
        credits = next(
            f.formset
            for f in response.context["inline_admin_formsets"]
            if f.formset.prefix == "credits"
        )
        offered = [label for _, label in credits.forms[0].fields["seasons"].choices]
        assert offered == ["Season 1", "Season 2", "Season 3"]

    def test_adds_a_show_with_a_season_cast_and_rating(self, admin_client):
        joe = make_person("Joe Locke")
        data = show_form(
            **inline_rows(
                "seasons", [{"number": "1", "status": SeasonStatus.RELEASED}]
            ),
            **inline_rows(
                "credits",
                [
                    {
                        "person": joe.pk,
                        "role": Role.CAST,
                        "character": "Charlie Spring",
                        "billing": "1",
                    }
                ],
            ),
            **inline_rows(
                "ratings",
                [{"source": "Rotten Tomatoes critics", "score": "100", "scale": "100"}],
            ),
        )
        response = admin_client.post("/admin/shows/show/add/", data)
        assert response.status_code == 302, response.context["errors"]
        show = Show.objects.get(slug="heartstopper")
        assert [str(c) for c in show.cast] == ["Joe Locke as Charlie Spring"]
        assert show.seasons.get().number == 1
        assert show.headline_rating.display_score == "100%"

    @pytest.mark.parametrize(
        ("rows", "error"),
        [
            (
                {"seasons": [{"number": "1", "status": "released"}] * 2},
                "Please correct the duplicate data for number.",
            ),
            (
                {
                    "credits": [
                        {"role": "cast", "character": "A", "billing": "1"},
                        {"role": "cast", "character": "B", "billing": "1"},
                    ]
                },
                "Please correct the duplicate data for billing.",
            ),
            (
                {"credits": [{"role": "cast", "character": "", "billing": "1"}]},
                "A cast credit needs the character",
            ),
            (
                {"ratings": [{"source": "Critics", "score": "120", "scale": "100"}]},
                "The score must be between 0 and the scale.",
            ),
        ],
    )
    def test_bad_inline_rows_are_form_errors_not_500s(self, admin_client, rows, error):
        people = [make_person("A"), make_person("B")]
        data = show_form()
        for prefix, prefix_rows in rows.items():
            if prefix == "credits":
                prefix_rows = [
                    row | {"person": person.pk}
                    for row, person in zip(prefix_rows, people, strict=False)
                ]
            data |= inline_rows(prefix, prefix_rows)
        response = admin_client.post("/admin/shows/show/add/", data)
        assert response.status_code == 200
        assert error in response.text
        assert not Show.objects.exists()

    def test_trailer_must_be_a_video_link(self, admin_client):
        data = show_form(trailer_url="https://example.com/trailer")
        response = admin_client.post("/admin/shows/show/add/", data)
        assert "YouTube or Vimeo" in response.text
        assert not Show.objects.exists()

    @pytest.mark.parametrize(
        ("model", "field", "term", "found"),
        [
            ("credit", "person", "joe", "Joe Locke"),
            ("show", "network", "net", "Netflix"),
            ("show", "poster", "heartstopper poster", "Heartstopper streams on"),
            ("show", "based_on_author", "alice", "Alice Oseman"),
            ("show", "genres", "rom", "Romance"),
        ],
    )
    def test_autocomplete(self, admin_client, model, field, term, found):
        show = cast_show()
        show.based_on_author = Person.objects.get(name="Alice Oseman")
        show.save()
        Image.objects.bulk_create(  # bulk: no renditions to make for a missing file
            [Image(file="x.jpg", alt_text="Heartstopper poster", caption=found)]
        )
        response = admin_client.get(
            "/admin/autocomplete/",
            {
                "app_label": "shows",
                "model_name": model,
                "field_name": field,
                "term": term,
            },
        )
        assert response.status_code == 200
        assert found in response.json()["results"][0]["text"]


class TestPersonAdmin:
    def test_changelist_lists_credits(self, admin_client):
        cast_show()
        response = admin_client.get("/admin/shows/person/?q=alice")
        assert "Heartstopper: Creator; Heartstopper: Writer" in response.text

    def test_change_page_lists_credits_with_seasons(self, admin_client):
        joe = cast_show().cast[0].person
        response = admin_client.get(f"/admin/shows/person/{joe.pk}/change/")
        assert response.status_code == 200
        assert "Charlie Spring" in response.text
        assert "Season 1" in response.text


@pytest.fixture
def staff(django_user_model):
    """make staff users in the Writer or Editor group (after setup_roles)."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("setup_roles", verbosity=0)
    except CommandError as exc:  # the articles app provides the command
        pytest.skip(f"setup_roles is not available yet: {exc}")

    def make(role):
        user = django_user_model.objects.create_user(
            username=role.lower(), password="pw", is_staff=True
        )
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


class TestPermissions:
    @pytest.mark.parametrize(
        "model", ["show", "season", "credit", "rating", "person", "network", "genre"]
    )
    @pytest.mark.parametrize(
        ("role", "can_delete"), [("Writer", False), ("Editor", True)]
    )
    def test_writers_add_and_change_editors_also_delete(
        self, staff, model, role, can_delete
    ):
        user = staff(role)
        assert user.has_perm(f"shows.add_{model}")
        assert user.has_perm(f"shows.change_{model}")
        assert user.has_perm(f"shows.delete_{model}") is can_delete

    @pytest.mark.parametrize(
        ("role", "delete_status"), [("Writer", 403), ("Editor", 200)]
    )
    def test_admin_pages_follow_the_roles(self, client, staff, role, delete_status):
        show = cast_show()
        client.force_login(staff(role))
        assert client.get("/admin/shows/show/add/").status_code == 200
        change = client.get(f"/admin/shows/show/{show.pk}/change/")
        assert change.status_code == 200
        assert "seasons-TOTAL_FORMS" in change.text
        delete = client.get(f"/admin/shows/show/{show.pk}/delete/")
        assert delete.status_code == delete_status
