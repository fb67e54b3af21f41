"""The header's navigation topics, kept in the cache so a page spends no query on them.

The list depends only on the topics themselves (name, slug, "shown in the navigation"),
not on any story, so saving or deleting a Topic clears it (articles.signals) and
publishing, scheduling or unpublishing stories leaves it alone. The timeout is only a
safety net for changes that bypass signals, such as a queryset update().
"""

from django.core.cache import cache

from articles.models import Topic

CACHE_KEY = "articles:navigation-topics:v1"
CACHE_SECONDS = 60 * 60


def navigation_topics():
    """The navigation topics (Topic instances, by name): one query per cache miss."""
    topics = cache.get(CACHE_KEY)
    if topics is None:
        topics = list(Topic.objects.in_navigation())
        cache.set(CACHE_KEY, topics, CACHE_SECONDS)
    return topics


def forget_navigation_topics():
    cache.delete(CACHE_KEY)
