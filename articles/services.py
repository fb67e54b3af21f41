"""Workflow steps on articles: who may move a story where, and what that changes.

The admin's buttons and list actions call these, so the rules hold whichever way a
request arrives. Each step saves through `Article.save()` (history, times, rendering).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from articles.models import Article, Kind, LiveUpdate, Status
from core.roles import is_editor

PREVIEW_PERMISSION = "articles.preview_article"


class WorkflowError(Exception):
    """The step does not apply to the story in its current state."""


def is_own(article, user):
    """A story is a writer's own if they started it or are in its byline."""
    if article.pk is None:
        return True
    if article.created_by_id == user.pk:
        return True
    return article.authors.filter(user=user).exists()


def can_edit(article, user):
    """Editors edit every story; writers only their own drafts."""
    if not user.has_perm("articles.change_article"):
        return False
    if is_editor(user):
        return True
    return article.status == Status.DRAFT and is_own(article, user)


def _require_publisher(user):
    if not is_editor(user):
        raise PermissionDenied("Only editors can publish, schedule or feature stories.")


def article_submit(*, article: Article, by) -> Article:
    """Send a draft to the editors."""
    if article.status != Status.DRAFT:
        raise WorkflowError(f"“{article}” is not a draft.")
    if not can_edit(article, by):
        raise PermissionDenied("You can only submit your own drafts.")
    article.status = Status.REVIEW
    article.save(update_fields=["status"])
    return article


def article_publish(*, article: Article, by, at=None) -> Article:
    """Publish now, or schedule for `at`. A story already scheduled keeps its time."""
    _require_publisher(by)
    now = timezone.now()
    if at is None:
        keep = article.publish_at is not None and article.publish_at > now
        at = article.publish_at if keep else now
    article.status = Status.PUBLISHED
    article.publish_at = at
    article.save(update_fields=["status", "publish_at"])
    return article


def article_unpublish(*, article: Article, by) -> Article:
    """Take a story (live or scheduled) off the site; it goes back to draft."""
    _require_publisher(by)
    if article.status != Status.PUBLISHED:
        raise WorkflowError(f"“{article}” is not published.")
    article.status = Status.DRAFT
    article.is_featured = False
    article.save(update_fields=["status", "is_featured"])
    return article


def article_feature(*, article: Article, by, featured=True) -> Article:
    """Make a story the lead on the home page (or stop)."""
    _require_publisher(by)
    article.is_featured = featured
    article.save(update_fields=["is_featured"])
    return article


def can_post_update(article, user):
    """Editors post to any live blog; writers only to their own (started by them or
    with them in the byline), before and after it goes live."""
    if article.kind != Kind.LIVE or not user.has_perm("articles.add_liveupdate"):
        return False
    return is_editor(user) or is_own(article, user)


def live_blogs_open_to(user):
    """The live blogs `user` may post to (can_post_update() as a queryset)."""
    blogs = Article.objects.filter(kind=Kind.LIVE)
    if not user.has_perm("articles.add_liveupdate"):
        return blogs.none()
    if is_editor(user):
        return blogs
    mine = Q(created_by=user) | Q(pk__in=Article.objects.filter(authors__user=user))
    return blogs.filter(mine)


def can_edit_update(update, user):
    """Editors change every update; writers the ones they posted or wrote. Reads
    prefetched writers when there are some."""
    if not user.has_perm("articles.change_liveupdate"):
        return False
    if is_editor(user) or update.created_by_id == user.pk:
        return True
    return any(writer.user_id == user.pk for writer in update.writers.all())


def credit_poster(update, by):
    """An update nobody signed carries the name of the writer who posted it."""
    author = getattr(by, "author", None)
    if author is not None and not update.writers.exists():
        update.writers.add(author)


def live_update_post(*, article: Article, by, writers=(), **fields) -> LiveUpdate:
    """Post an update to a live blog, in the poster's name unless others are given."""
    if article.kind != Kind.LIVE:
        raise WorkflowError(f"“{article}” is not a live blog.")
    if not can_post_update(article, by):
        raise PermissionDenied("You can only post to your own live blogs.")
    update = LiveUpdate.objects.create(article=article, created_by=by, **fields)
    update.writers.set(writers)
    credit_poster(update, by)
    return update
