import logging
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from easy_thumbnails.models import Source, Thumbnail
from easy_thumbnails.storage import thumbnail_default_storage
from PIL import Image as PILImage

from images import processing

logger = logging.getLogger(__name__)


def upload_to(instance, filename):
    """A generated name: nothing of the uploaded path or name reaches storage."""
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"images/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


# Callables, registered by the apps that show pictures to readers (the library does
# not know them), each returning a values() queryset of the ids of pictures readers
# see now. See register_live_use().
_live_uses = []


def register_live_use(ids):
    """Register `ids()`: a queryset of picture ids that readers see right now.

    The article app registers the heroes and inline pictures of live stories; the
    library then keeps those pictures out of writers' hands (ImageAdmin).
    """
    _live_uses.append(ids)
    return ids


class ImageQuerySet(models.QuerySet):
    def shown_live(self):
        """Pictures that something live on the site shows (a live story...)."""
        shown = Q(pk__in=[])
        for ids in _live_uses:
            shown |= Q(pk__in=ids())
        return self.filter(shown)

    def from_upload(self, upload, **fields):
        """Check, clean and store an uploaded file as a new picture, with renditions.

        Raises ValidationError (with the message editors see) for refused files;
        nothing is stored then.
        """
        clean = processing.prepare_upload(upload)
        image = self.model(width=clean.width, height=clean.height, **fields)
        image.file = clean.content
        image.full_clean(exclude=["file"])
        image.save()
        return image


class Image(models.Model):
    """A picture in the library, uploaded and credited once, reused everywhere."""

    # No width_field/height_field: Django would re-read the file from storage on
    # every load of a row whose size is unknown. Intake sets width and height.
    file = models.ImageField(_("file"), upload_to=upload_to)
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
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("0 = left edge, 1 = right edge. Crops keep this point in view."),
    )
    focal_y = models.FloatField(
        _("focal point y"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
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
    renditions = models.JSONField(
        default=dict,
        editable=False,
        help_text=_("The kept renditions, so a page prints them without a query."),
    )

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("picture")
        permissions = [
            (
                "manage_image",
                _(
                    "Can change and delete any picture, also ones others uploaded "
                    "or live stories show"
                ),
            )
        ]

    def __str__(self):
        return self.caption or self.alt_text

    def save(self, *args, **kwargs):
        # Django's FileField marks a file not yet written to storage as uncommitted.
        if self.file and not self.file._committed:
            self._save_upload(*args, **kwargs)
            return
        super().save(*args, **kwargs)
        if self.file and self.renditions_stale:
            self.refresh_renditions()

    def _save_upload(self, *args, **kwargs):
        """Store a new master and all its renditions, or nothing at all.

        If storage fails (OSError) the row and easy-thumbnails' records are rolled
        back, the files already written are deleted and PictureNotStored says so.
        """
        made = []
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
                self.refresh_renditions(made=made)
        except OSError as exc:
            logger.exception("Could not store an uploaded picture")
            master = self.file.name if self.file._committed else None
            try:
                discard_files(made, master)
            except OSError:
                logger.exception("Could not delete the files of a failed upload")
            if self._state.adding:
                self.pk = None
            raise PictureNotStored(exc) from exc

    @property
    def focal_point(self):
        """(x, y) between 0 and 1; the centre when none was set."""
        return (
            0.5 if self.focal_x is None else self.focal_x,
            0.5 if self.focal_y is None else self.focal_y,
        )

    @property
    def renditions_stale(self):
        kept = self.renditions or {}
        return (
            kept.get("v") != processing.RENDITIONS_VERSION
            or kept.get("source") != self.file.name
            or kept.get("focal") != list(self.focal_point)
        )

    def refresh_renditions(self, *, made=None):
        """Make the missing renditions and record them on the row.

        Renditions kept already are found, not made again. Files no longer needed
        (an older crop, a replaced upload) are deleted once the change is committed.
        With `made` (a list: a new upload), a failure raises after listing there
        the renditions already written.
        """
        before = self.renditions or {}
        try:
            with self.file.storage.open(self.file.name, "rb") as master:
                self.width, self.height = PILImage.open(master).size
            self.renditions = processing.make_renditions(self, made=made)
        except OSError:
            if made is not None:
                raise
            # A storage or encoder failure (a master missing from storage, a full
            # disk) must not lose the rest of the save: pages fall back to the
            # master, or keep the renditions of this same master, and nothing is
            # deleted. A re-save or `manage.py make_renditions` tries again.
            logger.exception("Could not make the renditions of picture %s", self.pk)
            same_master = before.get("source") == self.file.name
            self.renditions = before if same_master else {}
            failed = True
        else:
            failed = False
        type(self).objects.filter(pk=self.pk).update(
            width=self.width, height=self.height, renditions=self.renditions
        )
        if failed:
            return
        stale = rendition_names(before) - rendition_names(self.renditions)
        old_master = before.get("source")
        if old_master == self.file.name:
            old_master = None
        if stale or old_master:
            transaction.on_commit(lambda: discard_files(stale, old_master))

    def rendition_set(self, shape=None, fmt="webp"):
        """[width, height, name] of the kept renditions of `shape`, narrowest first."""
        key = processing.shape_for(shape).key
        return self.renditions.get("sets", {}).get(key, {}).get(fmt, [])

    def rendition(self, width, *, shape=None, fmt="jpeg"):
        """(url, width, height) of the kept rendition at least `width` wide.

        Else the widest kept; the master itself when no renditions are kept.
        """
        kept = self.rendition_set(shape, fmt)
        if not kept:
            return self.file.url, self.width, self.height
        w, h, name = next((r for r in kept if r[0] >= width), kept[-1])
        return thumbnail_default_storage.url(name), w, h

    def rendition_url(self, width, *, shape=None, fmt="jpeg"):
        """URL of the kept rendition at least `width` wide (else the widest).

        JPEG suits mail clients and Open Graph (which wants 1200 wide).
        """
        return self.rendition(width, shape=shape, fmt=fmt)[0]

    def may_be_changed_by(self, user):
        """Editors (manage_image) change any picture; other staff only pictures
        they uploaded that nothing live shows, so no live story changes unreviewed."""
        if user.has_perm("images.manage_image"):
            return True
        if self.pk is None:
            return True
        if self.uploaded_by_id is None or self.uploaded_by_id != user.pk:
            return False
        return not type(self).objects.shown_live().filter(pk=self.pk).exists()

    def usages(self):
        """Everything that shows this picture, as (model verbose name, object) pairs.

        Read from the reverse relations (hidden ones too: the apps' picture fields
        use related_name="+"), so it stays right as apps add such fields.
        """
        found = []
        for relation in self._meta.get_fields(include_hidden=True):
            if not relation.is_relation or relation.concrete:
                continue
            model = relation.related_model
            if model._meta.auto_created:  # the table behind a many-to-many
                continue
            lookup = {relation.field.name: self}
            for obj in model._default_manager.filter(**lookup).distinct()[:50]:
                found.append((model._meta.verbose_name, obj))
        return found


class PictureNotStored(Exception):
    """A new picture could not be written to storage; nothing of it was kept."""

    message = _(
        "The picture could not be stored: the file store did not answer (%(error)s). "
        "Nothing was saved; please try again in a moment."
    )

    def __str__(self):
        return str(self.message % {"error": self.args[0]})


def rendition_names(renditions):
    return {
        item[2]
        for formats in renditions.get("sets", {}).values()
        for items in formats.values()
        for item in items
    }


def discard_files(rendition_files, master=None):
    """Delete renditions (and a master) from storage and easy-thumbnails' records."""
    for name in rendition_files:
        thumbnail_default_storage.delete(name)
    Thumbnail.objects.filter(name__in=rendition_files).delete()
    if master:
        Image.file.field.storage.delete(master)
        Source.objects.filter(name=master).delete()


@receiver(post_delete, sender=Image)
def discard_deleted_picture(sender, instance, **kwargs):
    names, master = rendition_names(instance.renditions), instance.file.name
    transaction.on_commit(lambda: discard_files(names, master))
