"""Demo pictures drawn with Pillow: no downloads, credited like real press photos."""

import hashlib
import io

from django.core.files.base import ContentFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from images.models import Image


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow built without FreeType
        return ImageFont.load_default()


def render_picture(label, *, size=(1600, 900), colours=("#b3122e", "#1d1d3a")):
    """A gradient picture with a label, as JPEG bytes."""
    width, height = size
    top = PILImage.new("RGB", size, colours[0])
    bottom = PILImage.new("RGB", size, colours[1])
    mask = PILImage.linear_gradient("L").resize(size)
    picture = PILImage.composite(bottom, top, mask)
    draw = ImageDraw.Draw(picture)
    for i in range(0, width + height, max(width, height) // 12):
        draw.line([(i, 0), (i - height, height)], fill=(255, 255, 255), width=2)
    font = _font(max(24, width // 14))
    box = draw.textbbox((0, 0), label, font=font)
    x = (width - (box[2] - box[0])) / 2
    y = (height - (box[3] - box[1])) / 2
    draw.text((x + 3, y + 3), label, font=font, fill=(0, 0, 0))
    draw.text((x, y), label, font=font, fill=(255, 255, 255))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def demo_image(
    label, *, alt_text, caption="", credit="", size=(1600, 900), colours=None
):
    """Get or create the library picture for `label` (idempotent, by alt text)."""
    existing = Image.objects.filter(alt_text=alt_text).first()
    if existing:
        return existing
    colours = colours or ("#b3122e", "#1d1d3a")
    data = render_picture(label, size=size, colours=colours)
    name = hashlib.sha1(label.encode(), usedforsecurity=False).hexdigest()[:12] + ".jpg"
    # The same intake as an editor's upload: checked, cleaned, renditions made.
    return Image.objects.from_upload(
        ContentFile(data, name=name), alt_text=alt_text, caption=caption, credit=credit
    )
