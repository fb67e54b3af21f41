"""Google Discover and Top Stories readiness of a story: warnings and previews.

Warnings never block a save: they say what would keep a story out of Discover's large
cards or cut its headline. Reader pages already ask for large previews
(`max-image-preview:large` in base.html).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import NoReverseMatch
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from images.processing import SHARE_WIDTH

# Discover shows large pictures only from pictures at least this wide: the width
# of the share rendition.
MIN_HERO_WIDTH = SHARE_WIDTH
# Google cuts headlines (and the NewsArticle headline) past about this many characters.
HEADLINE_LIMIT = 110
# What a search result shows of the title and of the description.
RESULT_TITLE_CHARS = 60
RESULT_DESCRIPTION_CHARS = 160


def warnings(*, headline, seo_description, hero_image):
    """What to fix for Discover, in plain words; [] when the story is ready."""
    found = []
    if hero_image is None:
        found.append(
            _(
                "No hero picture: Discover shows stories with a large picture at "
                "least %(width)s px wide."
            )
            % {"width": MIN_HERO_WIDTH}
        )
    elif hero_image.width < MIN_HERO_WIDTH:
        found.append(
            _(
                "The hero picture is %(actual)s px wide: Discover needs at least "
                "%(width)s px for a large card."
            )
            % {"actual": hero_image.width, "width": MIN_HERO_WIDTH}
        )
    if len(headline or "") > HEADLINE_LIMIT:
        found.append(
            _(
                "The headline has %(count)s characters: Google cuts it after about "
                "%(limit)s."
            )
            % {"count": len(headline), "limit": HEADLINE_LIMIT}
        )
    if not (seo_description or "").strip():
        found.append(
            _(
                "No SEO description: search results and share cards fall back to the "
                "standfirst, which may not sell the story."
            )
        )
    return found


@dataclass
class Preview:
    """What a search result and a share card would show for the story."""

    title: str
    description: str
    url: str
    breadcrumb: str
    domain: str
    image_url: str

    @property
    def result_title(self):
        return Truncator(self.title).chars(RESULT_TITLE_CHARS)

    @property
    def result_description(self):
        return Truncator(self.description).chars(RESULT_DESCRIPTION_CHARS)


def preview(article):
    """The previews of `article` as it is (saved or being edited)."""
    try:
        path = article.get_absolute_url() if article.slug else "/articles/…/"
    except NoReverseMatch:  # a slug being edited that is not a valid one (yet)
        path = "/articles/…/"
    url = settings.SITE_URL + path
    domain = urlsplit(settings.SITE_URL).netloc
    crumbs = [domain, *(part for part in path.split("/") if part)]
    image = article.hero_image
    return Preview(
        title=article.seo_title or article.headline,
        description=article.seo_description or article.standfirst,
        url=url,
        breadcrumb=" › ".join(crumbs),
        domain=domain,
        image_url=image.rendition_url(MIN_HERO_WIDTH, shape="16:9") if image else "",
    )
