"""Demo show data for `seed_demo`: Heartstopper on Netflix, with the seeds' facts.

`seed()` is idempotent: it looks everything up by slug (or natural key) and only
fills in what is missing, so running `seed_demo` twice changes nothing.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction

from images.demo import demo_image
from shows.models import (
    Credit,
    Episode,
    Genre,
    Network,
    OfferKind,
    Person,
    Provider,
    Rating,
    Role,
    Season,
    SeasonStatus,
    Show,
    ShowStatus,
    WatchOffer,
)

SYNOPSIS = (
    "Charlie Spring is a quiet, anxious boy at an English grammar school. When a "
    "new seating plan puts him beside Nick Nelson, the easy-going star of the rugby "
    "team, an unexpected friendship starts. Charlie soon falls for Nick, and Nick, "
    "to his own surprise, finds he feels the same, as both boys and their friends "
    "work out who they are and who they love."
)

# The same trailer the demo stories embed (newsroom/management/commands/seed_demo.py).
TRAILER_URL = "https://www.youtube.com/watch?v=3_qx_fDDtjc"

PEOPLE = {
    "alice-oseman": (
        "Alice Oseman",
        "Author and illustrator of the Heartstopper graphic novels, who adapted her "
        "own books for television and writes the series.",
    ),
    "joe-locke": (
        "Joe Locke",
        "Actor who leads Heartstopper as Charlie Spring, his first screen role.",
    ),
    "kit-connor": (
        "Kit Connor",
        "Actor who plays the rugby player Nick Nelson in Heartstopper.",
    ),
}

# Season one's eight episodes, all released on one day. The titles and one-line
# synopses are the demo's own inventions.
SEASON_ONE_EPISODES = [
    ("A New Seat", "A seating plan puts Charlie next to Nick in form class."),
    ("Practice", "Nick asks Charlie to try out for the rugby team."),
    ("The Party", "Charlie goes to a party he would rather have missed."),
    ("Snow Day", "A day off school and a walk in the snow change things."),
    ("Keeping Quiet", "Charlie worries about what Nick wants to keep private."),
    ("Friends Again", "Old friendships need some repair after a row."),
    ("Sports Day", "The whole year group turns out for a competitive afternoon."),
    ("Going Out", "The season ends with a day at the seaside."),
]
# Season one came out a month before the renewal that ordered seasons 2 and 3.
SEASON_ONE_RELEASED = date(2022, 4, 22)
NETFLIX_LINK = "https://www.netflix.com/search?q=Heartstopper"


def _person(slug, *, colours):
    name, bio = PEOPLE[slug]
    photo = demo_image(
        name,
        alt_text=f"Portrait placeholder for {name}",
        credit="Netflix",
        size=(600, 600),
        colours=colours,
    )
    person, _ = Person.objects.get_or_create(
        slug=slug, defaults={"name": name, "bio": bio, "photo": photo}
    )
    return person


@transaction.atomic
def seed():
    """Create (or find) Netflix, Heartstopper, its people, seasons, cast and rating."""
    netflix, _ = Network.objects.get_or_create(
        slug="netflix",
        defaults={"name": "Netflix", "website": "https://www.netflix.com/"},
    )
    poster = demo_image(
        "Heartstopper",
        alt_text="Heartstopper poster: the show's title over a red and blue gradient",
        caption="Heartstopper streams on Netflix.",
        credit="Netflix",
        size=(800, 1200),
        colours=("#e23b6b", "#2b3a8f"),
    )
    key_art = demo_image(
        "Heartstopper · Netflix",
        alt_text="Heartstopper key art: the show's title on a wide autumn gradient",
        caption="Heartstopper returns for two more seasons.",
        credit="Netflix",
        size=(1600, 900),
        colours=("#f29f3d", "#b3122e"),
    )
    alice = _person("alice-oseman", colours=("#5b3f8c", "#1d1d3a"))
    joe = _person("joe-locke", colours=("#2b3a8f", "#1d1d3a"))
    kit = _person("kit-connor", colours=("#1f7a5c", "#1d1d3a"))

    show, _ = Show.objects.get_or_create(
        slug="heartstopper",
        defaults={
            "title": "Heartstopper",
            "network": netflix,
            "synopsis": SYNOPSIS,
            "based_on": "the Heartstopper graphic novels",
            "based_on_author": alice,
            "status": ShowStatus.RENEWED,
            "poster": poster,
            "key_art": key_art,
            "trailer_url": TRAILER_URL,
        },
    )
    for name in ["Drama", "Romance", "LGBTQ+"]:
        genre, _ = Genre.objects.get_or_create(
            slug=name.lower().replace("+", "").strip(), defaults={"name": name}
        )
        show.genres.add(genre)

    seasons = {}
    # Seasons 2 and 3 were ordered together (the renewal the seed stories report).
    for number, status, announced, released, count in [
        (1, SeasonStatus.RELEASED, None, SEASON_ONE_RELEASED, len(SEASON_ONE_EPISODES)),
        (2, SeasonStatus.CONFIRMED, date(2022, 5, 20), None, None),
        (3, SeasonStatus.CONFIRMED, date(2022, 5, 20), None, None),
    ]:
        seasons[number], _ = Season.objects.get_or_create(
            show=show,
            number=number,
            defaults={
                "status": status,
                "announced_on": announced,
                "release_date": released,
                "episode_count": count,
            },
        )
    episodes = {}
    for number, (title, synopsis) in enumerate(SEASON_ONE_EPISODES, start=1):
        episodes[number], _ = Episode.objects.get_or_create(
            season=seasons[1],
            number=number,
            defaults={
                "title": title,
                "synopsis": synopsis,
                "first_aired": seasons[1].release_date,
            },
        )

    provider, _ = Provider.objects.get_or_create(
        slug="netflix",
        defaults={"name": "Netflix", "website": "https://www.netflix.com/"},
    )
    for region in ("GB", "US"):
        WatchOffer.objects.get_or_create(
            show=show,
            season=None,
            region=region,
            provider=provider,
            kind=OfferKind.SUBSCRIPTION,
            defaults={"url": NETFLIX_LINK},
        )

    Credit.objects.get_or_create(show=show, person=alice, role=Role.CREATOR)
    Credit.objects.get_or_create(show=show, person=alice, role=Role.WRITER)
    for billing, person, character in [
        (1, joe, "Charlie Spring"),
        (2, kit, "Nick Nelson"),
    ]:
        credit, created = Credit.objects.get_or_create(
            show=show,
            person=person,
            role=Role.CAST,
            defaults={"character": character, "billing": billing},
        )
        if created:
            credit.seasons.add(seasons[1])

    Rating.objects.get_or_create(
        show=show,
        season=None,
        source="Rotten Tomatoes critics",
        defaults={
            "score": Decimal(100),
            "scale": 100,
            "url": "https://www.rottentomatoes.com/tv/heartstopper",
        },
    )
    return {
        "heartstopper": show,
        "netflix": netflix,
        "alice_oseman": alice,
        "joe_locke": joe,
        "kit_connor": kit,
        "seasons": seasons,
        "episodes": episodes,
    }
