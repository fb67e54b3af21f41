from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from reversion import add_to_revision, is_active, set_comment
from reversion import register as reversion_register

from articles import previews, services
from articles.body import validate_size
from articles.models import (
    Article,
    Byline,
    Correction,
    GallerySlide,
    Kind,
    LiveUpdate,
    Status,
    TaggedTopic,
    Topic,
)
from core.history import HistoryAdmin
from core.links import absolute
from core.publishing import scheduled
from core.relations import (
    AutocompleteSelectMultiple,
    ModelMultipleChoiceField,
    RelationKeysAdminMixin,
)
from core.roles import is_editor
from images.models import Image
from shows.models import Show

# Restoring a story brings back its byline and topics too.
reversion_register(Byline)
reversion_register(TaggedTopic)
# The preview secret stays out of history: restoring an old version must not bring
# back revoked preview links.
reversion_register(
    Article, follow=["byline_set", "taggedtopic_set"], exclude=["preview_secret"]
)


class WorkflowFilter(admin.SimpleListFilter):
    title = _("workflow")
    parameter_name = "workflow"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Drafts")),
            ("review", _("Awaiting review")),
            ("scheduled", _("Scheduled")),
            ("live", _("Live")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "draft":
                return queryset.filter(status=Status.DRAFT)
            case "review":
                return queryset.awaiting_review()
            case "scheduled":
                return queryset.scheduled()
            case "live":
                return queryset.published()
        return queryset


class BylineInline(RelationKeysAdminMixin, admin.TabularInline):
    model = Byline
    autocomplete_fields = ["author"]
    fields = ["author", "position"]
    extra = 0
    min_num = 0
    verbose_name = _("author")
    verbose_name_plural = _("byline (in order; lowest position first)")


class PictureAutocomplete(AutocompleteSelectMultiple):
    """Django's autocomplete widget looks the posted values up to show them again,
    and a value that is not an id makes that query raise: leave such values out
    (the form field has already refused them)."""

    def optgroups(self, name, value, attr=None):
        ids = [v for v in value if str(v).isdigit()]
        return super().optgroups(name, ids, attr)


class GallerySlideInline(RelationKeysAdminMixin, admin.TabularInline):
    """A gallery's slides: reorder, recaption or delete them here (the move buttons
    and dragging of static/articles/sortable-inline.js renumber the positions); add
    pictures with the story form's "Add pictures" field, many at once. Each row shows
    its picture read-only, so the list costs one query however long it is."""

    model = GallerySlide
    fields = ["thumbnail", "caption", "position"]
    readonly_fields = ["thumbnail"]
    extra = 0
    classes = ["sortable-inline"]
    verbose_name = _("slide")
    verbose_name_plural = _("gallery slides (in order; lowest position first)")

    class Media:
        js = ["articles/sortable-inline.js"]
        css = {"all": ["articles/sortable-inline.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("image")

    def has_add_permission(self, request, obj=None):
        return False  # through "Add pictures", which can add many at once

    @admin.display(description=_("picture"))
    def thumbnail(self, slide):
        image = slide.image
        return format_html(
            '<img src="{}" alt="" width="80" height="45"> {}',
            image.rendition_url(160, shape="16:9"),
            image.caption or image.alt_text,
        )


class CorrectionInline(RelationKeysAdminMixin, admin.StackedInline):
    """Editors add corrections (the Writer role may only view them)."""

    model = Correction
    fields = ["kind", "text", "published_at"]
    extra = 0
    verbose_name_plural = _("corrections and clarifications (shown to readers)")


class ArticleAdminForm(forms.ModelForm):
    """The story form, plus, for galleries, pictures to add as slides."""

    gallery_pictures = forms.ModelMultipleChoiceField(
        queryset=Image.objects.all(),
        required=False,
        label=_("Add pictures"),
        help_text=_(
            "Pick any number from the picture library: they are added after the "
            "gallery's last slide, in the order picked."
        ),
    )

    class Meta:
        model = Article
        fields = [
            "headline",
            "slug",
            "kind",
            "standfirst",
            "subject_show",
            "subject_season",
            "subject_episode",
            "rating",
            "verdict",
            "safe_headline",
            "safe_standfirst",
            "spoilers_lift_at",
            "body",
            "hero_image",
            "hero_caption",
            "topics",
            "shows",
            "people",
            "status",
            "publish_at",
            "is_featured",
            "coverage_start_at",
            "coverage_end_at",
            "update_note",
            "seo_title",
            "seo_description",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            # A form sent without it (a script, an old tab) keeps the story's kind.
            self.fields["kind"].required = False

    def clean_kind(self):
        return self.cleaned_data["kind"] or self.instance.kind or Kind.NEWS

    def clean(self):
        """Coverage ends after it starts. A review or recap is listed on its show's
        pages: the show it is about joins the story's shows."""
        cleaned = super().clean()
        start, end = cleaned.get("coverage_start_at"), cleaned.get("coverage_end_at")
        if start and end and end < start:
            self.add_error(
                "coverage_end_at", _("Coverage cannot end before it starts.")
            )
        subject_show = next(
            (
                show
                for show in (
                    getattr(cleaned.get("subject_episode"), "season", None),
                    cleaned.get("subject_season"),
                    cleaned.get("subject_show"),
                )
                if show is not None
            ),
            None,
        )
        if subject_show is not None and not isinstance(subject_show, Show):
            subject_show = subject_show.show
        if subject_show is not None and "shows" in cleaned:
            chosen = [show.pk for show in cleaned["shows"]]
            cleaned["shows"] = Show.objects.filter(pk__in=[*chosen, subject_show.pk])
        return cleaned

    def clean_body(self):
        body = self.cleaned_data.get("body")
        validate_size(body)
        return body

    def clean_gallery_pictures(self):
        """The chosen pictures in the order they were picked, not the library's."""
        chosen = {
            str(image.pk): image for image in self.cleaned_data["gallery_pictures"]
        }
        name = "gallery_pictures"
        picked = self.fields[name].widget.value_from_datadict(
            self.data, self.files, self.add_prefix(name)
        )
        # A form posted without the field at all (no picker on the page) picks none.
        picked = picked or []
        return [chosen[pk] for pk in dict.fromkeys(map(str, picked)) if pk in chosen]


@admin.register(Article)
class ArticleAdmin(RelationKeysAdminMixin, HistoryAdmin):
    form = ArticleAdminForm
    change_list_template = "admin/articles/article/change_list.html"
    change_form_template = "admin/articles/article/change_form.html"
    list_display = [
        "thumbnail",
        "headline",
        "kind",
        "workflow_state",
        "byline",
        "publish_at",
        "is_featured",
    ]
    list_display_links = ["headline"]
    list_filter = [WorkflowFilter, "kind", "authors", "topics", "is_featured"]
    list_select_related = ["hero_image"]
    list_per_page = 50
    search_fields = ["headline", "standfirst", "authors__name"]
    search_help_text = _("Search headline, standfirst or author name.")
    date_hierarchy = "publish_at"
    autocomplete_fields = [
        "hero_image",
        "shows",
        "people",
        "subject_show",
        "subject_season",
        "subject_episode",
    ]
    prepopulated_fields = {"slug": ["headline"]}

    class Media:
        css = {"all": ["css/admin-editor.css"]}

    actions = [
        "submit_for_review",
        "publish",
        "unpublish",
        "feature",
        "unfeature",
        "revoke_preview_links",
    ]
    compare_fields = [
        "headline",
        "slug",
        "standfirst",
        "kind",
        "rating",
        "verdict",
        "safe_headline",
        "safe_standfirst",
        "spoilers_lift_at",
        "body",
        "hero_image",
        "hero_caption",
        "status",
        "publish_at",
        "is_featured",
        "update_note",
        "seo_title",
        "seo_description",
    ]
    # Only editors set these; writers see them read-only.
    publishing_fields = ["status", "publish_at", "is_featured"]
    record_fields = [
        "word_count",
        "reading_time",
        "first_published_at",
        "announced_at",
        "revised_at",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def get_fieldsets(self, request, obj=None):
        publishing = [*self.publishing_fields, "update_note"]
        if obj is not None and request.user.has_perm(services.PREVIEW_PERMISSION):
            publishing.append("preview_link")
        fieldsets = [
            (None, {"fields": ["headline", "slug", "kind", "standfirst", "body"]}),
            (
                _("Review or recap"),
                {
                    "classes": ["collapse"],
                    "description": _(
                        "A review names one thing (a show or film, a season or an "
                        "episode) and gives stars and a verdict; a recap names its "
                        "episode. Mark spoiler paragraphs in the body with the "
                        "“Spoiler” style: readers see them folded away."
                    ),
                    "fields": [
                        "subject_show",
                        "subject_season",
                        "subject_episode",
                        "rating",
                        "verdict",
                    ],
                },
            ),
            (
                _("Spoilers"),
                {
                    "classes": ["collapse"],
                    "fields": [
                        "safe_headline",
                        "safe_standfirst",
                        "spoilers_lift_at",
                        "spoilers_until",
                    ],
                },
            ),
            (_("Hero picture"), {"fields": ["hero_image", "hero_caption"]}),
            (_("Topics, shows and people"), {"fields": ["topics", "shows", "people"]}),
            (_("Publishing"), {"fields": publishing}),
            (
                _("Search and sharing"),
                {"classes": ["collapse"], "fields": ["seo_title", "seo_description"]},
            ),
            (_("Record"), {"classes": ["collapse"], "fields": self.record_fields}),
        ]
        if obj is None or obj.is_live_blog:
            fieldsets.insert(
                1,
                (
                    _("Live coverage"),
                    {
                        "fields": ["coverage_start_at", "coverage_end_at"],
                        "description": _(
                            "For live blogs: post updates from the form at the top "
                            "of this page once the story is saved."
                        ),
                    },
                ),
            )
        # The read-only view cannot show a form-only field such as the picker.
        editable = self.has_change_permission(request, obj)
        if editable and obj is not None and obj.is_gallery:
            fieldsets.insert(
                1,
                (
                    _("Gallery"),
                    {
                        "fields": ["gallery_pictures"],
                        "description": _(
                            "The slides are listed below the story's other "
                            "sections, in the order readers see them."
                        ),
                    },
                ),
            )
        return fieldsets

    def get_inlines(self, request, obj):
        if obj is None:
            return [BylineInline]
        return [
            BylineInline,
            *([GallerySlideInline] if obj.is_gallery else []),
            CorrectionInline,
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = [*self.record_fields, "spoilers_until", "preview_link"]
        if not is_editor(request.user):
            fields += self.publishing_fields
        return fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("authors")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "topics":
            return self._topics_field(db_field, request)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "gallery_pictures" in form.base_fields:
            field = form.base_fields["gallery_pictures"]
            field.widget = PictureAutocomplete(
                GallerySlide._meta.get_field("image"), self.admin_site
            )
        return form

    def _topics_field(self, db_field, request):
        """Topics are taggit tags; pick them with the admin's autocomplete."""
        widget = AutocompleteSelectMultiple(db_field, self.admin_site)
        topic_admin = self.admin_site.get_model_admin(Topic)
        widget = RelatedFieldWidgetWrapper(
            widget,
            db_field.remote_field,
            self.admin_site,
            can_add_related=topic_admin.has_add_permission(request),
            can_change_related=False,
            can_delete_related=False,
            can_view_related=False,
        )
        return ModelMultipleChoiceField(
            queryset=Topic.objects.all(),
            required=False,
            widget=widget,
            label=_("Topics"),
            help_text=_("Readers find the story on these topic pages."),
        )

    # --- Who may do what ----------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or services.can_edit(obj, request.user)

    def can_restore(self, request):
        # A restore writes status and publish time back, so it is an editor's call.
        return is_editor(request.user)

    def has_publish_permission(self, request):
        return is_editor(request.user)

    def has_preview_permission(self, request):
        return request.user.has_perm(services.PREVIEW_PERMISSION)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/revoke-preview-links/",
                self.admin_site.admin_view(self.revoke_preview_view),
                name="articles_article_revoke_preview",
            ),
            *super().get_urls(),
        ]

    def revoke_preview_view(self, request, object_id):
        """POST: every preview link of the story made so far stops working."""
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        if request.method != "POST" or not self.has_preview_permission(request):
            raise PermissionDenied
        previews.revoke(article)
        self.message_user(
            request,
            _("Preview links of “%(headline)s” revoked; a new one is below.")
            % {"headline": article.headline},
            messages.SUCCESS,
        )
        return redirect("admin:articles_article_change", article.pk)

    # --- Saving -------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if "_submit_for_review" in request.POST and obj.status == Status.DRAFT:
            obj.status = Status.REVIEW
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._note_submission(request, entry)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._note_submission(request, entry)
        return entry

    def _note_submission(self, request, entry):
        """Say in the history when a save also sent the story for review."""
        if "_submit_for_review" in request.POST and is_active():
            set_comment(f"{entry.get_change_message()} {_('Submitted for review.')}")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        author = getattr(request.user, "author", None)
        if author is not None and not article.byline_set.exists():
            # A writer's new story carries their name unless they chose others.
            Byline.objects.create(article=article, author=author)
        self._add_slides(article, form.cleaned_data.get("gallery_pictures") or [])
        if is_active():
            # Again, now that the byline and topics are saved: taggit adds its rows
            # without signals, so the version taken at save time has no topics.
            add_to_revision(article)

    def _add_slides(self, article, pictures):
        """The pictures picked in "Add pictures", after the last slide."""
        shown = set(article.slides.values_list("image_id", flat=True))
        last = article.slides.aggregate(last=Max("position"))["last"] or 0
        new = [picture for picture in pictures if picture.pk not in shown]
        GallerySlide.objects.bulk_create(
            GallerySlide(article=article, image=picture, position=last + n)
            for n, picture in enumerate(new, start=1)
        )

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        obj = context.get("original")
        context["can_revoke_preview"] = self.has_preview_permission(request)
        context["can_submit_for_review"] = (
            obj is None or obj.status == Status.DRAFT
        ) and self.has_change_permission(request, obj)
        if obj is not None and obj.is_live_blog:
            self._live_blog_context(request, obj, context)
        return super().render_change_form(request, context, add, change, **kwargs)

    live_updates_shown = 20

    def _live_blog_context(self, request, article, context):
        """The "post an update" form (for those who may post) and the updates."""
        update_admin = self.admin_site.get_model_admin(LiveUpdate)
        if services.can_post_update(article, request.user):
            form_class = update_admin.get_form(
                request, fields=LiveUpdateAdmin.quick_fields
            )
            # Own ids: the story's form on the same page has a body field too.
            form = form_class(auto_id="id_update_%s")
            context["live_update_form"] = form
            context["media"] += form.media
        updates = list(article.live_updates.for_page()[: self.live_updates_shown + 1])
        context["live_updates"] = [
            (update, services.can_edit_update(update, request.user))
            for update in updates[: self.live_updates_shown]
        ]
        context["more_live_updates"] = len(updates) > self.live_updates_shown

    def changelist_view(self, request, extra_context=None):
        counts = Article.objects.aggregate(
            review=Count("pk", filter=Q(status=Status.REVIEW)),
            scheduled=Count("pk", filter=scheduled()),
        )
        return super().changelist_view(
            request, {"desk": counts} | (extra_context or {})
        )

    # --- List columns --------------------------------------------------------------

    @admin.display(description=_("picture"))
    def thumbnail(self, obj):
        if obj.hero_image is None:
            return "—"
        return format_html(
            '<img src="{}" alt="" width="80" height="45">',
            obj.hero_image.rendition_url(160, shape="16:9"),
        )

    @admin.display(description=_("status"), ordering="status")
    def workflow_state(self, obj):
        if obj.is_scheduled:
            return format_html("<strong>{}</strong>", _("Scheduled"))
        return obj.get_status_display()

    @admin.display(description=_("by"))
    def byline(self, obj):
        return ", ".join(author.name for author in obj.authors.all())

    @admin.display(description=_("preview link"))
    def preview_link(self, obj):
        # obj.slug is empty while a form that cleared it is shown with its errors.
        if obj is None or obj.pk is None or not obj.slug:
            return "—"
        if obj.is_published:
            return format_html('<a href="{0}">{0}</a>', obj.get_absolute_url())
        url = absolute(previews.preview_url(obj))
        hours = int(previews.max_age().total_seconds() // 3600)
        return format_html(
            '<input type="text" readonly value="{}" size="60" aria-label="{}"> '
            "<p class=help>{}</p>"
            '<button type="submit" form="revoke-preview-links" class="button">'
            "{}</button> <span class=help>{}</span>",
            url,
            _("Preview link"),
            _(
                "Anyone with this link can read this version of the story for the "
                "next {} hours, without an account."
            ).format(hours),
            _("Revoke preview links"),
            _("Every link shared so far stops working at once."),
        )

    # --- Actions ------------------------------------------------------------------

    def _apply(self, request, queryset, step, done, **kwargs):
        changed, skipped = 0, []
        for article in queryset:
            try:
                step(article=article, by=request.user, **kwargs)
            except (services.WorkflowError, PermissionDenied):
                skipped.append(article)
            else:
                changed += 1
        if changed:
            set_comment(done)
            self.message_user(
                request,
                ngettext("%(n)d story: %(done)s", "%(n)d stories: %(done)s", changed)
                % {"n": changed, "done": done},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                format_html(
                    "{} {}",
                    _("Left as they were:"),
                    format_html_join(", ", "“{}”", ((a.headline,) for a in skipped)),
                ),
                messages.WARNING,
            )

    @admin.action(description=_("Submit for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._apply(
            request, queryset, services.article_submit, _("submitted for review")
        )

    @admin.action(description=_("Publish (or schedule)"), permissions=["publish"])
    def publish(self, request, queryset):
        self._apply(request, queryset, services.article_publish, _("published"))

    @admin.action(description=_("Unpublish"), permissions=["publish"])
    def unpublish(self, request, queryset):
        self._apply(request, queryset, services.article_unpublish, _("unpublished"))

    @admin.action(description=_("Make lead story"), permissions=["publish"])
    def feature(self, request, queryset):
        self._apply(request, queryset, services.article_feature, _("featured"))

    @admin.action(description=_("Revoke preview links"), permissions=["preview"])
    def revoke_preview_links(self, request, queryset):
        for article in queryset:
            previews.revoke(article)
        self.message_user(
            request,
            ngettext(
                "Preview links of %(n)d story revoked.",
                "Preview links of %(n)d stories revoked.",
                len(queryset),
            )
            % {"n": len(queryset)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Stop leading"), permissions=["publish"])
    def unfeature(self, request, queryset):
        self._apply(
            request,
            queryset,
            services.article_feature,
            _("no longer featured"),
            featured=False,
        )


@admin.register(Topic)
class TopicAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "in_navigation", "story_count"]
    list_editable = ["in_navigation"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "in_navigation"]

    # Topics in the navigation are in every page's header: an editor's choice.
    def get_readonly_fields(self, request, obj=None):
        return [] if is_editor(request.user) else ["in_navigation"]

    def save_model(self, request, obj, form, change):
        if not is_editor(request.user):
            kept = change and Topic.objects.filter(pk=obj.pk, in_navigation=True)
            obj.in_navigation = bool(kept and kept.exists())
        super().save_model(request, obj, form, change)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(story_count=Count("tagged"))
        return queryset.order_by("name")  # GROUP BY drops Meta.ordering

    @admin.display(description=_("stories"), ordering="story_count")
    def story_count(self, obj):
        return obj.story_count


class LiveUpdateForm(forms.ModelForm):
    class Meta:
        model = LiveUpdate
        fields = ["article", "posted_at", "title", "body", "writers", "is_pinned"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "posted_at" in self.fields:
            self.fields["posted_at"].required = False
            self.fields["posted_at"].help_text = _("Empty means now.")

    def clean_posted_at(self):
        return self.cleaned_data.get("posted_at") or timezone.now()

    def clean_body(self):
        body = self.cleaned_data.get("body")
        validate_size(body)  # the same limit as a story's body
        return body


@admin.register(LiveUpdate)
class LiveUpdateAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    """Live-blog updates. Most are posted from the form at the top of the live
    blog's own page (quick_fields, posted to this admin's add view)."""

    form = LiveUpdateForm
    quick_fields = ["title", "body", "is_pinned"]
    list_display = ["__str__", "article", "posted_at", "by", "is_pinned"]
    list_filter = ["is_pinned", ("article", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["article"]
    search_fields = ["title", "body", "article__headline"]
    search_help_text = _("Search update titles and words, or the live blog headline.")
    # Plain selects: an autocomplete widget fails to re-render a garbage id
    # posted to it, and the live blogs and writers to choose from are few.
    date_hierarchy = "posted_at"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("writers")

    def get_readonly_fields(self, request, obj=None):
        return ["article"] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "article" in form.base_fields:
            form.base_fields["article"].queryset = services.live_blogs_open_to(
                request.user
            )
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("posted_at", timezone.now())
        return initial

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or services.can_edit_update(obj, request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.credit_poster(form.instance, request.user)

    def _back_to_the_story(self, obj):
        url = reverse("admin:articles_article_change", args=[obj.article_id])
        return redirect(f"{url}#live-updates")

    def response_post_save_add(self, request, obj):
        return self._back_to_the_story(obj)

    def response_post_save_change(self, request, obj):
        return self._back_to_the_story(obj)

    @admin.display(description=_("by"))
    def by(self, obj):
        return ", ".join(writer.name for writer in obj.writers.all())


@admin.register(Correction)
class CorrectionAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    """Every correction and clarification; editors add them on the story's page."""

    list_display = ["__str__", "kind", "article", "published_at"]
    list_filter = ["kind"]
    list_select_related = ["article"]
    search_fields = ["text", "article__headline"]
    # A raw id rather than an autocomplete, whose widget fails to re-render a
    # garbage id posted to it.
    raw_id_fields = ["article"]
    date_hierarchy = "published_at"
