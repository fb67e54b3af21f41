"""Benchmark: one newsletter issue to 100,000 confirmed subscribers over real SMTP.

Run: .venv/bin/python bench/newsletter_bench.py [--subscribers 100000]
     [--batch-size 200] [--database-url URL]

By default it works in a throwaway SQLite database in a temporary folder (migrated
first, deleted at the end); --database-url points it at another one, e.g. a scratch
PostgreSQL database (never a live one: it adds that many subscribers). An aiosmtpd
sink in a separate process listens on 127.0.0.1 and counts what it receives. The issue
is sent exactly as `send_newsletter` sends it: through the task backend (immediate
here), batches claimed in the database, one SMTP connection. It prints mails per
second and memory: the process's peak resident set and how much the resident set
grew while sending (flat memory means it does not grow with the subscriber count).
Aim: at least 500 mails/s and under 300 MB.
"""

import argparse
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SINK = """
import asyncio, signal, sys
from aiosmtpd.controller import Controller

class Counter:
    def __init__(self):
        self.messages = 0
        self.recipients = set()
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        self.recipients.update(envelope.rcpt_tos)
        return "250 OK"

signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
handler = Counter()
controller = Controller(handler, hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
print(handler.messages, len(handler.recipients), handler.connections, flush=True)
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid):
    """User + system CPU time of another process (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--database-url", help="default: a throwaway SQLite file")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="newsletter-bench-"))
    port = free_port()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="0",
        SECRET_KEY="newsletter-bench-only-" + "x" * 40,
        DATABASE_URL=options.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        MEDIA_ROOT=str(workdir / "media"),
        TASKS_BACKEND="immediate",
        NEWSLETTER_BATCH_SIZE=str(options.batch_size),
        LOG_LEVEL="WARNING",
        SITE_URL="https://news.example",
    )
    os.environ.pop("REDIS_URL", None)
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.stdout.readline().strip() == "ready"
        run(options, workdir)
    finally:
        sink_cpu = cpu_seconds(sink.pid)
        sink.send_signal(signal.SIGTERM)
        out, _ = sink.communicate(timeout=30)
        messages, distinct, connections = out.split()
        print(
            f"sink received:  {messages} mails, {distinct} distinct recipients, "
            f"{connections} SMTP connection(s); {sink_cpu:.1f} s of CPU"
        )
        subprocess.run(["rm", "-rf", str(workdir)], check=False)


def run(options, workdir):
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from articles.models import Article
    from newsletter.models import Issue, IssueStory, Subscriber
    from newsletter.tasks import send_issue

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in     {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    chunk = 5000
    for offset in range(0, options.subscribers, chunk):
        Subscriber.objects.bulk_create(
            Subscriber(
                email=f"reader{i}@example.com", status="confirmed", source="page"
            )
            for i in range(offset, min(offset + chunk, options.subscribers))
        )
    print(
        f"created         {options.subscribers} confirmed subscribers in "
        f"{time.perf_counter() - started:.1f} s"
    )
    issue = Issue.objects.create(subject="Benchmark issue", intro="Hello, readers.")
    for n in range(6):
        article = Article.objects.create(
            headline=f"Benchmark story {n}",
            slug=f"bench-story-{n}",
            standfirst="A standfirst of ordinary length for a digest entry.",
            body="<p>Body.</p>",
            status="published",
            publish_at=timezone.now(),
        )
        IssueStory.objects.create(issue=issue, article=article, position=n)

    before = rss_mb()
    samples = []
    import newsletter.sending as sending

    original = sending.Ledger.close

    def close_and_sample(ledger):  # after each batch
        original(ledger)
        samples.append(rss_mb())

    sending.Ledger.close = close_and_sample
    started, cpu = time.perf_counter(), time.process_time()
    result = send_issue.enqueue(issue.pk)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    sending.Ledger.close = original
    if result.status != "SUCCESSFUL":
        print(result.errors[-1].traceback)
        raise SystemExit(1)
    report = result.return_value
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    quarter = len(samples) // 4 or 1
    print(
        f"sent            {report['sent']} mails ({report['failed']} failed) in "
        f"{elapsed:.1f} s"
    )
    print(f"rate            {report['sent'] / elapsed:.0f} mails/s")
    print(
        f"sender CPU      {cpu / report['sent'] * 1000:.2f} ms a mail "
        f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    print(
        f"memory          peak RSS {peak:.0f} MB; while sending: {before:.0f} MB "
        f"before, {max(samples[:quarter]):.0f} MB after the first quarter, "
        f"{max(samples):.0f} MB at most"
    )
    print(
        "deliveries      "
        f"{Issue.objects.with_delivery_counts().get(pk=issue.pk).sent_count} recorded"
    )


if __name__ == "__main__":
    main()
