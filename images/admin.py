from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.relations import RelationKeysAdminMixin
from images.forms import ImageForm
from images.models import Image, PictureNotStored


@admin.register(Image)
class ImageAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    form = ImageForm
    list_display = [
        "thumbnail",
        "title",
        "credit",
        "dimensions",
        "uploaded_by",
        "created_at",
    ]
    list_display_links = ["thumbnail", "title"]
    list_select_related = ["uploaded_by"]
    search_fields = ["caption", "credit", "alt_text"]
    search_help_text = _("Search caption, credit or alt text.")
    date_hierarchy = "created_at"
    readonly_fields = ["preview", "usage", "dimensions", "uploaded_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["file", "preview", "alt_text", "caption"]}),
        (_("Credit"), {"fields": ["credit", "credit_url", "licence"]}),
        (
            _("Cropping"),
            {
                "fields": ["focal_x", "focal_y"],
                "description": _(
                    "Cards (16:9), avatars (square) and posters (2:3) are cropped "
                    "around this point. Leave empty to keep the centre."
                ),
            },
        ),
        (_("Where it is used"), {"fields": ["usage"]}),
        (
            _("Record"),
            {
                "classes": ["collapse"],
                "fields": ["dimensions", "uploaded_by", "created_at"],
            },
        ),
    ]

    class Media:
        css = {"all": ["images/focal-point.css"]}
        js = ["images/focal-point.js"]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A storage failure while saving an upload is a form error, not a 500.

        The failed save has been rolled back and its files deleted (Image.save); the
        form is then shown again with the reason, for another try.
        """
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except PictureNotStored as exc:
            request.picture_not_stored = exc
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.storage_error = getattr(request, "picture_not_stored", None)
        return form

    # --- Who may change a picture (Image.may_be_changed_by) ----------------------

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or obj.may_be_changed_by(request.user)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or obj.may_be_changed_by(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        locked = (
            obj is not None
            and request.method == "GET"
            and self.has_view_permission(request, obj)
            and not self.has_change_permission(request, obj)
        )
        if locked:
            self.message_user(
                request,
                _(
                    "Only editors can change this picture: it was uploaded by "
                    "someone else or a live story shows it. Upload a new picture "
                    "to use a different one."
                ),
                messages.INFO,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change and not Image.objects.get(pk=obj.pk).may_be_changed_by(request.user):
            raise PermissionDenied  # the form was opened before it went live
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("Thumbnail"))
    def thumbnail(self, obj):
        kept = obj.rendition_set("1:1", "webp")
        if not kept:
            return "—"
        return format_html(
            '<img src="{}" width="64" height="64" alt="{}" loading="lazy">',
            obj.rendition_url(64, shape="1:1", fmt="webp"),
            obj.alt_text,
        )

    @admin.display(description=_("Caption or alt text"), ordering="caption")
    def title(self, obj):
        return str(obj)

    @admin.display(description=_("Preview"))
    def preview(self, obj):
        if not obj.pk or not obj.file:
            return "—"
        url, width, height = obj.rendition(800, fmt="webp")
        return format_html(
            '<div class="focal-point"><img src="{}" width="{}" height="{}" alt="{}">'
            '<span class="focal-point__marker" hidden></span></div>'
            '<div class="help">{}</div>',
            url,
            width,
            height,
            obj.alt_text,
            _("Click the picture to set the focal point below."),
        )

    @admin.display(description=_("Size"), ordering="width")
    def dimensions(self, obj):
        return f"{obj.width}×{obj.height}" if obj.width else "—"

    @admin.display(description=_("Used by"))
    def usage(self, obj):
        if not obj.pk:
            return "—"
        found = obj.usages()
        if not found:
            return _("Not used anywhere yet.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {}</li>",
                ((kind.capitalize(), _admin_link(item)) for kind, item in found),
            ),
        )


def _admin_link(obj):
    meta = obj._meta
    try:
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(obj)
    return format_html('<a href="{}">{}</a>', url, obj)
