"""Whole-page cache for anonymous readers, on Django's own cache middleware.

A reader without cookies gets the same HTML as every other reader (no per-reader
content on anonymous pages), so the app server can answer from the shared cache as a
CDN would. Anyone with a cookie (staff, a flash message) always gets a fresh page, and a
response that sets a cookie is never stored. What may be cached and for how long is the
view's own Cache-Control (reader pages send `public, max-age=…`; drafts, previews,
tokens and the admin send `private`/`no-cache`, which the middleware never stores).
"""

from django.conf import settings
from django.middleware.cache import FetchFromCacheMiddleware, UpdateCacheMiddleware


class UpdateAnonymousPageCacheMiddleware(UpdateCacheMiddleware):
    def process_response(self, request, response):
        if response.cookies:
            return response
        return super().process_response(request, response)


class FetchAnonymousPageCacheMiddleware(FetchFromCacheMiddleware):
    def __init__(self, get_response):
        super().__init__(get_response)
        self.enabled = settings.CACHE_MIDDLEWARE_SECONDS > 0

    def process_request(self, request):
        if request.COOKIES or not self.enabled:
            request._cache_update_cache = False
            return None
        return super().process_request(request)
