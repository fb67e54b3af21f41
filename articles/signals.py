"""Keep stored article bodies in step with the library pictures placed in them, the
cached navigation topics in step with the topics, and spoiler lift times in step with
the air dates they follow; tell the library which pictures live stories show."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from articles.models import Article, LiveUpdate, Topic
from articles.navigation import forget_navigation_topics
from images.models import Image, register_live_use
from shows.models import Episode, Season, Show


@register_live_use
def heroes_of_live_stories():
    return Article.objects.published().values("hero_image")


@register_live_use
def pictures_in_live_stories():
    live = Article.objects.published().values("pk")
    return Article.inline_images.through.objects.filter(article__in=live).values(
        "image"
    )


def _rerender(articles):
    for article in articles:
        article.rerender_body()


def _showing(picture):
    """Stories and live-blog updates whose body shows `picture`."""
    return [
        *Article.objects.filter(inline_images=picture),
        *LiveUpdate.objects.filter(inline_images=picture),
    ]


@receiver(post_save, sender=Image, dispatch_uid="articles.picture_saved")
def picture_saved(sender, instance, created, raw=False, **kwargs):
    """A new caption or credit reaches every story that shows the picture."""
    if not created and not raw:
        _rerender(_showing(instance))


@receiver(pre_delete, sender=Image, dispatch_uid="articles.picture_deleting")
def picture_deleting(sender, instance, **kwargs):
    instance._articles_showing = _showing(instance)


@receiver(post_delete, sender=Image, dispatch_uid="articles.picture_deleted")
def picture_deleted(sender, instance, **kwargs):
    """A deleted picture leaves the stories it was in (the [picture N] line stays)."""
    _rerender(getattr(instance, "_articles_showing", []))


@receiver(post_save, sender=Topic, dispatch_uid="articles.topic_saved")
@receiver(post_delete, sender=Topic, dispatch_uid="articles.topic_deleted")
def topic_changed(sender, **kwargs):
    """A renamed, added, hidden or deleted topic reaches the header at once.

    Cleared again after the commit: a page rendered meanwhile may have cached the
    rows as they were before it.
    """
    forget_navigation_topics()
    transaction.on_commit(forget_navigation_topics)


SUBJECT_FIELD = {
    Show: "subject_show",
    Season: "subject_season",
    Episode: "subject_episode",
}


@receiver(post_save, sender=Show, dispatch_uid="articles.show_dates")
@receiver(post_save, sender=Season, dispatch_uid="articles.season_dates")
@receiver(post_save, sender=Episode, dispatch_uid="articles.episode_dates")
def first_shown_changed(sender, instance, created, raw=False, **kwargs):
    """A new air or release date moves the default spoiler lift of the reviews and
    recaps about it (those whose editor set no time of their own)."""
    if created or raw:
        return
    stories = Article.objects.filter(
        **{SUBJECT_FIELD[sender]: instance, "spoilers_lift_at__isnull": True}
    )
    for article in stories.select_related(*SUBJECT_FIELD.values()):
        lift = article.default_spoilers_lift()
        if lift != article.spoilers_until:
            Article.objects.filter(pk=article.pk).update(spoilers_until=lift)
