"""What readers get when a shared service fails.

Database down: a page that needs it answers 503 "back soon" in the site's design, with
`Retry-After`, instead of a 500. The page is rendered without any query: the header's
navigation topics come from the cache only (none if they are not cached) and flash
messages are not read (they may live in a database session). Nothing is kept between
requests, so the next request after the database is back is served normally; Django's
connection health checks (CONN_HEALTH_CHECKS) drop the broken connection.
"""

import logging
import sys

from django.core.cache import cache
from django.db.utils import InterfaceError, OperationalError
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views import defaults

from articles import navigation

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def cached_navigation_topics():
    """The header's topics if the cache has them; never a query."""
    try:
        return cache.get(navigation.CACHE_KEY) or []
    except Exception:  # noqa: BLE001 - the cache may be down too: no topics, then
        return []


def database_unavailable(request):
    response = TemplateResponse(
        request,
        "503.html",
        {"nav_topics": cached_navigation_topics(), "messages": []},
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a lost or refused database connection into the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable: %s", exception)
        return database_unavailable(request).render()


def server_error(request):
    """handler500: a database failure raised outside a view (a session or sign-in
    looked up by a middleware) gets the same 503 page; anything else the 500 page."""
    if isinstance(sys.exception(), (OperationalError, InterfaceError)):
        return database_unavailable(request).render()
    return defaults.server_error(request)
