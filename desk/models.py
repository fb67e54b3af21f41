"""The desk's own records: who has a story open, private autosaves, calendar links.

None of these is ever shown to readers, and none goes into a story's history.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EditSessionQuerySet(models.QuerySet):
    def present(self):
        """Tabs that sent a heartbeat lately and were not taken over."""
        since = timezone.now() - settings.DESK_PRESENCE_TIMEOUT
        return self.filter(seen_at__gte=since, taken_over_by__isnull=True)


class EditSession(models.Model):
    """One story change page open in one browser tab.

    Made when the page is opened; the page's heartbeat keeps `seen_at` fresh and
    `active_at` at the editor's last keystroke or click. `base` holds the story's
    fields as the tab first showed them, so a refused save can show what the other
    person changed since.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    active_at = models.DateTimeField(default=timezone.now)
    base_version = models.DateTimeField()
    base = models.JSONField(default=dict)
    taken_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    taken_over_at = models.DateTimeField(null=True, blank=True)

    objects = EditSessionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["article", "seen_at"], name="desk_presence")]

    def __str__(self):
        return f"{self.user} on {self.article_id} since {self.opened_at:%H:%M}"


class Autosave(models.Model):
    """A private copy of one editor's unsaved fields of one story.

    Kept apart from the story: it never publishes, never changes what readers see
    and adds nothing to the story's history. A successful save of the story by the
    same editor deletes it.
    """

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(default=dict)
    base_version = models.DateTimeField()
    session = models.ForeignKey(
        EditSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], name="desk_one_autosave_per_editor"
            )
        ]

    def __str__(self):
        return f"{self.user}'s autosave of {self.article_id}"


def new_feed_token():
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A staff member's private iCalendar link; resetting it kills the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return _("Calendar link of %(user)s") % {"user": self.user}

    def reset(self):
        self.token = new_feed_token()
        self.created_at = timezone.now()
        self.save(update_fields=["token", "created_at"])
