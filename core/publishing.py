"""The publishing workflow's states and the one rule for what readers may see."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")


def live(prefix=""):
    """Readers may see a story when it is published and its publish time has come.

    `prefix` reaches the story through a relation (e.g. "articles__" from a writer),
    so counts and filters on related models use this same rule.
    """
    return Q(
        **{
            f"{prefix}status": Status.PUBLISHED,
            f"{prefix}publish_at__lte": timezone.now(),
        }
    )


def scheduled(prefix=""):
    """Published by an editor for a time still to come: live by itself then."""
    return Q(
        **{
            f"{prefix}status": Status.PUBLISHED,
            f"{prefix}publish_at__gt": timezone.now(),
        }
    )
