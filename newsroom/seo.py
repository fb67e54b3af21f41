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
from desk.discover import HEADLINE_LIMIT  # Google cuts headlines past this
from images.processing import SHARE_WIDTH
from shows.models import Episode, OfferKind, Season, Show

SCHEMA = "https://schema.org"
LOGO = "img/logo.png"  # drawn for the site: 512×512, raster, as Google asks
LOGO_SIZE = 512
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
        "correctionsPolicy": absolute(reverse("articles:corrections")),
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
    """NewsArticle (LiveBlogPosting for a live blog) for the article page, with a
    gallery's slides as its images and its corrections; reads the prefetches of
    for_page() and prefetch_format()."""
    url = absolute(article.get_absolute_url())
    topics = [topic.name for topic in article.topics.all()]
    modified = article.revised_at if article.was_updated else article.publish_at
    corrected = getattr(article, "has_corrections", True)  # for_page() knows
    corrections = list(article.corrections.all()) if corrected else []
    changes = [modified, *(correction.published_at for correction in corrections)]
    if article.is_live_blog:
        changes += [update.posted_at for update in article.live_updates.all()]
    images = image_urls(article.hero_image)
    if article.is_gallery:
        images += [_slide(slide) for slide in article.slides.all()]
    data = _without_empty(
        {
            "@context": SCHEMA,
            "@type": "NewsArticle",
            "headline": article.public_headline[:HEADLINE_LIMIT],
            "description": article.description,
            "url": url,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "image": images,
            "datePublished": _when(article.publish_at),
            "dateModified": _when(max(filter(None, changes), default=None)),
            "author": [
                person(author, jobTitle=author.role) for author in article.authors.all()
            ],
            "publisher": organization(),
            "articleSection": topics[0] if topics else None,
            "keywords": topics,
            "wordCount": article.word_count or None,
            "inLanguage": settings.LANGUAGE_CODE,
            "isAccessibleForFree": True,
            "correction": [
                {
                    "@type": "CorrectionComment",
                    "text": correction.text,
                    "datePublished": _when(correction.published_at),
                    "url": absolute(correction.get_absolute_url()),
                }
                for correction in corrections
            ],
        }
    )
    if article.is_live_blog:
        data |= _live_blog(article, url)
    return data


def _slide(slide):
    """A gallery slide as an ImageObject: the 1200-wide JPEG, caption and credit."""
    src, width, height = slide.image.rendition(SHARE_WIDTH, fmt="jpeg")
    return _without_empty(
        {
            "@type": "ImageObject",
            "url": absolute(src),
            "contentUrl": absolute(src),
            "width": width,
            "height": height,
            "caption": slide.caption_text,
            "creditText": slide.image.credit,
        }
    )


def _live_blog(article, url):
    """What makes a story a LiveBlogPosting: its coverage times and updates."""
    updates = article.live_updates.all()
    return _without_empty(
        {
            "@type": "LiveBlogPosting",
            "coverageStartTime": _when(article.coverage_started_at),
            "coverageEndTime": _when(article.coverage_end_at),
            "liveBlogUpdate": [
                _without_empty(
                    {
                        "@type": "BlogPosting",
                        "headline": (update.title or update.summary)[:HEADLINE_LIMIT],
                        "url": f"{url}#{update.anchor}",
                        "datePublished": _when(update.posted_at),
                        "articleBody": update.text,
                        "author": [person(writer) for writer in update.writers.all()],
                    }
                )
                for update in updates
            ],
        }
    )


# schema.org's ActionAccessSpecification categories for our offer kinds.
OFFER_CATEGORY = {
    OfferKind.SUBSCRIPTION: "subscription",
    OfferKind.FREE: "free",
    OfferKind.RENT: "rental",
    OfferKind.BUY: "purchase",
}


def watch_actions(offers):
    """A WatchAction per offer, with the country it is open to (eligibleRegion)."""
    return [
        {
            "@type": "WatchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": offer.url,
                "actionPlatform": [
                    "http://schema.org/DesktopWebPlatform",
                    "http://schema.org/MobileWebPlatform",
                ],
            },
            "provider": {"@type": "Organization", "name": offer.provider.name},
            "actionAccessibilityRequirement": _without_empty(
                {
                    "@type": "ActionAccessSpecification",
                    "category": OFFER_CATEGORY[offer.kind],
                    "availabilityStarts": offer.starts_on,
                    "availabilityEnds": offer.ends_on,
                    "eligibleRegion": {"@type": "Country", "name": offer.region.code},
                }
            ),
        }
        for offer in offers
    ]


def _series_ref(show):
    return {
        "@type": "TVSeries",
        "name": show.title,
        "url": absolute(show.get_absolute_url()),
    }


def _season_ref(season, **extra):
    return _without_empty(
        {
            "@type": "TVSeason",
            "name": f"{season.show.title}: {season.label}",
            "seasonNumber": season.number,
            "url": absolute(season.get_absolute_url()),
            "partOfSeries": _series_ref(season.show),
        }
        | extra
    )


def _episode(episode, **extra):
    return _without_empty(
        {
            "@type": "TVEpisode",
            "episodeNumber": episode.number,
            "name": episode.title,
            "url": absolute(episode.get_absolute_url()),
            "description": episode.synopsis,
            "datePublished": episode.first_aired,
        }
        | extra
    )


def _duration(minutes):
    """ISO 8601, as schema.org wants: 112 minutes is PT1H52M."""
    hours, minutes = divmod(minutes, 60)
    return f"PT{hours}H{minutes}M" if hours else f"PT{minutes}M"


def show(show):
    """TVSeries or Movie for the show page; reads for_page()'s prefetches."""
    return tv_series(show) if not show.is_film else movie(show)


def tv_series(show):
    """TVSeries for a series' page; reads for_page()'s prefetches."""
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
                        "url": absolute(season.get_absolute_url()),
                        "datePublished": season.release_date,
                        "numberOfEpisodes": season.episode_count,
                    }
                )
                for season in seasons
            ],
            "actor": [person(credit.person) for credit in show.cast],
            "creator": [person(creator) for creator in show.creators],
            "sameAs": show.official_site,
            "potentialAction": watch_actions(
                offer for offer in show.current_offers if offer.season_id is None
            ),
        }
    )


def movie(show):
    """Movie for a film's page; reads for_page()'s prefetches."""
    return _without_empty(
        {
            "@context": SCHEMA,
            "@type": "Movie",
            "name": show.title,
            "url": absolute(show.get_absolute_url()),
            "description": show.synopsis,
            "image": image_urls(show.key_art or show.poster, shapes=("16:9", None)),
            "genre": [genre.name for genre in show.genres.all()],
            "datePublished": show.release_date,
            "duration": _duration(show.runtime) if show.runtime else None,
            "actor": [person(credit.person) for credit in show.cast],
            "director": [person(creator) for creator in show.creators],
            "sameAs": show.official_site,
            "potentialAction": watch_actions(show.current_offers),
        }
    )


def tv_season(season, watch):
    """TVSeason with its TVEpisodes for the season page; `watch` is the page's
    WatchOptions (offers for the whole show or this season, every country)."""
    offers = [
        *watch.home_offers,
        *(offer for _country, offers in watch.elsewhere for offer in offers),
    ]
    episodes = list(season.episodes.all())
    return _season_ref(
        season,
        **{
            "@context": SCHEMA,
            "datePublished": season.release_date,
            "numberOfEpisodes": len(episodes) or season.episode_count,
            "episode": [_episode(episode) for episode in episodes],
            "potentialAction": watch_actions(offers),
        },
    )


def reviewed_item(subject):
    """What a review is about, typed: TVEpisode, TVSeason, TVSeries or Movie."""
    if isinstance(subject, Episode):
        return _episode(
            subject,
            partOfSeason=_season_ref(subject.season, partOfSeries=None),
            partOfSeries=_series_ref(subject.season.show),
            description=None,
        )
    if isinstance(subject, Season):
        return _season_ref(subject)
    if isinstance(subject, Show) and subject.is_film:
        return _without_empty(
            {
                "@type": "Movie",
                "name": subject.title,
                "url": absolute(subject.get_absolute_url()),
                "datePublished": subject.release_date,
            }
        )
    return _series_ref(subject)


def review(article):
    """Review for a review's page: our stars (reviewRating), the writers and what
    is reviewed (itemReviewed); reads for_page()'s prefetches."""
    return _without_empty(
        {
            "@context": SCHEMA,
            "@type": "Review",
            "name": article.public_headline,
            "url": absolute(article.get_absolute_url()),
            "reviewBody": article.verdict,
            "datePublished": _when(article.publish_at),
            "author": [person(author) for author in article.authors.all()],
            "publisher": organization(),
            "reviewRating": {
                "@type": "Rating",
                "ratingValue": float(article.rating),
                "bestRating": 5,
                "worstRating": 0.5,
            },
            "itemReviewed": reviewed_item(article.subject),
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
