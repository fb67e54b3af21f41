"""Background work, run through Django's tasks framework.

With the default immediate backend a task runs inside the request or command that
enqueues it; with TASKS_BACKEND=database it waits for `manage.py db_worker`.
"""

import logging

from django.tasks import task
from django.utils import timezone

from newsletter import sending
from newsletter.mail import subscriber_message
from newsletter.models import Issue, Subscriber

logger = logging.getLogger(__name__)

# Which subscriber state each mail still makes sense for when the task runs.
MAIL_STATUS = {
    "confirm": Subscriber.Status.PENDING,
    "already": Subscriber.Status.CONFIRMED,
    "welcome": Subscriber.Status.CONFIRMED,
}


@task()
def send_subscriber_mail(subscriber_id, kind):
    """Send a confirm / already / welcome mail; a failure is kept on the subscriber
    so the admin can see it and send again."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.status != MAIL_STATUS[kind]:
        return "skipped"
    try:
        subscriber_message(subscriber, kind).send()
    except Exception as exc:  # noqa: BLE001 - any mail failure is recorded, then re-raised
        logger.exception(
            "newsletter %s mail to subscriber %s failed", kind, subscriber_id
        )
        Subscriber.objects.filter(pk=subscriber_id).update(
            mail_error=f"{kind}: {type(exc).__name__}: {exc}"[:1000]
        )
        raise
    fields = {"mail_error": ""}
    if kind == "confirm":
        fields["confirmation_sent_at"] = timezone.now()
    Subscriber.objects.filter(pk=subscriber_id).update(**fields)
    return "sent"


@task()
def send_issue(issue_id):
    """Send an issue to every confirmed subscriber who has not had it yet."""
    issue = Issue.objects.get(pk=issue_id)

    def log_progress(report):
        logger.info(
            "issue %s: %s sent, %s failed of %s (%.0f mails/s)",
            issue_id,
            report.sent,
            report.failed,
            report.total,
            report.rate,
        )

    return sending.send_issue(issue, progress=log_progress).as_dict()
