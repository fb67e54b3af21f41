"""Rendered pieces of reader pages, cached under the version of the site's content.

A page's costly parts (the article with its byline, pictures, shows and related
stories; the home page's sections) are the same for every reader until something
they show changes. They are cached under a key made of the content version: the
counter in `ContentVersion`, moved on in the saving transaction by every save,
delete or relation change of a model in the content apps (articles.signals), and
the publish time of the newest live story, which moves on by itself when a
scheduled story goes live. So a change shows on the next request, on every app
server, and a page whose pieces are all cached skips their queries and rendering.

In a view:

    fragments = Fragments(f"article:{article.pk}", ["head", "content"])
    if not fragments.complete:
        ...fetch what the pieces print...
    context["fragments"] = fragments

and in its template, around each piece: {% load fragments %}
{% fragment "content" %}…{% endfragment %} (rendered, and stored, only when missing).
"""

import hashlib
from functools import lru_cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Subquery

from articles.models import Article, ContentVersion

CODE_SUFFIXES = {".py", ".html", ".txt", ".xml"}
# Apps whose rows reader pages print: a change to any of their models moves the
# content version on (articles.signals), except the high-churn rows no page prints.
CONTENT_APPS = {"articles", "authors", "shows", "images", "taggit"}
NOT_CONTENT = {"articles.dailyreads", "articles.contentversion"}


def is_content(model):
    label = model._meta.label_lower
    return model._meta.app_label in CONTENT_APPS and label not in NOT_CONTENT


def content_version():
    """The current content version, as a string for cache keys (one query).

    A page that reads a row anyway (a story, a topic) gets it in the same query
    instead: with_content_version(queryset), then version_of(row).
    """
    newest = Article.objects.published().order_by("-publish_at").values("publish_at")
    row = (
        ContentVersion.objects.filter(pk=1)
        .annotate(newest=Subquery(newest[:1]))
        .values_list("counter", "newest")
        .first()
    )
    if row is None:  # the row is made by a migration; a flushed test database
        newest_row = newest.first()
        row = (0, newest_row["publish_at"] if newest_row else None)
    return _version(*row)


def with_content_version(queryset):
    """`queryset`'s rows with the content version read in the same query."""
    newest = Article.objects.published().order_by("-publish_at")
    return queryset.annotate(
        content_counter=Subquery(ContentVersion.objects.filter(pk=1).values("counter")),
        newest_live_at=Subquery(newest.values("publish_at")[:1]),
    )


def version_of(row):
    """The content version read with `row` (with_content_version())."""
    return _version(row.content_counter or 0, row.newest_live_at)


def _version(counter, newest_live_at):
    newest = newest_live_at.timestamp() if newest_live_at else 0
    return f"{code_version()}.{counter}.{newest}"


@lru_cache
def code_version():
    """A digest of the project's code, templates and static manifest as deployed.

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
    for path in sorted(files):
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def bump_content_version():
    """Move the version on: every cached fragment is out of date from now."""
    if not ContentVersion.objects.filter(pk=1).update(counter=F("counter") + 1):
        ContentVersion.objects.get_or_create(pk=1, defaults={"counter": 1})


class Fragments:
    """The cached pieces of one page (`page` names it, e.g. "article:12").

    `version`: the content version when the view has it already (version_of()).
    Off (nothing read or stored) when FRAGMENT_CACHE_SECONDS is 0 or `enabled`
    is false, e.g. for a draft, whose page staff see while it changes.
    """

    def __init__(self, page, names, *, version=None, enabled=True):
        self.seconds = settings.FRAGMENT_CACHE_SECONDS
        self.enabled = enabled and self.seconds > 0
        self.found = {}
        self.names = list(names)
        if self.enabled:
            version = version or content_version()
            self.keys = {name: f"fragment:{page}:{name}:{version}" for name in names}
            found = cache.get_many(list(self.keys.values()))
            self.found = {
                name: found[key] for name, key in self.keys.items() if key in found
            }

    @property
    def complete(self):
        """Whether every piece is cached, so the page needs none of their data."""
        return self.enabled and len(self.found) == len(self.names)

    def get(self, name):
        return self.found.get(name)

    def store(self, name, html):
        if self.enabled and name in self.keys:
            cache.set(self.keys[name], html, self.seconds)
