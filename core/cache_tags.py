"""Cache tags: what a cached page shows, so a change reaches exactly those pages.

A reader page is tagged with everything it shows: each object read from the database
while it was made (``article-12``, ``topic-5``, ``image-40``…, see ``tag_for()``)
and the lists it is (``article-list`` for pages that list stories). When an object
changes, ``purge()`` invalidates every copy carrying its tags, on commit:

- in the app's own page cache, by tag versions: a purge gives each tag a new version
  (a number from one shared counter), and a stored page is served only while the
  versions it was stored with are still current;
- in front of the app, through the callables listed in ``CACHE_TAG_PURGERS`` (each
  takes the tags): Varnish (``core.varnish``), a CDN.

Responses name their tags in ``Surrogate-Key`` (Fastly and others) and ``xkey``
(Varnish's xkey vmod), space-separated.

Pages also must not outlive a change that no save announces: a scheduled story going
live, an offer ending. Apps register ``next_change`` providers (each returns the next
such moment, or None, for pages with given tags) and such a page is cached no longer
than until the earliest of them.
"""

import contextvars
import logging
import time
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

HEADERS = ("Surrogate-Key", "xkey")
_VERSION_KEY = "cachetag:v:{}"
_COUNTER_KEY = "cachetag:counter"
_NEXT_CHANGE_KEY = "cachetag:next-change"
_NO_CHANGE = "none"

# The tags of the page being made, for this request (None outside a tagged request).
_collected = contextvars.ContextVar("cache_tags", default=None)


def tag_for(instance):
    """The tag of a model instance: its model's name and its primary key."""
    return f"{instance._meta.model_name}-{instance.pk}"


def list_tag(model):
    """The tag of pages that list a model's objects (new ones appear there); a
    model, or its name for a layer that cannot import it ("article")."""
    name = model if isinstance(model, str) else model._meta.model_name
    return f"{name}-list"


# Every page's header lists the navigation topics.
NAVIGATION = "navigation"


# --- Collecting a page's tags ---------------------------------------------------------


def start_collecting():
    """Collect tags for the response being made; returns a token for stop."""
    return _collected.set(set())


def stop_collecting(token):
    tags = _collected.get()
    _collected.reset(token)
    return tags or set()


def add(*tags):
    """Add tags to the page being made (a view naming the lists it shows)."""
    collected = _collected.get()
    if collected is not None:
        collected.update(tags)


def collecting():
    return _collected.get() is not None


def collected():
    """The tags of the page being made so far (empty outside a tagged request)."""
    return set(_collected.get() or ())


# --- Versions ------------------------------------------------------------------------


# This process's last reading of the counter: (value, monotonic time read).
_last_reading = (None, 0.0)


def current_counter(max_age=0.0):
    """The purge counter now: a page made after this moment saw every purge up to it.

    It only grows: when it is missing (a cleared or evicted cache) it starts again
    from the clock in microseconds, past any value it had before. `max_age` lets a
    reading this process took at most that many seconds ago stand in for it (the
    page cache's hits; purges made here update the reading at once).
    """
    global _last_reading
    value, read_at = _last_reading
    if value is not None and 0 <= time.monotonic() - read_at < max_age:
        return value
    value = cache.get(_COUNTER_KEY)
    if value is None:
        cache.add(_COUNTER_KEY, time.time_ns() // 1000, timeout=None)
        value = cache.get(_COUNTER_KEY) or 0
    _last_reading = (value, time.monotonic())
    return value


def versions(tags):
    """{tag: version} for the tags that have one (a tag never purged has none yet)."""
    keys = {_VERSION_KEY.format(tag): tag for tag in tags}
    found = cache.get_many(list(keys))
    return {keys[key]: value for key, value in found.items()}


def versions_for_storing(tags, counter_at_start):
    """{tag: version} for a page made since `counter_at_start`, or None when one of
    its tags was purged meanwhile (what it read may be older than the purge).

    Tags without a version (never purged, or evicted) get `counter_at_start`, so
    the page is current until one of its tags is purged. A page whose tags lose their
    version later is not served: a missing version never matches.
    """
    known = versions(tags)
    missing = [tag for tag in tags if tag not in known]
    for tag in missing:
        cache.add(_VERSION_KEY.format(tag), counter_at_start, timeout=None)
    if missing:
        known.update(versions(missing))
    if len(known) < len(tags) or any(v > counter_at_start for v in known.values()):
        return None
    return known


def is_current(stored_versions):
    """Whether no tag of a stored page was purged since it was stored."""
    return versions(stored_versions) == stored_versions


# --- Purging -------------------------------------------------------------------------


def _new_version():
    try:
        return cache.incr(_COUNTER_KEY)
    except ValueError:
        current_counter()
        return cache.incr(_COUNTER_KEY)


def purge_now(tags):
    """Invalidate every cached copy that carries one of `tags`, here and upstream."""
    global _last_reading
    tags = sorted(set(tags))
    if not tags:
        return
    try:
        version = _new_version()
        _last_reading = (None, 0.0)
        cache.set_many({_VERSION_KEY.format(tag): version for tag in tags}, None)
        cache.delete_many(
            [f"{_NEXT_CHANGE_KEY}:{i}" for i in range(len(_next_change_providers))]
        )
    except Exception:  # noqa: BLE001 - a cache outage must not fail the editor's save
        log.exception("Could not purge the page cache for %s", " ".join(tags))
    for path in getattr(settings, "CACHE_TAG_PURGERS", []):
        try:
            import_string(path)(tags)
        except Exception:  # noqa: BLE001 - nor a Varnish or a CDN that is down
            log.exception("Purger %s failed for %s", path, " ".join(tags))


def purge(tags):
    """Purge `tags` once the current transaction commits (at once outside one)."""
    tags = set(tags)
    if tags:
        transaction.on_commit(lambda: purge_now(tags))


# --- Changes no save announces -------------------------------------------------------

_next_change_providers = []


def register_next_change(provider, *, tags):
    """Register a callable returning the next moment (aware datetime) at which pages
    change by themselves, or None. Only pages carrying one of `tags` (a tag, or a
    prefix ending in "-", such as "topic-") are affected."""
    _next_change_providers.append((provider, tuple(tags)))
    return provider


def _affects(page_tags, provider_tags):
    return any(
        tag.startswith(wanted) if wanted.endswith("-") else tag == wanted
        for tag in page_tags
        for wanted in provider_tags
    )


def _next_change_of(index, provider):
    """A provider's next moment, kept in the cache until then or the next purge."""
    key = f"{_NEXT_CHANGE_KEY}:{index}"
    cached = cache.get(key)
    now = timezone.now()
    if isinstance(cached, datetime) and cached > now:
        return cached
    if cached == _NO_CHANGE:
        return None
    moment = provider()
    if moment is None or moment <= now:
        cache.set(key, _NO_CHANGE, 3600)
        return None
    cache.set(key, moment, max(1, int((moment - now).total_seconds()) + 1))
    return moment


def next_change(page_tags):
    """The earliest moment at which a page with `page_tags` changes by itself."""
    moments = [
        moment
        for index, (provider, tags) in enumerate(_next_change_providers)
        if _affects(page_tags, tags)
        and (moment := _next_change_of(index, provider)) is not None
    ]
    return min(moments, default=None)


def seconds_until_next_change(limit, page_tags):
    """`limit`, or fewer seconds if the page would change by itself sooner."""
    upcoming = next_change(page_tags)
    if upcoming is None:
        return limit
    return max(0, min(limit, int((upcoming - timezone.now()).total_seconds())))
