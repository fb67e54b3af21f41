"""CPU per request of the uncached reader pages, in-process, and where it goes.

Builds a throwaway newsroom like bench/pages_bench.py (DEBUG off, demo content plus
`--bulk` seed_bulk stories, SQLite in a temporary folder or `--database-url`, seeded
only when it has no stories yet, so one can be kept between runs), turns
the page cache off and calls the project's WSGI application directly, so every
request goes through the real middleware stack, as under gunicorn, without the
network. For each page it prints the CPU milliseconds per request (process time over
`--requests` requests, best of `--rounds`) and the number of SQL queries; with
`--profile` it also prints a cProfile of the first page listed (`--sort`, `--limit`).

    .venv/bin/python bench/profile_page.py [--pages article,home] [--requests 200]
        [--profile] [--sort cumulative|tottime] [--limit 40] [--bulk 2000]
"""

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PAGES = {
    "home": "/",
    "article": "/articles/netflix-renews-heartstopper-for-two-more-seasons/",
    "topic": "/topics/netflix/",
    "show": "/shows/heartstopper/",
    "author": "/authors/grace-morris/",
    "search": "/search/?q=heartstopper",
    "feed": "/feeds/latest/",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--requests", type=int, default=200, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bulk", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a throwaway SQLite file")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--limit", type=int, default=40)
    args = parser.parse_args()
    names = [name for name in args.pages.split(",") if name]
    if not names or set(names) - set(PAGES):
        parser.error(f"--pages takes names among {', '.join(PAGES)}")

    work = Path(tempfile.mkdtemp(prefix="newsroom-profile-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=args.database_url or f"sqlite:///{work / 'db.sqlite3'}",
        MEDIA_ROOT=str(work / "media"),
        STATIC_ROOT=str(work / "static"),
        PAGE_CACHE_SECONDS="0",
        LOG_LEVEL="WARNING",
        READS_FLUSH_SECONDS="0",
        CACHE_DIR=str(work / "cache"),
    )
    os.environ.pop("REDIS_URL", None)
    try:
        run(args, names)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, names):
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    quiet = {"stdout": io.StringIO(), "verbosity": 0}
    from articles.models import Article

    call_command("migrate", **quiet)
    if not Article.objects.exists():  # a --database-url kept from an earlier run
        call_command("seed_demo", **quiet)
        if args.bulk:
            call_command("seed_bulk", articles=args.bulk, seed=1, **quiet)
    call_command("collectstatic", interactive=False, **quiet)
    application = get_wsgi_application()

    def get(path):
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8100",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        answer = []
        body = b"".join(
            application(environ, lambda status, headers: answer.append(status))
        )
        if not answer[0].startswith("200"):
            raise SystemExit(f"{path} answered {answer[0]}")
        return body

    print(f"DEBUG off, page cache off, {connection.vendor}, demo + {args.bulk} stories")
    print(f"{'page':<8} {'bytes':>7} {'queries':>8} {'CPU ms/req':>11}")
    for name in names:
        path = PAGES[name]
        for _ in range(10):
            body = get(path)  # warm-up: imports, template loading, connection
        queries = count_queries(connection, get, path)
        best = min(
            cpu_per_request(get, path, args.requests) for _ in range(args.rounds)
        )
        print(f"{name:<8} {len(body):>7} {queries:>8} {best * 1000:>11.2f}")

    if args.profile:
        path = PAGES[names[0]]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            get(path)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(args.sort).print_stats(args.limit)
        print(f"\ncProfile of {args.requests} requests to {path}")
        print(out.getvalue())


def count_queries(connection, get, path):
    queries = []

    def counted(execute, sql, *rest):
        queries.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(counted):
        get(path)
    return len(queries)


def cpu_per_request(get, path, requests):
    started = time.process_time()
    for _ in range(requests):
        get(path)
    return (time.process_time() - started) / requests


if __name__ == "__main__":
    main()
