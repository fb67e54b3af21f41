"""RSS 2.0 and Atom feeds of published stories: the latest, and per topic, writer and
show (the URLs in README's Discovery section), with Django's syndication framework.

Each story carries its authors, publication and update times, standfirst, topics and
its hero picture as a Media RSS `<media:content>` element (URL, type, width, height,
alt text and credit), read from the picture's recorded renditions. An RSS
`<enclosure>` would need the file's length in bytes, which costs a storage call per
story (a request each on S3); media:content needs none, and feed readers show it.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from articles.models import Article, Correction, Topic
from authors.models import Author
from core.cache_tags import list_tag
from core.http import cacheable
from core.links import absolute
from images.processing import SHARE_WIDTH
from shows.models import Show

MEDIA_RSS = "http://search.yahoo.com/mrss/"


class MediaContentMixin:
    """Adds an item's `picture` as media:content (the namespace goes on the root)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        picture = item.get("picture")
        if not picture:
            return
        handler.startElement("media:content", picture["attrs"])
        handler.addQuickElement("media:description", picture["alt"], {"type": "plain"})
        if picture["credit"]:
            handler.addQuickElement("media:credit", picture["credit"])
        handler.endElement("media:content")


class StoriesRss(MediaContentMixin, Rss201rev2Feed):
    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:media": MEDIA_RSS}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)  # with <atom:link rel="self">
        if settings.WEBSUB_HUB_URL:
            # WebSub: subscribers learn where to subscribe (articles.pings).
            hub = {"rel": "hub", "href": settings.WEBSUB_HUB_URL}
            handler.addQuickElement("atom:link", None, hub)


class StoriesAtom(MediaContentMixin, Atom1Feed):
    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_RSS}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)  # with <link rel="self">
        if settings.WEBSUB_HUB_URL:
            handler.addQuickElement(
                "link", "", {"rel": "hub", "href": settings.WEBSUB_HUB_URL}
            )


class StoryFeed(Feed):
    """The newest published stories; subclasses narrow `stories()` to one thing."""

    feed_type = StoriesRss
    limit = 30

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        return cacheable(response, list_tag(Article))

    def stories(self, obj):
        return Article.objects.published()

    def items(self, obj):
        return self.stories(obj).for_cards()[: self.limit]

    def title(self):
        return f"{settings.SITE_NAME}: latest stories"

    def description(self):
        return f"The latest TV and film news from {settings.SITE_NAME}."

    def link(self):
        return absolute("/")

    def feed_url(self):
        return absolute(reverse("articles:feed_latest"))

    def feed_copyright(self):
        return f"© {settings.SITE_NAME}"

    def item_title(self, item):
        return item.public_headline

    def item_description(self, item):
        return item.public_standfirst

    def item_link(self, item):
        return absolute(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.revised_at if item.was_updated else item.publish_at

    def item_author_name(self, item):
        """The byline as readers see it: "A", "A and B", "A, B and C"."""
        names = [author.name for author in item.authors.all()]
        if len(names) < 2:
            return names[0] if names else None
        return f"{', '.join(names[:-1])} and {names[-1]}"

    def item_author_link(self, item):
        authors = item.authors.all()
        return absolute(authors[0].get_absolute_url()) if len(authors) == 1 else None

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]

    def item_extra_kwargs(self, item):
        image = item.hero_image
        if image is None:
            return {}
        url, width, height = image.rendition(SHARE_WIDTH, fmt="jpeg")
        attrs = {"url": absolute(url), "medium": "image"}
        if url.lower().endswith((".jpg", ".jpeg")):
            attrs["type"] = "image/jpeg"
        if width and height:
            attrs.update(width=str(width), height=str(height))
        return {
            "picture": {"attrs": attrs, "alt": image.alt_text, "credit": image.credit}
        }


class LatestFeed(StoryFeed):
    pass


class LatestAtomFeed(StoryFeed):
    feed_type = StoriesAtom

    def subtitle(self):
        return self.description()

    def author_name(self):
        # Atom wants an author for every entry; stories without a byline use this.
        return settings.SITE_NAME

    def feed_url(self):
        return absolute(reverse("articles:feed_latest_atom"))


class TopicFeed(StoryFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def stories(self, obj):
        return Article.objects.published().filter(topics=obj)

    def title(self, obj):
        return f"{obj.name} · {settings.SITE_NAME}"

    def description(self, obj):
        return obj.description or f"The latest {obj.name} stories."

    def link(self, obj):
        return absolute(obj.get_absolute_url())

    def feed_url(self, obj):
        return absolute(reverse("articles:topic_feed", kwargs={"slug": obj.slug}))


class AuthorFeed(StoryFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Author, slug=slug)

    def stories(self, obj):
        return Article.objects.published().filter(authors=obj)

    def title(self, obj):
        return f"Stories by {obj.name} · {settings.SITE_NAME}"

    def description(self, obj):
        return obj.bio or f"The latest stories by {obj.name}."

    def link(self, obj):
        return absolute(obj.get_absolute_url())

    def feed_url(self, obj):
        return absolute(reverse("articles:author_feed", kwargs={"slug": obj.slug}))


class ShowFeed(StoryFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Show, slug=slug)

    def stories(self, obj):
        return obj.articles.published()

    def title(self, obj):
        return f"{obj.title} · {settings.SITE_NAME}"

    def description(self, obj):
        return f"The latest stories about {obj.title}."

    def link(self, obj):
        return absolute(obj.get_absolute_url())

    def feed_url(self, obj):
        return absolute(reverse("articles:show_feed", kwargs={"slug": obj.slug}))


class CorrectionsFeed(Feed):
    """RSS of /corrections/: the 30 newest corrections and clarifications."""

    limit = 30

    def __call__(self, request, *args, **kwargs):
        return cacheable(super().__call__(request, *args, **kwargs))

    def items(self):
        corrections = Correction.objects.visible().select_related("article")
        return corrections.defer("article__body", "article__body_html")[: self.limit]

    def title(self):
        return f"{settings.SITE_NAME}: corrections and clarifications"

    def description(self):
        return f"Every correction and clarification {settings.SITE_NAME} has made."

    def link(self):
        return absolute(reverse("articles:corrections"))

    def feed_url(self):
        return absolute(reverse("articles:corrections_feed"))

    def item_title(self, item):
        return f"{item.get_kind_display()}: {item.article.headline}"

    def item_description(self, item):
        return item.text

    def item_link(self, item):
        return absolute(item.get_absolute_url())

    def item_guid(self, item):
        return absolute(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.published_at
