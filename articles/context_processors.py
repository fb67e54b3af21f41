from articles.navigation import navigation_topics
from core import cache_tags


def navigation(request):
    """Topics for the header navigation.

    The function itself goes into the context: templates call it when the header
    prints, so pages without the header (the admin) never touch the cache for it.
    """
    cache_tags.add(cache_tags.NAVIGATION)
    return {"nav_topics": navigation_topics}
