"""The content version that cached page pieces are keyed by (core.fragments).

It is the counter in `ContentVersion`, moved on in the saving transaction by every
save, delete or relation change of a model in the content apps (articles.signals),
and the publish time of the newest live story, which moves on by itself when a
scheduled story goes live. Registered as core.fragments' version source when the
app is ready.
"""

from django.db.models import F, Subquery

from articles.models import Article, ContentVersion

# Apps whose rows reader pages print: a change to any of their models moves the
# content version on (articles.signals), except the high-churn rows no page prints.
CONTENT_APPS = {"articles", "authors", "shows", "images", "taggit"}
NOT_CONTENT = {"articles.dailyreads", "articles.contentversion"}


def is_content(model):
    label = model._meta.label_lower
    return model._meta.app_label in CONTENT_APPS and label not in NOT_CONTENT


def current():
    """The content version, as a string for cache keys (one query).

    A page that reads a row anyway (a story, a topic, a show) gets it in the same
    query instead: annotate(queryset), then of(row).
    """
    newest = Article.objects.published().newest_first().values("publish_at")
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


def annotate(queryset):
    """`queryset`'s rows with the content version read in the same query."""
    newest = Article.objects.published().newest_first()
    return queryset.annotate(
        content_counter=Subquery(ContentVersion.objects.filter(pk=1).values("counter")),
        newest_live_at=Subquery(newest.values("publish_at")[:1]),
    )


def of(row):
    """The content version read with `row` (annotate())."""
    return _version(row.content_counter or 0, row.newest_live_at)


def _version(counter, newest_live_at):
    newest = newest_live_at.timestamp() if newest_live_at else 0
    return f"{counter}.{newest}"


def bump_content_version():
    """Move the version on: every cached fragment is out of date from now."""
    if not ContentVersion.objects.filter(pk=1).update(counter=F("counter") + 1):
        ContentVersion.objects.get_or_create(pk=1, defaults={"counter": 1})
