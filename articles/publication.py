"""The "story went live" signal: sent exactly once per story, for any feature to use.

A story becomes live in one of two ways: an editor publishes it now (a save, an admin
action or a queryset update), or a scheduled story's publish time comes. The first is
announced when its transaction commits. The second needs no cron: the next request
that misses the page cache (`AnnounceDueStoriesMiddleware`), the next task the worker
runs, or `manage.py announce_stories` notices it, at most once every
`STORY_ANNOUNCE_SECONDS` across all app servers (a cache key decides who looks).

`Article.announced_at` records the announcement. It is claimed with a conditional
UPDATE (`… WHERE announced_at IS NULL`), so two processes that notice the same story
at once send the signal once between them, and it is never cleared: a story that is
edited, rescheduled, unpublished and published again is not announced again.

Receivers get `article=` (sender is Article). They run inside the transaction that
claims the story, so they should hand slow work to a task with
`transaction.on_commit()`; an exception in one is logged and does not stop the others.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver
from django.tasks.signals import task_started
from django.utils import timezone

from articles.models import Article, publishing_updated

logger = logging.getLogger(__name__)

story_went_live = Signal()

CHECK_KEY = "articles:announce-due"
BATCH_SIZE = 100


def announce(article_id):
    """Announce one story if it is live and has not been announced. True if it was."""
    with transaction.atomic():
        claimed = (
            Article.objects.unannounced()
            .filter(pk=article_id)
            .update(announced_at=timezone.now())
        )
        if not claimed:
            return False
        article = Article.objects.get(pk=article_id)
        # A receiver that raises is logged by Django (django.dispatch) and the
        # others still run: one broken feature never stops another.
        story_went_live.send_robust(sender=Article, article=article)
    return True


def announce_due(limit=None):
    """Announce every live story not announced yet (oldest first); return how many.

    `limit` caps the work of one call (a request); None goes on until none is left.
    """
    count = 0
    while limit is None or count < limit:
        size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - count)
        due = list(
            Article.objects.unannounced()
            .order_by("publish_at", "pk")
            .values_list("pk", flat=True)[:size]
        )
        count += sum(announce(pk) for pk in due)
        if len(due) < size:
            break
    return count


def announce_due_if_time():
    """announce_due(), at most once every STORY_ANNOUNCE_SECONDS across all servers.

    One cache call otherwise; the cache decides which process looks (add() is atomic).
    0 turns the check off (then only save commits and the command announce).
    """
    seconds = settings.STORY_ANNOUNCE_SECONDS
    if seconds <= 0 or not cache.add(CHECK_KEY, True, timeout=seconds):
        return 0
    return announce_due(limit=BATCH_SIZE)


@receiver(publishing_updated, dispatch_uid="articles.publication.updated")
def stories_updated(sender, **kwargs):
    """A queryset update() may have published stories: announce them on commit."""
    transaction.on_commit(announce_due, robust=True)


class AnnounceDueStoriesMiddleware:
    """Notices scheduled stories whose time has come, on requests the page cache
    did not answer (place it after the page-cache middleware): a cached page costs
    nothing, any other request one cache call, and one query per time window."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            announce_due_if_time()
        except Exception:  # a broken receiver or database must not fail the page
            logger.exception("checking for stories due to go live failed")
        return self.get_response(request)


@receiver(post_save, sender=Article, dispatch_uid="articles.publication.saved")
def story_saved(sender, instance, raw=False, **kwargs):
    """A story published now is announced when the save commits."""
    if raw or not instance.is_published:
        return
    # Unknown (deferred) or not announced in this copy: announce() checks the row.
    if instance.__dict__.get("announced_at") is None:
        article_id = instance.pk
        transaction.on_commit(lambda: announce(article_id), robust=True)


@receiver(task_started, dispatch_uid="articles.publication.task_started")
def task_starting(sender, task_result, **kwargs):
    """The task worker notices due stories too (it may serve no pages at all)."""
    try:
        announce_due_if_time()
    except Exception:  # noqa: BLE001 - never stop the task that triggered the look
        logger.exception("checking for stories due to go live failed")
