from django.conf import settings
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.links import PublicLinksMixin
from core.publishing import live


class AuthorQuerySet(models.QuerySet):
    def with_story_counts(self):
        """Each author with `story_count`, their stories readers can see."""
        return self.annotate(story_count=Count("articles", filter=live("articles__")))

    def for_index(self):
        """Writers with at least one live story, for the public author index."""
        return (
            self.with_story_counts()
            .filter(story_count__gt=0)
            .select_related("photo")
            .order_by("name")
        )


class Author(PublicLinksMixin, models.Model):
    """A writer's public profile, optionally tied to their staff account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        help_text=_("The staff account that writes as this author."),
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    role = models.CharField(
        _("role"), max_length=80, blank=True, help_text=_('e.g. "Staff Writer".')
    )
    bio = models.CharField(
        _("short bio"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences, shown under each story."),
    )
    full_bio = models.TextField(_("full bio"), blank=True)
    photo = models.ForeignKey(
        "images.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    website = models.URLField(blank=True)
    instagram = models.URLField(blank=True)
    x = models.URLField(_("X (Twitter)"), blank=True)

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("authors:detail", kwargs={"slug": self.slug})
