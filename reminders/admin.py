"""The desk's view of story reminders: who follows what, and what was sent.

Subscriptions come only from browsers: the admin shows each one's push service host
and follows, never the endpoint or the keys (together they would let anyone push to
that browser), and lets staff remove one but not add or edit it.
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from core.relations import RelationKeysAdminMixin
from reminders.models import (
    FollowedShow,
    FollowedTopic,
    Notification,
    NotifiedStory,
    Subscription,
)

Status = Notification.Status


class ReadOnlyAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "host", "following", "sent", "created_at"]
    list_filter = ["created_at"]
    fields = ["host", "following", "sent", "created_at", "updated_at"]
    readonly_fields = fields
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("shows", "topics")
            .annotate(
                sent_count=Count(
                    "notifications", filter=Q(notifications__status=Status.SENT)
                )
            )
        )

    @admin.display(description=_("push service"))
    def host(self, obj):
        return obj.host

    @admin.display(description=_("follows"))
    def following(self, obj):
        names = [show.title for show in obj.shows.all()]
        names += [topic.name for topic in obj.topics.all()]
        return ", ".join(names) or "—"

    @admin.display(description=_("reminders sent"), ordering="sent_count")
    def sent(self, obj):
        return obj.sent_count


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["article", "push_service", "status", "attempts", "error", "sent_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["article", "subscription"]
    search_fields = ["article__headline"]
    fields = [
        "article",
        "push_service",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("push service"))
    def push_service(self, obj):
        return obj.subscription.host if obj.subscription else "—"


class FollowersAdmin(ReadOnlyAdmin):
    """Shows or topics with their number of followers, most followed first."""

    list_display = ["__str__", "followers"]
    search_fields = ["slug"]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(follower_count=Count("reminder_subscriptions"))
            .filter(follower_count__gt=0)
            .order_by("-follower_count", "pk")
        )

    @admin.display(description=_("followers"), ordering="follower_count")
    def followers(self, obj):
        return obj.follower_count


@admin.register(FollowedShow)
class FollowedShowAdmin(FollowersAdmin):
    search_fields = ["title"]


@admin.register(FollowedTopic)
class FollowedTopicAdmin(FollowersAdmin):
    search_fields = ["name"]


def _count(status):
    return Count("reminders", filter=Q(reminders__status=status))


@admin.register(NotifiedStory)
class NotifiedStoryAdmin(ReadOnlyAdmin):
    """Each story that sent reminders: how many went, failed or found no one."""

    list_display = ["headline", "announced_at", "sent", "failed", "gone", "skipped"]
    search_fields = ["headline"]
    date_hierarchy = "announced_at"

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            Article.objects.filter(reminders__isnull=False)
            .only("headline", "slug", "announced_at")
            .annotate(
                sent_count=_count(Status.SENT),
                failed_count=_count(Status.FAILED),
                gone_count=_count(Status.GONE),
                skipped_count=Count(
                    "reminders",
                    filter=Q(
                        reminders__status__in=[Status.THROTTLED, Status.WITHDRAWN]
                    ),
                ),
            )
            .order_by("-announced_at", "-pk")
        )

    def _link(self, obj, count, status):
        if not count:
            return 0
        query = urlencode({"article__id__exact": obj.pk, "status": status})
        url = reverse("admin:reminders_notification_changelist")
        return format_html('<a href="{}?{}">{}</a>', url, query, count)

    @admin.display(description=_("sent"), ordering="sent_count")
    def sent(self, obj):
        return self._link(obj, obj.sent_count, Status.SENT)

    @admin.display(description=_("failed"), ordering="failed_count")
    def failed(self, obj):
        return self._link(obj, obj.failed_count, Status.FAILED)

    @admin.display(description=_("browser gone"), ordering="gone_count")
    def gone(self, obj):
        return self._link(obj, obj.gone_count, Status.GONE)

    @admin.display(description=_("skipped"), ordering="skipped_count")
    def skipped(self, obj):
        return obj.skipped_count
