from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

BODY_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Strike": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False},
}


class Topic(TagBase):
    """A topic readers browse by ("Netflix"): the project's own taggit tag model."""

    description = models.TextField(_("description"), blank=True)
    in_navigation = models.BooleanField(
        _("shown in the navigation"),
        default=False,
        help_text=_("Listed in the site header and as a rail on the home page."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"slug": self.slug})


class TaggedTopic(TaggedItemBase):
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)
    tag = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="tagged")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Articles a reader may see: published, and their publish time has come."""
        return self.filter(status=Status.PUBLISHED, publish_at__lte=timezone.now())

    def visible_to(self, user):
        """Staff also see drafts, reviews and scheduled pieces (SPEC roles)."""
        return self if user.is_staff else self.published()


class Article(models.Model):
    headline = models.CharField(_("headline"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    standfirst = models.CharField(
        _("standfirst"),
        max_length=300,
        blank=True,
        help_text=_("The line under the headline that tells readers why to read on."),
    )
    body = ProseEditorField(_("body"), extensions=BODY_EXTENSIONS, sanitize=True)
    hero_image = models.ForeignKey(
        "images.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hero picture"),
    )
    authors = models.ManyToManyField(
        "authors.Author", through="Byline", related_name="articles"
    )
    shows = models.ManyToManyField("shows.Show", blank=True, related_name="articles")
    topics = TaggableManager(_("topics"), through=TaggedTopic, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(
        _("publish time"),
        null=True,
        blank=True,
        help_text=_("Readers see the story from this moment, once it is published."),
    )
    is_featured = models.BooleanField(
        _("lead story"), default=False, help_text=_("Shown first on the home page.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = [models.F("publish_at").desc(nulls_last=True), "-pk"]
        get_latest_by = "publish_at"
        indexes = [
            models.Index(fields=["status", "-publish_at"], name="article_pub_idx")
        ]

    def __str__(self):
        return self.headline

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self):
        return (
            self.status == Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )


class Byline(models.Model):
    """An author's place in an article's byline."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    author = models.ForeignKey("authors.Author", on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="byline_unique")
        ]

    def __str__(self):
        return f"{self.author} on {self.article}"
