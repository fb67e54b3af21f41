"""Cache headers for reader pages."""

from django.utils.cache import patch_cache_control

READER_CACHE_SECONDS = 300


def cacheable(response):
    """Let browsers and the CDN keep a reader page for a few minutes."""
    patch_cache_control(response, public=True, max_age=READER_CACHE_SECONDS)
    return response


class CacheableMixin:
    """For reader pages that are the same for everyone."""

    def render_to_response(self, context, **kwargs):
        return cacheable(super().render_to_response(context, **kwargs))
