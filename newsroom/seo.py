"""Structured data (schema.org JSON-LD) for search engines, built from what a page has
already fetched, so none of it costs a query.

Every function returns plain dicts; `json_ld()` prints one as a
`<script type="application/ld+json">` block, escaped the way Django's json_script is
(`<`, `>` and `&` as \\u escapes), so no text from the database can close the script
element. Such a block is data, not code: browsers do not run it and the CSP does not
apply to it, so it needs no nonce and the page stays the same for every reader.
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.links import absolute
from images.processing import SHARE_WIDTH

SCHEMA = "https://schema.org"
LOGO = "img/logo.png"  # drawn for the site: 512×512, raster, as Google asks
LOGO_SIZE = 512
HEADLINE_LIMIT = 110  # Google truncates NewsArticle headlines past this
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(data):
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    safe = mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 - escaped above
    return format_html('<script type="application/ld+json">{}</script>', safe)


def _when(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def _without_empty(data):
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def organization():
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.SITE_NAME,
        "url": absolute("/"),
        "logo": {
            "@type": "ImageObject",
            "url": absolute(static(LOGO)),
            "width": LOGO_SIZE,
            "height": LOGO_SIZE,
        },
    }


def website():
    """The home page: the site, its publisher and how to search it."""
    search = absolute(reverse("search"))
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": settings.SITE_NAME,
        "url": absolute("/"),
        "publisher": organization(),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": f"{search}?q={{search_term_string}}",
            },
            "query-input": "required name=search_term_string",
        },
    }


def image_urls(image, shapes=("16:9", None, "1:1")):
    """Absolute JPEG URLs of `image` at share size in several shapes (Google picks
    the one that suits its layout), without repeats."""
    if image is None:
        return []
    urls = (image.rendition_url(SHARE_WIDTH, shape=shape) for shape in shapes)
    return list(dict.fromkeys(absolute(url) for url in urls))


def person(obj, **extra):
    """An author or a cast member as a schema.org Person with their page."""
    return _without_empty(
        {"@type": "Person", "name": obj.name, "url": absolute(obj.get_absolute_url())}
        | extra
    )


def news_article(article):
    """NewsArticle for the article page; reads for_page()'s prefetches."""
    url = absolute(article.get_absolute_url())
    topics = [topic.name for topic in article.topics.all()]
    modified = article.revised_at if article.was_updated else article.publish_at
    return _without_empty(
        {
            "@context": SCHEMA,
            "@type": "NewsArticle",
            "headline": article.headline[:HEADLINE_LIMIT],
            "description": article.description,
            "url": url,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "image": image_urls(article.hero_image),
            "datePublished": _when(article.publish_at),
            "dateModified": _when(modified),
            "author": [
                person(author, jobTitle=author.role) for author in article.authors.all()
            ],
            "publisher": organization(),
            "articleSection": topics[0] if topics else None,
            "keywords": topics,
            "wordCount": article.word_count or None,
            "inLanguage": settings.LANGUAGE_CODE,
            "isAccessibleForFree": True,
        }
    )


def tv_series(show):
    """TVSeries for the show page; reads for_page()'s prefetches."""
    seasons = list(show.seasons.all())
    return _without_empty(
        {
            "@context": SCHEMA,
            "@type": "TVSeries",
            "name": show.title,
            "url": absolute(show.get_absolute_url()),
            "description": show.synopsis,
            "image": image_urls(show.key_art or show.poster, shapes=("16:9", None)),
            "genre": [genre.name for genre in show.genres.all()],
            "startDate": show.premiere_date,
            "numberOfSeasons": len(seasons) or None,
            "containsSeason": [
                _without_empty(
                    {
                        "@type": "TVSeason",
                        "seasonNumber": season.number,
                        "name": str(season.label),
                        "datePublished": season.release_date,
                        "numberOfEpisodes": season.episode_count,
                    }
                )
                for season in seasons
            ],
            "actor": [person(credit.person) for credit in show.cast],
            "creator": [person(creator) for creator in show.creators],
            "sameAs": show.official_site,
        }
    )


def profile_page(author):
    """ProfilePage for a writer's page."""
    photo = image_urls(author.photo, shapes=("1:1",))
    return {
        "@context": SCHEMA,
        "@type": "ProfilePage",
        "url": absolute(author.get_absolute_url()),
        "mainEntity": person(
            author,
            jobTitle=author.role,
            description=author.bio,
            image=photo[0] if photo else None,
            sameAs=[url for _label, url in author.links],
            worksFor=organization(),
        ),
    }


def breadcrumbs(*trail):
    """BreadcrumbList from (name, path) pairs, the home page first."""
    items = [("Home", "/"), *trail]
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": n,
                "name": str(name),
                "item": absolute(path),
            }
            for n, (name, path) in enumerate(items, start=1)
        ],
    }
