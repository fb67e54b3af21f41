"""Sending an issue: batches over one SMTP connection, resumable, never twice.

Each batch is first claimed in the database: one Delivery row per subscriber, unique
per issue, "queued". Then, one reader at a time, a single UPDATE records the outcome
of the previous mail (the server accepted or refused it) and marks this reader's row
"claimed" (in flight) before the mail goes out: over SMTP with a database server,
the envelope (MAIL FROM, RCPT TO) is said meanwhile on a second thread, and the
message itself only once the UPDATE is done (Courier). So whenever the sender dies,
even by SIGKILL, at most one row of its run is "claimed" with an unknown outcome
(the mail may have left: it is shown as "outcome unknown" and never retried); every
other row says what happened, or is still "queued", i.e. never tried. The next run
releases every queued row and carries on with those readers. A run whose queued rows
were released under it (a second run started meanwhile) notices when its UPDATE
finds its row gone and leaves that reader to the other run.
"""

import logging
import smtplib
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import mailers
from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from newsletter.mail import Digest, ascii_address
from newsletter.models import Delivery, Issue, Subscriber

logger = logging.getLogger(__name__)

QUEUED, CLAIMED = Delivery.Status.QUEUED, Delivery.Status.CLAIMED


class SendingStopped(Exception):
    """The mail server cannot take mail now (gone, or refusing for the time being).

    The run stops; the reader being sent to is released with the rest, and the next
    run resumes.
    """


@dataclass
class Report:
    issue_id: int
    total: int = 0
    sent: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self):
        return time.monotonic() - self.started

    @property
    def rate(self):
        return self.sent / self.elapsed if self.elapsed else 0.0

    def as_dict(self):
        return {
            "issue": self.issue_id,
            "total": self.total,
            "sent": self.sent,
            "failed": self.failed,
            "seconds": round(self.elapsed, 2),
        }


def start_sending(issue):
    """Move a draft to "sending" (once); False if it was already sent."""
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if issue.status == Issue.Status.SENT:
            return False
        if issue.status == Issue.Status.DRAFT:
            issue.status = Issue.Status.SENDING
            issue.send_started_at = timezone.now()
            issue.save(update_fields=["status", "send_started_at"])
    return True


def _candidates(issue, after_pk, size):
    return list(
        issue.pending_recipients()
        .filter(pk__gt=after_pk)
        .values_list("pk", "email")[:size]
    )


def _claim(issue, run, after_pk, size):
    """Claim the next readers after `after_pk`; returns [(subscriber_pk, email)].

    The unique (issue, subscriber) constraint turns a concurrent run's claims into
    no-ops, and only rows carrying this run's id are returned.
    """
    candidates = _candidates(issue, after_pk, size)
    if not candidates:
        return [], None
    Delivery.objects.bulk_create(
        [
            Delivery(issue=issue, subscriber_id=pk, run=run, status=QUEUED)
            for pk, _ in candidates
        ],
        ignore_conflicts=True,
    )
    mine = set(
        Delivery.objects.filter(
            issue=issue, run=run, subscriber_id__in=[pk for pk, _ in candidates]
        ).values_list("subscriber_id", flat=True)
    )
    return [(pk, email) for pk, email in candidates if pk in mine], candidates[-1][0]


def _take_sql(db):
    """The one statement run per mail (Ledger.take), as plain SQL: the ORM would
    spend more time building it than the database spends running it. Both rows are
    found through the (issue, subscriber) unique index."""
    table = db.ops.quote_name(Delivery._meta.db_table)
    return (
        f"UPDATE {table} SET "  # noqa: S608 - only the table name is formatted in
        "status = CASE WHEN subscriber_id = %s THEN %s ELSE %s END, "
        "attempted_at = CASE WHEN subscriber_id = %s THEN %s "
        "ELSE attempted_at END, "
        "error = CASE WHEN subscriber_id = %s THEN %s ELSE error END "
        "WHERE issue_id = %s AND subscriber_id IN (%s, %s) AND run = %s "
        "AND (subscriber_id = %s OR status = %s)"
    )


class _Statement:
    """One statement run many times, through the driver's own cursor.

    On PostgreSQL the statement is prepared on the server once (Django binds
    parameters on the client, so the server would parse and plan it once per
    mail); sqlite3 keeps its compiled statements by itself and only needs its own
    placeholders. Other databases go through Django's cursor.
    """

    def __init__(self, db, sql):
        db.ensure_connection()
        self.vendor = db.vendor
        if self.vendor == "postgresql":
            import psycopg

            self.cursor = psycopg.Cursor(db.connection)
        elif self.vendor == "sqlite":
            self.cursor = db.connection.cursor()
            sql = sql.replace("%s", "?")
        else:
            self.cursor = db.cursor()
        self.sql = sql

    def run(self, params):
        if self.vendor == "postgresql":
            self.cursor.execute(self.sql, params, prepare=True)
        else:
            self.cursor.execute(self.sql, params)
        return self.cursor.rowcount

    def close(self):
        self.cursor.close()


@contextmanager
def _commits_without_waiting_for_disk():
    """On PostgreSQL the sender's session commits asynchronously
    (synchronous_commit off): a write per mail would otherwise wait for the disk
    each time. A killed sender loses nothing by it (the server has every commit);
    only a crash of the database server itself can lose its last fraction of a
    second of records."""
    db = connections[Delivery.objects.db]
    if db.vendor != "postgresql":
        yield
        return
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        try:
            with db.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:
            logger.warning("could not reset synchronous_commit", exc_info=True)


class Ledger:
    """The delivery rows of one run, written one mail at a time.

    `take(pk)` writes the outcome of the previous mail and marks `pk` in flight in
    one UPDATE, and says whether the row is still this run's to send. `settle()`
    keeps the outcome of the mail in flight until the next take() or `close()`.
    """

    def __init__(self, issue, run, batch):
        self.issue, self.run = issue, run
        self.batch = [pk for pk, _ in batch]  # the subscribers this run claimed
        self.in_flight = None
        self.outcome = None  # (ok, error) of the mail in flight, once known
        self.sent = self.failed = 0
        self.db = connections[Delivery.objects.db]
        self.statement = None  # one for the batch, made by the first take()

    def take(self, pk):
        previous = self.in_flight if self.outcome is not None else None
        status, error = self._settled_values()
        now = self.db.ops.adapt_datetimefield_value(timezone.now())
        if self.statement is None:
            self.statement = _Statement(self.db, _take_sql(self.db))
        changed = self.statement.run(
            [
                *(previous, status, CLAIMED),
                *(previous, now),
                *(previous, error),
                *(self.issue.pk, previous, pk, self.run),
                *(previous, QUEUED),
            ]
        )
        taken = changed - (previous is not None)
        self._count()
        self.in_flight, self.outcome = (pk, None) if taken else (None, None)
        return bool(taken)

    def settle(self, ok, error=""):
        self.outcome = (ok, error[:500])

    def release_in_flight(self):
        """The server never took the mail in flight: free its reader for a rerun."""
        if self.in_flight is not None:
            self._mine().filter(subscriber_id=self.in_flight).delete()
        self.in_flight = self.outcome = None

    def close(self):
        """Write the last outcome and release the claims never tried."""
        if self.statement is not None:
            self.statement.close()
            self.statement = None
        if self.in_flight is not None and self.outcome is not None:
            status, error = self._settled_values()
            self._mine().filter(subscriber_id=self.in_flight).update(
                status=status, attempted_at=timezone.now(), error=error
            )
            self._count()
            self.in_flight = self.outcome = None
        # Found through the (issue, subscriber) index: status is in no index.
        self._mine().filter(subscriber_id__in=self.batch, status=QUEUED).delete()

    def _settled_values(self):
        if self.outcome is None:
            return CLAIMED, ""
        ok, error = self.outcome
        return (Delivery.Status.SENT if ok else Delivery.Status.FAILED), error

    def _count(self):
        if self.outcome is not None:
            if self.outcome[0]:
                self.sent += 1
            else:
                self.failed += 1

    def _mine(self):
        return Delivery.objects.filter(issue=self.issue, run=self.run)


def _permanent_refusal(exc):
    """Why the server will never take this one message, or None when the refusal
    is temporary (4xx) or about the sender, i.e. says nothing about this reader."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        if codes and min(codes) >= 500:
            return f"refused: {exc.recipients}"
    elif isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500:
        return f"refused: {exc.smtp_code} {exc.smtp_error!r}"
    return None


def _envelope(smtp, sender, recipient, size):
    """MAIL FROM and RCPT TO for one message, raising as smtplib.sendmail does.

    Addresses go out as `<address>`: they were validated when stored, so smtplib's
    re-parsing of each one (a tenth of the sender's time a mail) adds nothing.
    """
    smtp.ehlo_or_helo_if_needed()
    size = f" size={size}" if smtp.does_esmtp and smtp.has_extn("size") else ""
    smtp.putcmd("mail", f"from:<{sender}>{size}")
    code, reply = smtp.getreply()
    if code != 250:
        smtp.close() if code == 421 else smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    smtp.putcmd("rcpt", f"to:<{recipient}>")
    code, reply = smtp.getreply()
    if code not in (250, 251):
        smtp.close() if code == 421 else smtp.rset()
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})


def _data(smtp, raw):
    """DATA: the message itself; once the server answers 250 it has it."""
    code, reply = smtp.data(raw)
    if code != 250:
        smtp.close() if code == 421 else smtp.rset()
        raise smtplib.SMTPDataError(code, reply)


def _worth_a_thread(db):
    """SQLite writes in this process in microseconds: an envelope thread would only
    add its hand-overs (measured: 10 % fewer mails a second). A database server's
    round trip is worth spending in parallel with the mail server's."""
    return db.vendor != "sqlite"


class Courier:
    """Hands readers' copies to the mail backend, one at a time.

    On Django's SMTP backend with a database server, `start()` says the envelope
    (MAIL FROM, RCPT TO) on a second thread while the sender writes the reader's
    claim in the database (on SQLite, `deliver()` says it after the claim), and
    `deliver()` sends the message itself (DATA) only once that write is done: the
    claim is on record before the mail can leave, yet the database and the mail
    server work at the same time. Any other backend (tests, console, file) gets a
    Django message made from the same bytes, sent by `deliver()`.
    """

    def __init__(self, connection, digest):
        self.connection, self.digest = connection, digest
        self.unsubscribe_url = Subscriber.unsubscribe_links()
        self.smtp = isinstance(getattr(connection, "connection", None), smtplib.SMTP)
        self.envelopes = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="smtp-envelope")
            if self.smtp and _worth_a_thread(connections[Delivery.objects.db])
            else None
        )

    def close(self):
        if self.envelopes is not None:
            self.envelopes.shutdown()

    def start(self, pk, address):
        """Get one reader's copy ready and, over SMTP, open its envelope."""
        url = self.unsubscribe_url(pk, address)
        if not self.smtp:
            return _Letter(address, message=self.digest.message(address, url))
        raw = self.digest.raw(address, url, self.digest.message_id(pk))
        letter = _Letter(ascii_address(address), raw=raw)
        if self.envelopes is None:
            return letter  # said by deliver(), after the claim
        letter.envelope = self.envelopes.submit(
            _envelope,
            self.connection.connection,
            self.digest.sender,
            letter.address,
            len(raw),
        )
        return letter

    def abandon(self, letter):
        """The reader is not ours to send to after all: close the open envelope."""
        if letter.envelope is None:
            return
        try:
            letter.envelope.result()
            self.connection.connection.rset()
        except (smtplib.SMTPException, OSError):
            pass  # the next envelope finds out, and reconnects if it must

    def deliver(self, letter):
        """Send, reconnecting once if the server dropped the connection.

        Returns (True, "") or (False, reason) when the server refuses this one
        message for good; raises SendingStopped when it is gone or refuses mail
        for now.
        """
        for attempt in (1, 2):
            try:
                self._send(letter)
                return True, ""
            except smtplib.SMTPServerDisconnected as exc:
                lost = exc
            except smtplib.SMTPException as exc:
                if reason := _permanent_refusal(exc):
                    return False, reason
                raise SendingStopped(f"{type(exc).__name__}: {exc}") from exc
            except OSError as exc:  # connection reset, timeout, DNS
                lost = exc
            logger.warning(
                "mail server connection lost (attempt %s): %s", attempt, lost
            )
            letter.envelope = None  # said again on the new connection
            try:
                self.connection.close()
                self.connection.open()
            except (smtplib.SMTPException, OSError) as exc:
                raise SendingStopped(f"cannot reconnect: {exc}") from exc
        raise SendingStopped(f"connection lost twice: {lost}")

    def _send(self, letter):
        if not self.smtp:
            self.connection.send_messages([letter.message])
            return
        smtp = self.connection.connection
        if letter.envelope is None:
            _envelope(smtp, self.digest.sender, letter.address, len(letter.raw))
        else:
            envelope, letter.envelope = letter.envelope, None
            envelope.result()
        _data(smtp, letter.raw)


@dataclass
class _Letter:
    address: str
    raw: bytes = b""
    message: object = None
    envelope: Future = None  # MAIL FROM + RCPT TO under way on the envelope thread


def send_issue(issue, *, batch_size=None, using="default", progress=None):
    """Send `issue` to every confirmed subscriber who has not had it; resumable.

    `progress(report)` is called after each batch. Returns the Report of this run.
    """
    batch_size = batch_size or settings.NEWSLETTER_BATCH_SIZE
    report = Report(issue_id=issue.pk)
    if not start_sending(issue):
        return report
    issue.refresh_from_db()
    # Claims an earlier run never tried (it was killed, or is still going and will
    # notice) go back to the pool; "claimed" ones may have left and stay.
    Delivery.objects.filter(issue=issue, status=QUEUED).delete()
    run = get_random_string(32)
    digest = Digest(issue)
    report.total = issue.pending_recipients().count()
    after_pk = 0
    with mailers[using] as mailer, _commits_without_waiting_for_disk():
        courier = Courier(mailer, digest)
        try:
            while True:
                batch, after_pk = _claim(issue, run, after_pk, batch_size)
                if after_pk is None:
                    break
                _send_batch(courier, Ledger(issue, run, batch), batch, report)
                if progress:
                    progress(report)
        finally:
            courier.close()
    _finish(issue)
    return report


def _send_batch(courier, ledger, batch, report):
    try:
        for pk, address in batch:
            letter = courier.start(pk, address)
            try:
                taken = ledger.take(pk)
            except BaseException:
                courier.abandon(letter)
                raise
            if not taken:
                courier.abandon(letter)
                continue  # released and claimed again by another run
            try:
                ledger.settle(*courier.deliver(letter))
            except SendingStopped:
                ledger.release_in_flight()
                raise
    finally:
        ledger.close()
        report.sent += ledger.sent
        report.failed += ledger.failed


def _finish(issue):
    if not issue.pending_recipients().exists():
        Issue.objects.filter(pk=issue.pk).update(
            status=Issue.Status.SENT, sent_at=timezone.now()
        )
