"""Share metadata and structured data tags for reader pages (newsroom/seo.py).

{% load seo %}
{% social_meta title=article.page_title image=article.hero_image type="article" %}
{% json_ld "news_article" article %}
{% breadcrumbs_json_ld topic.name topic.get_absolute_url %}
"""

from django import template
from django.conf import settings
from django.utils.translation import to_locale

from core.links import absolute
from images.processing import SHARE_WIDTH
from newsroom import seo

register = template.Library()

BUILDERS = {
    "news_article": seo.news_article,
    "review": seo.review,
    "show": seo.show,
    "tv_season": seo.tv_season,
    "tv_series": seo.tv_series,
    "profile_page": seo.profile_page,
    "website": seo.website,
}


@register.simple_tag
def json_ld(kind, *objects):
    """A JSON-LD block of `kind` (a name in BUILDERS) built from `objects`."""
    try:
        build = BUILDERS[kind]
    except KeyError:
        message = f"No structured data called {kind!r}."
        raise template.TemplateSyntaxError(message) from None
    return seo.json_ld(build(*objects))


@register.simple_tag
def breadcrumbs_json_ld(*names_and_paths):
    """A BreadcrumbList: name, path, name, path… after the home page."""
    if len(names_and_paths) % 2:
        raise template.TemplateSyntaxError("Give breadcrumbs as name, path pairs.")
    pairs = zip(names_and_paths[::2], names_and_paths[1::2], strict=True)
    return seo.json_ld(seo.breadcrumbs(*pairs))


@register.inclusion_tag("partials/seo/social.html", takes_context=True)
def social_meta(
    context, title="", description="", image=None, type="website", shape="16:9"
):
    """Open Graph and Twitter Card tags; the picture as a 1200-wide JPEG of `shape`.

    Defaults: the site's name and description, and the page's canonical address.
    """
    request = context.get("request")
    data = {
        "site_name": settings.SITE_NAME,
        "title": title or settings.SITE_NAME,
        "description": description or settings.SITE_DESCRIPTION,
        "url": absolute(request.path if request else "/"),
        "type": type,
        "locale": to_locale(settings.LANGUAGE_CODE),
    }
    if image is not None:
        url, width, height = image.rendition(SHARE_WIDTH, shape=shape, fmt="jpeg")
        data.update(
            image_url=absolute(url),
            image_width=width,
            image_height=height,
            image_alt=image.alt_text,
            image_is_jpeg=url.lower().endswith((".jpg", ".jpeg")),
        )
    return data
