"""Benchmark: discovery pages and queries over a large archive.

Run: .venv/bin/python bench/discovery_bench.py [--articles 20000] [--database-url URL]

By default it works in a throwaway SQLite database in a temporary folder (migrated,
then filled by `seed_bulk`, deleted at the end); --database-url points it at another
one, e.g. a scratch PostgreSQL database (never a live one: it adds that many stories),
where search is full text and the trigger fills the search vectors during the bulk
insert. One show is linked to 50 of the stories. It prints, for each page and query,
the best of five runs in milliseconds and the number of SQL queries, so a query count
that grows or a plan that degrades with the archive shows up. It runs with DEBUG on
(static files without collectstatic); the figures include that overhead.
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--database-url", help="default: a throwaway SQLite file")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="discovery-bench-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="1",
        DATABASE_URL=options.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        LOG_LEVEL="WARNING",
        ALLOWED_HOSTS="testserver",
        READS_FLUSH_SECONDS="0",
    )
    os.environ.pop("REDIS_URL", None)
    try:
        run(options)
    finally:
        subprocess.run(["rm", "-rf", str(workdir)], check=False)


def best_of(runs, action):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
    return min(times) * 1000, len(queries)


def run(options):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from articles import search
    from articles.models import Article, DailyReads
    from shows.models import Show

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_bulk", articles=options.articles, seed=1, stdout=io.StringIO())
    show = Show.objects.create(title="Bench Show", slug="bench-show")
    linked = list(Article.objects.order_by("?")[:50])
    show.articles.add(*linked)
    for count, article in enumerate(linked[:10], start=1):
        DailyReads.objects.create(
            article=article, day=django.utils.timezone.localdate(), count=count
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{Article.objects.count()} stories on {connection.vendor}, ready in "
        f"{time.perf_counter() - started:.0f} s "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )

    article = Article.objects.for_page().get(pk=linked[0].pk)
    client = Client()
    client.get("/")  # the header's navigation topics go into the cache

    def related():
        list(
            Article.objects.published()
            .related_to(article)
            .select_related("hero_image")[:4]
        )

    def found(query):
        return lambda: (
            search.matches(query).count(),
            search.stories_of(search.matches(query)[:20], query),
        )

    checks = [
        ("related stories (query)", related),
        ("search 'latest' (every story)", found("latest")),
        ("search 'bench show' (none)", found("bench show")),
    ]

    def page(url):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    for url in (
        "/",
        article.get_absolute_url(),
        "/search/?q=latest+season",
        "/feeds/latest/",
        f"/shows/{show.slug}/feed/",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-news.xml",
    ):
        checks.append((f"GET {url}", page(url)))
    for label, action in checks:
        ms, queries = best_of(5, action)
        print(f"{label:44} {ms:8.1f} ms  {queries:2} queries")


if __name__ == "__main__":
    main()
