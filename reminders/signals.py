from django.db import transaction
from django.dispatch import receiver

from articles.publication import story_went_live
from reminders.tasks import notify_followers


@receiver(story_went_live, dispatch_uid="reminders.story_went_live")
def remind_followers(sender, article, **kwargs):
    """Once the announcement commits, queue the story's reminders."""
    article_id = article.pk
    transaction.on_commit(
        lambda: notify_followers.enqueue(article_id=article_id), robust=True
    )
