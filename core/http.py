"""Cache headers for reader pages."""

from django.utils.cache import patch_cache_control

from core import cache_tags

# Browsers keep a reader page this long; a purge cannot reach them, so it is short.
BROWSER_SECONDS = 60
# Shared caches (the app's page cache, Varnish, a CDN) are purged by tag the moment
# anything on the page changes (core.cache_tags), so they may keep it longer.
SHARED_SECONDS = 600
# Serve the old copy while fetching a new one, and when the site cannot answer.
STALE_WHILE_REVALIDATE_SECONDS = 30
STALE_IF_ERROR_SECONDS = 86400


def cacheable(response, *tags):
    """Let browsers, the app's page cache and the CDN keep a reader page.

    `tags` name the lists the page is (e.g. `list_tag(Article)` for pages that list
    stories); the objects it shows tag it by themselves (core.cache_tags).
    """
    patch_cache_control(
        response,
        public=True,
        max_age=BROWSER_SECONDS,
        s_maxage=SHARED_SECONDS,
        stale_while_revalidate=STALE_WHILE_REVALIDATE_SECONDS,
        stale_if_error=STALE_IF_ERROR_SECONDS,
    )
    cache_tags.add(*tags)
    return response


class CacheableMixin:
    """For reader pages that are the same for everyone; `cache_tags` names the lists
    the page is."""

    cache_tags = ()

    def render_to_response(self, context, **kwargs):
        return cacheable(
            super().render_to_response(context, **kwargs), *self.cache_tags
        )
