"""Article bodies: the writer's HTML made safe and ready to print, once, when saved.

`render_body()` sanitises with nh3, turns a link on its own line into a click-to-load
embed and a `[picture 12]` line into a credited picture from the library, and counts
the words. The result is stored on the article; the page prints it without work.
"""

import math
import re
from dataclasses import dataclass, field
from html import unescape

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django_prose_editor.config import allowlist_from_extensions

from core.embeds import embed_for_url

BODY_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Strike": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "NodeClass": {
        "cssClasses": {
            "blockquote": [{"className": "pull-quote", "title": "Pull quote"}]
        }
    },
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False},
}

WORDS_PER_MINUTE = 230
DEFAULT_MAX_BYTES = 1_000_000  # of HTML; a long feature is well under 200 KB

PICTURE_LINE = re.compile(r"<p>\s*\[picture[ :]#?(\d{1,12})\]\s*</p>", re.IGNORECASE)
# A link alone in its paragraph. The link text may hold tags but never crosses a
# `</a>` or a paragraph boundary, so a try that fails stops at its own paragraph:
# one pass over the body is linear in its length (a lazy `.*?` here ran on to every
# later `</a>` from each paragraph, quadratic on a body of many links).
LINK_LINE = re.compile(
    r'<p>\s*(?:<a href="(?P<href>[^"]+)"[^>]*>'
    r"(?P<text>(?:[^<]|<(?!/a>|/?p[\s>]))*)</a>"
    r"|(?P<bare>https?://[^\s<]+))\s*</p>"
)
TAG = re.compile(r"<[^>]*>")
WORD = re.compile(r"\w[\w'’-]*")


def _cleaner():
    config = allowlist_from_extensions(BODY_EXTENSIONS)
    # The editor may mark a quote as a pull quote; no other class gets through.
    config["attributes"]["blockquote"] = set()
    config["allowed_classes"] = {"blockquote": {"pull-quote"}}
    return nh3.Cleaner(**config)


_clean = _cleaner().clean


def max_bytes():
    return getattr(settings, "ARTICLE_BODY_MAX_BYTES", DEFAULT_MAX_BYTES)


def validate_size(html):
    """Refuse a body over ARTICLE_BODY_MAX_BYTES of HTML (UTF-8), with a message
    that says by how much."""
    size, limit = len((html or "").encode()), max_bytes()
    if size > limit:
        raise ValidationError(
            _(
                "The body is %(size)s of HTML; the limit is %(limit)s. Split the "
                "story in parts or remove pasted formatting."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="body_too_large",
        )


def sanitise(html):
    """Writer HTML reduced to what the editor can make: no script, handler or style."""
    return _clean(html or "").strip()


@dataclass
class RenderedBody:
    html: str
    word_count: int
    picture_ids: list[int] = field(default_factory=list)  # the ones shown

    @property
    def reading_time(self):
        """Whole minutes, rounded up; 0 for an empty body."""
        return math.ceil(self.word_count / WORDS_PER_MINUTE)


def picture_ids(html):
    return [int(pk) for pk in PICTURE_LINE.findall(html or "")]


def _embed_for(match):
    url = unescape(match["href"] or match["bare"])
    text = unescape(strip_tags(match["text"] or "")).strip()
    return embed_for_url(url, title="" if text == url else text)


def _embed(match):
    embed = _embed_for(match)
    return embed.render().strip() if embed else match[0]


def count_words(clean_html):
    """Words a reader reads: picture lines and embedded links do not count."""
    html = PICTURE_LINE.sub(" ", clean_html)
    html = LINK_LINE.sub(lambda match: " " if _embed_for(match) else match[0], html)
    return len(WORD.findall(unescape(TAG.sub(" ", html))))


def render_body(html, *, pictures=None):
    """Sanitised, expanded body HTML with its word count.

    `pictures` maps picture ids to library `Image`s; a `[picture N]` line whose
    picture is missing is dropped.
    """
    pictures = pictures or {}
    clean = sanitise(html)

    def picture(match):
        image = pictures.get(int(match[1]))
        if image is None:
            return ""
        return render_to_string(
            "articles/partials/body_picture.html", {"image": image}
        ).strip()

    rendered = LINK_LINE.sub(_embed, clean)
    rendered = PICTURE_LINE.sub(picture, rendered)
    shown = [pk for pk in picture_ids(clean) if pk in pictures]
    return RenderedBody(html=rendered, word_count=count_words(clean), picture_ids=shown)
