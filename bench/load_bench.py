"""Mixed load on gunicorn with PostgreSQL and Redis: no 5xx, no signup lost.

Builds a scratch PostgreSQL database (dropped and made again; never point it at real
data), loads the demo newsroom plus synthetic stories, starts gunicorn as the README's
deployment does (DEBUG off, Redis cache and sessions, page cache on) and an SMTP sink
for the confirmation mails, then keeps `--connections` clients busy for `--seconds`
with a mix of reader pages (home, article, topic, show, search) and newsletter signups
from distinct addresses, posted same-origin as the site's own form does. It prints
requests per second, p50/p99 latency and the answers by status, then checks in the
database that every signup that was answered with success was stored.

All clients come from 127.0.0.1, so the per-IP signup limit is raised for the run
(`--signup-rate`); a 429 would be the limit working, not an error.

    .venv/bin/python bench/load_bench.py [--seconds 60] [--connections 64]
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
SEARCHES = ["heartstopper", "netflix", "season", "renewed", "cast", "story", "drama"]
MIX = [  # (kind, weight)
    ("home", 20),
    ("article", 30),
    ("topic", 15),
    ("show", 10),
    ("search", 10),
    ("signup", 15),
]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def recreate_database(url):
    """Drop and create the scratch database named in `url`."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.pop("dbname")
    with psycopg.connect(**info, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


async def request(port, method, path, body=b"", headers=None):
    """One HTTP/1.1 request on a fresh connection: (status, seconds)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = [
        f"{method} {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Connection: close",
        "User-Agent: newsroom-load-bench",
    ]
    for name, value in (headers or {}).items():
        head.append(f"{name}: {value}")
    if body:
        head.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()  # the rest, until the server closes
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1]), time.perf_counter() - started


class Load:
    def __init__(self, port, targets, seconds, connections):
        self.port, self.targets = port, targets
        self.seconds, self.connections = seconds, connections
        self.latencies = []
        self.statuses = Counter()  # (kind, status) -> n
        self.errors = Counter()  # connection-level failures
        self.signed_up = []  # addresses answered with success
        self.limited = 0
        kinds, weights = zip(*MIX, strict=True)
        self.kinds, self.weights = kinds, weights

    def next_request(self, rng):
        kind = rng.choices(self.kinds, self.weights)[0]
        if kind == "signup":
            email = f"load-{uuid.uuid4().hex[:16]}@example.com"
            body = urlencode({"email": email, "website": "", "source": "page"})
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"http://127.0.0.1:{self.port}",
                "Sec-Fetch-Site": "same-origin",
            }
            return kind, "POST", "/newsletter/", body.encode(), headers, email
        if kind == "home":
            path = "/"
        elif kind == "search":
            path = "/search/?" + urlencode({"q": rng.choice(SEARCHES)})
        else:
            path = rng.choice(self.targets[kind])
        return kind, "GET", path, b"", {}, None

    async def client(self, seed, stop_at):
        rng = random.Random(seed)
        while time.monotonic() < stop_at:
            kind, method, path, body, headers, email = self.next_request(rng)
            try:
                status, seconds = await asyncio.wait_for(
                    request(self.port, method, path, body, headers), timeout=60
                )
            except (OSError, TimeoutError, IndexError, ValueError) as exc:
                self.errors[f"{kind}: {type(exc).__name__}"] += 1
                continue
            self.latencies.append(seconds)
            self.statuses[(kind, status)] += 1
            if kind == "signup":
                if status == 302:
                    self.signed_up.append(email)
                elif status == 429:
                    self.limited += 1

    async def run(self):
        stop_at = time.monotonic() + self.seconds
        began = time.monotonic()
        await asyncio.gather(
            *(self.client(n, stop_at) for n in range(self.connections))
        )
        return time.monotonic() - began


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--warm-up", type=float, default=10.0, help="seconds, not counted"
    )
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--articles", type=int, default=2000, help="synthetic stories")
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/h14faults_load",
        help="scratch database: DROPPED and created again",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--server-log", help="keep gunicorn's log in this file")
    parser.add_argument("--signup-rate", default="1000000/h", help="per-IP limit")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    class Sink:
        messages = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.messages += 1
            return "250 OK"

    smtp_port, port = free_port(), free_port()
    sink = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    sink.start()
    work = Path(tempfile.mkdtemp(prefix="newsroom-load-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "NEWSLETTER_SIGNUP_RATE_PER_IP": args.signup_rate,
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*command):
        subprocess.run(
            [*manage, *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    server = None
    try:
        print(f"Scratch database {args.database_url}, Redis {args.redis_url}")
        recreate_database(args.database_url)
        redis.Redis.from_url(args.redis_url).flushdb()
        run("migrate", "--noinput")
        run("seed_demo")
        run("seed_bulk", "--articles", str(args.articles), "--subscribers", "0")
        run("collectstatic", "--noinput", "-v0")
        targets = read_targets(args.database_url)
        log_path = Path(args.server_log or work / "gunicorn.log")
        log = open(log_path, "wb")  # noqa: SIM115 - the server writes it until the end
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "newsroom.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(port)
        # Warm-up (not counted): workers finish booting, the page cache fills.
        asyncio.run(Load(port, targets, args.warm_up, args.connections).run())
        load = Load(port, targets, args.seconds, args.connections)
        elapsed = asyncio.run(load.run())
        if report(load, elapsed, args):
            print("\nlast lines of the server log:")
            print(b"\n".join(log_path.read_bytes().splitlines()[-30:]).decode())
        check_signups(args.database_url, load.signed_up)
        print(f"confirmation mails received by the SMTP sink: {Sink.messages}")
    finally:
        if server:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        sink.stop()
        shutil.rmtree(work, ignore_errors=True)


def read_targets(url):
    with psycopg.connect(url) as conn:
        articles = conn.execute(
            "SELECT slug FROM articles_article WHERE status = 'published' "
            "AND publish_at <= now() ORDER BY publish_at DESC LIMIT 500"
        ).fetchall()
        topics = conn.execute("SELECT slug FROM articles_topic").fetchall()
        shows = conn.execute("SELECT slug FROM shows_show").fetchall()
    return {
        "article": [f"/articles/{s}/" for (s,) in articles],
        "topic": [f"/topics/{s}/" for (s,) in topics],
        "show": [f"/shows/{s}/" for (s,) in shows],
    }


def wait_for(port):
    for _ in range(600):
        try:
            status, _ = asyncio.run(request(port, "GET", "/healthz"))
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def report(load, elapsed, args):
    total = sum(load.statuses.values())
    latencies = sorted(load.latencies)
    p50 = statistics.median(latencies) * 1000 if latencies else 0
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0
    by_status = Counter()
    for (_kind, status), n in load.statuses.items():
        by_status[status] += n
    print(
        f"\n{args.connections} connections for {elapsed:.0f} s; gunicorn "
        f"{args.workers} workers × {args.threads} threads, DEBUG off, PostgreSQL, "
        f"Redis, page cache on; load average now {os.getloadavg()[0]:.1f}"
    )
    print(f"requests        {total} ({total / elapsed:.0f} req/s)")
    print(f"latency         p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(f"by status       {dict(sorted(by_status.items()))}")
    for kind, _weight in MIX:
        kinds = {s: n for (k, s), n in sorted(load.statuses.items()) if k == kind}
        print(f"  {kind:<8}      {kinds}")
    server_errors = sum(n for status, n in by_status.items() if status >= 500)
    print(f"5xx             {server_errors}")
    print(f"client errors   {dict(load.errors) or 0} (connection failures, timeouts)")
    print(
        f"signups         {len(load.signed_up)} accepted, {load.limited} rate-limited"
    )


def check_signups(url, emails):
    with psycopg.connect(url) as conn:
        stored = {
            email
            for (email,) in conn.execute(
                "SELECT email FROM newsletter_subscriber WHERE email = ANY(%s)",
                [emails],
            )
        }
    lost = len(set(emails) - stored)
    print(f"signups lost    {lost} (answered with success but not in the database)")


if __name__ == "__main__":
    main()
