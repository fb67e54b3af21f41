"""Sending an issue: batches over one SMTP connection, resumable, never twice.

Each batch is first claimed in the database (one Delivery row per subscriber, unique
per issue), then mailed over the one open connection, then its outcomes are written
back in a single UPDATE per outcome. A run that stops (an exception, Ctrl-C, SIGTERM)
records what it knows on the way out and releases the claims it never tried, so the
next run picks those readers up again. Only a hard kill between the SMTP server's
"accepted" and our write can leave claims without an outcome; they stay "claimed",
are counted as "outcome unknown" in the admin and are never retried.
"""

import logging
import smtplib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import mailers
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from newsletter.mail import Digest, ascii_address
from newsletter.models import Delivery, Issue, Subscriber

logger = logging.getLogger(__name__)


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
        [Delivery(issue=issue, subscriber_id=pk, run=run) for pk, _ in candidates],
        ignore_conflicts=True,
    )
    mine = set(
        Delivery.objects.filter(
            issue=issue, run=run, subscriber_id__in=[pk for pk, _ in candidates]
        ).values_list("subscriber_id", flat=True)
    )
    return [(pk, email) for pk, email in candidates if pk in mine], candidates[-1][0]


def _record(issue, run, batch, outcomes, in_flight):
    """Write a batch's outcomes and release what was never tried."""
    now = timezone.now()
    sent = [pk for pk, (ok, _) in outcomes.items() if ok]
    mine = Delivery.objects.filter(issue=issue, run=run)
    if sent:
        mine.filter(subscriber_id__in=sent).update(
            status=Delivery.Status.SENT, attempted_at=now
        )
    for pk, (ok, error) in outcomes.items():
        if not ok:
            mine.filter(subscriber_id=pk).update(
                status=Delivery.Status.FAILED, attempted_at=now, error=error[:500]
            )
    untried = [pk for pk, _ in batch if pk not in outcomes and pk != in_flight]
    if untried:
        mine.filter(subscriber_id__in=untried, status=Delivery.Status.CLAIMED).delete()


def _deliver(connection, digest, pk, address):
    """Hand one reader's copy to the mail backend.

    Django's SMTP backend gets the ready bytes on its open connection; any other
    backend (tests, console, file) gets a Django message made from the same bytes.
    """
    url = _unsubscribe_url(pk, address)
    smtp = getattr(connection, "connection", None)
    if isinstance(smtp, smtplib.SMTP):
        raw = digest.raw(address, url, digest.message_id(pk))
        smtp.sendmail(digest.sender, [ascii_address(address)], raw)
    else:
        connection.send_messages([digest.message(address, url)])


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


def _send_one(connection, digest, pk, address):
    """Send over the open connection, reconnecting once if the server dropped it.

    Returns (True, "") or (False, reason) when the server refuses this one message
    for good; raises SendingStopped when it is gone or refuses mail for now.
    """
    for attempt in (1, 2):
        try:
            _deliver(connection, digest, pk, address)
            return True, ""
        except smtplib.SMTPServerDisconnected as exc:
            lost = exc
        except smtplib.SMTPException as exc:
            if reason := _permanent_refusal(exc):
                return False, reason
            raise SendingStopped(f"{type(exc).__name__}: {exc}") from exc
        except OSError as exc:  # connection reset, timeout, DNS
            lost = exc
        logger.warning("mail server connection lost (attempt %s): %s", attempt, lost)
        try:
            connection.close()
            connection.open()
        except (smtplib.SMTPException, OSError) as exc:
            raise SendingStopped(f"cannot reconnect: {exc}") from exc
    raise SendingStopped(f"connection lost twice: {lost}")


def send_issue(issue, *, batch_size=None, using="default", progress=None):
    """Send `issue` to every confirmed subscriber who has not had it; resumable.

    `progress(report)` is called after each batch. Returns the Report of this run.
    """
    batch_size = batch_size or settings.NEWSLETTER_BATCH_SIZE
    report = Report(issue_id=issue.pk)
    if not start_sending(issue):
        return report
    issue.refresh_from_db()
    run = get_random_string(32)
    digest = Digest(issue)
    report.total = issue.pending_recipients().count()
    after_pk = 0
    with mailers[using] as connection:
        while True:
            batch, after_pk = _claim(issue, run, after_pk, batch_size)
            if after_pk is None:
                break
            outcomes, in_flight = {}, None
            try:
                for pk, address in batch:
                    in_flight = pk
                    try:
                        outcomes[pk] = _send_one(connection, digest, pk, address)
                    except SendingStopped:
                        in_flight = None  # never accepted: released with the rest
                        raise
                    in_flight = None
            finally:
                _record(issue, run, batch, outcomes, in_flight)
                report.sent += sum(ok for ok, _ in outcomes.values())
                report.failed += sum(not ok for ok, _ in outcomes.values())
            if progress:
                progress(report)
    _finish(issue)
    return report


def _unsubscribe_url(pk, email):
    # A bare instance is enough to sign the token; no query per reader.
    return Subscriber(pk=pk, email=email).get_unsubscribe_url()


def _finish(issue):
    if not issue.pending_recipients().exists():
        Issue.objects.filter(pk=issue.pk).update(
            status=Issue.Status.SENT, sent_at=timezone.now()
        )
