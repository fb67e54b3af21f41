"""Uncached reader pages with 1,000 and with 100,000 stories on PostgreSQL.

Creates a scratch PostgreSQL database (`--database`, default h13perf_scale, dropped
first if it exists and again at the end), loads the demo newsroom plus seed_bulk
stories up to `--small`, times every page, adds stories up to `--large` and times
them again. Pages go through the test client with DEBUG off, the page cache and the
fragment cache off, so each request reads the database; the figure is the best of
`--runs` requests after a warm-up, wall time including PostgreSQL's own work.
After each load it runs VACUUM ANALYZE, as autovacuum would soon after (so the
figures do not depend on whether it has run yet).
It prints both times, their ratio and each page's query count, and checks the aims:
the home, article, topic, writer and show pages no slower by more than half at the
larger size; search under 100 ms; feeds and the sitemap index under 200 ms.

    .venv/bin/python bench/scale_bench.py [--small 1000] [--large 100000] [--runs 7]
"""

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = "postgres://postgres@127.0.0.1:5432"
SEARCH_MS, FEED_MS, GROWTH = 100, 200, 1.5


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", default="h13perf_scale")
    args = parser.parse_args()

    try:
        admin().close()
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        print(f"Skipped: no PostgreSQL at {SERVER} ({exc.__class__.__name__}).")
        return
    work = Path(tempfile.mkdtemp(prefix="newsroom-scale-"))
    recreate(args.database)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"{SERVER}/{args.database}",
        MEDIA_ROOT=str(work / "media"),
        STATIC_ROOT=str(work / "static"),
        PAGE_CACHE_SECONDS="0",
        FRAGMENT_CACHE_SECONDS="0",
        LOG_LEVEL="WARNING",
        READS_FLUSH_SECONDS="0",
        CACHE_DIR=str(work / "cache"),
    )
    os.environ.pop("REDIS_URL", None)
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        drop(args.database)
        shutil.rmtree(work, ignore_errors=True)


def admin():
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def recreate(name):
    drop(name)
    with admin() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def drop(name):
    with admin() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from articles.models import Article
    from authors.models import Author
    from shows.models import Show

    quiet = {"stdout": io.StringIO(), "verbosity": 0}
    call_command("migrate", **quiet)
    call_command("collectstatic", interactive=False, **quiet)
    call_command("seed_demo", **quiet)
    client = Client()

    def grow_to(total):
        started = time.perf_counter()
        missing = total - Article.objects.count()
        if missing > 0:
            call_command("seed_bulk", articles=missing, seed=total, stdout=sys.stdout)
        with connection.cursor() as cursor:
            # As autovacuum leaves a table after a load (it starts on its own after
            # this many inserts, at a moment of its choosing): the visibility map
            # set, so index-only scans read no table rows, and fresh statistics.
            cursor.execute("VACUUM ANALYZE")
        print(f"{total} stories in {time.perf_counter() - started:.0f} s")

    def pages():
        writer = Author.objects.filter(slug__startswith="bulk-").first()
        show = Show.objects.filter(slug__startswith="bulk-").first()
        article = Article.objects.get(
            slug="netflix-renews-heartstopper-for-two-more-seasons"
        )
        return {
            "home": "/",
            "article": article.get_absolute_url(),
            "topic": "/topics/netflix/",
            "writer (demo)": "/authors/grace-morris/",
            "writer (bulk)": writer.get_absolute_url(),
            "show (demo)": "/shows/heartstopper/",
            "show (bulk)": show.get_absolute_url(),
            "search: one story": "/search/?q=heartstopper",
            "search: many": "/search/?q=season+renews",
            "feed: latest": "/feeds/latest/",
            "feed: latest atom": "/feeds/latest/atom/",
            "feed: topic": "/topics/netflix/feed/",
            "feed: writer": f"/authors/{writer.slug}/feed/",
            "feed: show": f"/shows/{show.slug}/feed/",
            "sitemap index": "/sitemap.xml",
            "news sitemap": "/sitemap-news.xml",
        }

    def measure():
        from django.db import connection as conn
        from django.test.utils import CaptureQueriesContext

        figures = {}
        for name, url in pages().items():
            for _ in range(2):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(conn) as queries:
                client.get(url)
            figures[name] = (min(times), len(queries))
        return figures

    grow_to(args.small)
    small = measure()
    grow_to(args.large)
    large = measure()

    print(
        f"\nBest of {args.runs} requests, ms (load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs), PostgreSQL, "
        "page and fragment caches off"
    )
    head = f"{'page':<20} {args.small:>8} {args.large:>8} {'ratio':>6} {'queries':>8}"
    print(head + "  aim")
    missed = 0
    for name, (ms_small, q_small) in small.items():
        ms_large, q_large = large[name]
        ratio = ms_large / ms_small
        aims = []
        if name.startswith(("home", "article", "topic", "writer", "show")):
            aims.append(ratio <= GROWTH)
        if name.startswith("search"):
            aims.append(ms_large < SEARCH_MS)
        if name.startswith("feed") or name == "sitemap index":
            aims.append(ms_large < FEED_MS)
        ok = all(aims)
        missed += not ok
        queries = str(q_large) if q_small == q_large else f"{q_small}->{q_large}"
        verdict = ("ok" if ok else "MISSED") if aims else "-"
        print(
            f"{name:<20} {ms_small:>8.1f} {ms_large:>8.1f} {ratio:>6.2f} "
            f"{queries:>8}  {verdict}"
        )
    print(
        f"\naims: home, article, topic, writer and show pages at most {GROWTH:g}x "
        f"slower at {args.large}; search under "
        f"{SEARCH_MS} ms; feeds and the sitemap index under {FEED_MS} ms"
    )
    if missed:
        print(f"{missed} page(s) missed an aim")


if __name__ == "__main__":
    main()
