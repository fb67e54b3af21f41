from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Network(models.Model):
    """A broadcaster or streamer ("Netflix")."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    logo = models.ForeignKey(
        "images.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ShowQuerySet(models.QuerySet):
    def for_cards(self):
        """What a compact show card prints (title, network, poster)."""
        return self.select_related("network", "poster")


class Show(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.SET_NULL, related_name="shows"
    )
    synopsis = models.TextField(_("synopsis"), blank=True)
    poster = models.ForeignKey(
        "images.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("shows:detail", kwargs={"slug": self.slug})


class Person(models.Model):
    """Someone in front of or behind the camera."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    photo = models.ForeignKey(
        "images.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bio = models.TextField(_("short bio"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("people")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("shows:person", kwargs={"slug": self.slug})
