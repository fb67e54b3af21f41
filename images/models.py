import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def upload_to(instance, filename):
    """A generated name: nothing of the uploaded path or name reaches storage."""
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"images/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Image(models.Model):
    """A picture in the library, uploaded and credited once, reused everywhere."""

    file = models.ImageField(
        _("file"), upload_to=upload_to, width_field="width", height_field="height"
    )
    alt_text = models.CharField(
        _("alt text"),
        max_length=250,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(
        _("credit"),
        max_length=120,
        blank=True,
        help_text=_('Shown as "Image credit: …" under the picture, e.g. "Netflix".'),
    )
    credit_url = models.URLField(_("credit link"), blank=True)
    licence = models.CharField(_("licence note"), max_length=200, blank=True)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    focal_x = models.FloatField(
        _("focal point x"),
        null=True,
        blank=True,
        help_text=_("0 = left edge, 1 = right edge. Crops keep this point in view."),
    )
    focal_y = models.FloatField(
        _("focal point y"),
        null=True,
        blank=True,
        help_text=_("0 = top edge, 1 = bottom edge."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("picture")

    def __str__(self):
        return self.caption or self.alt_text
