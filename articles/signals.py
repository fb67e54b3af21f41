"""Keep stored article bodies in step with the library pictures placed in them, and
the cached navigation topics in step with the topics; tell the library which
pictures live stories show."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from articles.models import Article, Topic
from articles.navigation import forget_navigation_topics
from images.models import Image, register_live_use


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


@receiver(post_save, sender=Image, dispatch_uid="articles.picture_saved")
def picture_saved(sender, instance, created, raw=False, **kwargs):
    """A new caption or credit reaches every story that shows the picture."""
    if not created and not raw:
        _rerender(Article.objects.filter(inline_images=instance))


@receiver(pre_delete, sender=Image, dispatch_uid="articles.picture_deleting")
def picture_deleting(sender, instance, **kwargs):
    instance._articles_showing = list(Article.objects.filter(inline_images=instance))


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
