"""Sending reminders through the task backend.

`notify_followers` runs once per story that goes live (reminders.signals): it records
one Notification per following subscription (unique per story and subscription, so
the story can never be queued twice for a browser) and queues `send_reminder` for
each. `send_reminder` claims its notification, then pushes:

- delivered: sent; a 404 or 410 from the push service: the browser has gone, the
  subscription is deleted (the notification stays, marked "gone");
- no answer, 429 or 5xx: tried again later (three attempts in all), then failed;
  any other refusal: failed at once, with the push service's answer kept;
- a subscription that already had REMINDERS_PER_HOUR reminders in the last hour
  is skipped for this story ("throttled"): a busy news day never floods a reader.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from articles.models import Article
from core.tasks import retry_later
from reminders import push
from reminders.models import Notification, Subscription
from reminders.payload import story_payload

logger = logging.getLogger(__name__)

Status = Notification.Status
QUEUE_BATCH = 500


@task()
def notify_followers(article_id):
    """Queue one reminder of a live story for every subscription following it."""
    article = Article.objects.published().filter(pk=article_id).first()
    if article is None:
        return 0
    followers = Subscription.objects.following(article).values_list("pk", flat=True)
    batch = []
    for subscription_id in followers.iterator(chunk_size=QUEUE_BATCH):
        batch.append(Notification(article=article, subscription_id=subscription_id))
        if len(batch) == QUEUE_BATCH:
            Notification.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Notification.objects.bulk_create(batch, ignore_conflicts=True)
    pending = Notification.objects.filter(article=article, status=Status.PENDING)
    queued = 0
    for notification_id in pending.values_list("pk", flat=True).iterator():
        send_reminder.enqueue(notification_id=notification_id)
        queued += 1
    return queued


def _claim(notification_id):
    """Mark the notification as being sent, or say why it will not be."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, status=Status.PENDING)
            .first()
        )
        if notification is None or notification.subscription_id is None:
            return None, "not pending"
        if not Article.objects.published().filter(pk=notification.article_id).exists():
            notification.status = Status.WITHDRAWN
            notification.save(update_fields=["status"])
            return None, notification.status
        # Locks the subscription: its reminders are counted one task at a time.
        Subscription.objects.select_for_update().filter(
            pk=notification.subscription_id
        ).first()
        now = timezone.now()
        recent = Notification.objects.filter(
            subscription_id=notification.subscription_id,
            status__in=[Status.SENT, Status.SENDING],
            sent_at__gt=now - timedelta(hours=1),
        ).count()
        if recent >= settings.REMINDERS_PER_HOUR:
            notification.status = Status.THROTTLED
            notification.save(update_fields=["status"])
            return None, notification.status
        notification.status = Status.SENDING
        notification.attempts += 1
        notification.sent_at = now
        notification.save(update_fields=["status", "attempts", "sent_at"])
        return notification, ""


@task()
def send_reminder(notification_id, attempt=1):
    """Push one story to one subscription (see the module docstring)."""
    notification, skipped = _claim(notification_id)
    if notification is None:
        return skipped
    subscription = notification.subscription
    article = Article.objects.select_related("hero_image").get(
        pk=notification.article_id
    )
    row = Notification.objects.filter(pk=notification_id)
    try:
        outcome = push.send(
            subscription, story_payload(article), topic=f"story-{article.pk}"
        )
    except Exception as error:
        # A bug, not the push service: never leave the notification "sending".
        row.update(status=Status.FAILED, sent_at=None, error=repr(error)[:1000])
        raise
    if outcome.delivered:
        row.update(status=Status.SENT, error="")
        return Status.SENT
    if outcome.gone:
        row.update(status=Status.GONE, error=outcome.error)
        subscription.delete()
        return Status.GONE
    if outcome.temporary:
        row.update(status=Status.PENDING, sent_at=None, error=outcome.error)
        if retry_later(send_reminder, attempt, notification_id=notification_id):
            return "retrying"
    row.update(status=Status.FAILED, sent_at=None, error=outcome.error)
    logger.warning(
        "reminder of story %s to %s failed: %s",
        article.pk,
        subscription.host,
        outcome.error,
    )
    return Status.FAILED
