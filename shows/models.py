from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core.embeds import embed_for_url
from core.links import PublicLinksMixin


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

    def get_absolute_url(self):
        """A network has no page of its own: its shows are the filtered index."""
        return f"{reverse('shows:list')}?{urlencode({'network': self.slug})}"


class Genre(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ShowStatus(models.TextChoices):
    IN_DEVELOPMENT = "in_development", _("In development")
    RENEWED = "renewed", _("Renewed")
    AIRING = "airing", _("Airing")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


class ShowQuerySet(models.QuerySet):
    def for_cards(self):
        """What a compact show card prints, in two queries for any number of shows.

        The show-wide ratings come in one prefetch (read them via
        `Show.headline_rating`), so the article page pays one query for all its cards.
        """
        return self.select_related("network", "poster").prefetch_related(
            Prefetch(
                "ratings",
                queryset=Rating.objects.filter(season__isnull=True),
                to_attr="show_ratings",
            )
        )

    def filtered(self, *, network=None, status=""):
        """The /shows/ filters: a Network (or None) and a ShowStatus value (or "")."""
        shows = self
        if network is not None:
            shows = shows.filter(network=network)
        if status:
            shows = shows.filter(status=status)
        return shows

    def for_page(self):
        """Everything the show page prints apart from its stories, in fixed queries."""
        return self.select_related(
            "network", "poster", "key_art", "based_on_author"
        ).prefetch_related(
            "genres",
            "seasons",
            Prefetch("credits", queryset=Credit.objects.for_show_page()),
            Prefetch("ratings", queryset=Rating.objects.select_related("season")),
        )


class Show(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.SET_NULL, related_name="shows"
    )
    genres = models.ManyToManyField(Genre, blank=True, related_name="shows")
    synopsis = models.TextField(_("synopsis"), blank=True)
    based_on = models.CharField(
        _("based on"),
        max_length=200,
        blank=True,
        help_text=_('The source work, e.g. "the Heartstopper graphic novels".'),
    )
    based_on_author = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adaptations",
        verbose_name=_("based on work by"),
        help_text=_("Shown as “by …” after the source work, linked to their page."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ShowStatus,
        default=ShowStatus.IN_DEVELOPMENT,
    )
    premiere_date = models.DateField(_("premiere date"), null=True, blank=True)
    poster = models.ForeignKey(
        "images.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Portrait (2:3) picture used on cards and at the top of the page."),
    )
    key_art = models.ForeignKey(
        "images.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("key art"),
        help_text=_("Wide (16:9) picture shown behind the show page's header."),
    )
    trailer_url = models.URLField(
        _("trailer link"),
        blank=True,
        help_text=_(
            "YouTube or Vimeo link. Nothing loads from the video site until a "
            "reader presses play."
        ),
    )
    official_site = models.URLField(_("official site"), blank=True)

    objects = ShowQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "title"], name="show_status_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("shows:detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if self.trailer_url and embed_for_url(self.trailer_url) is None:
            raise ValidationError(
                {"trailer_url": _("Paste a link to a video on YouTube or Vimeo.")}
            )

    @cached_property
    def trailer(self):
        """The click-to-load player for `trailer_url` (core.embeds), or None."""
        title = _("%(title)s: official trailer") % {"title": self.title}
        return embed_for_url(self.trailer_url, title=title)

    @property
    def headline_rating(self):
        """The first show-wide rating, from `for_cards()`'s prefetch when present."""
        ratings = getattr(self, "show_ratings", None)
        if ratings is None:
            return self.ratings.filter(season__isnull=True).first()
        return ratings[0] if ratings else None

    def credits_in_role(self, *roles):
        """Prefetched credits (`for_page()`) in these roles, in billing order."""
        return [credit for credit in self.credits.all() if credit.role in roles]

    @property
    def cast(self):
        return self.credits_in_role(Role.CAST)

    @property
    def creators(self):
        return [credit.person for credit in self.credits_in_role(Role.CREATOR)]

    @property
    def writers(self):
        return [credit.person for credit in self.credits_in_role(Role.WRITER)]


class SeasonStatus(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PRODUCTION = "in_production", _("In production")
    RELEASED = "released", _("Released")


class Season(models.Model):
    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="seasons")
    number = models.PositiveSmallIntegerField(_("number"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SeasonStatus,
        default=SeasonStatus.ANNOUNCED,
    )
    release_date = models.DateField(_("release date"), null=True, blank=True)
    episode_count = models.PositiveSmallIntegerField(
        _("episodes"), null=True, blank=True
    )

    class Meta:
        ordering = ["show", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["show", "number"],
                name="season_number_unique_per_show",
                violation_error_message=_(
                    "This show already has a season with this number."
                ),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="season_number_from_one",
                violation_error_message=_("Seasons are numbered from 1."),
            ),
        ]

    def __str__(self):
        return _("%(show)s season %(number)s") % {
            "show": self.show.title,
            "number": self.number,
        }

    @property
    def label(self):
        return _("Season %(number)s") % {"number": self.number}


class Role(models.TextChoices):
    CAST = "cast", _("Cast")
    CREATOR = "creator", _("Creator")
    WRITER = "writer", _("Writer")


class CreditQuerySet(models.QuerySet):
    def for_show_page(self):
        return self.select_related("person__photo").prefetch_related("seasons")

    def for_person_page(self):
        """Grouped by show (for `{% regroup %}`), with what a show card prints."""
        return (
            self.select_related("show__network", "show__poster")
            .prefetch_related("seasons")
            .order_by("show__title", "show_id", "role")
        )


class Credit(models.Model):
    """A person's part in a show: a cast member playing a character, or crew."""

    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(
        "Person", on_delete=models.CASCADE, related_name="credits"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.CAST)
    character = models.CharField(
        _("character"),
        max_length=150,
        blank=True,
        help_text=_("Who they play (cast only)."),
    )
    billing = models.PositiveSmallIntegerField(
        _("billing order"),
        null=True,
        blank=True,
        help_text=_(
            "Position in the show's credits: 1 is listed first. Required for cast; "
            "each number once per show."
        ),
    )
    seasons = models.ManyToManyField(
        Season,
        blank=True,
        related_name="credits",
        help_text=_("The seasons they appear in; leave empty if not yet known."),
    )

    objects = CreditQuerySet.as_manager()

    class Meta:
        ordering = [F("billing").asc(nulls_last=True), "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["show", "person", "role"],
                name="credit_unique_role_per_person",
                violation_error_message=_("This person already has that role here."),
            ),
            # NULLs never clash, so crew without a billing position are unaffected.
            models.UniqueConstraint(
                fields=["show", "billing"],
                name="credit_billing_unique_per_show",
                violation_error_message=_("Another credit has this billing position."),
            ),
            models.CheckConstraint(
                # Spelled out: with a NULL billing, "billing >= 1" is unknown, and a
                # CHECK lets unknown through.
                condition=~Q(role=Role.CAST)
                | Q(billing__isnull=False, billing__gte=1, character__gt=""),
                name="credit_cast_has_character_and_billing",
                violation_error_message=_(
                    "A cast credit needs the character's name and a billing "
                    "position from 1."
                ),
            ),
        ]

    def __str__(self):
        if self.role == Role.CAST:
            return _("%(person)s as %(character)s") % {
                "person": self.person.name,
                "character": self.character,
            }
        return f"{self.person.name} ({self.get_role_display()})"

    @property
    def season_numbers(self):
        """Prefetched season numbers, e.g. [1, 2, 3]."""
        return sorted(season.number for season in self.seasons.all())

    @property
    def seasons_label(self):
        """ "Season 1", "Seasons 1–3" or "Seasons 1, 3"; "" when none are linked."""
        numbers = self.season_numbers
        if not numbers:
            return ""
        if len(numbers) == 1:
            return _("Season %(number)s") % {"number": numbers[0]}
        if numbers == list(range(numbers[0], numbers[-1] + 1)):
            return _("Seasons %(first)s–%(last)s") % {
                "first": numbers[0],
                "last": numbers[-1],
            }
        return _("Seasons %(list)s") % {"list": ", ".join(map(str, numbers))}


class Rating(models.Model):
    """A published score for a show, or for one of its seasons."""

    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="ratings")
    season = models.ForeignKey(
        Season,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ratings",
        help_text=_("Leave empty for a rating of the whole show."),
    )
    source = models.CharField(
        _("source"),
        max_length=80,
        help_text=_('Who gives the score, e.g. "Rotten Tomatoes critics".'),
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    scale = models.PositiveSmallIntegerField(
        _("out of"),
        default=100,
        help_text=_("100 prints as a percentage (100%); 10 as 8.1/10."),
    )
    as_of = models.DateField(_("as of"), null=True, blank=True)
    url = models.URLField(_("link"), blank=True)

    class Meta:
        ordering = [F("season__number").asc(nulls_first=True), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale__gte=1) & Q(score__gte=0) & Q(score__lte=F("scale")),
                name="rating_score_within_scale",
                violation_error_message=_("The score must be between 0 and the scale."),
            ),
        ]

    def __str__(self):
        return f"{self.source}: {self.display_score}"

    def clean(self):
        super().clean()
        if self.season_id and self.show_id and self.season.show_id != self.show_id:
            raise ValidationError({"season": _("Pick a season of this show.")})

    @property
    def display_score(self):
        """100% on a scale of 100, 8.1/10 otherwise."""
        score = f"{self.score.normalize():f}"
        return f"{score}%" if self.scale == 100 else f"{score}/{self.scale}"


class PersonQuerySet(models.QuerySet):
    def for_page(self):
        """A person's page: photo and every credit with its show, in fixed queries."""
        return self.select_related("photo").prefetch_related(
            Prefetch("credits", queryset=Credit.objects.for_person_page())
        )


class Person(PublicLinksMixin, models.Model):
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
    website = models.URLField(_("website"), blank=True)
    instagram = models.URLField(_("Instagram"), blank=True)
    x = models.URLField(_("X (Twitter)"), blank=True)
    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("people")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("shows:person", kwargs={"slug": self.slug})
