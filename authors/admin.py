from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from authors.models import Author
from core.history import HistoryAdmin
from core.relations import RelationKeysAdminMixin
from core.roles import is_editor


@admin.register(Author)
class AuthorAdmin(RelationKeysAdminMixin, HistoryAdmin):
    list_display = ["photo_thumbnail", "name", "role", "user", "story_count"]
    list_display_links = ["photo_thumbnail", "name"]
    list_select_related = ["photo", "user"]
    search_fields = ["name", "role"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["photo", "user"]
    compare_fields = ["name", "slug", "role", "bio", "full_bio", "website", "x"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "role", "user"]}),
        (_("For readers"), {"fields": ["photo", "bio", "full_bio"]}),
        (_("Public links"), {"fields": ["website", "instagram", "x"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_story_counts()

    def has_change_permission(self, request, obj=None):
        """Writers may keep their own profile up to date, nobody else's."""
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or is_editor(request.user) or obj.user_id == request.user.pk

    def get_readonly_fields(self, request, obj=None):
        # Which account writes as whom, and the page address, are the desk's call.
        return [] if is_editor(request.user) else ["user", "slug"]

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if is_editor(request.user) else {}

    def can_restore(self, request):
        return is_editor(request.user)

    @admin.display(description=_("photo"))
    def photo_thumbnail(self, obj):
        if obj.photo is None:
            return "—"
        return format_html(
            '<img src="{}" alt="" width="40" height="40">',
            obj.photo.rendition_url(160, shape="1:1"),
        )

    @admin.display(description=_("live stories"), ordering="story_count")
    def story_count(self, obj):
        return obj.story_count
