"""Admin history for articles and authors: compare a saved version with now, restore.

Built on django-reversion's VersionAdmin (history list, revert, recover deleted). This
adds a comparison page and keeps restoring for those allowed to (`can_restore`):
reverting writes every field back, status and publish time included.
"""

import difflib
import re
from html import unescape

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from reversion.admin import VersionAdmin
from reversion.models import Version

_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote)>|<br\s*/?>|<hr\s*/?>")
_TAG = re.compile(r"<[^>]*>")


def _lines(value):
    """Text to compare line by line; HTML is read as its paragraphs."""
    text = "" if value is None else str(value)
    if "<" in text:
        text = unescape(_TAG.sub("", _BLOCK_END.sub("\n", text)))
    return [line.strip() for line in text.splitlines() if line.strip()]


def field_changes(model, old_values, obj, field_names):
    """[(label, [(kind, text)])] for each field whose value differs.

    kind is "same", "removed" or "added", line by line.
    """
    changes = []
    for name in field_names:
        field = model._meta.get_field(name)
        old = old_values.get(field.attname)
        new = field.value_from_object(obj)
        if field.choices:
            choices = dict(field.flatchoices)
            old, new = choices.get(old, old), choices.get(new, new)
        if str(old or "") == str(new or ""):
            continue
        rows = []
        for line in difflib.ndiff(_lines(old), _lines(new)):
            marker, text = line[:2], line[2:]
            kind = {"- ": "removed", "+ ": "added", "  ": "same"}.get(marker)
            if kind:
                rows.append((kind, text))
        changes.append((field.verbose_name, rows))
    return changes


class HistoryAdmin(VersionAdmin):
    """VersionAdmin with a comparison page and a permission to restore."""

    object_history_template = "admin/history/object_history.html"
    history_latest_first = True
    compare_fields = ()

    def can_restore(self, request):
        return self.has_delete_permission(request)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "<path:object_id>/history/<int:version_id>/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="{}_{}_compare".format(*info),
            )
        ]
        return urls + super().get_urls()

    def history_view(self, request, object_id, extra_context=None):
        context = {"can_restore": self.can_restore(request)}
        return super().history_view(request, object_id, context | (extra_context or {}))

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if not self.can_restore(request):
            raise PermissionDenied
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.can_restore(request):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not self.can_restore(request):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def changelist_view(self, request, extra_context=None):
        context = {"can_restore": self.can_restore(request)}
        return super().changelist_view(request, context | (extra_context or {}))

    def compare_view(self, request, object_id, version_id):
        """What changed between a saved version and the object as it is now."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        version = get_object_or_404(
            Version.objects.get_for_object(obj).select_related("revision__user"),
            pk=version_id,
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "version": version,
            "changes": field_changes(
                self.model, version.field_dict, obj, self.compare_fields
            ),
            "can_restore": self.can_restore(request),
            "title": _("Compare the version of %(date)s with now")
            % {
                "date": date_format(
                    localtime(version.revision.date_created), "DATETIME_FORMAT"
                )
            },
        }
        return TemplateResponse(request, "admin/history/compare.html", context)
