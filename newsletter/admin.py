import csv

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.tasks import TaskResultStatus
from django.tasks.backends.immediate import ImmediateBackend
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles.models import Article
from core.relations import RelationKeysAdminMixin
from newsletter import sending
from newsletter.mail import Digest, preview_unsubscribe_url
from newsletter.models import Issue, IssueStory, Subscriber
from newsletter.tasks import send_issue, send_subscriber_mail


class ConfirmationMailFilter(admin.SimpleListFilter):
    title = _("confirmation mail")
    parameter_name = "confirmation"

    def lookups(self, request, model_admin):
        return [
            ("failed", _("Failed")),
            ("unsent", _("Not sent")),
            ("sent", _("Sent")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "failed":
                return queryset.exclude(mail_error="")
            case "unsent":
                return queryset.filter(confirmation_sent_at=None)
            case "sent":
                return queryset.exclude(confirmation_sent_at=None)
        return queryset


class _Echo:
    def write(self, value):
        return value


CSV_FIELDS = [
    "email",
    "status",
    "source",
    "created_at",
    "consent_at",
    "consent_text",
    "confirmed_at",
    "unsubscribed_at",
]


def _csv_cell(value):
    """Neutralise spreadsheet formulas: an address may legally start with '='."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@admin.register(Subscriber)
class SubscriberAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    list_display = ["email", "status", "source", "created_at", "confirmed_at", "mail"]
    list_filter = ["status", "source", ConfirmationMailFilter, "created_at"]
    search_fields = ["email"]
    search_help_text = _("Search by e-mail address (or part of it).")
    date_hierarchy = "created_at"
    actions = ["export_csv", "send_confirmation_again", "unsubscribe"]
    readonly_fields = [
        "source",
        "consent_text",
        "consent_at",
        "confirmed_at",
        "unsubscribed_at",
        "confirmation_sent_at",
        "mail_error",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["email", "status", "source"]}),
        (_("Consent"), {"fields": ["consent_text", "consent_at"]}),
        (
            _("History"),
            {
                "classes": ["collapse"],
                "fields": [
                    "created_at",
                    "confirmation_sent_at",
                    "mail_error",
                    "confirmed_at",
                    "unsubscribed_at",
                    "updated_at",
                ],
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.source = Subscriber.Source.ADMIN
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "signups_per_day": list(Subscriber.objects.signups_per_day()),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("confirmation mail"))
    def mail(self, obj):
        if obj.mail_error:
            return _("failed")
        return _("sent") if obj.confirmation_sent_at else "–"

    @admin.action(description=_("Export selected subscribers as CSV"))
    def export_csv(self, request, queryset):
        writer = csv.writer(_Echo())
        rows = queryset.order_by("pk").values_list(*CSV_FIELDS)

        def lines():
            yield writer.writerow(CSV_FIELDS)
            for row in rows.iterator(chunk_size=2000):
                yield writer.writerow([_csv_cell(value) for value in row])

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(lines(), content_type="text/csv")
        response["Content-Disposition"] = (
            f'attachment; filename="subscribers-{stamp}.csv"'
        )
        return response

    @admin.action(description=_("Send the confirmation mail again"))
    def send_confirmation_again(self, request, queryset):
        pending = list(queryset.filter(status=Subscriber.Status.PENDING))
        failed = 0
        for subscriber in pending:
            result = send_subscriber_mail.enqueue(subscriber.pk, "confirm")
            failed += result.status == TaskResultStatus.FAILED
        skipped = queryset.count() - len(pending)
        self.message_user(
            request,
            ngettext(
                "%(n)d confirmation mail queued or sent.",
                "%(n)d confirmation mails queued or sent.",
                len(pending) - failed,
            )
            % {"n": len(pending) - failed},
        )
        if failed:
            self.message_user(
                request,
                ngettext(
                    "%(n)d mail failed: see its last mail error.",
                    "%(n)d mails failed: see their last mail error.",
                    failed,
                )
                % {"n": failed},
                messages.ERROR,
            )
        if skipped:
            self.message_user(
                request,
                _("%(n)d skipped: only pending subscribers are asked to confirm.")
                % {"n": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Unsubscribe selected subscribers"))
    def unsubscribe(self, request, queryset):
        count = queryset.exclude(status=Subscriber.Status.UNSUBSCRIBED).update(
            status=Subscriber.Status.UNSUBSCRIBED,
            unsubscribed_at=timezone.now(),
            updated_at=timezone.now(),
        )
        self.message_user(request, _("%(n)d unsubscribed.") % {"n": count})


class IssueStoryInline(RelationKeysAdminMixin, admin.TabularInline):
    model = IssueStory
    autocomplete_fields = ["article"]
    fields = ["position", "article"]
    extra = 0
    verbose_name_plural = _("stories (in order; lowest position first)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            kwargs["queryset"] = Article.objects.published()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or obj.is_editable
        )

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Issue)
class IssueAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    list_display = [
        "subject",
        "status",
        "created_at",
        "sent_at",
        "delivered",
        "failed",
        "unknown",
    ]
    list_filter = ["status"]
    search_fields = ["subject"]
    inlines = [IssueStoryInline]
    fields = ["subject", "intro"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_delivery_counts()

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj and not obj.is_editable else []

    @admin.display(description=_("delivered"), ordering="sent_count")
    def delivered(self, obj):
        return obj.sent_count

    @admin.display(description=_("failed"), ordering="failed_count")
    def failed(self, obj):
        return obj.failed_count

    @admin.display(description=_("outcome unknown"), ordering="claimed_count")
    def unknown(self, obj):
        return obj.claimed_count

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        issue = form.instance
        if not change and not issue.issuestory_set.exists():
            added = issue.add_new_articles()
            self.message_user(
                request,
                ngettext(
                    "No stories were picked, so the %(n)d story published since "
                    "the last issue was added.",
                    "No stories were picked, so the %(n)d stories published since "
                    "the last issue were added.",
                    added,
                )
                % {"n": added},
            )

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_send"] = request.user.has_perm("newsletter.send_issue")
        context["left_out"] = list(obj.left_out()) if obj else []
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview), name="newsletter_preview"),
            path(
                "<int:pk>/send-test/", view(self.send_test), name="newsletter_send_test"
            ),
            path("<int:pk>/send/", view(self.send), name="newsletter_send"),
            *super().get_urls(),
        ]

    def _issue(self, request, pk):
        issue = get_object_or_404(Issue, pk=pk)
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
        return issue

    def _back(self, issue):
        return HttpResponseRedirect(
            reverse("admin:newsletter_issue_change", args=[issue.pk])
        )

    def preview(self, request, pk):
        """The digest as a mail client shows it (?format=text for the plain part)."""
        issue = self._issue(request, pk)
        message = Digest(issue).message(
            request.user.email or "reader@example.com", preview_unsubscribe_url()
        )
        if request.GET.get("format") == "text":
            return HttpResponse(message.body, content_type="text/plain; charset=utf-8")
        html = message.alternatives[0].content
        return HttpResponse(html)

    def send_test(self, request, pk):
        issue = self._issue(request, pk)
        if request.method != "POST":
            return self._back(issue)
        if not request.user.email:
            self.message_user(
                request,
                _("Add an e-mail address to your account to receive test sends."),
                messages.ERROR,
            )
            return self._back(issue)
        Digest(issue).message(request.user.email, preview_unsubscribe_url()).send()
        Issue.objects.filter(pk=issue.pk).update(test_sent_at=timezone.now())
        self.message_user(
            request, _("Test sent to %(email)s.") % {"email": request.user.email}
        )
        return self._back(issue)

    def send(self, request, pk):
        """GET: how many readers it will reach; POST: start (or resume) the send."""
        issue = self._issue(request, pk)
        if not request.user.has_perm("newsletter.send_issue"):
            raise PermissionDenied
        if request.method == "POST":
            if issue.status == Issue.Status.SENT:
                self.message_user(request, _("This issue was sent already."))
                return self._back(issue)
            if not issue.articles_for_mail().exists():
                self.message_user(
                    request, _("Add at least one live story first."), messages.ERROR
                )
                return self._back(issue)
            sending.start_sending(issue)
            result = send_issue.enqueue(issue.pk)
            if result.is_finished:
                succeeded = result.status == TaskResultStatus.SUCCESSFUL
                report = result.return_value if succeeded else None
                if report:
                    self.message_user(
                        request,
                        _("Sent to %(sent)d readers (%(failed)d failed).") % report,
                    )
                else:
                    self.message_user(
                        request,
                        _("Sending stopped with an error; send again to resume."),
                        messages.ERROR,
                    )
            else:
                self.message_user(
                    request,
                    _("Sending has started in the background; refresh for progress."),
                )
            return self._back(issue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "issue": issue,
            "title": _("Send “%(subject)s”") % {"subject": issue.subject},
            "recipients": issue.pending_recipients().count(),
            "left_out": list(issue.left_out()),
            "immediate": isinstance(send_issue.get_backend(), ImmediateBackend),
        }
        return TemplateResponse(request, "admin/newsletter/issue/send.html", context)
