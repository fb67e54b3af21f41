"""Reader pages against a static file of the same size, served by the same gunicorn.

Builds a throwaway demo newsroom (SQLite, temporary media and static folders), starts
gunicorn with DEBUG off, and for each page writes a static file of exactly the page's
size that WhiteNoise serves. Then it alternates load rounds (static, page, static, ...)
from keep-alive client threads on loopback and prints requests per second, median
latency and the ratio page/static measured in the same run. The machines are shared,
so only the ratio means much.

    .venv/bin/python bench/pages_bench.py [--seconds 5] [--clients 4] [--no-page-cache]
"""

import argparse
import http.client
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
PAGES = {
    "home": "/",
    "article": "/articles/netflix-renews-heartstopper-for-two-more-seasons/",
    "topic": "/topics/netflix/",
    "show": "/shows/heartstopper/",
    "search": "/search/?q=heartstopper",
}


def fetch(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def load(port, path, seconds, clients):
    """Keep-alive GETs from `clients` threads for `seconds`: (req/s, median ms)."""
    latencies, stop = [], time.monotonic() + seconds
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path} answered {response.status}")
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return len(latencies) / elapsed, statistics.median(latencies) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per load round")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="render every request (the anonymous page cache off)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="newsroom-pages-bench-"))
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        "PAGE_CACHE_SECONDS": "0" if args.no_page_cache else "60",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    static_root = work / "static"

    def run(*command):
        subprocess.run(
            command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )

    print("Setting up a demo newsroom in", work)
    run(*manage, "migrate", "--noinput")
    run(*manage, "seed_demo")
    server = None
    try:
        # Pages first (their size decides the static twins), then static files.
        server = start_gunicorn(env, args, static_root, collect=True)
        sizes = {}
        for name, path in PAGES.items():
            status, body = fetch(args.port, path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
            sizes[name] = len(body)
            (static_root / f"bench-{name}.html").write_bytes(b"x" * len(body))
        stop(server)
        server = start_gunicorn(env, args, static_root, collect=False)

        print(
            f"\n{args.workers} gunicorn workers, {args.clients} keep-alive clients, "
            f"{args.seconds:g} s rounds, DEBUG off, SQLite, local-memory cache, "
            f"page cache {'off' if args.no_page_cache else 'on'}\n"
        )
        header = f"{'page':<8} {'bytes':>7} {'page req/s':>11} {'static req/s':>13}"
        print(header + f" {'page ms':>8} {'static ms':>10} {'ratio':>6}")
        for name, path in PAGES.items():
            static_path = f"/static/bench-{name}.html"
            load(args.port, path, 1, args.clients)  # warm-up
            static_rps, static_ms = load(
                args.port, static_path, args.seconds, args.clients
            )
            page_rps, page_ms = load(args.port, path, args.seconds, args.clients)
            print(
                f"{name:<8} {sizes[name]:>7} {page_rps:>11.0f} {static_rps:>13.0f} "
                f"{page_ms:>8.2f} {static_ms:>10.2f} {page_rps / static_rps:>6.2f}"
            )
        print("\nratio = page req/s ÷ static req/s (1.00 = as fast as a static file)")
    finally:
        if server:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)


def start_gunicorn(env, args, static_root, *, collect):
    command = [sys.executable, str(ROOT / "manage.py")]
    if collect:
        static_root.mkdir(exist_ok=True)
        subprocess.run(
            [*command, "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={**env, "STATIC_ROOT": str(static_root)},
            check=True,
        )
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
        env={**env, "STATIC_ROOT": str(static_root)},
        start_new_session=True,
    )
    for _ in range(100):
        try:
            fetch(args.port, "/healthz")
            return server
        except OSError:
            time.sleep(0.1)
    stop(server)
    raise SystemExit("gunicorn did not start")


def stop(server):
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=10)


if __name__ == "__main__":
    main()
