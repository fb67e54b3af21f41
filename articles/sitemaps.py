"""Sitemaps: an index (/sitemap.xml) of sections for stories, topics, shows, people and
writers, each split at 50,000 URLs, and a Google News sitemap (/sitemap-news.xml) of
the stories published in the last 48 hours.

URLs are absolute on SITE_URL whatever host a request came in on (the CDN's, an app
server's), like canonical links and feeds.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.db.models.functions import Coalesce, Greatest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from articles.models import Article, Topic
from authors.models import Author
from core.cache_tags import list_tag
from core.http import cacheable
from core.links import absolute
from shows.models import Person, Show

NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000  # Google News reads at most this many URLs from one sitemap


class SiteSitemap(Sitemap):
    limit = 50_000  # the sitemap protocol's limit per file

    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ArticleSitemap(SiteSitemap):
    def items(self):
        return (
            Article.objects.published()
            .only("slug", "publish_at", "revised_at")
            .order_by("-publish_at", "-pk")
        )

    def lastmod(self, item):
        return max(filter(None, [item.publish_at, item.revised_at]))

    def get_latest_lastmod(self):
        """One aggregate, instead of the default's loading every story."""
        changed = Greatest("publish_at", Coalesce("revised_at", "publish_at"))
        return Article.objects.published().aggregate(latest=Max(changed))["latest"]


class TopicSitemap(SiteSitemap):
    def items(self):
        return (
            Topic.objects.with_story_counts()
            .filter(story_count__gt=0)
            .only("slug")
            .order_by("name", "pk")
        )


class ShowSitemap(SiteSitemap):
    def items(self):
        return Show.objects.only("slug").order_by("pk")


class PersonSitemap(SiteSitemap):
    def items(self):
        return Person.objects.only("slug").order_by("pk")


class WriterSitemap(SiteSitemap):
    def items(self):
        return (
            Author.objects.with_story_counts()
            .filter(story_count__gt=0)
            .only("slug")
            .order_by("pk")
        )


SITEMAPS = {
    "articles": ArticleSitemap,
    "topics": TopicSitemap,
    "shows": ShowSitemap,
    "people": PersonSitemap,
    "writers": WriterSitemap,
}
# New objects of any section appear in the sitemaps.
SITEMAP_TAGS = [list_tag(model) for model in (Article, Topic, Show, Person, Author)]


@require_GET
def index(request):
    response = sitemap_views.index(
        request, SITEMAPS, sitemap_url_name="articles:sitemap_section"
    )
    # Django builds the sections' addresses on the request's host; use SITE_URL's.
    for item in response.context_data["sitemaps"]:
        parts = urlsplit(item.location)
        item.location = absolute(
            parts.path + (f"?{parts.query}" if parts.query else "")
        )
    return cacheable(response, *SITEMAP_TAGS)


@require_GET
def section(request, section):
    """One section's page (?p=2 and on past 50,000 URLs); 404 for unknown ones."""
    response = sitemap_views.sitemap(request, SITEMAPS, section=section)
    return cacheable(response, *SITEMAP_TAGS)


@require_GET
def news(request):
    """Google News: stories published in the last 48 hours, newest first."""
    since = timezone.now() - NEWS_WINDOW
    articles = (
        Article.objects.published()
        .filter(publish_at__gte=since)
        .only("slug", "publish_at", *Article.PUBLIC_TEXT_FIELDS)[:NEWS_LIMIT]
    )
    response = TemplateResponse(
        request,
        "articles/sitemap_news.xml",
        {
            "articles": articles,
            "publication": settings.SITE_NAME,
            "language": news_language(settings.LANGUAGE_CODE),
        },
        content_type="application/xml; charset=utf-8",
    )
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return cacheable(response, *SITEMAP_TAGS)


def news_language(language_code):
    """Google News wants an ISO 639 code ("en"), except for Chinese ("zh-cn")."""
    code = language_code.lower()
    return code if code in ("zh-cn", "zh-tw") else code.split("-")[0]
