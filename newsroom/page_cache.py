"""The app's own whole-page cache for anonymous readers, with precise invalidation.

A reader without cookies gets the same HTML as every other reader, so an app server
answers from the shared cache (Redis in production) as a CDN would, before sessions,
CSRF, authentication and messages run. What it stores, and for how long, is the
view's own Cache-Control: reader pages are `public`; drafts, previews, token pages and
the admin are `private`/`no-store` and never stored, and neither is a response that
sets a cookie.

- Each stored page keeps the versions of its cache tags (core.cache_tags): a change
  to anything it shows purges one of them and the next request makes it anew.
- A page is fresh for `PAGE_CACHE_SECONDS` at most, and never past the next moment
  the site changes by itself (a scheduled story going live).
- The key is the path and only the query parameters pages read
  (`PAGE_CACHE_QUERY_PARAMS`): `?utm_source=…` or a cache-buster neither misses the
  cache nor adds an entry.
- A copy is kept for `PAGE_CACHE_STALE_SECONDS` after it stops being fresh: when the
  page cannot be made (the database is down: a 5xx), readers get the last good copy.
- Answers say `X-Cache: HIT`, `MISS` or `STALE`, carry an ETag and answer a matching
  `If-None-Match` with 304.
"""

import hashlib
import re
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, quote_etag

from core import cache_tags

_KEY = "page:{}"
_STORED_HEADERS_SKIP = {"set-cookie", "x-cache", "age"}


def cache_key(request):
    """The page's key: scheme, host, path and the query parameters pages read."""
    read = settings.PAGE_CACHE_QUERY_PARAMS
    params = sorted(
        (name, value)
        for name, values in request.GET.lists()
        if name in read
        for value in values
    )
    raw = "|".join(
        (request.scheme, request.get_host(), request.path, urlencode(params))
    )
    return _KEY.format(hashlib.sha256(raw.encode()).hexdigest())


def _directive(control, name):
    """A Cache-Control directive's number of seconds, or None."""
    found = re.search(rf"(?:^|[,\s]){re.escape(name)}=(\d+)", control)
    return int(found.group(1)) if found else None


def _is_public(response):
    control = response.get("Cache-Control", "")
    return "public" in control and not any(
        word in control for word in ("private", "no-store", "no-cache")
    )


def _plain(response):
    return (
        response.status_code == 200
        and not response.streaming
        and not (response.cookies)
    )


def _vary_ok(response):
    """Reader pages vary on Cookie (and compression) only: a request without
    cookies always gets the one anonymous page, so Vary does not split entries."""
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v}
    return vary <= {"cookie", "accept-encoding"}


# The pages this process served last, so a hit whose counter has not moved reads
# nothing from the shared cache (bounded; the oldest go first).
_in_memory = {}
_IN_MEMORY_PAGES = 256


def _remember(key, entry):
    if key not in _in_memory and len(_in_memory) >= _IN_MEMORY_PAGES:
        _in_memory.pop(next(iter(_in_memory)))
    _in_memory[key] = entry


class PageCacheMiddleware:
    """Serve and store anonymous reader pages; put it right after WhiteNoise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._anonymous_read(request):
            return self._not_for_everyone(request, self.get_response(request))
        key = entry = None
        if settings.CACHE_MIDDLEWARE_SECONDS > 0:
            try:
                key = cache_key(request)
            except DisallowedHost:
                return self.get_response(request)
            counter = cache_tags.current_counter(settings.PAGE_CACHE_COUNTER_SECONDS)
            entry = _in_memory.get(key)
            if entry is None or entry["counter"] != counter:
                entry = cache.get(key)
            if (
                entry is not None
                and entry["fresh_until"] > time.time()
                and self._still_current(key, entry, counter)
            ):
                _remember(key, entry)
                return self._answer(request, entry, "HIT")
        counter = cache_tags.current_counter() if key else 0
        token = cache_tags.start_collecting()
        try:
            response = self.get_response(request)
        finally:
            tags = cache_tags.stop_collecting(token)
        if response.status_code >= 500 and entry is not None:
            # The page cannot be made now (the database is down): the last good
            # copy beats an error page.
            return self._answer(request, entry, "STALE")
        if _is_public(response):
            self._tag(response, tags)
            self._cap_lifetime(response, tags)
            if key and _plain(response) and _vary_ok(response):
                if request.method == "GET":
                    self._store(key, response, tags, counter)
                response["X-Cache"] = "MISS"
        return self._conditional(request, response)

    # --- Which requests --------------------------------------------------------------

    @staticmethod
    def _anonymous_read(request):
        return (
            request.method in ("GET", "HEAD")
            and not request.COOKIES
            and "Authorization" not in request.headers
        )

    @staticmethod
    def _not_for_everyone(request, response):
        """Whatever a view said, a page for someone with a cookie is theirs alone."""
        if request.COOKIES and _is_public(response):
            response["Cache-Control"] = response["Cache-Control"].replace(
                "public", "private"
            )
        return response

    # --- Storing ---------------------------------------------------------------------

    @staticmethod
    def _tag(response, tags):
        if tags and _is_public(response):
            value = " ".join(sorted(tags))
            for header in cache_tags.HEADERS:
                response[header] = value

    @staticmethod
    def _cap_lifetime(response, tags):
        """max-age and s-maxage never run past the next change no save announces."""
        control = response["Cache-Control"]
        for name in ("max-age", "s-maxage"):
            seconds = _directive(control, name)
            if seconds is None:
                continue
            capped = cache_tags.seconds_until_next_change(seconds, tags)
            if capped < seconds:
                control = re.sub(rf"\b{name}=\d+", f"{name}={capped}", control)
        response["Cache-Control"] = control

    @staticmethod
    def _still_current(key, entry, counter):
        """Whether no tag of the page was purged since it was stored or last checked.

        While nothing at all was purged (the counter has not moved) that costs
        nothing more; after a purge elsewhere, one read of the page's tag versions,
        and the entry remembers the counter it was found current at.
        """
        if entry["counter"] == counter:
            return True
        if not cache_tags.is_current(entry["versions"]):
            return False
        entry["counter"] = counter
        remaining = entry["fresh_until"] - time.time()
        cache.set(key, entry, int(remaining) + settings.PAGE_CACHE_STALE_SECONDS)
        return True

    def _store(self, key, response, tags, counter):
        control = response["Cache-Control"]
        shared = _directive(control, "s-maxage")
        if shared is None:
            shared = _directive(control, "max-age") or 0
        lifetime = min(shared, settings.CACHE_MIDDLEWARE_SECONDS)
        if lifetime <= 0:
            return
        versions = cache_tags.versions_for_storing(tags, counter)
        if versions is None:
            return  # something it shows changed while it was being made
        if not response.has_header("ETag"):
            digest = hashlib.md5(response.content, usedforsecurity=False)
            response["ETag"] = quote_etag(digest.hexdigest())
        entry = {
            "status": response.status_code,
            "headers": [
                (name, value)
                for name, value in response.items()
                if name.lower() not in _STORED_HEADERS_SKIP
            ],
            "content": response.content,
            "versions": versions,
            "counter": counter,
            "stored_at": time.time(),
            "fresh_until": time.time() + lifetime,
        }
        cache.set(key, entry, lifetime + settings.PAGE_CACHE_STALE_SECONDS)

    # --- Answering -------------------------------------------------------------------

    def _answer(self, request, entry, state):
        response = HttpResponse(entry["content"], status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        response["X-Cache"] = state
        response["Age"] = str(max(0, int(time.time() - entry["stored_at"])))
        if state == "STALE":
            patch_cache_control(response, max_age=0, s_maxage=0)
        return self._conditional(request, response)

    @staticmethod
    def _conditional(request, response):
        etag = response.get("ETag")
        wanted = request.headers.get("If-None-Match")
        if (
            etag
            and wanted
            and response.status_code == 200
            and (etag in parse_etags(wanted) or wanted.strip() == "*")
        ):
            not_modified = HttpResponseNotModified()
            for name in (
                "ETag",
                "Cache-Control",
                "Vary",
                "X-Cache",
                *cache_tags.HEADERS,
            ):
                if name in response:
                    not_modified[name] = response[name]
            return not_modified
        return response
