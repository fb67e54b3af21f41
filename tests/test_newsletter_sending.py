"""Digests: the rendered mail, batched sending, and resuming without duplicates."""

import asyncio
import email
import email.policy
import re
import signal
import smtplib
import socket
import time
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from authors.models import Author
from newsletter import sending
from newsletter.mail import Digest
from newsletter.models import Delivery, Issue, IssueStory, Subscriber
from tests import factories

pytestmark = pytest.mark.django_db

BACKEND = "tests.test_newsletter_sending"
WORKER_SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]


class CountingBackend(LocmemBackend):
    """Locmem, counting connections opened; raises on cue to simulate failures."""

    opened = 0
    crash_at = None  # nth message (1-based) on which the process "dies"
    refuse = set()  # addresses the server refuses
    drop_at = None  # nth message on which the server drops the connection once
    tempfail_at = None  # nth message the server defers ("try again later")
    count = 0

    def open(self):
        type(self).opened += 1
        return True

    def send_messages(self, messages):
        for message in messages:
            cls = type(self)
            cls.count += 1
            if cls.count == cls.crash_at:
                raise KeyboardInterrupt("killed mid-batch")
            if cls.count == cls.drop_at:
                raise smtplib.SMTPServerDisconnected("server went away")
            if cls.count == cls.tempfail_at:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (451, b"later")})
            if message.to[0] in cls.refuse:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no")})
        return super().send_messages(messages)


@pytest.fixture
def backend(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{BACKEND}.CountingBackend"}}
    CountingBackend.opened = CountingBackend.count = 0
    CountingBackend.crash_at = CountingBackend.drop_at = None
    CountingBackend.tempfail_at = None
    CountingBackend.refuse = set()
    return CountingBackend


def make_article(n, *, image=None, days_ago=1, status="published"):
    """Story n, by one fixed writer, with a headline that needs escaping in HTML."""
    author, _ = Author.objects.get_or_create(
        slug="sam-writer", defaults={"name": "Sam Writer", "role": "Reporter"}
    )
    return factories.make_article(
        headline=f"Story number {n} & friends",
        slug=f"story-{n}",
        standfirst=f"Why story {n} matters",
        body="<p>Text.</p>",
        status=status,
        publish_at=timezone.now() - timedelta(days=days_ago),
        hero_image=image,
        authors=[author],
    )


def make_issue(articles, subject="This week's stories"):
    issue = Issue.objects.create(subject=subject, intro="Hello readers.\n\nEnjoy.")
    for position, article in enumerate(articles):
        IssueStory.objects.create(issue=issue, article=article, position=position)
    return issue


def make_subscribers(n, status="confirmed", prefix="reader"):
    return Subscriber.objects.bulk_create(
        Subscriber(email=f"{prefix}{i}@example.com", status=status) for i in range(n)
    )


def recipients():
    return Counter(message.to[0] for message in mail.outbox)


class TestRenderedMail:
    @pytest.fixture
    def sent(self, backend):
        from images.demo import demo_image

        picture = demo_image(
            "Test", alt_text="Cast on set", size=(800, 450), colours=None
        )
        issue = make_issue([make_article(1, image=picture), make_article(2)])
        [subscriber] = make_subscribers(1)
        sending.send_issue(issue)
        [message] = mail.outbox
        return issue, subscriber, message

    def test_is_multipart_text_and_html(self, sent):
        _, _, message = sent
        assert message.body.strip()
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        raw = message.message()
        assert raw.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in raw.iter_parts()] == [
            "text/plain",
            "text/html",
        ]

    def test_every_link_and_image_is_absolute(self, sent):
        _, _, message = sent
        html = message.alternatives[0].content
        urls = re.findall(r'(?:href|src)="([^"]+)"', html)
        assert urls
        assert all(url.startswith("http://testserver/") for url in urls), urls
        assert "http://testserver/articles/story-1/" in message.body

    def test_stories_with_pictures_carry_a_jpeg_thumbnail_with_alt(self, sent):
        _, _, message = sent
        html = message.alternatives[0].content
        [img] = re.findall(r"<img [^>]+>", html)
        assert re.search(r'src="[^"]+\.jpe?g"', img)
        assert 'alt="Cast on set"' in img
        assert 'width="552"' in img and 'height="310"' in img

    def test_content_is_escaped_and_complete(self, sent):
        _, _, message = sent
        html = message.alternatives[0].content
        assert "Story number 1 &amp; friends" in html
        assert "Story number 1 & friends" in message.body
        assert "By Sam Writer" in message.body
        assert "<p>Hello readers.</p>" in html

    def test_carries_rfc8058_one_click_headers_and_a_personal_link(self, sent):
        _, subscriber, message = sent
        raw = message.message()
        url = subscriber.get_unsubscribe_url()
        assert raw["List-Unsubscribe"] == f"<{url}>"
        assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert url in message.body
        assert url in message.alternatives[0].content
        assert subscriber.email in message.body

    def test_the_links_one_click_post_unsubscribes_that_reader(self, sent):
        _, subscriber, message = sent
        url = re.search(r"<(.+)>", message.message()["List-Unsubscribe"])[1]
        response = Client(enforce_csrf_checks=True).post(
            url,
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        subscriber.refresh_from_db()
        assert subscriber.status == "unsubscribed"


class TestMimeLines:
    def test_no_line_exceeds_smtps_998_octets_even_with_long_paragraphs(self):
        words = " ".join(f"mot{i}é" for i in range(1500))  # one 10 kB paragraph
        issue = make_issue([make_article(1)])
        issue.intro = words
        issue.save()
        digest = Digest(issue)
        raw = digest.raw("fan@example.com", "http://testserver/u/", "1.1.x")
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        html = parsed.get_body(("html",)).get_content()
        text = parsed.get_body(("plain",)).get_content()
        assert " ".join(html.split()).count("mot1499é") == 1
        assert "mot0é" in text and "mot1499é" in text


class TestSending:
    def test_goes_to_each_confirmed_subscriber_once_over_one_connection(self, backend):
        make_subscribers(7)
        make_subscribers(2, status="pending", prefix="pending")
        make_subscribers(2, status="unsubscribed", prefix="gone")
        issue = make_issue([make_article(1)])
        report = sending.send_issue(issue, batch_size=3)
        assert report.sent == 7
        assert set(recipients()) == {f"reader{i}@example.com" for i in range(7)}
        assert max(recipients().values()) == 1
        assert backend.opened == 1
        issue.refresh_from_db()
        assert issue.status == "sent"
        assert issue.sent_at is not None
        assert Delivery.objects.filter(issue=issue, status="sent").count() == 7

    def test_sending_a_sent_issue_again_sends_nothing(self, backend):
        make_subscribers(3)
        issue = make_issue([make_article(1)])
        sending.send_issue(issue)
        sending.send_issue(issue)
        assert len(mail.outbox) == 3

    def test_a_refused_recipient_is_recorded_and_the_rest_still_get_it(self, backend):
        make_subscribers(4)
        backend.refuse = {"reader2@example.com"}
        issue = make_issue([make_article(1)])
        report = sending.send_issue(issue, batch_size=2)
        assert (report.sent, report.failed) == (3, 1)
        failed = Delivery.objects.get(status="failed")
        assert failed.subscriber.email == "reader2@example.com"
        assert "550" in failed.error
        issue.refresh_from_db()
        assert issue.status == "sent"

    def test_a_dropped_connection_is_reopened_and_the_message_retried(self, backend):
        make_subscribers(4)
        backend.drop_at = 2
        issue = make_issue([make_article(1)])
        report = sending.send_issue(issue)
        assert report.sent == 4
        assert max(recipients().values()) == 1
        assert backend.opened == 2


class TestServerTrouble:
    def test_a_temporary_refusal_stops_the_run_and_the_rerun_sends_the_rest(
        self, backend
    ):
        make_subscribers(5)
        backend.tempfail_at = 3
        issue = make_issue([make_article(1)])
        with pytest.raises(sending.SendingStopped, match="451"):
            sending.send_issue(issue)
        assert len(mail.outbox) == 2
        assert not Delivery.objects.exclude(status="sent").exists()  # all released
        sending.send_issue(issue)
        assert sorted(recipients().values()) == [1] * 5

    def test_a_server_that_cannot_be_reached_again_stops_the_run(
        self, backend, monkeypatch
    ):
        make_subscribers(3)
        backend.drop_at = 2

        opened = []

        def open_once(self):
            if opened:
                raise ConnectionRefusedError("down")
            opened.append(True)

        issue = make_issue([make_article(1)])
        monkeypatch.setattr(CountingBackend, "open", open_once)
        with pytest.raises(sending.SendingStopped, match="reconnect"):
            sending.send_issue(issue)
        assert Delivery.objects.filter(status="sent").count() == 1
        assert Delivery.objects.count() == 1  # the rest released for the rerun


class TestResume:
    """A send that dies part-way resumes without sending anyone the issue twice."""

    def test_crash_mid_batch_then_resume_reaches_everyone_exactly_once(self, backend):
        make_subscribers(12)
        issue = make_issue([make_article(1)])
        backend.crash_at = 7  # second batch of 5, second message
        with pytest.raises(KeyboardInterrupt):
            sending.send_issue(issue, batch_size=5)
        assert len(mail.outbox) == 6
        issue.refresh_from_db()
        assert issue.status == "sending"
        # What was sent is recorded; the message in flight stays "claimed" (its
        # fate is unknown); the untried rest of the batch was released.
        assert Delivery.objects.filter(status="sent").count() == 6
        assert Delivery.objects.filter(status="claimed").count() == 1

        backend.crash_at = None
        report = sending.send_issue(issue, batch_size=5)
        assert report.sent == 5
        assert len(mail.outbox) == 11
        assert max(recipients().values()) == 1
        issue.refresh_from_db()
        assert issue.status == "sent"

    def test_claims_left_by_a_killed_run_are_never_resent(self, backend):
        """A hard kill leaves claims with no outcome: they may have gone, so skip."""
        readers = make_subscribers(6)
        issue = make_issue([make_article(1)])
        sending.start_sending(issue)
        Delivery.objects.bulk_create(
            Delivery(issue=issue, subscriber=s, run="killed-run") for s in readers[:2]
        )
        sending.send_issue(issue)
        assert set(recipients()) == {s.email for s in readers[2:]}
        assert Issue.objects.with_delivery_counts().get().claimed_count == 2

    def test_a_rival_run_claiming_the_same_readers_wins_them(
        self, backend, monkeypatch
    ):
        """Two workers on one issue: the unique claim lets only one send each mail."""
        make_subscribers(9)
        issue = make_issue([make_article(1)])
        original = sending._candidates
        rival_done = []

        def candidates_then_rival(issue, after_pk, size):
            found = original(issue, after_pk, size)
            if not rival_done:
                rival_done.append(True)
                sending.send_issue(issue, batch_size=2)  # claims and sends them all
            return found  # now stale: every one is claimed by the rival

        monkeypatch.setattr(sending, "_candidates", candidates_then_rival)
        report = sending.send_issue(issue, batch_size=4)
        assert report.sent == 0
        assert len(mail.outbox) == 9
        assert max(recipients().values()) == 1


class TestSendNewsletterCommand:
    def run(self, *args):
        out = StringIO()
        call_command("send_newsletter", *args, stdout=out)
        return out.getvalue()

    def test_builds_a_digest_of_new_stories_and_sends_it(self, backend):
        make_subscribers(3)
        old = make_article(1, days_ago=30)
        new = make_article(2, days_ago=1)
        make_article(3, status="draft")
        output = self.run()
        assert "Sent 3" in output
        issue = Issue.objects.get()
        assert list(issue.stories.all()) == [new]
        assert old not in issue.stories.all()
        assert len(mail.outbox) == 3

    def test_next_run_only_has_stories_published_since(self, backend):
        make_subscribers(1)
        make_article(1)
        self.run()
        assert "nothing to send" in self.run()
        assert Issue.objects.count() == 1

    def test_resumes_an_interrupted_issue_first(self, backend):
        make_subscribers(4)
        issue = make_issue([make_article(1)])
        backend.crash_at = 3
        with pytest.raises(KeyboardInterrupt):
            sending.send_issue(issue, batch_size=10)
        backend.crash_at = None
        output = self.run()
        assert f"Resuming issue {issue.pk}" in output
        assert Issue.objects.count() == 1
        assert max(recipients().values()) == 1
        assert len(mail.outbox) == 3  # the one in flight at the crash is not resent

    def test_with_a_worker_backend_it_queues_and_a_rerun_resumes_not_rebuilds(
        self, backend, settings
    ):
        settings.TASKS = {
            "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}
        }
        make_subscribers(2)
        make_article(1)
        assert "Queued as task" in self.run()
        issue = Issue.objects.get()
        assert issue.status == "sending"
        assert not mail.outbox
        assert f"Resuming issue {issue.pk}" in self.run()
        assert Issue.objects.count() == 1

    # The worker closes and reopens its connection between tasks, as a process of its
    # own would: that needs real commits, not the test's enclosing transaction.
    @pytest.mark.django_db(transaction=True)
    def test_the_database_worker_sends_a_queued_issue(self, backend, settings):
        """Production's path: TASKS_BACKEND=database, then `manage.py db_worker`."""
        settings.TASKS = {
            "default": {
                "BACKEND": "django_tasks_db.DatabaseBackend",
                "QUEUES": ["default"],
            }
        }
        make_subscribers(3)
        make_article(1)
        assert "Queued as task" in self.run()
        assert not mail.outbox
        handlers = {sig: signal.getsignal(sig) for sig in WORKER_SIGNALS}
        try:
            call_command(
                "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
            )
        finally:
            for sig, handler in handlers.items():  # the worker installs its own
                signal.signal(sig, handler)
        assert sorted(recipients()) == [f"reader{i}@example.com" for i in range(3)]
        assert Issue.objects.get().status == "sent"

    def test_dry_run_changes_nothing(self, backend):
        make_subscribers(2)
        make_article(1)
        output = self.run("--dry-run")
        assert "Would send" in output and "Story number 1" in output
        assert not Issue.objects.exists()
        assert not mail.outbox

    def test_unknown_issue_is_a_clear_error(self, backend):
        from django.core.management import CommandError

        with pytest.raises(CommandError, match="no issue 999"):
            self.run("--issue", "999")


class Recorder:
    """An aiosmtpd handler that keeps what it receives; refuses some recipients."""

    def __init__(self, refuse=()):
        self.envelopes = []
        self.connections = 0
        self.refuse = set(refuse)
        self.drop = set()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.drop:  # the connection breaks mid-envelope, once
            self.drop.discard(address)
            server.transport.close()
            return "250 OK"
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.on_data is not None:
            await asyncio.to_thread(self.on_data, envelope)
        self.envelopes.append(envelope)
        return "250 OK"

    on_data = None  # called (in a thread) with each message before it is accepted


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1, with Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    yield handler
    controller.stop()


class TestOverSMTP:
    """The fast path: ready bytes on Django's open SMTP connection."""

    def test_one_connection_one_copy_each_with_personal_headers(
        self, smtp_server, overlap
    ):
        readers = make_subscribers(5)
        issue = make_issue([make_article(1)])
        report = sending.send_issue(issue, batch_size=2)
        assert report.sent == 5
        assert smtp_server.connections == 1
        received = {}
        for envelope in smtp_server.envelopes:
            [to] = envelope.rcpt_tos
            assert envelope.mail_from == "news@localhost"
            received[to] = email.message_from_bytes(
                envelope.original_content, policy=email.policy.default
            )
        assert set(received) == {r.email for r in readers}
        ids = {m["Message-ID"] for m in received.values()}
        assert len(ids) == 5
        for reader in readers:
            message = received[reader.email]
            url = reader.get_unsubscribe_url()
            assert message["To"] == reader.email
            assert message["List-Unsubscribe"] == f"<{url}>"
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert message.get_content_type() == "multipart/alternative"
            text = message.get_body(("plain",)).get_content()
            html = message.get_body(("html",)).get_content()
            assert url in text and url in html
            assert reader.email in text
            assert "http://testserver/articles/story-1/" in html

    def test_smtp_copy_matches_what_other_backends_get(self, smtp_server):
        [reader] = make_subscribers(1)
        issue = make_issue([make_article(1)])
        sending.send_issue(issue)
        [envelope] = smtp_server.envelopes
        over_smtp = email.message_from_bytes(
            envelope.original_content, policy=email.policy.default
        )
        local = Digest(issue).message(reader.email, reader.get_unsubscribe_url())
        assert over_smtp.get_body(("plain",)).get_content() == local.body
        assert over_smtp.get_body(("html",)).get_content() == local.alternatives[0][0]

    def test_refused_recipient_is_recorded_and_the_connection_kept(
        self, smtp_server, overlap
    ):
        make_subscribers(3)
        smtp_server.refuse = {"reader1@example.com"}
        issue = make_issue([make_article(1)])
        report = sending.send_issue(issue)
        assert (report.sent, report.failed) == (2, 1)
        assert smtp_server.connections == 1
        failed = Delivery.objects.get(status="failed")
        assert "550" in failed.error

    @pytest.fixture(params=["envelope thread", "one thread"])
    def overlap(self, request, monkeypatch):
        """Both ways of sending: the envelope said on a second thread while the
        claim is written (database servers), or after it (SQLite)."""
        overlap = request.param == "envelope thread"
        monkeypatch.setattr(sending, "_worth_a_thread", lambda db: overlap)

    @pytest.mark.django_db(transaction=True)
    def test_a_message_is_only_sent_once_its_claim_is_on_record(
        self, smtp_server, monkeypatch, overlap
    ):
        """The envelope goes out while the claim is written; the message itself
        (DATA) waits for the write, so a sender killed at any point leaves every
        mail that left on record, as sent or in flight."""
        make_subscribers(6)
        issue = make_issue([make_article(1)])
        seen = []

        def check_claim(envelope):  # another connection: sees only what is committed
            [to] = envelope.rcpt_tos
            seen.append(
                Delivery.objects.filter(subscriber__email=to, status="claimed").exists()
            )
            connection.close()

        take = sending.Ledger.take

        def slow_take(ledger, pk):  # a database slower than the mail server
            time.sleep(0.1)
            return take(ledger, pk)

        monkeypatch.setattr(sending.Ledger, "take", slow_take)
        smtp_server.on_data = check_claim
        report = sending.send_issue(issue, batch_size=4)
        assert report.sent == 6
        assert seen == [True] * 6
        assert Delivery.objects.filter(status="sent").count() == 6

    def test_a_reader_won_by_a_rival_run_gets_no_message_over_smtp(
        self, smtp_server, monkeypatch, overlap
    ):
        """The envelope opened for a reader another run took is reset, unsent, and
        the connection carries on."""
        make_subscribers(5)
        issue = make_issue([make_article(1)])
        original = sending._claim
        taken = []

        def claim_then_rival_takes_one(issue, run, after_pk, size):
            batch, last = original(issue, run, after_pk, size)
            if batch and not taken:  # a second run releases our queued claim
                taken.append(batch[1][0])  # on the second reader and sends to them
                Delivery.objects.filter(subscriber_id=taken[0]).update(run="rival")
            return batch, last

        monkeypatch.setattr(sending, "_claim", claim_then_rival_takes_one)
        report = sending.send_issue(issue)
        assert report.sent == 4
        rival_reader = Subscriber.objects.get(pk=taken[0]).email
        received = [to for e in smtp_server.envelopes for to in e.rcpt_tos]
        assert sorted(received) == sorted(
            Subscriber.objects.exclude(email=rival_reader).values_list(
                "email", flat=True
            )
        )
        assert smtp_server.connections == 1

    def test_a_connection_lost_mid_envelope_is_reopened_and_the_reader_served(
        self, smtp_server, overlap
    ):
        make_subscribers(4)
        smtp_server.drop = {"reader2@example.com"}
        report = sending.send_issue(make_issue([make_article(1)]))
        assert report.sent == 4
        received = Counter(to for e in smtp_server.envelopes for to in e.rcpt_tos)
        assert received == {f"reader{n}@example.com": 1 for n in range(4)}
        assert smtp_server.connections == 2

    def test_international_domain_goes_out_in_idna(self, smtp_server):
        Subscriber.objects.create(email="fan@bücher.example", status="confirmed")
        sending.send_issue(make_issue([make_article(1)]))
        [envelope] = smtp_server.envelopes
        assert envelope.rcpt_tos == ["fan@xn--bcher-kva.example"]
