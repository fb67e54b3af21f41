"""Safe intake of uploaded pictures and their renditions.

Intake (`prepare_upload`) judges a file by its content, refuses what the site must not
store, and returns a clean master: upright, in sRGB, without EXIF/XMP/comments or a
colour profile, at most `IMAGES_MAX_SIDE` pixels on its long side. Renditions
(`make_renditions`) are made from that master with easy-thumbnails, kept in storage
and described on the `Image` row.
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
from easy_thumbnails import processors as easy_processors
from easy_thumbnails.files import get_thumbnailer
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps

# Pillow format names. Only these plugins are ever tried on an upload.
ACCEPTED_FORMATS = ["JPEG", "PNG", "WEBP", "AVIF", "GIF"]
ACCEPTED_LABEL = "JPEG, PNG, WebP, AVIF or GIF"


def max_upload_bytes():
    return getattr(settings, "IMAGES_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)


def max_pixels():
    return getattr(settings, "IMAGES_MAX_PIXELS", 50_000_000)


def max_side():
    return getattr(settings, "IMAGES_MAX_SIDE", 3000)


# --- Intake ----------------------------------------------------------------------


def _looks_like_svg(data):
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and b"<svg" in head


def _not_accepted():
    return ValidationError(
        _("This file is not a picture the site accepts. Upload a %(formats)s file.")
        % {"formats": ACCEPTED_LABEL},
        code="not_image",
    )


def _open_checked(data):
    """Open `data` as one of the accepted formats, refusing SVG and bombs.

    Only the header is read here: the pixel count is known before any decoding.
    """
    if _looks_like_svg(data):
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
            picture = PILImage.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError):
            picture = None
        # Pillow's parsers raise many kinds of error on hostile files; each one
        # means the same to the editor.
        except Exception as exc:  # noqa: BLE001
            raise _not_accepted() from exc
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
    """Decode fully (which finds truncated files) into clean, upright pixels.

    JPEGs bigger than needed are decoded at 1/2, 1/4 or 1/8 scale by libjpeg
    itself, which saves most of the time and memory for camera-sized uploads.
    """
    width, height = picture.size
    if picture.format == "JPEG" and max(width, height) > target_side:
        scale = target_side / max(width, height)
        picture.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
    try:
        picture.load()
        return clean_picture(picture)
    except Exception as exc:  # noqa: BLE001 (as in _open_checked)
        raise ValidationError(
            _(
                "This picture is damaged or incomplete (the upload may have been "
                "cut off). Upload the file again."
            ),
            code="truncated",
        ) from exc


@dataclass
class CleanPicture:
    """An accepted upload, ready to store: `content` is what goes to storage."""

    content: ContentFile
    width: int
    height: int
    format: str


_SRGB = ImageCms.createProfile("sRGB")
_PROFILE_MODES = {"RGB": "RGB", "CMYK": "CMYK"}  # ICC colour space -> Pillow mode


def to_srgb(picture):
    """`picture` with its pixels converted from its ICC profile to sRGB, and no
    profile: what browsers and mail clients assume of an untagged picture.

    A profile that cannot be read, or that is not RGB or CMYK (a grey one), is
    dropped and the pixels are kept as they are.
    """
    icc_profile = picture.info.get("icc_profile")
    if not icc_profile:
        return picture
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        mode = _PROFILE_MODES.get(profile.profile.xcolor_space.strip())
    except (ImageCms.PyCMSError, OSError, ValueError):
        mode = None
    if mode is None:
        converted = picture.copy()
    else:
        alpha = None
        if "A" in picture.getbands() or "transparency" in picture.info:
            alpha = picture.convert("RGBA").getchannel("A")
        source = picture if picture.mode == mode else picture.convert(mode)
        try:
            converted = ImageCms.profileToProfile(
                source, profile, _SRGB, outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = picture.copy()
        else:
            if alpha is not None:
                converted.putalpha(alpha)
    converted.info = {k: v for k, v in picture.info.items() if k != "icc_profile"}
    return converted


def clean_picture(picture):
    """Upright, metadata-free sRGB pixels in a mode every encoder takes."""
    upright = to_srgb(ImageOps.exif_transpose(picture))
    if upright.mode.startswith("I"):  # 16-bit greyscale: scale, don't clip, to 8 bits
        upright = upright.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if picture.format == "GIF" or upright.mode not in ("RGB", "RGBA", "L", "LA"):
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
            upright.mode == "P" and "transparency" in upright.info
        )
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    # Nothing of the source's info (EXIF with GPS, XMP, comments, colour profile)
    # may be re-written: the pixels are sRGB now.
    upright.info = {}
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
    if max(picture.size) > max_side():
        picture.thumbnail((max_side(), max_side()), PILImage.Resampling.LANCZOS)
    return encode_master(picture, lossless=source_format in ("PNG", "GIF"))


def encode_master(picture, *, lossless=False):
    buffer = io.BytesIO()
    if lossless or picture.mode in ("RGBA", "LA"):
        picture.save(buffer, "PNG", optimize=False)
        fmt, ext = "PNG", "png"
    else:
        picture.save(buffer, "JPEG", quality=90, optimize=True)
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
# 2: renditions are converted to sRGB and carry no colour profile.
RENDITIONS_VERSION = 2
# Open Graph and feed pictures: what Google Discover and the share cards ask for.
SHARE_WIDTH = 1200


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
    if not widths or (widest >= widths[-1] * 1.2 and widest < shape.widths[-1]):
        widths.append(widest)
    return widths


def focal_resize(im, size, crop=False, target=None, **options):
    """easy-thumbnails processor: crop around the focal point and resize in one pass.

    It takes the options of easy-thumbnails' `scale_and_crop` (size, with 0 for
    "keep the ratio"; crop; target as x,y percentages) and gives the same picture,
    but resamples only the kept box and reduces big pictures by whole factors
    first (`reducing_gap=2`, as Pillow's own `thumbnail()` does): several times
    faster for the large pictures the desk uploads. It never upscales.
    """
    src_w, src_h = im.size
    want_w, want_h = size
    if crop and want_w and want_h:
        ratio = want_w / want_h
        box_w = min(src_w, src_h * ratio)
        box_h = box_w / ratio
        x, y = ((50 if t is None else t) / 100 for t in (target or (50, 50)))
        left = min(max(x * src_w - box_w / 2, 0), src_w - box_w)
        top = min(max(y * src_h - box_h / 2, 0), src_h - box_h)
    else:
        box_w, box_h, left, top = src_w, src_h, 0, 0
        want_h = round(src_h * want_w / src_w)
    if want_w >= box_w:
        want_w, want_h = round(box_w), round(box_h)
    box = (left, top, left + box_w, top + box_h)
    if (want_w, want_h) == im.size and box == (0, 0, src_w, src_h):
        return im
    return im.resize(
        (want_w, want_h), PILImage.Resampling.LANCZOS, box=box, reducing_gap=2.0
    )


class _Renderer:
    """Source generator and processor for easy-thumbnails, for one picture.

    easy-thumbnails decodes its source and resizes it again for every thumbnail.
    Here the master is decoded once; each resized picture serves both its WebP and
    its JPEG rendition; and a narrow rendition is resized from an already made one
    of the same shape when that is at least twice as wide (as Pillow's own
    `reducing_gap=2` would), not from the full master. Ask for widths widest first.
    """

    def __init__(self):
        self.source = None
        self.made = {}  # (size, crop, target) -> resized picture

    def generator(self, source, **options):
        if self.source is None:
            source.seek(0)
            picture = PILImage.open(source, formats=ACCEPTED_FORMATS)
            self.source = clean_picture(picture)
        return self.source

    def resize(self, im, size, crop=False, target=None, **options):
        key = (tuple(size), bool(crop), tuple(target or ()))
        if key not in self.made:
            same_shape = [
                picture
                for (other, *rest), picture in self.made.items()
                if rest == list(key[1:])
                and other[1] * size[0] == other[0] * size[1]
                and picture.width >= 2 * size[0]
            ]
            source = min(same_shape, key=lambda p: p.width) if same_shape else im
            self.made[key] = focal_resize(source, size, crop=crop, target=target)
        return self.made[key]

    @property
    def processors(self):
        return [self.resize, easy_processors.colorspace]


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


def make_renditions(image, *, made=None):
    """Make (or find, if kept already) every rendition of `image`; return their map.

    The map is what the `picture` tag reads: shape key -> format -> list of
    [width, height, storage name], narrowest first. Each name is also appended to
    `made` as soon as it is stored, so a caller can clean up after a failure.
    """
    focal = image.focal_point
    renderer = _Renderer()
    thumbnailer = get_thumbnailer(image.file)
    thumbnailer.thumbnail_namer = "easy_thumbnails.namers.source_hashed"
    thumbnailer.source_generators = [renderer.generator]
    thumbnailer.thumbnail_processors = renderer.processors
    sets = {}
    thumbnailer.open("rb")  # once: easy-thumbnails leaves an open source open
    try:
        for shape in SHAPES.values():
            formats = sets[shape.key] = {fmt: [] for fmt in FORMATS}
            for width in reversed(widths_for(shape, image.width, image.height)):
                for fmt, (extension, _quality, _extra) in FORMATS.items():
                    thumbnailer.thumbnail_extension = extension
                    thumbnailer.thumbnail_transparency_extension = extension
                    options = rendition_options(shape, width, fmt, focal)
                    thumb = thumbnailer.get_thumbnail(options)
                    if made is not None:
                        made.append(thumb.name)
                    formats[fmt].insert(0, [thumb.width, thumb.height, thumb.name])
    finally:
        thumbnailer.close()
    return {
        "v": RENDITIONS_VERSION,
        "source": image.file.name,
        "focal": list(focal),
        "sets": sets,
    }
