"""Reader pages against a static file of the same size, served by the same gunicorn.

Builds a throwaway newsroom (the demo content plus `--bulk` synthetic stories from
seed_bulk) in SQLite, or in a scratch PostgreSQL database that it creates and drops
(`--postgres`), and starts gunicorn with DEBUG off and 2 sync workers on 127.0.0.1.
For each page it writes a static file of exactly the page's size that WhiteNoise
serves from the same server. Then, with the page cache on and with it off
(PAGE_CACHE_SECONDS=0, pages built from cached fragments) and with the fragment
cache off too (every page built from the database), it loads the static twin and
the page in turn with `wrk` (8 connections, `Connection: close`, so every request
is a new connection, as from real readers) and prints for each page: requests per
second, the ratio to its static twin measured in the same run, and the server's CPU
per request (utime + stime of the gunicorn master and workers from /proc/<pid>/stat,
before and after each wrk run, divided by the requests it answered). The machine is
shared and noisy: compare the ratios and CPU figures, not the absolute rates.

    .venv/bin/python bench/pages_bench.py [--seconds 5] [--bulk 2000] [--postgres]
        [--cache on|off|cold|all] [--pages article,home]
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "home": "/",
    "article": "/articles/netflix-renews-heartstopper-for-two-more-seasons/",
    "topic": "/topics/netflix/",
    "show": "/shows/heartstopper/",
    "search": "/search/?q=heartstopper",
    "feed": "/feeds/latest/",
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MODES = {
    "on": "Page cache on",
    "off": "Page cache off (PAGE_CACHE_SECONDS=0): pages built from cached fragments",
    "cold": "Page and fragment caches off (PAGE_CACHE_SECONDS=0 "
    "FRAGMENT_CACHE_SECONDS=0): every page built from the database",
}
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument(
        "--bulk", type=int, default=2000, help="seed_bulk stories beside the demo"
    )
    parser.add_argument(
        "--cache",
        choices=["all", "on", "off", "cold"],
        default="all",
        help="page cache on; off (PAGE_CACHE_SECONDS=0: pages built from cached "
        "fragments); cold (page and fragment caches off: every page built from "
        "the database); or all three in turn",
    )
    parser.add_argument(
        "--pages",
        default=",".join(PAGES),
        help=f"comma-separated, among {', '.join(PAGES)}",
    )
    parser.add_argument(
        "--postgres",
        metavar="NAME",
        nargs="?",
        const="h13perf_bench",
        help=f"a scratch database on {POSTGRES_SERVER} (created, then dropped; "
        "default name h13perf_bench) instead of SQLite",
    )
    args = parser.parse_args()
    pages = {name: PAGES[name] for name in args.pages.split(",") if name}
    if not pages or set(args.pages.split(",")) - set(PAGES):
        parser.error(f"--pages takes names among {', '.join(PAGES)}")
    wrk = ensure_wrk()

    work = Path(tempfile.mkdtemp(prefix="newsroom-pages-bench-"))
    database_url = f"sqlite:///{work / 'db.sqlite3'}"
    if args.postgres:
        database_url = create_database(args.postgres)
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        "LOG_LEVEL": "WARNING",
        "READS_FLUSH_SECONDS": "0",
        "CACHE_DIR": str(work / "cache"),
    }
    env.pop("REDIS_URL", None)
    server = None
    try:
        print(f"Setting up a newsroom in {work} ({database_url.split(':')[0]})")
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        if args.bulk:
            manage(env, "seed_bulk", "--articles", str(args.bulk), "--seed", "1")
        manage(env, "collectstatic", "--noinput")

        # Pages first (their size decides the static twins); WhiteNoise finds the
        # files at start-up, so the server starts again once they are written.
        server = start_gunicorn(env, args, mode="cold")
        sizes = {}
        for name, path in pages.items():
            status, body = fetch(args.port, path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
            sizes[name] = len(body)
            (work / "static" / f"bench-{name}.html").write_bytes(b"x" * len(body))
        stop(server)
        server = None

        modes = {"all": ["on", "off", "cold"]}.get(args.cache, [args.cache])
        print(
            f"\ngunicorn: {args.workers} sync workers; wrk: {args.connections} "
            f"connections, Connection: close, {args.seconds:g} s per run; DEBUG off, "
            f"{'PostgreSQL' if args.postgres else 'SQLite'}, "
            "the default cache (no REDIS_URL), "
            f"demo + {args.bulk} bulk stories"
        )
        for mode in modes:
            server = start_gunicorn(env, args, mode=mode)
            print(f"\n{MODES[mode]}")
            print(
                f"{'page':<8} {'bytes':>7} {'req/s':>8} {'static':>8} {'ratio':>7} "
                f"{'CPU ms/req':>11} {'static CPU':>11}"
            )
            for name, path in pages.items():
                static_path = f"/static/bench-{name}.html"
                run_wrk(wrk, args, path, 1, server)  # warm-up (and fill the cache)
                static = run_wrk(wrk, args, static_path, args.seconds, server)
                page = run_wrk(wrk, args, path, args.seconds, server)
                print(
                    f"{name:<8} {sizes[name]:>7} {page.rate:>8.0f} {static.rate:>8.0f} "
                    f"{page.rate / static.rate:>7.1%} {page.cpu_ms:>11.2f} "
                    f"{static.cpu_ms:>11.2f}"
                )
            stop(server)
            server = None
        print(
            "\nratio = page req/s ÷ req/s of its static twin in the same run; "
            "CPU ms/req = server CPU (master + workers) ÷ requests answered"
        )
    finally:
        if server:
            stop(server)
        if args.postgres:
            drop_database(args.postgres)
        shutil.rmtree(work, ignore_errors=True)


def ensure_wrk():
    """wrk's path; installs Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("wrk is missing: installing Debian's package (apt-get)")
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run(
        [*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install"]
        + ["-y", "-qq", "wrk"],
        check=True,
    )
    return shutil.which("wrk") or "/usr/bin/wrk"


def manage(env, *command):
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command, "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def admin_connection():
    import psycopg

    return psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True)


def create_database(name):
    with admin_connection() as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            raise SystemExit(
                f"Database {name} exists already; this benchmark only uses a "
                "database it creates. Drop it or pick another name."
            )
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES_SERVER}/{name}"


def drop_database(name):
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fetch(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def start_gunicorn(env, args, *, mode):
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={
            **env,
            "PAGE_CACHE_SECONDS": "60" if mode == "on" else "0",
            "FRAGMENT_CACHE_SECONDS": "0" if mode == "cold" else "3600",
        },
        start_new_session=True,
    )
    for _ in range(100):
        try:
            if fetch(args.port, "/healthz")[0] == 200 and len(workers(server)) == (
                args.workers
            ):
                return server
        except OSError:
            pass
        time.sleep(0.1)
    stop(server)
    raise SystemExit("gunicorn did not start")


def stop(server):
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=10)


def workers(server):
    """The gunicorn workers: the master's child processes."""
    path = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(pid) for pid in path.read_text().split()]


def cpu_seconds(server):
    """utime + stime of the gunicorn master and its workers, in seconds."""
    ticks = 0
    for pid in [server.pid, *workers(server)]:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            continue  # a worker that just exited
        fields = stat.rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return ticks / CLOCK_TICKS


class Result:
    def __init__(self, requests, seconds, cpu):
        self.rate = requests / seconds
        self.cpu_ms = cpu / requests * 1000


def run_wrk(wrk, args, path, seconds, server):
    """One wrk run against `path`: its rate and the server's CPU per request."""
    before_pids = workers(server)
    before = cpu_seconds(server)
    output = subprocess.run(
        [
            wrk,
            "--threads",
            "2",
            "--connections",
            str(args.connections),
            "--duration",
            f"{seconds:g}s",
            "--header",
            "Connection: close",
            f"http://127.0.0.1:{args.port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = cpu_seconds(server) - before
    if workers(server) != before_pids:
        raise SystemExit(f"a gunicorn worker restarted during {path}; run again")
    if "Non-2xx" in output:
        raise SystemExit(f"{path} answered errors under load:\n{output}")
    found = re.search(r"(\d+) requests in ([\d.]+)(m?s)", output)
    if not found:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    requests, elapsed = int(found[1]), float(found[2])
    if found[3] == "ms":
        elapsed /= 1000
    return Result(requests, elapsed, cpu)


if __name__ == "__main__":
    main()
