"""Safe intake of uploaded pictures and their renditions.

Intake (`prepare_upload`) judges a file by its content, refuses what the site must not
store, and returns a clean master: upright, without EXIF/XMP/comments, at most
`IMAGES_MAX_SIDE` pixels on its long side. Renditions (`make_renditions`) are made from
that master with easy-thumbnails, kept in storage and described on the `Image` row.
"""

import io
import math
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from easy_thumbnails.files import get_thumbnailer
from PIL import Image as PILImage
from PIL import ImageOps

# Pillow format name -> what editors call it. Only these plugins are ever tried.
ACCEPTED_FORMATS = {
    "JPEG": "JPEG",
    "PNG": "PNG",
    "WEBP": "WebP",
    "AVIF": "AVIF",
    "GIF": "GIF",
}
ACCEPTED_LABEL = "JPEG, PNG, WebP, AVIF or GIF"


def max_upload_bytes():
    return getattr(settings, "IMAGES_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)


def max_pixels():
    return getattr(settings, "IMAGES_MAX_PIXELS", 50_000_000)


def max_side():
    return getattr(settings, "IMAGES_MAX_SIDE", 3000)


# --- Intake ----------------------------------------------------------------------


def _looks_like_svg(head):
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<svg", b"<?xml", b"<!doctype svg")) and b"<svg" in head


def _open_checked(data):
    """Open `data` as one of the accepted formats, refusing bombs and truncation."""
    head = data[:1024]
    if _looks_like_svg(head.lower()):
        raise ValidationError(
            _(
                "SVG drawings are not accepted: they can carry scripts. "
                "Export the picture as PNG or JPEG and upload that."
            ),
            code="svg",
        )
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit; here any bomb is an error.
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            picture = PILImage.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
        except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError):
            picture = None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ValidationError(
                _(
                    "This file is not a picture the site accepts. "
                    "Upload a %(formats)s file."
                )
                % {"formats": ACCEPTED_LABEL},
                code="not_image",
            ) from exc
    if picture is None or picture.width * picture.height > max_pixels():
        size = "" if picture is None else f" ({picture.width}×{picture.height})"
        raise ValidationError(
            _(
                "This picture has too many pixels%(size)s: the limit is "
                "%(limit)s megapixels. Resize it and upload it again."
            )
            % {"size": size, "limit": f"{max_pixels() / 1_000_000:g}"},
            code="too_many_pixels",
        )
    return picture


def _decode(picture, target_side):
    """Decode fully (which finds truncated files), scaled down cheaply when JPEG."""
    width, height = picture.size
    if picture.format == "JPEG" and max(width, height) > target_side:
        # libjpeg can decode at 1/2, 1/4, 1/8 scale: far less time and memory.
        scale = target_side / max(width, height)
        picture.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
    try:
        picture.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _(
                "This picture is damaged or incomplete (the upload may have been "
                "cut off). Upload the file again."
            ),
            code="truncated",
        ) from exc
    return picture


@dataclass
class CleanPicture:
    """A refused-nothing upload, ready to store: `content` is what goes to storage."""

    content: ContentFile
    width: int
    height: int
    format: str


def clean_picture(picture):
    """Upright, metadata-free pixels in a mode every encoder takes."""
    icc_profile = picture.info.get("icc_profile")
    upright = ImageOps.exif_transpose(picture)
    if picture.format == "GIF" or upright.mode not in ("RGB", "RGBA", "L", "LA"):
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
            upright.mode == "P" and "transparency" in upright.info
        )
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    # Nothing of the source's info (EXIF with GPS, XMP, comments) may be re-written.
    upright.info = {}
    if icc_profile:
        upright.info["icc_profile"] = icc_profile
    return upright


def prepare_upload(upload):
    """Check an uploaded file and return a `CleanPicture`, or raise ValidationError.

    The result is re-encoded from pixels only: JPEG for opaque photos, PNG for
    pictures with transparency or from lossless sources (PNG, GIF).
    """
    size = getattr(upload, "size", None)
    limit = max_upload_bytes()
    if size is not None and size > limit:
        raise ValidationError(
            _("This file is %(size)s: the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:  # a file object that did not report its size honestly
        raise ValidationError(
            _("This file is over the %(limit)s limit.")
            % {"limit": filesizeformat(limit)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    picture = _open_checked(data)
    source_format = picture.format
    picture = _decode(picture, max_side())
    picture = clean_picture(picture)
    if max(picture.size) > max_side():
        picture.thumbnail((max_side(), max_side()), PILImage.Resampling.LANCZOS)
    return encode_master(picture, lossless=source_format in ("PNG", "GIF"))


def encode_master(picture, *, lossless=False):
    buffer = io.BytesIO()
    icc_profile = picture.info.get("icc_profile")
    icc = {"icc_profile": icc_profile} if icc_profile else {}
    if lossless or picture.mode in ("RGBA", "LA"):
        picture.save(buffer, "PNG", optimize=False, **icc)
        fmt, ext = "PNG", "png"
    else:
        picture.save(buffer, "JPEG", quality=90, optimize=True, **icc)
        fmt, ext = "JPEG", "jpg"
    return CleanPicture(
        content=ContentFile(buffer.getvalue(), name=f"picture.{ext}"),
        width=picture.width,
        height=picture.height,
        format=fmt,
    )


# --- Renditions --------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    key: str  # as stored in Image.renditions
    ratio: float | None  # width / height; None keeps the picture's own
    widths: tuple[int, ...]


SHAPES = {
    None: Shape("original", None, (480, 800, 1200, 1600)),
    "16:9": Shape("16:9", 16 / 9, (480, 800, 1200, 1600)),
    "1:1": Shape("1:1", 1.0, (160, 320, 640)),
    "2:3": Shape("2:3", 2 / 3, (240, 480, 800)),
}
FORMATS = {
    # format -> (easy-thumbnails extension, quality, extra options)
    "webp": ("webp", 80, {}),
    "jpeg": ("jpg", 82, {"replace_alpha": "#fff"}),
}
RENDITIONS_VERSION = 1


def shape_for(name):
    try:
        return SHAPES[name]
    except KeyError:
        raise ValueError(
            f"Unknown picture shape {name!r}; use one of "
            + ", ".join(repr(k) for k in SHAPES)
        ) from None


def widths_for(shape, width, height):
    """The rendition widths of `shape` that a width×height master can fill."""
    widest = width if shape.ratio is None else min(width, int(height * shape.ratio))
    widths = [w for w in shape.widths if w <= widest]
    if not widths or (widest > widths[-1] * 1.25 and widest < shape.widths[-1]):
        widths.append(widest)
    return widths


class _SourcePyramid:
    """The master decoded once, with halved copies, for easy-thumbnails to resize.

    easy-thumbnails decodes its source once per thumbnail; for 28 renditions of a
    big picture that is most of the work. It asks its source generators with the
    target size, so this hands it the smallest copy still twice as big as needed,
    which a Lanczos resize turns into the same picture, much faster.
    """

    def __init__(self):
        self.levels = None

    def __call__(self, source, size=None, **options):
        if self.levels is None:
            source.seek(0)
            master = clean_picture(
                PILImage.open(source, formats=list(ACCEPTED_FORMATS))
            )
            self.levels = [master]
            while min(self.levels[-1].size) >= 1200:
                self.levels.append(self.levels[-1].reduce(2))
        wanted_w, wanted_h = size or (0, 0)
        for level in reversed(self.levels):
            w, h = level.size
            scale = max(wanted_w / w, wanted_h / h)
            if scale <= 0.5:
                return level
        return self.levels[0]


def rendition_options(shape, width, fmt, focal):
    extension, quality, extra = FORMATS[fmt]
    if shape.ratio is None:
        options = {"size": (width, 0)}
    else:
        target = (round(focal[0] * 100), round(focal[1] * 100))
        options = {
            "size": (width, round(width / shape.ratio)),
            "crop": True,
            "target": target,
        }
    return {**options, "quality": quality, **extra}


def make_renditions(image):
    """Make (or find, if kept already) every rendition of `image`; return their map.

    The map is what the `picture` tag reads: shape key -> format -> list of
    [width, height, storage name], narrowest first.
    """
    focal = image.focal_point
    thumbnailer = get_thumbnailer(image.file)
    thumbnailer.thumbnail_namer = "easy_thumbnails.namers.source_hashed"
    thumbnailer.source_generators = [_SourcePyramid()]
    sets = {}
    with image.file.open("rb"):
        for shape in SHAPES.values():
            formats = sets[shape.key] = {}
            for fmt, (extension, _quality, _extra) in FORMATS.items():
                thumbnailer.thumbnail_extension = extension
                thumbnailer.thumbnail_transparency_extension = extension
                kept = formats[fmt] = []
                for width in widths_for(shape, image.width, image.height):
                    options = rendition_options(shape, width, fmt, focal)
                    thumb = thumbnailer.get_thumbnail(options)
                    kept.append([thumb.width, thumb.height, thumb.name])
    return {
        "v": RENDITIONS_VERSION,
        "source": image.file.name,
        "focal": list(focal),
        "sets": sets,
    }
