"""Article bodies: the writer's HTML made safe and ready to print, once, when saved.

`render_body()` sanitises with nh3, turns a link on its own line into a click-to-load
embed, a `[picture 12]` line into a credited picture from the library and each run of
paragraphs marked "Spoiler" into one collapsed `<details class="spoiler">`, and counts
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
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe
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
            "blockquote": [{"className": "pull-quote", "title": "Pull quote"}],
            # Marks a paragraph as a spoiler: readers see it collapsed.
            "paragraph": [{"className": "spoiler", "title": "Spoiler"}],
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
PARAGRAPH_CLASS = re.compile(r'<p class="([^"]*)">')
# A spoiler paragraph as sanitise() leaves it. A paragraph holds no other paragraph,
# so the first </p> closes it. The same pattern works in PostgreSQL's regexp_replace
# (articles.search), which takes spoilers out of search snippets there.
SPOILER_PARAGRAPH = r'<p class="spoiler">.*?</p>'
SPOILER_RUN = re.compile(rf"(?:{SPOILER_PARAGRAPH}\s*)+", re.DOTALL)
SPOILER_BLOCK = re.compile(r'<details class="spoiler">.*?</details>', re.DOTALL)


def _cleaner():
    config = allowlist_from_extensions(BODY_EXTENSIONS)
    # The editor may mark a quote as a pull quote and a paragraph as a spoiler; no
    # other class gets through.
    config["attributes"]["blockquote"] = set()
    config["attributes"]["p"] = set()
    config["allowed_classes"] = {"blockquote": {"pull-quote"}, "p": {"spoiler"}}
    return nh3.Cleaner(**config)


_clean = _cleaner().clean


def _paragraph_class(match):
    return '<p class="spoiler">' if "spoiler" in match[1].split() else "<p>"


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
    """Writer HTML reduced to what the editor can make: no script, handler or style.

    A paragraph keeps exactly `class="spoiler"` or no class at all, the one form
    SPOILER_PARAGRAPH looks for.
    """
    return PARAGRAPH_CLASS.sub(_paragraph_class, _clean(html or "")).strip()


def _spoiler(match):
    paragraphs = match[0].strip().replace('<p class="spoiler">', "<p>")
    return format_html(
        '<details class="spoiler"><summary>{}</summary>{}</details>',
        _("Spoiler: select to read"),
        mark_safe(paragraphs),  # noqa: S308 - sanitised by nh3 above
    )


def without_spoilers(body_html):
    """Rendered body HTML minus its spoiler passages (for search snippets)."""
    return SPOILER_BLOCK.sub(" ", body_html or "")


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


def plain_text(clean_html):
    """The words of sanitised body HTML as one line of text, without picture lines."""
    html = PICTURE_LINE.sub(" ", clean_html or "")
    return " ".join(unescape(TAG.sub(" ", html)).split())


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
    rendered = SPOILER_RUN.sub(_spoiler, rendered)
    shown = [pk for pk in picture_ids(clean) if pk in pictures]
    return RenderedBody(html=rendered, word_count=count_words(clean), picture_ids=shown)
