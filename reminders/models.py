from urllib.parse import urlsplit

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Topic
from shows.models import Show


class SubscriptionQuerySet(models.QuerySet):
    def following(self, article):
        """Subscriptions that follow one of the story's shows or topics."""
        shows = article.shows.values("pk")
        topics = article.topics.values("pk")
        return self.filter(Q(shows__in=shows) | Q(topics__in=topics)).distinct()


class Subscription(models.Model):
    """One browser's push subscription and what it follows; no account, no cookie.

    The endpoint is the push service's address for this browser and the keys encrypt
    what we send it: together they are a credential, so the admin shows only the
    endpoint's host.
    """

    endpoint = models.CharField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("browser public key"), max_length=100)
    auth = models.CharField(_("browser auth secret"), max_length=50)
    shows = models.ManyToManyField(
        "shows.Show", blank=True, related_name="reminder_subscriptions"
    )
    topics = models.ManyToManyField(
        "articles.Topic", blank=True, related_name="reminder_subscriptions"
    )
    created_at = models.DateTimeField(_("subscribed"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscription")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.host} #{self.pk}"

    @property
    def host(self):
        return urlsplit(self.endpoint).hostname or "?"

    def info(self):
        """What pywebpush calls subscription_info."""
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }


class Notification(models.Model):
    """One story pushed (or due to be) to one subscription: never two for a pair."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        GONE = "gone", _("Browser unsubscribed (removed)")
        THROTTLED = "throttled", _("Skipped: too many this hour")
        WITHDRAWN = "withdrawn", _("Skipped: story taken down")

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("story"),
    )
    # Kept (without the subscription) when the browser unsubscribes, for the counts.
    subscription = models.ForeignKey(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "subscription"], name="one_reminder_per_story"
            )
        ]
        indexes = [
            models.Index(fields=["subscription", "sent_at"], name="reminder_recent_idx")
        ]

    def __str__(self):
        return f"{self.article_id} → {self.subscription_id}: {self.status}"


# For the admin: shows, topics and stories seen from the reminders' side.
class FollowedShow(Show):
    class Meta:
        proxy = True
        verbose_name = _("followed show")


class FollowedTopic(Topic):
    class Meta:
        proxy = True
        verbose_name = _("followed topic")


class NotifiedStory(Article):
    class Meta:
        proxy = True
        verbose_name = _("notified story")
        verbose_name_plural = _("notified stories")
