"""`{% picture %}`: the one way a library picture reaches a page.

It reads only the `Image` row (its recorded renditions), never the database or the
storage, so a page of fifty cards costs no query for its pictures.
"""

from django import template
from easy_thumbnails.storage import thumbnail_default_storage

from images import processing

register = template.Library()


def _srcset(items):
    return ", ".join(
        f"{thumbnail_default_storage.url(name)} {width}w" for width, _h, name in items
    )


@register.inclusion_tag("partials/picture.html")
def picture(
    image,
    sizes="100vw",
    shape=None,
    hero=False,
    caption=None,
    figure=True,
    css_class="",
    eager=False,
):
    """Render `image` as a responsive <picture>, in a <figure> with credit by default.

    shape: None (the picture's own ratio), "16:9", "1:1" or "2:3", cropped around
    the focal point. hero: load at once with high priority instead of lazily.
    caption: shown instead of the picture's own caption when not empty.
    """
    if image is None:
        return {"image": None}
    try:
        processing.shape_for(shape)
    except ValueError as exc:
        raise template.TemplateSyntaxError(str(exc)) from exc
    webp = image.rendition_set(shape, "webp")
    jpeg = image.rendition_set(shape, "jpeg")
    if jpeg:
        width, height = jpeg[-1][0], jpeg[-1][1]
        fallback = next((r for r in reversed(jpeg) if r[0] <= 1200), jpeg[0])
        src = thumbnail_default_storage.url(fallback[2])
    else:  # renditions missing: the master still shows, at its own size
        width, height, src = image.width, image.height, image.file.url
    return {
        "image": image,
        "src": src,
        "webp_srcset": _srcset(webp),
        "jpeg_srcset": _srcset(jpeg),
        "width": width,
        "height": height,
        "sizes": sizes,
        "hero": hero,
        "eager": eager,
        "caption": caption or image.caption,
        "figure": figure,
        "css_class": css_class,
        "shape_class": (processing.shape_for(shape).key.replace(":", "x")),
    }
