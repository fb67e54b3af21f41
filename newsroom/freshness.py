"""Which cached pages a change makes stale: the signal side of core.cache_tags.

Pages are tagged with every object of the content apps read while they were made
(`post_init` while a page is collecting tags), plus the lists they are. A save or a
delete, through the admin, a command or plain ORM, purges on commit:

- the object's own tag: every page that shows it;
- when it is new or gone, its list's tag: pages that list such objects;
- the objects it belongs to (its foreign keys, but for optional references such as a
  picture, which are `SET_NULL`): a new credit changes its show's page, a new byline
  its writer's page;
- for a story, the pages it is listed on (its topics, writers, shows and people, and
  the story lists), whenever it is or was published (live or scheduled): edits to a
  draft purge nothing.

Connected in NewsroomConfig.ready(); `bulk_create`/`update()` send no signals, so
code that uses them calls `cache_tags.purge()` itself.
"""

from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_init,
    post_save,
    pre_delete,
    pre_save,
)
from django.utils import timezone

from articles.models import Article, Topic
from core import cache_tags
from core.publishing import Status, live, scheduled

CONTENT_APPS = {"images", "authors", "shows", "articles"}
# Counted, not shown: reads change "most read" through the cache lifetime alone.
NOT_SHOWN = {"articles.dailyreads"}
STORY_LISTS = cache_tags.list_tag(Article)


def is_content(model):
    opts = model._meta
    return opts.app_label in CONTENT_APPS and opts.label_lower not in NOT_SHOWN


def collect(sender, instance, **kwargs):
    """post_init: a page being made shows what it reads."""
    if cache_tags.collecting() and instance.pk is not None and is_content(sender):
        cache_tags.add(cache_tags.tag_for(instance))


def _owners(instance):
    """Tags of the objects `instance` belongs to (non-optional foreign keys)."""
    tags = set()
    for field in instance._meta.concrete_fields:
        if not field.many_to_one and not field.one_to_one:
            continue
        if field.remote_field.on_delete is models.SET_NULL:
            continue
        pk = getattr(instance, field.attname)
        if pk is not None and is_content(field.related_model):
            tags.add(f"{field.related_model._meta.model_name}-{pk}")
    return tags


def _story_is_public(story):
    return story.status == Status.PUBLISHED


def story_tags(story):
    """Where a published story is listed: its own page, its topics', writers',
    shows' and people's pages, and the story lists."""
    tags = {cache_tags.tag_for(story), STORY_LISTS}
    tags.update(f"topic-{pk}" for pk in story.topics.values_list("pk", flat=True))
    tags.update(f"author-{pk}" for pk in story.authors.values_list("pk", flat=True))
    tags.update(f"show-{pk}" for pk in story.shows.values_list("pk", flat=True))
    tags.update(f"person-{pk}" for pk in story.people.values_list("pk", flat=True))
    return tags


def _story_of(instance):
    """The story a row belongs to (a byline, a topic link, a live update…), if any."""
    for field in instance._meta.concrete_fields:
        if field.many_to_one and field.related_model is Article:
            pk = getattr(instance, field.attname)
            if pk is not None:
                return Article.objects.filter(pk=pk).only("status").first()
    return None


def remember_state(sender, instance, raw=False, **kwargs):
    """pre_save: whether the story was published before this save."""
    if sender is Article and not raw and instance.pk is not None:
        before = Article.objects.filter(pk=instance.pk).values("status").first()
        instance._was_published = bool(before) and before["status"] == Status.PUBLISHED


def remember_listings(sender, instance, **kwargs):
    """pre_delete: where a published story is listed, before its links go."""
    if sender is Article and _story_is_public(instance):
        instance._listed_on = story_tags(instance)


def changed(sender, instance, created=False, raw=False, signal=None, **kwargs):
    """post_save and post_delete: purge what showed or now shows it."""
    if raw or not is_content(sender):
        return
    if sender is Article:
        if hasattr(instance, "_listed_on"):
            cache_tags.purge(instance._listed_on)
        elif _story_is_public(instance) or getattr(instance, "_was_published", False):
            cache_tags.purge(story_tags(instance))
        return
    story = _story_of(instance)
    if story is not None and not _story_is_public(story):
        return  # a part of a draft: on no reader page
    tags = {cache_tags.tag_for(instance), *_owners(instance)}
    if created or signal is post_delete:
        tags.add(cache_tags.list_tag(sender))
    if sender is Topic:
        tags.add(cache_tags.NAVIGATION)  # the header lists topics on every page
    cache_tags.purge(tags)


def _link_fields(through, model):
    """The through model's foreign key to `model`."""
    for field in through._meta.concrete_fields:
        if field.many_to_one and issubclass(model, field.related_model):
            return field
    raise LookupError(f"{through} has no link to {model}")


def links_changed(sender, instance, action, model, pk_set, **kwargs):
    """m2m_changed: a story's topics, shows, people or pictures, from either side."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if action == "pre_clear":
        mine = _link_fields(sender, type(instance))
        theirs = _link_fields(sender, model)
        pk_set = set(
            sender.objects.filter(**{mine.attname: instance.pk}).values_list(
                theirs.attname, flat=True
            )
        )
    if not pk_set:
        return
    if not isinstance(instance, Article) and model is not Article:
        # Links between two other rows (a live update's writers or pictures): the
        # row shows differently, as after a save.
        if is_content(type(instance)):
            cache_tags.purge({cache_tags.tag_for(instance), *_owners(instance)})
        return
    if isinstance(instance, Article):
        stories, other, other_pks = [instance], model, pk_set
    else:
        stories = list(Article.objects.filter(pk__in=pk_set).only("status"))
        other, other_pks = type(instance), {instance.pk}
    public = [story for story in stories if _story_is_public(story)]
    if not public or not is_content(other):
        return
    tags = {cache_tags.tag_for(story) for story in public} | {STORY_LISTS}
    tags.update(f"{other._meta.model_name}-{pk}" for pk in other_pks)
    cache_tags.purge(tags)


def connect():
    post_init.connect(collect, dispatch_uid="newsroom.freshness.collect")
    pre_save.connect(remember_state, dispatch_uid="newsroom.freshness.state")
    post_save.connect(changed, dispatch_uid="newsroom.freshness.saved")
    pre_delete.connect(remember_listings, dispatch_uid="newsroom.freshness.listed")
    post_delete.connect(changed, dispatch_uid="newsroom.freshness.deleted")
    m2m_changed.connect(links_changed, dispatch_uid="newsroom.freshness.links")
    cache_tags.register_next_change(
        next_story_change,
        # Where a story goes live, or switches from its spoiler-free text: the story
        # lists, its topics', writers', shows' and people's pages, stories sharing a
        # topic or show (their related rail), and its own page's share tags.
        tags=[STORY_LISTS, "article-", "topic-", "author-", "show-", "person-"],
    )


def next_story_change():
    """The next moment a story changes by itself, in one query: a scheduled story
    going live, or a live story's spoilers lifting (its real headline reaches cards,
    feeds and share tags then)."""
    going_live = scheduled()
    lifting = live() & Q(spoilers_until__gt=timezone.now())
    return (
        Article.objects.filter(going_live | lifting)
        .annotate(
            moment=Case(
                When(going_live, then=F("publish_at")), default=F("spoilers_until")
            )
        )
        .order_by("moment")
        .values_list("moment", flat=True)
        .first()
    )
