"""Synthetic stories and subscribers for scale tests (query counts, page speed)."""

import itertools
import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from articles.body import render_body
from articles.models import Article, Byline, Status, TaggedTopic, Topic
from authors.models import Author
from newsletter.models import Subscriber

BODY = (
    "<p>This is a synthetic story made by seed_bulk for scale tests. It has a few "
    "paragraphs so that pages, feeds and the newsletter have something to show.</p>"
    "<h2>A heading in the middle</h2>"
    "<p>Readers never see these stories on a real site; they exist to measure how the "
    "pages behave with many thousands of rows.</p>"
)
WRITER_COUNT = 8
TOPIC_NAMES = ["Netflix", "TV and Film", "LGBTQ", "Streaming", "Reality TV", "Film"]


class Command(BaseCommand):
    help = (
        "Add N synthetic published stories (with bylines and topics) and M confirmed "
        "newsletter subscribers, in batches with bulk_create, showing progress."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=0, metavar="N")
        parser.add_argument("--subscribers", type=int, default=0, metavar="M")
        parser.add_argument("--batch-size", type=int, default=500)
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
            self._articles(articles)
        if subscribers:
            self._subscribers(subscribers)
        if connection.vendor == "postgresql":
            # Fresh statistics: until autovacuum gets round to the new rows, the
            # planner takes the tables for empty and picks plans that take minutes
            # (the related-stories query went from 9 ms to 100 s after 2,000 stories).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS("Done."))

    def _articles(self, total):
        writers = [
            Author.objects.get_or_create(
                slug=f"bulk-writer-{n}",
                defaults={"name": f"Bulk Writer {n}", "role": "Staff Writer"},
            )[0]
            for n in range(1, WRITER_COUNT + 1)
        ]
        topics = [
            Topic.objects.get_or_create(
                name=name, defaults={"slug": name.lower().replace(" ", "-")}
            )[0]
            for name in TOPIC_NAMES
        ]
        rendered = render_body(BODY)
        now = timezone.now()
        self.stdout.write(f"Adding {total} stories:")
        done = 0
        for start in range(0, total, self.batch_size):
            size = min(self.batch_size, total - start)
            with transaction.atomic():
                batch = Article.objects.bulk_create(
                    [self._article(start + i, rendered, now) for i in range(size)]
                )
                Byline.objects.bulk_create(
                    Byline(article=a, author=self.random.choice(writers), position=0)
                    for a in batch
                )
                TaggedTopic.objects.bulk_create(
                    TaggedTopic(content_object=a, tag=topic)
                    for a in batch
                    for topic in self.random.sample(topics, 2)
                )
            done += size
            self._progress(done, total)

    def _article(self, n, rendered, now):
        publish_at = now - timedelta(minutes=self.random.randint(1, 60 * 24 * 365))
        return Article(
            headline=f"Synthetic story {n + 1} ({self.run})",
            slug=f"bulk-{self.run}-{n + 1}",
            standfirst="A made-up story for scale tests.",
            body=BODY,
            body_html=rendered.html,
            word_count=rendered.word_count,
            reading_time=rendered.reading_time,
            status=Status.PUBLISHED,
            publish_at=publish_at,
            first_published_at=publish_at,
            announced_at=publish_at,  # back-catalogue: no reminders or pings
        )

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
