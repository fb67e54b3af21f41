"""Rendered pieces of reader pages, cached under the version of the site's content.

A page's costly parts (an article with its byline, pictures, shows and related
stories; the home page's sections; a show's cast and seasons) are the same for every
reader until something they show changes. They are cached under a key made of the
content version, which every change to what pages show moves on at once (the
articles app keeps it: articles.fragments, registered with register_version_source),
and of the deployed code's digest. So a change shows on the next request, on every
app server, and a page whose pieces are all cached skips their queries and rendering.

In a view:

    show = get_object_or_404(with_version(Show.objects.all()), slug=slug)
    fragments = Fragments(f"show:{show.pk}", ["content"], version=version_of(show))
    if not fragments.complete:
        ...fetch what the pieces print...
    context["fragments"] = fragments

and in its template, around each piece: {% load fragments %}
{% fragment "content" %}…{% endfragment %} (rendered, and stored, only when missing).
"""

import hashlib
import time
from functools import lru_cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache

from core import cache_tags

CODE_SUFFIXES = {".py", ".html", ".txt", ".xml"}
# Settings that pages print (names, addresses, the reminders key): a new value starts
# new pieces, as a release does.
MARKUP_SETTINGS = (
    "SITE_NAME",
    "SITE_URL",
    "STATIC_URL",
    "MEDIA_URL",
    "LANGUAGE_CODE",
    "TIME_ZONE",
    "VAPID_PUBLIC_KEY",
    "AWS_S3_CUSTOM_DOMAIN",
)

_source = None


def register_version_source(source):
    """`source` gives the content version: `current()` (a string, one query),
    `annotate(queryset)` (read it with a page's own row) and `of(row)`."""
    global _source  # noqa: PLW0603 - one source per process, set when apps are ready
    _source = source


def current_version():
    return f"{code_version()}.{_source.current()}"


def with_version(queryset):
    """`queryset`'s rows with the content version read in the same query."""
    return _source.annotate(queryset)


def version_of(row):
    """The content version read with `row` (with_version())."""
    return f"{code_version()}.{_source.of(row)}"


@lru_cache
def code_version():
    """A digest of the project's code, templates, static manifest and the settings
    pages print, as deployed.

    Part of every fragment key, so a release that changes how pages look never
    serves pieces rendered by the one before. The same files give the same digest
    on every app server.
    """
    base = Path(settings.BASE_DIR).resolve()
    roots = [Path(folder) for engine in settings.TEMPLATES for folder in engine["DIRS"]]
    roots += [
        Path(config.path)
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
    ]
    files = {
        path
        for root in roots
        for path in root.rglob("*")
        if path.suffix in CODE_SUFFIXES and path.is_file()
    }
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        files.add(manifest)
    digest = hashlib.blake2b(digest_size=6)
    for name in MARKUP_SETTINGS:
        digest.update(f"{name}={getattr(settings, name, None)!r}".encode())
    for path in sorted(files):
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


class Fragments:
    """The cached pieces of one page (`page` names it, e.g. "article:12").

    `version`: the content version when the view has it already (version_of()),
    else it is read (one query). Off (nothing read or stored) when
    FRAGMENT_CACHE_SECONDS is 0 or `enabled` is false, e.g. for a draft, whose page
    staff see while it changes.
    """

    def __init__(self, page, names, *, version=None, enabled=True):
        self.seconds = settings.FRAGMENT_CACHE_SECONDS
        self.enabled = enabled and self.seconds > 0
        self.found = {}
        self.names = list(names)
        self.keys = {}
        if self.enabled:
            version = version or current_version()
            self.keys = {name: f"fragment:{page}:{name}:{version}" for name in names}
            found = cache.get_many(list(self.keys.values()))
            now = time.time()
            # A piece keeps its own expiry as well as the cache's: the moment it
            # must go (a scheduled story, a spoiler lift) is the site's clock's.
            self.found = {
                name: found[key]
                for name, key in self.keys.items()
                if key in found and found[key][2] > now
            }

    @property
    def complete(self):
        """Whether every piece is cached, so the page needs none of their data."""
        return self.enabled and len(self.found) == len(self.names)

    def get(self, name):
        """The cached piece, or None. Its cache tags join the page's, since the
        objects it shows are not read on this request (core.cache_tags)."""
        found = self.found.get(name)
        if found is None:
            return None
        html, tags, _expires = found
        cache_tags.add(*tags)
        return html

    def store(self, name, html):
        """Keep a piece with the cache tags of what the page read to make it, no
        longer than until the next change to them that no save announces
        (core.cache_tags.register_next_change). A live blog under way, which
        changes by the clock, is not cached in pieces at all (articles.views)."""
        if not self.enabled or name not in self.keys:
            return
        tags = cache_tags.collected()
        seconds = cache_tags.seconds_until_next_change(self.seconds, tags)
        if seconds > 0:
            piece = (html, sorted(tags), time.time() + seconds)
            cache.set(self.keys[name], piece, seconds)
