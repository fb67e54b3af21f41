"""Synthetic stories and subscribers for scale tests (query counts, page speed).

The stories look like the desk's: headlines about a pool of shows on real-sounding
networks, in every story format but recaps (which need episodes; reviews name their
show and rate it), by a team of writers, tagged with two topics each,
most with a hero picture (a few generated pictures, reused) and a show or two,
published over the last five years. Everything goes in with bulk_create in large
batches, so 100,000 stories take a few minutes on PostgreSQL; the search vectors are
filled by the database's own trigger as the rows go in.
"""

import itertools
import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from articles.body import render_body
from articles.fragments import bump_content_version
from articles.models import (
    RATINGS,
    Article,
    Byline,
    Kind,
    Status,
    TaggedTopic,
    Topic,
)
from authors.models import Author
from core import cache_tags
from images.demo import demo_image
from newsletter.models import Subscriber
from shows.models import Network, Show, ShowStatus

TOPIC_NAMES = [
    "Netflix",
    "TV and Film",
    "LGBTQ",
    "Streaming",
    "Reality TV",
    "Film",
    "Drama",
    "Comedy",
    "Soaps",
    "Awards",
    "Documentary",
    "Crime",
]
NETWORKS = ["Netflix", "BBC One", "Channel 4", "Prime Video", "Disney+", "Apple TV+"]
FIRST_NAMES = ["Alex", "Sam", "Jo", "Priya", "Tom", "Aisha", "Mei", "Luca", "Nia"]
LAST_NAMES = ["Okafor", "Hughes", "Patel", "Novak", "Reid", "Campbell", "Silva"]
ROLES = ["Staff Writer", "TV Editor", "Senior Reporter", "Critic", "News Writer"]
SHOW_WORDS = (
    ["The Last", "Midnight", "Northern", "Silent", "Golden", "Broken", "Little"],
    ["Harbour", "Lights", "Kingdom", "Frequency", "Summer", "Academy", "Orchard"],
)
# (kind, headline): {show}, {network}, {n} (a season) and {name} are filled in.
HEADLINES = [
    (Kind.NEWS, "{network} renews {show} for season {n}"),
    (Kind.NEWS, "{show} cancelled by {network} after {n} seasons"),
    (Kind.NEWS, "{name} joins the cast of {show} season {n}"),
    (Kind.REVIEW, "{show} season {n} review: a return to form"),
    (Kind.NEWS, "{show} season {n}: the first look at episode {e}"),
    (Kind.FEATURE, "Why {show} became the show everyone is talking about"),
    (Kind.INTERVIEW, "{name} on the making of {show}"),
    (Kind.GUIDE, "Everything we know about {show} season {n}"),
    (Kind.NEWS, "{show} season {n} release date confirmed by {network}"),
    (Kind.GUIDE, "Where to watch {show} in the UK"),
]
PARAGRAPHS = [
    "The news came late on a Friday, the traditional hour for announcements the "
    "network would rather fans digested over a weekend.",
    "Critics have been kinder to the second run than the first, praising a tighter "
    "script and a cast that has grown into its roles.",
    "Filming is expected to begin in the spring at the same studio, with most of the "
    "original cast returning and two new faces joining them.",
    "Viewing figures published by the streamer put the series in its top ten for "
    "six weeks running, a rare feat for a drama of its size.",
    "Fans have spent months piecing together clues from set photographs, interviews "
    "and a cryptic post from the show's writers' room.",
    "The writers have promised that the new episodes will answer the questions left "
    "hanging by the finale, though not all of them at once.",
    "Behind the scenes, the production has changed hands twice, and the new team has "
    "talked openly about keeping what worked and dropping what did not.",
    "<h2>What happens next</h2>",
    "Nothing is confirmed beyond the next run, but those close to the production say "
    "the story was always planned as a longer arc.",
]
BODY_VARIANTS = 24
PICTURES = 6


class Command(BaseCommand):
    help = (
        "Add N synthetic published stories (writers, topics, shows, pictures) and M "
        "confirmed newsletter subscribers, in large bulk_create batches, showing "
        "progress."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=0, metavar="N")
        parser.add_argument("--subscribers", type=int, default=0, metavar="M")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--seed", type=int, default=None, help="Random seed, for repeatable runs."
        )

    def handle(self, *args, articles, subscribers, batch_size, seed, **options):
        if articles < 0 or subscribers < 0 or batch_size < 1:
            raise CommandError("Counts must be 0 or more and --batch-size at least 1.")
        if not articles and not subscribers:
            raise CommandError(
                "Nothing to do: give --articles N and/or --subscribers M."
            )
        self.random = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.run = get_random_string(6).lower()
        self.batch_size = batch_size
        if articles:
            touched = self._articles(articles)
            # Rows written in bulk send no signals: cached pages and pieces must go.
            bump_content_version()
            cache_tags.purge({cache_tags.list_tag(Article), *touched})
        if subscribers:
            self._subscribers(subscribers)
        if connection.vendor == "postgresql":
            # Fresh statistics: until autovacuum gets round to the new rows, the
            # planner takes the tables for empty and picks plans that take minutes
            # (the related-stories query went from 9 ms to 100 s after 2,000 stories).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS("Done."))

    # --- The newsroom the stories are about ----------------------------------------

    def _writers(self):
        names = [f"{a} {b}" for a in FIRST_NAMES for b in LAST_NAMES][:24]
        return [
            Author.objects.get_or_create(
                slug=f"bulk-{slugify(name)}",
                defaults={
                    "name": name,
                    "role": ROLES[n % len(ROLES)],
                    "bio": f"{name} writes about television for the desk.",
                },
            )[0]
            for n, name in enumerate(names)
        ]

    def _topics(self):
        return [
            Topic.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0]
            for name in TOPIC_NAMES
        ]

    def _shows(self, pictures):
        networks = [
            Network.objects.get_or_create(slug=slugify(name), defaults={"name": name})[
                0
            ]
            for name in NETWORKS
        ]
        titles = [f"{a} {b}" for a, b in itertools.product(*SHOW_WORDS)]
        statuses = list(ShowStatus)
        shows = [
            Show.objects.get_or_create(
                slug=f"bulk-{slugify(title)}",
                defaults={
                    "title": title,
                    "network": networks[n % len(networks)],
                    "status": statuses[n % len(statuses)],
                    "synopsis": f"{title} is a drama that keeps its viewers guessing.",
                    "poster": pictures[n % len(pictures)],
                },
            )[0]
            for n, title in enumerate(titles)
        ]
        return list(
            Show.objects.filter(pk__in=[show.pk for show in shows]).select_related(
                "network"
            )
        )

    def _pictures(self):
        """A few generated pictures that every story reuses (made once, renditions
        included; later runs find them)."""
        colours = [("#b3122e", "#1d1d3a"), ("#1f7a5c", "#0b2e4f"), ("#5b3f8c", "#111")]
        return [
            demo_image(
                f"Bulk {n + 1}",
                alt_text=f"Bulk story picture {n + 1}",
                caption="A picture shared by the synthetic stories.",
                credit="Newsroom",
                size=(1200, 675),
                colours=colours[n % len(colours)],
            )
            for n in range(PICTURES)
        ]

    # --- Stories ------------------------------------------------------------------

    def _articles(self, total):
        self.stdout.write("Preparing writers, topics, shows and pictures…")
        writers, topics = self._writers(), self._topics()
        pictures = self._pictures()
        shows = self._shows(pictures)
        touched = {
            cache_tags.tag_for(row) for row in [*writers, *topics, *shows, *pictures]
        }
        bodies = []
        for _ in range(BODY_VARIANTS):
            body = "".join(
                text if text.startswith("<") else f"<p>{text}</p>"
                for text in self.random.sample(PARAGRAPHS, 5)
            )
            bodies.append((body, render_body(body)))
        now = timezone.now()
        self.stdout.write(f"Adding {total} stories:")
        done = 0
        for start in range(0, total, self.batch_size):
            size = min(self.batch_size, total - start)
            plans = [
                self._plan(start + i, shows, pictures, bodies, now) for i in range(size)
            ]
            with transaction.atomic():
                batch = Article.objects.bulk_create(
                    [article for article, _ in plans], batch_size=self.batch_size
                )
                Byline.objects.bulk_create(
                    [
                        Byline(article=a, author=self.random.choice(writers))
                        for a in batch
                    ],
                    batch_size=self.batch_size,
                )
                TaggedTopic.objects.bulk_create(
                    [
                        TaggedTopic(content_object=a, tag=topic)
                        for a in batch
                        for topic in self.random.sample(topics, 2)
                    ],
                    batch_size=self.batch_size,
                )
                Article.shows.through.objects.bulk_create(
                    [
                        Article.shows.through(article=a, show=show)
                        for a, (_, about) in zip(batch, plans, strict=True)
                        for show in about
                    ],
                    batch_size=self.batch_size,
                )
            done += size
            self._progress(done, total)
        return touched

    def _plan(self, n, shows, pictures, bodies, now):
        """An unsaved story and the shows it is about."""
        pick = self.random
        show = pick.choice(shows)
        kind, pattern = pick.choice(HEADLINES)
        headline = pattern.format(
            show=show.title,
            network=show.network.name,
            n=pick.randint(2, 6),
            e=pick.randint(1, 10),
            name=f"{pick.choice(FIRST_NAMES)} {pick.choice(LAST_NAMES)}",
        )
        about = [show]
        if pick.random() < 0.15:
            about.append(pick.choice(shows))
        elif pick.random() < 0.3:
            about = []  # a story about the business, not one show
        body, rendered = pick.choice(bodies)
        publish_at = now - timedelta(minutes=pick.randint(1, 60 * 24 * 365 * 5))
        review = {}
        if kind == Kind.REVIEW:  # a review names what it reviews and rates it
            review = {"subject_show": show, "rating": pick.choice(RATINGS[2:])}
        article = Article(
            **review,
            headline=headline,
            slug=f"{slugify(headline)[:150]}-{self.run}-{n + 1}",
            standfirst=f"The latest on {show.title}, from the {show.network.name} "
            "slate to the cast and crew.",
            kind=kind,
            body=body,
            body_html=rendered.html,
            word_count=rendered.word_count,
            reading_time=rendered.reading_time,
            hero_image=pick.choice(pictures) if pick.random() < 0.8 else None,
            status=Status.PUBLISHED,
            publish_at=publish_at,
            first_published_at=publish_at,
            announced_at=publish_at,  # back-catalogue: no reminders or pings
        )
        return article, {s.pk: s for s in about}.values()

    # --- Subscribers --------------------------------------------------------------

    def _subscribers(self, total):
        self.stdout.write(f"Adding {total} subscribers:")
        numbers = itertools.count(1)
        done = 0
        now = timezone.now()
        for start in range(0, total, self.batch_size):
            size = min(self.batch_size, total - start)
            Subscriber.objects.bulk_create(
                [
                    Subscriber(
                        email=f"reader{next(numbers)}.{self.run}@example.com",
                        status=Subscriber.Status.CONFIRMED,
                        source=Subscriber.Source.OTHER,
                        confirmed_at=now,
                    )
                    for _ in range(size)
                ],
                ignore_conflicts=True,
            )
            done += size
            self._progress(done, total)

    def _progress(self, done, total, width=30):
        filled = width * done // total
        bar = "#" * filled + "." * (width - filled)
        ending = "\n" if done == total else ""
        self.stdout.write(f"\r  [{bar}] {done}/{total}", ending=ending)
        self.stdout.flush()
