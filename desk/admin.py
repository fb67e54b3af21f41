"""The desk in the back office: the story admin with presence, edit conflicts,
autosave and Discover checks, and the editorial calendar.

`DeskArticleAdmin` extends the articles app's `ArticleAdmin` and is registered in its
place (the articles app knows nothing of the desk). What it adds goes through three
extension points of its parent: the form class (`DeskArticleForm`), the change form
and change list templates (which extend the articles ones), and extra admin URLs.
"""

from dataclasses import replace
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from articles import services as workflow
from articles.admin import ArticleAdmin
from articles.models import Article
from core.roles import is_editor
from desk import calendar, discover, services
from desk.forms import (
    AutosaveForm,
    CalendarFilterForm,
    DeskArticleForm,
    HeartbeatForm,
    RescheduleForm,
    TakeOverForm,
)
from desk.models import CalendarFeed


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _error(message, status):
    return JsonResponse({"error": str(message)}, status=status)


admin.site.unregister(Article)


@admin.register(Article)
class DeskArticleAdmin(ArticleAdmin):
    form = DeskArticleForm
    change_form_template = "admin/desk/article/change_form.html"
    change_list_template = "admin/desk/article/change_list.html"

    # --- The form -----------------------------------------------------------------
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        planning = (_("Planning"), {"fields": ["target_date"]})
        after = next(
            (
                i
                for i, (_name, options) in enumerate(fieldsets)
                if "status" in options["fields"]
            ),
            len(fieldsets) - 1,
        )
        return [*fieldsets[: after + 1], planning, *fieldsets[after + 1 :]]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        attrs = {"desk_user": request.user, "desk_autosave": None}
        if (
            obj is not None
            and request.method == "GET"
            and "desk_restore" in request.GET
        ):
            saved, restore = services.pending_autosave(obj, request.user)
            if saved is not None:
                attrs |= {
                    "desk_restore": restore.data,
                    "desk_autosave": saved,
                    "desk_restore_version": restore.version,
                }
        return type(form.__name__, (form,), attrs)

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        obj = context.get("original")
        if change and obj is not None and self.has_change_permission(request, obj):
            context["desk_edit"] = self._desk_context(
                request, obj, context["adminform"].form
            )
        return super().render_change_form(request, context, add, change, **kwargs)

    def _desk_context(self, request, article, form):
        """What the change page shows beyond the form: who else has the story open,
        a refused save's comparison, an autosave to restore, Discover checks."""
        session = self._tab(request, article, form)
        pending = restore = None
        if not form.is_bound and form.desk_autosave is None:
            pending, restore = services.pending_autosave(article, request.user)
        story = self._story_in_form(article, form)
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        return {
            "session": session,
            "others": [
                services.describe(other)
                for other in services.others_present(article, session=session)
            ],
            "can_take_over": services.can_take_over(request.user, article),
            "conflict": form.desk_conflict if form.is_bound else None,
            "autosave": pending,
            "autosave_changes": list(restore.changes.values()) if restore else [],
            "autosave_moved_on": pending is not None
            and pending.base_version != article.updated_at,
            "autosave_clashes": restore is not None and restore.clashes_with(article),
            "restored": form.desk_autosave,
            "warnings": discover.warnings(
                headline=story.headline,
                seo_description=story.seo_description,
                hero_image=story.hero_image,
            ),
            "preview": discover.preview(story),
            "restore_url": f"{change_url}?desk_restore=1",
            "config": {
                "tab": str(session.pk),
                "heartbeatUrl": self._desk_url("heartbeat", article),
                "takeOverUrl": self._desk_url("takeover", article),
                "autosaveUrl": self._desk_url("autosave", article),
                "heartbeatSeconds": settings.DESK_HEARTBEAT_SECONDS,
                "autosaveSeconds": settings.DESK_AUTOSAVE_SECONDS,
                "fields": services.AUTOSAVE_FIELDS,
                "resultTitleChars": discover.RESULT_TITLE_CHARS,
                "resultDescriptionChars": discover.RESULT_DESCRIPTION_CHARS,
            },
        }

    def _tab(self, request, article, form):
        """The EditSession of this page: the posted one on a re-rendered form (a new
        one after a refused save), else a new one for a page just opened."""
        session = getattr(form, "desk_new_session", None)
        if session is None and form.is_bound:
            session = services.session_for(
                form.data.get(form.add_prefix("desk_session")),
                article=article,
                user=request.user,
            )
        if session is not None:
            return session
        base = base_version = None
        restored = form.desk_autosave
        if restored is not None and form.desk_restore_version != article.updated_at:
            # The restored text clashes with a later save: saving it shows the
            # comparison with what the tab behind the autosave had opened.
            base_version = form.desk_restore_version
            base = restored.session.base if restored.session else {}
        session = services.open_session(
            article=article, user=request.user, base=base, base_version=base_version
        )
        form.initial["desk_session"] = str(session.pk)
        form.initial["desk_version"] = session.base_version.isoformat()
        return session

    @staticmethod
    def _story_in_form(article, form):
        """The story as the form shows it, for the Discover checks and previews."""
        if form.is_bound and form.desk_conflict:
            # The refused form holds the saved story merged with the editor's text.
            return services.with_values(
                form.desk_conflict.current,
                {name: form.data.get(name, "") for name in services.PREVIEW_FIELDS},
            )
        if form.is_bound:
            return form.instance
        if form.desk_autosave is not None:
            return services.with_values(article, form.desk_restore)
        return article

    @staticmethod
    def _desk_url(name, article):
        return reverse(f"admin:articles_article_desk_{name}", args=[article.pk])

    # --- Saving -------------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # What the editor had unsaved is now the story.
        services.discard_autosave(article=obj, user=request.user)
        found = discover.warnings(
            headline=obj.headline,
            seo_description=obj.seo_description,
            hero_image=obj.hero_image,
        )
        if found:
            self.message_user(
                request,
                _("Saved, but not ready for Google Discover: %(what)s")
                % {"what": " ".join(found)},
                messages.WARNING,
            )

    # --- List actions ---------------------------------------------------------------
    def changelist_view(self, request, extra_context=None):
        listed = {"desk_listed_at": timezone.now().isoformat()}
        return super().changelist_view(request, listed | (extra_context or {}))

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        return {
            name: replace(action, func=self._unless_changed_since_listed(action.func))
            for name, action in actions.items()
        }

    def _unless_changed_since_listed(self, func):
        """Wrap a list action so it skips the stories saved after the list it was
        chosen from was shown: whoever saved them did so after you looked."""

        @wraps(func)
        def action(modeladmin, request, queryset):
            listed = services.parse_version(request.POST.get("desk_listed_at"))
            if listed is not None:
                changed = list(queryset.filter(updated_at__gt=listed))
                if changed:
                    self.message_user(
                        request,
                        format_html(
                            "{} {}",
                            _(
                                "Left as they were, because they were saved after "
                                "you loaded the list (look again):"
                            ),
                            format_html_join(
                                ", ", "“{}”", ((story.headline,) for story in changed)
                            ),
                        ),
                        messages.WARNING,
                    )
                    queryset = queryset.exclude(pk__in=[story.pk for story in changed])
            return func(modeladmin, request, queryset)

        return action

    # --- URLs -----------------------------------------------------------------------
    def get_urls(self):
        desk = self._desk_endpoint
        view = self.admin_site.admin_view
        urls = [
            path(
                "<path:object_id>/desk/heartbeat/",
                desk(self.heartbeat_view),
                name="articles_article_desk_heartbeat",
            ),
            path(
                "<path:object_id>/desk/takeover/",
                desk(self.take_over_view),
                name="articles_article_desk_takeover",
            ),
            path(
                "<path:object_id>/desk/autosave/",
                desk(self.autosave_view),
                name="articles_article_desk_autosave",
            ),
            path(
                "<path:object_id>/desk/autosave/discard/",
                desk(self.discard_autosave_view),
                name="articles_article_desk_discard",
            ),
            path(
                "calendar/",
                view(self.calendar_view),
                name="articles_article_calendar",
            ),
            path(
                "calendar/<int:pk>/reschedule/",
                view(require_POST(self.reschedule_view)),
                name="articles_article_reschedule",
            ),
            path(
                "calendar/link/reset/",
                view(require_POST(self.reset_feed_view)),
                name="articles_article_calendar_reset",
            ),
        ]
        return urls + super().get_urls()

    def _desk_endpoint(self, view):
        """A desk endpoint: staff only, POST only, CSRF-checked, never cached, for a
        story the user may edit. Answers JSON errors rather than login redirects."""

        @wraps(view)
        def endpoint(request, object_id):
            user = request.user
            if not (user.is_active and user.is_staff):
                return _error(_("Sign in to the back office."), 403)
            if request.method != "POST":
                return _error(_("Use POST."), 405)
            article = self.get_object(request, unquote(object_id))
            if article is None:
                return _error(_("No such story."), 404)
            if not self.has_change_permission(request, article):
                return _error(_("You cannot edit this story."), 403)
            return view(request, article)

        return csrf_protect(never_cache(endpoint))

    # --- Presence and autosave endpoints -------------------------------------------
    def heartbeat_view(self, request, article):
        form = HeartbeatForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors}, status=400)
        session = services.session_for(
            form.cleaned_data["tab"], article=article, user=request.user
        )
        if session is None:
            return _error(_("This tab is not open on the story."), 400)
        if form.cleaned_data["leaving"]:
            services.close(session)
        elif not session.taken_over_by_id:
            services.heartbeat(session=session, active=form.cleaned_data["active"])
        return JsonResponse(
            services.state(session=session, article=article, user=request.user)
        )

    def take_over_view(self, request, article):
        form = TakeOverForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors}, status=400)
        session = services.session_for(
            form.cleaned_data["tab"], article=article, user=request.user
        )
        try:
            count = services.take_over(
                article=article, by=request.user, session=session
            )
        except PermissionDenied as error:
            return _error(error, 403)
        if _wants_json(request):
            answer = {"took_over": count}
            if session is not None:
                answer |= services.state(
                    session=session, article=article, user=request.user
                )
            return JsonResponse(answer)
        self.message_user(request, _("You took over this story."), messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:articles_article_change", args=[article.pk])
        )

    def autosave_view(self, request, article):
        form = AutosaveForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors}, status=400)
        session = services.session_for(
            form.cleaned_data["tab"], article=article, user=request.user
        )
        saved = services.autosave(
            article=article,
            user=request.user,
            data=form.fields_data(),
            session=session,
        )
        if form.cleaned_data["leaving"] and session is not None:
            services.close(session)
        return JsonResponse({"saved_at": saved.saved_at.isoformat()})

    def discard_autosave_view(self, request, article):
        services.discard_autosave(article=article, user=request.user)
        self.message_user(request, _("Your autosaved text was discarded."))
        return HttpResponseRedirect(
            reverse("admin:articles_article_change", args=[article.pk])
        )

    # --- Calendar -------------------------------------------------------------------
    def calendar_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = CalendarFilterForm(request.GET)
        chosen = form.filters()
        span = calendar.Span.around(
            chosen["date"] or timezone.localdate(), chosen["view"] or "month"
        )
        found = calendar.entries(
            span.start,
            span.end,
            topic=chosen["topic"],
            show=chosen["show"],
            writer=chosen["writer"],
            what=chosen["what"] or "",
        )
        filters = form.query()
        feed, _created = CalendarFeed.objects.get_or_create(user=request.user)
        feed_url = request.build_absolute_uri(
            reverse("desk:calendar_feed", args=[feed.token])
        )

        def link(**changes):
            return urlencode(filters | {"view": span.view, "date": span.day} | changes)

        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Editorial calendar"),
            "form": form,
            "span": span,
            "view": span.view,
            "day": span.day,
            "month": span.day.replace(day=1),
            "weeks": span.weeks(found),
            "today": timezone.localdate(),
            "before": link(date=span.before),
            "after": link(date=span.after),
            "this_week": link(view="week"),
            "this_month": link(view="month"),
            "query": link(),
            "can_reschedule": is_editor(request.user),
            "feed_url": f"{feed_url}?{urlencode(filters)}" if filters else feed_url,
        }
        return TemplateResponse(request, "admin/desk/calendar.html", context)

    def reschedule_view(self, request, pk):
        article = get_object_or_404(Article, pk=pk)
        if not is_editor(request.user):
            raise PermissionDenied
        form = RescheduleForm(request.POST)
        if not form.is_valid():
            self.message_user(request, _("Give the new date and time."), messages.ERROR)
        else:
            try:
                services.reschedule(
                    article=article,
                    by=request.user,
                    when=form.cleaned_data["when"],
                    version=form.cleaned_data["version"] or None,
                )
            except (workflow.WorkflowError, services.EditConflict) as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("“%(story)s” moved.") % {"story": article.headline},
                    messages.SUCCESS,
                )
        return HttpResponseRedirect(self._calendar_url(request.POST.get("back", "")))

    def reset_feed_view(self, request):
        feed, created = CalendarFeed.objects.get_or_create(user=request.user)
        if not created:
            feed.reset()
        self.message_user(
            request,
            _("Your calendar link was reset: the old link no longer works."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._calendar_url(request.POST.get("back", "")))

    def _calendar_url(self, query):
        """The calendar with the filters the form came from (only known keys)."""
        form = CalendarFilterForm(QueryDict(query[:1000]))
        chosen = {
            key: value
            for key, value in form.data.items()
            if key in form.fields and value
        }
        url = reverse("admin:articles_article_calendar")
        return f"{url}?{urlencode(chosen)}" if chosen else url
