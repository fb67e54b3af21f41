"""Read counts for "most read": counted in the cache, flushed to DailyReads.

A story page sends one anonymous beacon per reading (static/js/reads.js), so reads
are counted even when the CDN serves the page. Counting touches only the cache:
`count_read()` adds one to the story's counter (an atomic incr, shared by every app
server through Redis) and, the first time a story is counted since the last flush,
enters it in a numbered list of slots so a flush knows which counters to read. No
cookie, address or other trace of the reader is kept anywhere.

`flush()` (run by `manage.py flush_view_counts`, and by the counting endpoint at most
every READS_FLUSH_SECONDS) adds what was counted to the day's DailyReads rows and
takes exactly that much off the counters, so reads that arrive meanwhile stay for the
next flush. It only uses add/incr/decr/get_many, which every Django cache backend
makes atomic.
"""

import logging
from contextlib import suppress

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article, DailyReads

logger = logging.getLogger(__name__)

PREFIX = "reads"
SEQUENCE = f"{PREFIX}:sequence"  # number of the last slot handed out
FLUSHED = f"{PREFIX}:flushed"  # number of the last slot a flush has read
LOCK = f"{PREFIX}:flush-lock"
FLUSH_DUE = f"{PREFIX}:flush-due"
COUNTER_SECONDS = 3 * 24 * 3600  # counts not flushed within this are dropped
LISTED_SECONDS = 10 * 60  # a story listed this long is listed again on its next read
LOCK_SECONDS = 120
BATCH = 500


def _counter(pk):
    return f"{PREFIX}:count:{pk}"


def _listed(pk):
    return f"{PREFIX}:listed:{pk}"


def _slot(number):
    return f"{PREFIX}:slot:{number}"


def count_read(pk):
    """Count one read of story `pk` (the caller has checked that it is live)."""
    _increment(_counter(pk), COUNTER_SECONDS)
    # The "listed" mark expires by itself, so a slot lost to a race with a flush
    # or to cache eviction only delays that story's flush; it never strands it.
    if cache.add(_listed(pk), 1, LISTED_SECONDS):
        cache.set(_slot(_increment(SEQUENCE, None)), pk, COUNTER_SECONDS)


def _increment(key, timeout):
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between the two calls
        cache.set(key, 1, timeout)
        return 1


def flush_if_due():
    """Flush at most once every READS_FLUSH_SECONDS (0: never from a request)."""
    seconds = settings.READS_FLUSH_SECONDS
    if seconds and cache.add(FLUSH_DUE, 1, seconds):
        flush()


def flush():
    """Add the counted reads to today's DailyReads. Returns (reads, stories), or
    None when another flush is running."""
    if not cache.add(LOCK, 1, LOCK_SECONDS):
        return None
    try:
        return _flush()
    finally:
        cache.delete(LOCK)


def _flush():
    last = cache.get(SEQUENCE) or 0
    first = (cache.get(FLUSHED) or 0) + 1
    if first > last + 1:  # the cache was emptied and numbering started again
        first = 1
    slots = [_slot(number) for number in range(first, last + 1)]
    pks = set(_get_many(slots).values())
    # Unlisted first: a read from now on lists its story again for the next flush.
    cache.delete_many([_listed(pk) for pk in pks])
    counters = {_counter(pk): pk for pk in pks}
    counted = {counters[key]: n for key, n in _get_many(counters).items() if n}
    _save(counted)
    for pk, n in counted.items():
        with suppress(ValueError):  # expired meanwhile: nothing left to take off
            cache.decr(_counter(pk), n)
    cache.set(FLUSHED, last, None)
    cache.delete_many(slots)
    total = sum(counted.values())
    if total:
        logger.info("Flushed %s reads of %s stories.", total, len(counted))
    return total, len(counted)


def _get_many(keys):
    keys, found = list(keys), {}
    for start in range(0, len(keys), BATCH):
        found.update(cache.get_many(keys[start : start + BATCH]))
    return found


def _save(counted):
    """Add `counted` ({pk: reads}) to today's rows, making the missing ones."""
    if not counted:
        return
    today = timezone.localdate()
    with transaction.atomic():
        live = set(
            Article.objects.filter(pk__in=counted).values_list("pk", flat=True)
        )  # a story deleted since it was read is skipped
        rows = DailyReads.objects.filter(day=today, article__in=live)
        existing = set(rows.values_list("article_id", flat=True))
        for pk in existing:
            rows.filter(article=pk).update(count=F("count") + counted[pk])
        DailyReads.objects.bulk_create(
            DailyReads(article_id=pk, day=today, count=counted[pk])
            for pk in live - existing
        )
