"""How fast a newly published story reaches readers, through the app and Varnish.

Builds a throwaway demo newsroom (SQLite, temporary media and static folders), starts
gunicorn (sync workers, DEBUG off) and a varnishd running the VCL of `manage.py
varnish_vcl` in front of it. A separate process keeps a bounded load on the home page,
a topic page and a story through Varnish (8 clients, `Connection: close`). Once every
page is cached, the script publishes a story in that topic through the ORM (one
transaction: the cache-tag purges run on commit) and prints how long until the home page
and the topic page show it, straight from the app (its page cache) and from Varnish,
plus the number of 5xx answers during the run.

The app's page cache is on, shared by the workers and this script as in production:
a file cache in the temporary folder, or Redis with --redis-url (the bench first
deletes the app's own keys, prefix "newsroom", there: give it a database of its own).

    .venv/bin/python bench/freshness_bench.py [--stories 5] [--redis-url URL]
"""

import argparse
import http.client
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "netflix"  # a topic of the demo newsroom, in the navigation
STORY = "/articles/netflix-renews-heartstopper-for-two-more-seasons/"
LOAD_PATHS = ["/", f"/topics/{TOPIC}/", STORY]
POLL_SECONDS = 0.02
GIVE_UP_SECONDS = 10


def get(port, path):
    """One GET on a fresh connection: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def load(port, clients, stop, counts):
    """In its own process: `clients` threads GET the load pages until `stop` is set."""

    def client(offset):
        n = offset
        while not stop.is_set():
            try:
                status, headers, _ = get(port, LOAD_PATHS[n % len(LOAD_PATHS)])
            except OSError:
                status, headers = 599, {}  # no answer at all counts as a server error
            with counts.get_lock():
                counts[0] += 1
                counts[1] += status >= 500
                counts[2] += headers.get("X-Varnish-Cache") == "HIT"
            n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def watch(port, path, headline, started, seen, errors):
    """Poll `path` until it shows `headline`; record seconds after `started`."""
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while time.monotonic() < deadline:
        try:
            status, _, body = get(port, path)
        except OSError:
            status, body = 599, b""
        if status >= 500:
            errors.append((port, path, status))
        if headline.encode() in body:
            seen[(port, path)] = time.monotonic() - started[0]
            return
        time.sleep(POLL_SECONDS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=5, help="stories to publish")
    parser.add_argument("--clients", type=int, default=8, help="load connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8210, help="gunicorn")
    parser.add_argument("--varnish-port", type=int, default=8211)
    parser.add_argument(
        "--redis-url",
        default="",
        help="Redis for the app's page cache (default: a file cache)",
    )
    args = parser.parse_args()
    varnishd = shutil.which("varnishd") or "/usr/sbin/varnishd"
    if not os.access(varnishd, os.X_OK):
        raise SystemExit("varnishd not found: run `make varnish`")

    work = Path(tempfile.mkdtemp(prefix="newsroom-freshness-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "SITE_URL": f"http://127.0.0.1:{args.varnish_port}",
        "REDIS_URL": args.redis_url,
        "CACHE_DIR": str(work / "cache"),
        "PAGE_CACHE_SECONDS": "600",
    }
    # This process publishes with the same settings, and purges Varnish.
    os.environ.update(env, VARNISH_URLS=f"http://127.0.0.1:{args.varnish_port}")
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*command):
        subprocess.run(
            [*manage, *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    print("Setting up a demo newsroom in", work)
    run("migrate", "--noinput")
    run("seed_demo")
    run("collectstatic", "--noinput", "-v0")
    vcl_file = work / "newsroom.vcl"
    with vcl_file.open("w") as out:
        subprocess.run(
            [*manage, "varnish_vcl", "--backend", f"127.0.0.1:{args.port}"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=out,
        )

    servers = []
    try:
        servers.append(start_gunicorn(args, env))
        servers.append(start_varnish(varnishd, args, vcl_file, work))
        import django

        sys.path.insert(0, str(ROOT))
        django.setup()
        if args.redis_url:
            from django.core.cache import cache

            cache.delete_pattern("*")  # this prefix only: stale pages of earlier runs
        measure(args)
    finally:
        for server in reversed(servers):
            stop(server)
        shutil.rmtree(work, ignore_errors=True)


def measure(args):
    from django.db import transaction
    from django.utils import timezone

    from articles.models import Article, Byline, Topic
    from authors.models import Author
    from core.publishing import Status

    targets = {
        "home, app": (args.port, "/"),
        "topic, app": (args.port, f"/topics/{TOPIC}/"),
        "home, Varnish": (args.varnish_port, "/"),
        "topic, Varnish": (args.varnish_port, f"/topics/{TOPIC}/"),
    }
    context = multiprocessing.get_context("spawn")
    stop_load = context.Event()
    counts = context.Array("l", [0, 0, 0])
    loader = context.Process(
        target=load, args=(args.varnish_port, args.clients, stop_load, counts)
    )
    loader.start()
    topic = Topic.objects.get(slug=TOPIC)
    author = Author.objects.order_by("pk").first()
    rows, errors = [], []
    try:
        time.sleep(2)  # the load warms Varnish; the loop below the app's own cache
        # Story 0 warms this process (imports, connections), as a running app
        # server is warm; it is not reported.
        for number in range(args.stories + 1):
            for port, path in targets.values():
                get(port, path)
            cached = {
                name: get(port, path)[1] for name, (port, path) in targets.items()
            }
            headline = f"Breaking: story {number} of the freshness bench {time.time()}"
            started, seen = [0.0], {}
            watchers = [
                threading.Thread(
                    target=watch, args=(port, path, headline, started, seen, errors)
                )
                for port, path in targets.values()
            ]
            started[0] = time.monotonic()
            for watcher in watchers:
                watcher.start()
            with transaction.atomic():
                article = Article.objects.create(
                    headline=headline,
                    slug=f"freshness-bench-{number}-{int(time.time())}",
                    standfirst="Published while readers are reading.",
                    body="<p>Fresh words.</p>",
                    status=Status.PUBLISHED,
                    publish_at=timezone.now(),
                )
                Byline.objects.create(article=article, author=author, position=0)
                article.topics.add(topic)
            committed = time.monotonic() - started[0]
            for watcher in watchers:
                watcher.join()
            if number:
                rows.append((number, committed, cached, seen))
            time.sleep(1)
    finally:
        stop_load.set()
        loader.join()
    report(args, targets, rows, counts, errors)


def report(args, targets, rows, counts, errors):
    cache = "Redis" if args.redis_url else "file cache"
    print(
        f"\ngunicorn {args.workers} sync workers + varnishd in front; load: "
        f"{args.clients} clients, Connection: close, on {', '.join(LOAD_PATHS)} "
        f"through Varnish; app page cache on ({cache})\n"
    )
    names = list(targets)
    print(f"{'story':<6} {'commit s':>9} " + " ".join(f"{n:>15}" for n in names))
    for number, committed, cached, seen in rows:
        cells = []
        for name in names:
            key = targets[name]
            before = cached[name].get("X-Varnish-Cache") or cached[name].get(
                "X-Cache", "-"
            )
            shown = f"{seen[key]:.3f}" if key in seen else "never"
            cells.append(f"{shown + ' (' + before + ')':>15}")
        print(f"{number:<6} {committed:>9.3f} " + " ".join(cells))
    summary = [statistics.median(row[1] for row in rows)]
    worst = [max(row[1] for row in rows)]
    for name in names:
        times = [seen.get(targets[name], float("inf")) for *_, seen in rows]
        summary.append(statistics.median(times))
        worst.append(max(times))
    for label, values in (("median", summary), ("max", worst)):
        print(
            f"{label:<6} "
            + " ".join(f"{v:>{9 if i == 0 else 15}.3f}" for i, v in enumerate(values))
        )
    print(
        "\nseconds from the start of the publishing transaction until the page shows "
        "the story (in brackets: the page's cache state just before, X-Varnish-Cache "
        f"or the app's X-Cache); never = not within {GIVE_UP_SECONDS} s"
    )
    print(
        f"load: {counts[0]} requests ({counts[2]} Varnish hits), {counts[1]} "
        f"answered 5xx or not at all; watchers saw {len(errors)} 5xx"
    )


def start_gunicorn(args, env):
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    wait_for(args.port, server, "gunicorn")
    return server


def start_varnish(varnishd, args, vcl_file, work):
    with (work / "varnishd.log").open("wb") as log:
        server = subprocess.Popen(
            [
                varnishd,
                "-F",
                "-j",
                "none",
                "-a",
                f"127.0.0.1:{args.varnish_port}",
                "-T",
                "none",
                "-f",
                str(vcl_file),
                "-n",
                str(work / "varnish"),
                "-s",
                "malloc,64m",
                "-p",
                "thread_pools=1",
                "-p",
                "vsl_space=4m",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_for(args.varnish_port, server, "varnishd")
    return server


def wait_for(port, server, name):
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"{name} exited with {server.returncode}")
        try:
            get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    stop(server)
    raise SystemExit(f"{name} did not start")


def stop(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
