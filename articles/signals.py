"""Keep stored article bodies in step with the library pictures placed in them."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from articles.models import Article
from images.models import Image


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
