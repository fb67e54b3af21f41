from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, RowNumber
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager
from taggit.models import NaturalKeyManager, TagBase, TaggedItemBase

from articles.body import (
    BODY_EXTENSIONS,
    picture_ids,
    plain_text,
    render_body,
    sanitise,
)
from articles.previews import new_secret
from authors.models import Author
from core.publishing import Status, live, scheduled
from images.models import Image
from shows.models import Show, start_of_day

__all__ = [
    "Article",
    "ArticleSearch",
    "Byline",
    "DailyReads",
    "Kind",
    "Status",
    "TaggedTopic",
    "Topic",
]


class Kind(models.TextChoices):
    """What sort of story it is: shown as a label on cards and pages."""

    NEWS = "news", _("News")
    REVIEW = "review", _("Review")
    RECAP = "recap", _("Recap")
    FEATURE = "feature", _("Feature")
    INTERVIEW = "interview", _("Interview")
    GUIDE = "guide", _("Guide")
    LIVE = "live", _("Live")
    GALLERY = "gallery", _("Gallery")


# Half a star to five stars, in half steps.
RATINGS = [Decimal(n) / 2 for n in range(1, 11)]
RATING_CHOICES = [
    (rating, _("%(stars)s out of 5 stars") % {"stars": f"{rating.normalize():f}"})
    for rating in RATINGS
]
# Recaps and reviews keep their spoiler-free headline this long after the episode (or
# season, show or film) was first shown, unless an editor sets another time.
SPOILER_GRACE = timedelta(days=7)
SUBJECT_FIELDS = ("subject_show", "subject_season", "subject_episode")
# Before any story's publish time: "no lower bound" in a publish-time comparison.
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)


def newest_live(count, prefix=""):
    """A filter: live stories among the `count` newest (core.publishing.live), for
    rankings that must cost the same however big the archive (home page rails,
    related stories). `prefix` reaches the story through a relation.

    "Among the newest" is a publish-time bound read off the top of the live index:
    published no earlier than the `count`-th newest live story (a story published at
    the same moment counts too), or any live story when there are fewer. The
    database walks that slice of the index and looks each story's links up
    (taggedtopic_object_tag_idx); "in this list of `count` ids" made PostgreSQL read
    every link of the topics asked for (50,000 of 100,000 stories' for a story's
    three topics) to find the few hundred among them.
    """
    newest = Article.objects.published().newest_first().values("publish_at")
    oldest = Coalesce(Subquery(newest[count - 1 : count]), Value(EARLIEST))
    return live(prefix) & Q(**{f"{prefix}publish_at__gte": oldest})


class TopicQuerySet(models.QuerySet):
    def in_navigation(self):
        return self.filter(in_navigation=True)

    def with_story_counts(self):
        """Each topic with `story_count`, its stories readers can see."""
        return self.annotate(
            story_count=Count("tagged", filter=live("tagged__content_object__"))
        )

    def rails(self, per_topic=4, *, among_newest=500, topics=None, cards=True):
        """[(topic, [story, …])]: each topic's newest live stories, ready for cards.

        One ranked query (a window function) serves every topic, so the number of
        queries stays the same however many topics and stories there are. Ranking
        only the `among_newest` latest stories (newest_live()) keeps that query's
        cost flat as the archive grows; a topic with nothing among them gets no rail
        (its page still lists everything).

        topics: Topic instances already in hand (the cached navigation), instead of
        this queryset's. cards=False leaves out the authors and topics the cards
        print, for a caller that fetches them for all its stories at once
        (prefetch_for_cards()).
        """
        topics = list(self) if topics is None else topics
        newest_first = [
            F("content_object__publish_at").desc(),
            F("content_object").desc(),
        ]
        ranked = (
            TaggedTopic.objects.filter(
                newest_live(among_newest, "content_object__"), tag__in=topics
            )
            .annotate(
                rank=Window(RowNumber(), partition_by=F("tag"), order_by=newest_first)
            )
            .filter(rank__lte=per_topic)
            .order_by("tag", "rank")
            .defer("content_object__body", "content_object__body_html")
            .select_related("content_object__hero_image")
        )
        if cards:
            ranked = ranked.prefetch_related(
                Prefetch(
                    "content_object__authors",
                    queryset=Author.objects.order_by("byline__position"),
                ),
                "content_object__topics",
            )
        stories = defaultdict(list)
        for row in ranked:
            stories[row.tag_id].append(row.content_object)
        return [(topic, stories[topic.pk]) for topic in topics if stories[topic.pk]]


class Topic(TagBase):
    """A topic readers browse by ("Netflix"): the project's own taggit tag model."""

    description = models.TextField(_("description"), blank=True)
    in_navigation = models.BooleanField(
        _("shown in the navigation"),
        default=False,
        help_text=_("Listed in the site header and as a rail on the home page."),
    )

    # Keeps taggit's natural-key lookup, so dumpdata --natural-foreign loads back.
    objects = NaturalKeyManager.from_queryset(TopicQuerySet)()

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"slug": self.slug})


class TaggedTopic(TaggedItemBase):
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)
    tag = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="tagged")

    class Meta:
        indexes = [
            # A story's topics from the index alone: the related stories' ranking
            # and a topic page's kind filters look them up story by story.
            models.Index(
                fields=["content_object", "tag"], name="taggedtopic_object_tag_idx"
            ),
        ]


def card_prefetches():
    """What a story card prints beyond the article row: byline and topics."""
    return [
        Prefetch("authors", queryset=Author.objects.order_by("byline__position")),
        "topics",
    ]


def page_prefetches():
    """What the article page prints beyond the row and its hero picture; for a
    view that fetches them only when its cached fragments are missing."""
    return [
        Prefetch(
            "authors",
            queryset=Author.objects.select_related("photo").order_by(
                "byline__position"
            ),
        ),
        "topics",
        Prefetch("shows", queryset=Show.objects.for_cards().with_offers()),
    ]


def prefetch_for_cards(articles):
    """Fetch the cards' bylines and topics for `articles` (any mix, even repeats)
    in two queries; for pages that gather stories from several queries."""
    prefetch_related_objects(list(articles), *card_prefetches())


# Sent after a queryset update() changed the status or publish time of stories.
publishing_updated = Signal()


class AnnouncementField(models.DateTimeField):
    """When a story was announced as live (articles.publication); written only there.

    A save writes back what the database holds (`SET col = col`), so a copy of a story
    loaded before it was announced can never clear the mark and announce it twice.
    """

    def pre_save(self, model_instance, add):
        if add:
            return super().pre_save(model_instance, add)
        return F(self.attname)


class ArticleQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Says so when it changed stories' status or publish time (save() sends
        post_save; an update() nothing): articles.publication announces them."""
        rows = super().update(**kwargs)
        if rows and {"status", "publish_at"} & kwargs.keys():
            publishing_updated.send(sender=Article)
        return rows

    def unannounced(self):
        """Live stories that have not been announced yet (articles.publication)."""
        return self.published().filter(announced_at__isnull=True)

    def published(self):
        """Articles a reader may see: published, and their publish time has come."""
        return self.filter(live())

    def newest_first(self):
        """Newest first, in the order of the live-stories index (article_live_idx),
        so the database reads only the top of it."""
        return self.order_by(F("publish_at").desc(nulls_last=True), F("pk").desc())

    def visible_to(self, user):
        """Staff also see drafts, reviews and scheduled pieces."""
        return self if user.is_staff else self.published()

    def awaiting_review(self):
        return self.filter(status=Status.REVIEW)

    def scheduled(self):
        """Published by an editor, going live by itself when its time comes."""
        return self.filter(scheduled())

    def for_cards(self):
        """Everything a story card prints, in a fixed number of queries."""
        return (
            self.defer("body", "body_html")
            .select_related("hero_image")
            .prefetch_related(*card_prefetches())
        )

    def for_page(self):
        """Everything the article page prints, whatever the number of authors,
        topics, shows, pictures or embeds (pictures and embeds live in body_html):
        the shows come with where to watch them, and a review or recap with what
        it is about."""
        return self.for_page_row().prefetch_related(*page_prefetches())

    def for_page_row(self):
        """The story row as the page needs it; page_prefetches() and
        prefetch_format() add the rest (for a view that needs them only when its
        cached fragments are missing)."""
        return self.select_related(
            "hero_image",
            "subject_show",
            "subject_season__show",
            "subject_episode__season__show",
        ).annotate(
            # prefetch_format() fetches the corrections only for a corrected story.
            has_corrections=Exists(Correction.objects.filter(article=OuterRef("pk")))
        )

    def of_kind(self, kind):
        """Stories of one kind; ValueError when `kind` is not a Kind value (a
        hand-edited ?kind=, which the pages answer with a 404)."""
        return self.filter(kind=Kind(kind))

    def kinds(self):
        """The kinds these stories come in, in Kind's order (one query): the
        filter links of a topic or show page.

        The database looks for one story of each kind (kind_flags()) rather than
        reading every story for their distinct kinds: a show with 2,000 stories
        costs a few index lookups. Any one story row carries the answers (no
        story at all: no kinds)."""
        flags = self.kind_flags()
        row = Article.objects.order_by().annotate(**flags).values(*flags).first()
        return [kind for kind in Kind if row and row[_kind_flag(kind)]]

    def kind_flags(self):
        """kinds() as annotations for the row these stories belong to (a queryset
        with an OuterRef, such as a topic's stories): `has_<kind>` for each kind,
        read back by kinds_of(row). The database looks for one story of each kind
        (EXISTS) instead of reading every story, as kinds() must: a few index
        lookups for a topic of 17,000 stories, and no query of its own."""
        return {_kind_flag(kind): Exists(self.filter(kind=kind)) for kind in Kind}

    def reviews(self):
        return self.filter(kind=Kind.REVIEW)

    def recaps(self):
        return self.filter(kind=Kind.RECAP)

    def about_season(self, season):
        """Reviews of `season` and reviews and recaps of its episodes."""
        return self.filter(Q(subject_season=season) | Q(subject_episode__season=season))

    def front_page(self, count):
        """(lead, [the `count` newest other stories]) in two index-walking queries.

        Without card prefetches: the home page fetches those for all its stories at
        once (prefetch_for_cards()).
        """
        stories = self.defer("body", "body_html").select_related("hero_image")
        newest = list(stories[: count + 1])
        if not newest:
            return None, []
        lead = next((story for story in newest if story.is_featured), None)
        if lead is None:
            # An older featured story still leads (Article.is_featured is the lead).
            lead = stories.filter(is_featured=True).first() or newest[0]
        return lead, [story for story in newest if story.pk != lead.pk][:count]

    def related_to(self, article, *, among_newest=1000):
        """Other stories sharing `article`'s shows or topics, best match first.

        Stories about more of the same shows come first (a show is narrower than
        any topic such as "TV and Film"), then those sharing more topics, then the
        newer. The article's shows and topics are read from its prefetch
        (for_page()), so the whole thing is one query.

        Every story about one of the shows is a candidate; a story sharing only
        topics is one if it is among the `among_newest` latest stories
        (newest_live()). A broad topic tags a large part of the archive, and
        ranking all of it would make the article page slower as the archive grows.
        """
        show_ids = [show.pk for show in article.shows.all()]
        topic_ids = [topic.pk for topic in article.topics.all()]
        if not show_ids and not topic_ids:
            return self.none()
        show_links = Article.shows.through.objects.filter(show__in=show_ids)
        topic_links = TaggedTopic.objects.filter(tag__in=topic_ids)
        recent_topic_links = topic_links.filter(
            newest_live(among_newest, "content_object__")
        )
        candidates = []
        shared = {"shared_shows": Value(0), "shared_topics": Value(0)}
        if show_ids:
            candidates.append(show_links.values_list("article", flat=True))
            shared["shared_shows"] = _count_of(
                show_links.filter(article=OuterRef("pk")), "article"
            )
        if topic_ids:
            candidates.append(
                recent_topic_links.values_list("content_object", flat=True)
            )
            shared["shared_topics"] = _count_of(
                topic_links.filter(content_object=OuterRef("pk")), "content_object"
            )
        # One set of ids (a UNION) rather than "in these OR in those", which the
        # database can only test row by row over the whole table.
        return (
            self.filter(pk__in=candidates[0].union(*candidates[1:]))
            .exclude(pk=article.pk)
            .annotate(**shared)
            .order_by("-shared_shows", "-shared_topics", "-publish_at", "-pk")
        )

    def shows_in_the_news(self, *, days=30):
        """The shows these stories from the last `days` days are about, the most
        covered first (then the most recently covered), with `recent_stories` and
        the network and poster a card prints: one query. Call it on published()."""
        since = timezone.now() - timedelta(days=days)
        recent = self.filter(publish_at__gte=since)
        return (
            Show.objects.filter(articles__in=recent.values("pk"))
            .annotate(
                recent_stories=Count("articles"),
                latest_story=Max("articles__publish_at"),
            )
            .order_by("-recent_stories", "-latest_story", "title")
            .select_related("network", "poster")
        )

    def most_read(self, *, days=7):
        """Stories by reads over the last `days` days (today included), most first.

        Reads are counted in the cache and flushed to DailyReads (articles.reads).
        """
        since = timezone.localdate() - timedelta(days=days - 1)
        return (
            self.filter(reads__day__gte=since)
            .annotate(recent_reads=Sum("reads__count"))
            .order_by("-recent_reads", "-publish_at", "-pk")
        )


def kinds_of(row):
    """The kinds a row annotated with ArticleQuerySet.kind_flags() has stories of,
    in Kind's order, as kinds() gives them."""
    return [kind for kind in Kind if getattr(row, _kind_flag(kind))]


def _kind_flag(kind):
    return f"has_{kind.value}"


def _count_of(links, column):
    """The number of `links` rows (a correlated subquery), 0 when there are none."""
    counted = links.order_by().values(column).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    pass


class Article(models.Model):
    headline = models.CharField(_("headline"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        blank=True,
        help_text=_(
            "The last part of the story's address. Made from the headline when left "
            "empty; do not change it once the story is live."
        ),
    )
    standfirst = models.CharField(
        _("standfirst"),
        max_length=300,
        blank=True,
        help_text=_("The line under the headline that tells readers why to read on."),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind, default=Kind.NEWS, db_index=True
    )
    subject_show = models.ForeignKey(
        "shows.Show",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("show or film reviewed"),
        help_text=_("A review of a whole series, or of a film."),
    )
    subject_season = models.ForeignKey(
        "shows.Season",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("season reviewed"),
    )
    subject_episode = models.ForeignKey(
        "shows.Episode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("episode"),
        help_text=_("The episode a recap recaps, or an episode reviewed."),
    )
    rating = models.DecimalField(
        _("rating"),
        max_digits=2,
        decimal_places=1,
        choices=RATING_CHOICES,
        null=True,
        blank=True,
        help_text=_("Reviews only: stars out of 5, in half stars."),
    )
    verdict = models.CharField(
        _("verdict"),
        max_length=200,
        blank=True,
        help_text=_("Reviews only: the review in one line, shown with the stars."),
    )
    safe_headline = models.CharField(
        _("spoiler-free headline"),
        max_length=200,
        blank=True,
        help_text=_(
            "Used instead of the headline everywhere outside the story itself (cards, "
            "shares, feeds, the newsletter, reminders) until the spoilers lift."
        ),
    )
    safe_standfirst = models.CharField(
        _("spoiler-free standfirst"),
        max_length=300,
        blank=True,
        help_text=_(
            "Used instead of the standfirst until the spoilers lift; when only a "
            "spoiler-free headline is given, no standfirst is shown until then."
        ),
    )
    spoilers_lift_at = models.DateTimeField(
        _("spoilers lift"),
        null=True,
        blank=True,
        help_text=_(
            "From this moment the real headline and standfirst are used everywhere. "
            "Empty: seven days after the episode (or season, show or film) was "
            "first shown."
        ),
    )
    spoilers_until = models.DateTimeField(
        _("spoiler-free text used until"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Worked out on save from the time set above or the first air date "
            "(articles.signals keeps it in step when that date changes)."
        ),
    )
    body = ProseEditorField(
        _("body"),
        extensions=BODY_EXTENSIONS,
        sanitize=True,
        help_text=_(
            "A link to YouTube, Vimeo, Instagram, X or TikTok alone on its line "
            "becomes an embed. A line [picture 12] shows library picture 12 with its "
            "caption and credit."
        ),
    )
    body_html = models.TextField(editable=False, blank=True)
    word_count = models.PositiveIntegerField(_("words"), editable=False, default=0)
    reading_time = models.PositiveSmallIntegerField(
        _("reading time (minutes)"), editable=False, default=0
    )
    hero_image = models.ForeignKey(
        "images.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hero picture"),
    )
    hero_caption = models.CharField(
        _("hero caption"),
        max_length=300,
        blank=True,
        help_text=_("For this story only; the picture's own caption is used if empty."),
    )
    inline_images = models.ManyToManyField(
        "images.Image",
        blank=True,
        editable=False,
        related_name="+",
        help_text=_("Pictures placed in the body, kept so their changes reach it."),
    )
    authors = models.ManyToManyField(
        "authors.Author", through="Byline", related_name="articles"
    )
    shows = models.ManyToManyField("shows.Show", blank=True, related_name="articles")
    people = models.ManyToManyField(
        "shows.Person",
        blank=True,
        related_name="articles",
        verbose_name=_("people"),
        help_text=_("Cast and crew the story mentions; it is listed on their pages."),
    )
    topics = TaggableManager(_("topics"), through=TaggedTopic, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(
        _("publish time"),
        null=True,
        blank=True,
        help_text=_(
            "Readers see the story from this moment, once it is published. A future "
            "time schedules it: it goes live by itself. Empty means now."
        ),
    )
    target_date = models.DateField(
        _("target date"),
        null=True,
        blank=True,
        help_text=_(
            "The day the desk means to publish this story, for the editorial "
            "calendar. Readers never see it; it does not publish anything."
        ),
    )
    first_published_at = models.DateTimeField(
        _("first published"), null=True, blank=True, editable=False
    )
    announced_at = AnnouncementField(
        _("announced"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When the story was announced as live (reminders, search engines); "
            "never twice, even if it is rescheduled or published again."
        ),
    )
    revised_at = models.DateTimeField(
        _("last updated"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the words of a live story change; shown to readers."),
    )
    update_note = models.CharField(
        _("update or correction note"),
        max_length=300,
        blank=True,
        help_text=_(
            'Shown at the top of the story, e.g. "This story was updated with the '
            "cast's reaction.\" or a correction."
        ),
    )
    is_featured = models.BooleanField(
        _("lead story"), default=False, help_text=_("Shown first on the home page.")
    )
    coverage_start_at = models.DateTimeField(
        _("coverage starts"),
        null=True,
        blank=True,
        help_text=_(
            "Live blogs only: when the live coverage began. Empty means the publish "
            "time."
        ),
    )
    coverage_end_at = models.DateTimeField(
        _("coverage ends"),
        null=True,
        blank=True,
        help_text=_(
            "Live blogs only: readers' pages stop looking for new updates from this "
            "moment. Leave empty while the story is being covered live."
        ),
    )
    seo_title = models.CharField(
        _("SEO title"),
        max_length=70,
        blank=True,
        help_text=_("For search results and shares; the headline is used if empty."),
    )
    seo_description = models.CharField(
        _("SEO description"),
        max_length=160,
        blank=True,
        help_text=_("For search results and shares; the standfirst is used if empty."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Part of every preview link; a new value revokes all links made before.
    preview_secret = models.CharField(max_length=32, default=new_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    objects = ArticleManager()

    # Edits to these change what readers read, so they move "last updated".
    WORDING_FIELDS = ("headline", "standfirst", "body", "update_note")
    TRACKED_FIELDS = {"status", "publish_at", *WORDING_FIELDS}
    # What public_headline and public_standfirst read: for pages that load
    # stories with .only().
    PUBLIC_TEXT_FIELDS = (
        "headline",
        "standfirst",
        "safe_headline",
        "safe_standfirst",
        "spoilers_until",
    )
    # What save() works out from the body, saved along with it.
    RENDERED_FIELDS = ("body", "body_html", "word_count", "reading_time")
    # What save() works out from the status and publish time.
    PUBLISHING_FIELDS = ("publish_at", "first_published_at")
    # What the spoiler lift time in force (spoilers_until) is worked out from.
    SPOILER_SOURCE_FIELDS = ("spoilers_lift_at", *SUBJECT_FIELDS)

    class Meta:
        ordering = [models.F("publish_at").desc(nulls_last=True), "-pk"]
        get_latest_by = "publish_at"
        indexes = [
            # Walked in the order of Meta.ordering (nulls last, as drafts sort), so
            # "the newest live stories" reads a few index entries however many
            # stories there are; a plain publish_at DESC index makes PostgreSQL
            # sort every live story instead.
            models.Index(
                "status",
                F("publish_at").desc(nulls_last=True),
                F("id").desc(),
                name="article_live_idx",
            ),
            # The newest correction or update, for the sitemap index's lastmod.
            models.Index(F("revised_at").desc(nulls_last=True), name="article_rev_idx"),
            # Only the stories not yet announced: the due-story check reads just these.
            models.Index(
                fields=["publish_at"],
                condition=Q(announced_at__isnull=True),
                name="article_unannounced_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__in=RATINGS),
                name="article_rating_half_steps",
                violation_error_message=_(
                    "A rating is from half a star to five stars, in half stars."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.REVIEW) | Q(rating__isnull=True, verdict=""),
                name="article_rating_only_on_reviews",
                violation_error_message=_("Only reviews have a rating and verdict."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.REVIEW)
                | Q(rating__isnull=False)
                & (
                    Q(subject_show__isnull=False)
                    | Q(subject_season__isnull=False)
                    | Q(subject_episode__isnull=False)
                ),
                name="article_review_has_rating_and_subject",
                violation_error_message=_(
                    "A review needs a rating and the show, film, season or episode "
                    "it reviews."
                ),
            ),
            models.CheckConstraint(
                condition=Q(subject_show__isnull=True, subject_season__isnull=True)
                | Q(subject_show__isnull=True, subject_episode__isnull=True)
                | Q(subject_season__isnull=True, subject_episode__isnull=True),
                name="article_one_subject",
                violation_error_message=_(
                    "Name one thing: a show or film, a season or an episode."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.RECAP)
                | Q(
                    subject_episode__isnull=False,
                    subject_show__isnull=True,
                    subject_season__isnull=True,
                ),
                name="article_recap_names_an_episode",
                violation_error_message=_("A recap names the episode it recaps."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[Kind.REVIEW, Kind.RECAP])
                | Q(
                    subject_show__isnull=True,
                    subject_season__isnull=True,
                    subject_episode__isnull=True,
                ),
                name="article_subject_only_on_reviews_and_recaps",
                violation_error_message=_(
                    "Only reviews and recaps name a show, season or episode."
                ),
            ),
        ]
        permissions = [
            (
                "publish_article",
                _("Can publish, schedule, unpublish and feature articles"),
            ),
            ("preview_article", _("Can share preview links to unpublished articles")),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        """Render the body once for readers and keep the publishing times right.

        With `update_fields`, only the work those fields need is done (featuring a
        story does not render its body again), and what it works out is saved too.
        """
        now = timezone.now()
        update_fields = kwargs.get("update_fields")
        changing = None if update_fields is None else set(update_fields)

        def touches(*names):
            return changing is None or not changing.isdisjoint(names)

        derived = {"updated_at"}
        if not self.slug:
            self.slug = self._unique_slug()
            derived.add("slug")
        if touches(*self.SPOILER_SOURCE_FIELDS):
            self.spoilers_until = self.spoilers_lift_at or self.default_spoilers_lift()
            derived.add("spoilers_until")
        rendered = None
        if touches("body"):
            self.body = sanitise(self.body)
            rendered = render_body(self.body, pictures=self._body_pictures())
            self.body_html = rendered.html
            self.word_count = rendered.word_count
            self.reading_time = rendered.reading_time
            derived.update(self.RENDERED_FIELDS)
        if self.status == Status.PUBLISHED and touches("status", "publish_at"):
            if self.publish_at is None:
                self.publish_at = now
            # Until it has gone live, "first published" follows the schedule.
            if self.first_published_at is None or self.first_published_at > now:
                self.first_published_at = self.publish_at
            derived.update(self.PUBLISHING_FIELDS)
        was_live, wording = getattr(self, "_loaded_state", (False, None))
        if was_live and self.is_published and wording != self._wording():
            self.revised_at = now
            derived.add("revised_at")
        if changing is not None:
            kwargs["update_fields"] = changing | derived
        super().save(*args, **kwargs)
        self._remember_loaded_state()
        if rendered is not None:
            self.inline_images.set(rendered.picture_ids)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean(self):
        """Say in the editor's words what the database constraints refuse."""
        super().clean()
        errors = {}
        named = [name for name in SUBJECT_FIELDS if getattr(self, f"{name}_id")]
        if self.kind == Kind.REVIEW:
            if self.rating is None:
                errors["rating"] = _("A review needs a rating.")
            if not self.verdict:
                errors["verdict"] = _("A review needs a one-line verdict.")
            if len(named) != 1:
                errors["subject_show"] = _(
                    "Name one thing the review is about: a show or film, a season "
                    "or an episode."
                )
        elif self.kind == Kind.RECAP:
            if not self.subject_episode_id:
                errors["subject_episode"] = _("A recap names the episode it recaps.")
            if self.subject_show_id or self.subject_season_id:
                errors["subject_show"] = _(
                    "A recap is about one episode: leave the show and season empty."
                )
        else:
            if named:
                errors[named[0]] = _(
                    "Only reviews and recaps name a show, season or episode."
                )
            if self.rating is not None:
                errors["rating"] = _("Only reviews have a rating.")
            if self.verdict:
                errors["verdict"] = _("Only reviews have a verdict.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_review(self):
        return self.kind == Kind.REVIEW

    @property
    def is_recap(self):
        return self.kind == Kind.RECAP

    @property
    def kind_label(self):
        """The label cards and pages print ("Review"); "" for news, the default."""
        return "" if self.kind == Kind.NEWS else self.get_kind_display()

    @property
    def subject(self):
        """The episode, season, show or film a review or recap is about, or None."""
        return self.subject_episode or self.subject_season or self.subject_show

    def subject_show_of(self):
        """The show the subject belongs to (its series, or the show itself)."""
        if self.subject_episode_id:
            return self.subject_episode.season.show
        if self.subject_season_id:
            return self.subject_season.show
        return self.subject_show

    def default_spoilers_lift(self):
        """SPOILER_GRACE after the subject was first shown; None when unknown."""
        first_shown = None
        if self.subject_episode_id:
            first_shown = self.subject_episode.first_aired
        elif self.subject_season_id:
            first_shown = self.subject_season.release_date
        elif self.subject_show_id:
            first_shown = self.subject_show.first_shown
        return start_of_day(first_shown + SPOILER_GRACE) if first_shown else None

    @property
    def has_spoiler_free_text(self):
        return bool(self.safe_headline or self.safe_standfirst)

    @property
    def spoilers_hidden(self):
        """Whether readers who have not opened the story get the spoiler-free text:
        it has some, and its spoilers have not lifted (no known time: not yet)."""
        return self.has_spoiler_free_text and (
            self.spoilers_until is None or timezone.now() < self.spoilers_until
        )

    @property
    def public_headline(self):
        """The headline for everything outside the story page itself: cards,
        share tags, feeds, sitemaps, the newsletter, reminders."""
        if self.spoilers_hidden and self.safe_headline:
            return self.safe_headline
        return self.headline

    @property
    def public_standfirst(self):
        """The standfirst for everything outside the story page itself."""
        return self.safe_standfirst if self.spoilers_hidden else self.standfirst

    @property
    def rating_label(self):
        """ "4 out of 5 stars", "4.5 out of 5 stars"; "" without a rating."""
        return "" if self.rating is None else dict(RATING_CHOICES)[self.rating]

    @property
    def half_stars(self):
        """The rating in half stars, 1–10 (for the star picture); 0 without one."""
        return int(self.rating * 2) if self.rating is not None else 0

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        # Partial loads (.only()) skip this rather than fetch the missing fields.
        if cls.TRACKED_FIELDS.issubset(field_names):
            instance._remember_loaded_state()
        return instance

    @property
    def is_published(self):
        return (
            self.status == Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at > timezone.now()
        )

    @property
    def is_live_blog(self):
        return self.kind == Kind.LIVE

    @property
    def is_gallery(self):
        return self.kind == Kind.GALLERY

    @property
    def is_live(self):
        """A published live blog whose coverage has not ended: pages poll for news."""
        return (
            self.is_live_blog
            and self.is_published
            and (self.coverage_end_at is None or self.coverage_end_at > timezone.now())
        )

    @property
    def coverage_started_at(self):
        return self.coverage_start_at or self.publish_at

    @property
    def latest_correction(self):
        """The newest correction or clarification (prefetch_format() fetches them)."""
        corrections = list(self.corrections.all())
        return corrections[-1] if corrections else None

    @property
    def hero_caption_text(self):
        if self.hero_caption:
            return self.hero_caption
        return self.hero_image.caption if self.hero_image else ""

    @property
    def page_title(self):
        """<title>, og:title: what search results and shares show."""
        if self.spoilers_hidden and self.safe_headline:
            return self.safe_headline
        return self.seo_title or self.headline

    @property
    def description(self):
        """Meta and og:description."""
        if self.spoilers_hidden:
            return self.safe_standfirst
        return self.seo_description or self.standfirst

    @property
    def was_updated(self):
        """Whether readers should see a "last updated" time."""
        return bool(
            self.revised_at and self.publish_at and self.revised_at > self.publish_at
        )

    def rerender_body(self):
        """Render body_html again, e.g. after a picture in it changed."""
        self.save(update_fields=["body"])

    def _remember_loaded_state(self):
        self._loaded_state = (self.is_published, self._wording())

    def _wording(self):
        return tuple(getattr(self, name) for name in self.WORDING_FIELDS)

    def _body_pictures(self):
        ids = picture_ids(self.body)
        return Image.objects.in_bulk(ids) if ids else {}

    def _unique_slug(self):
        base = slugify(self.headline)[:190].strip("-") or "story"
        slug, n = base, 2
        while Article.objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug


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


class ArticleSearch(models.Model):
    """A story's row in the search table (PostgreSQL): what /search/ finds, filters
    and ranks stories by, kept apart from the wide story rows.

    A PostgreSQL trigger on the stories writes it on every insert and on every
    update of the words, status or publish time, bulk_create and queryset updates
    included, and deletes it with the story (migration 0017). On SQLite
    the table stays empty: its search reads the stories' own columns.

    A broad search matches thousands of stories spread over the whole story table.
    Here they sit on a few pages: the status and publish time (a copy, for the one
    "live" rule, core.publishing.live) and `title_vector`, small and stored in the
    row, while `vector`, the whole text, is stored out of line (the table's
    toast_tuple_target) and read only by its GIN index.
    """

    # The trigger also deletes the row with its story, so Django has nothing to
    # collect on delete, and no constraint stops a raw DELETE of a story.
    article = models.OneToOneField(
        "Article",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="search_row",
    )
    status = models.CharField(max_length=20, choices=Status)
    publish_at = models.DateTimeField(null=True)
    # Headline (weight A) and standfirst (B): results are ranked by these.
    title_vector = SearchVectorField(null=True)
    # Headline (A), standfirst (B) and body text (C): stories are found by these.
    vector = SearchVectorField(null=True)

    class Meta:
        indexes = [
            # Created on PostgreSQL only (see the migration).
            GinIndex(fields=["vector"], name="search_vector_idx"),
        ]

    def __str__(self):
        return f"Search row of story {self.article_id}"


class DailyReads(models.Model):
    """How often a story was read on a day, for "most read".

    Reads are counted in the cache as they happen and added here by
    `manage.py flush_view_counts` (and now and then by the counting endpoint), on the
    day of the flush. Nothing about the reader is kept.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reads")
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("reads"), default=0)

    class Meta:
        verbose_name = _("daily reads")
        verbose_name_plural = _("daily reads")
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="reads_once_a_day")
        ]
        indexes = [models.Index(fields=["day"], name="reads_day_idx")]

    def __str__(self):
        return f"{self.article_id} on {self.day}: {self.count}"


class ContentVersion(models.Model):
    """One row whose counter moves on with every change to what reader pages show.

    Bumped in the same transaction as the change (articles.signals), so cached page
    fragments keyed by it (core.fragments, articles.fragments) are never newer than
    the data, and every app server sees the new version when the change does.
    """

    counter = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("content version")

    def __str__(self):
        return str(self.counter)


def prefetch_format(article):
    """Fetch what `article`'s format prints beyond for_page(): a live blog's updates
    with their writers, a gallery's slides with their pictures and the corrections
    (skipped when for_page() found none), one query each whatever their number."""
    lookups = []
    if article.is_live_blog:
        lookups.append(Prefetch("live_updates", queryset=LiveUpdate.objects.for_page()))
    if article.is_gallery:
        lookups.append(Prefetch("slides", queryset=GallerySlide.objects.for_page()))
    if getattr(article, "has_corrections", True):
        lookups.append("corrections")
    prefetch_related_objects([article], *lookups)
    return article


# The cache tag of pages that follow live coverage (articles.views).
LIVE_COVERAGE = "live-coverage"


def next_coverage_end():
    """When the next published live blog stops being live: its page and updates
    change then without a save (registered with core.cache_tags)."""
    return (
        Article.objects.published()
        .filter(kind=Kind.LIVE, coverage_end_at__gt=timezone.now())
        .order_by("coverage_end_at")
        .values_list("coverage_end_at", flat=True)
        .first()
    )


class LiveUpdateQuerySet(models.QuerySet):
    def for_page(self):
        """Pinned first, then the newest, with the writers each one prints."""
        return self.prefetch_related(
            Prefetch("writers", queryset=Author.objects.order_by("name"))
        ).order_by("-is_pinned", "-posted_at", "-pk")

    def visible(self):
        """Updates of live blogs readers can see."""
        return self.filter(
            article__kind=Kind.LIVE,
            article__status=Status.PUBLISHED,
            article__publish_at__lte=timezone.now(),
        )


class LiveUpdate(models.Model):
    """One dated entry of a live blog, posted while the story is being covered."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="live_updates",
        limit_choices_to={"kind": Kind.LIVE},
        verbose_name=_("live blog"),
    )
    posted_at = models.DateTimeField(
        _("posted"),
        default=timezone.now,
        help_text=_("Shown with the update; the newest comes first."),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = ProseEditorField(
        _("update"),
        extensions=BODY_EXTENSIONS,
        sanitize=True,
        help_text=_(
            "As in a story: a link to YouTube, Vimeo, Instagram, X or TikTok alone on "
            "its line becomes an embed; a line [picture 12] shows library picture 12."
        ),
    )
    body_html = models.TextField(editable=False, blank=True)
    writers = models.ManyToManyField(
        "authors.Author",
        blank=True,
        related_name="live_updates",
        verbose_name=_("writers"),
        help_text=_("Empty means whoever posts it."),
    )
    is_pinned = models.BooleanField(
        _("pinned"),
        default=False,
        help_text=_("Pinned updates stay at the top, above the newest."),
    )
    inline_images = models.ManyToManyField(
        "images.Image", blank=True, editable=False, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-is_pinned", "-posted_at", "-pk"]
        verbose_name = _("live update")
        indexes = [
            models.Index(fields=["article", "-posted_at"], name="liveupdate_story_idx")
        ]

    def __str__(self):
        return self.title or self.summary

    def save(self, *args, **kwargs):
        """Sanitise and render the body once, exactly as a story's (articles.body)."""
        self.body = sanitise(self.body)
        ids = picture_ids(self.body)
        rendered = render_body(
            self.body, pictures=Image.objects.in_bulk(ids) if ids else {}
        )
        self.body_html = rendered.html
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body", "body_html"}
        super().save(*args, **kwargs)
        self.inline_images.set(rendered.picture_ids)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self):
        return f"update-{self.pk}"

    @property
    def text(self):
        """The update's words as plain text (structured data, lists)."""
        return plain_text(self.body)

    @property
    def summary(self):
        return Truncator(self.text).chars(110)

    def rerender_body(self):
        self.save(update_fields=["body"])


class GallerySlideQuerySet(models.QuerySet):
    def for_page(self):
        return self.select_related("image").order_by("position", "pk")


class GallerySlide(models.Model):
    """A library picture in a gallery story, in the gallery's order."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="slides",
        verbose_name=_("gallery"),
    )
    image = models.ForeignKey(
        "images.Image",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("picture"),
    )
    caption = models.CharField(
        _("caption"),
        max_length=300,
        blank=True,
        help_text=_("For this gallery only; the picture's own caption if empty."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = GallerySlideQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("gallery slide")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "image"], name="slide_picture_once"
            )
        ]

    def __str__(self):
        return self.caption_text or str(self.image)

    @property
    def caption_text(self):
        return self.caption or self.image.caption


class CorrectionKind(models.TextChoices):
    CORRECTION = "correction", _("Correction")
    CLARIFICATION = "clarification", _("Clarification")


class CorrectionQuerySet(models.QuerySet):
    def visible(self):
        """Corrections of stories readers can see, newest first."""
        return self.filter(
            article__status=Status.PUBLISHED,
            article__publish_at__lte=timezone.now(),
            published_at__lte=timezone.now(),
        ).order_by("-published_at", "-pk")


class Correction(models.Model):
    """A dated correction or clarification of a story, added by an editor and shown
    at the story's foot and on /corrections/."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="corrections",
        verbose_name=_("story"),
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=CorrectionKind,
        default=CorrectionKind.CORRECTION,
        help_text=_(
            "A correction fixes something that was wrong; a clarification adds "
            "context to something that was unclear."
        ),
    )
    text = models.TextField(
        _("text"),
        help_text=_(
            "Plain text, shown to readers as written: what was wrong and what is right."
        ),
    )
    published_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["published_at", "pk"]
        get_latest_by = "published_at"
        verbose_name = _("correction")
        indexes = [models.Index(fields=["-published_at"], name="correction_time_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {Truncator(self.text).chars(60)}"

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self):
        return f"correction-{self.pk}"
