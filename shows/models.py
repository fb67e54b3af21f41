from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import Country, CountryField

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


class ShowKind(models.TextChoices):
    SERIES = "series", _("Series")
    FILM = "film", _("Film")


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
        return (
            self.select_related("network", "poster", "key_art", "based_on_author")
            .prefetch_related(
                "genres",
                "seasons",
                Prefetch("credits", queryset=Credit.objects.for_show_page()),
                Prefetch("ratings", queryset=Rating.objects.select_related("season")),
            )
            .with_offers()
        )

    def with_offers(self):
        """Each show's offers that have not ended, as `upcoming_offers` (one query
        for any number of shows): `Show.current_offers` and `watch_options` pick
        today's, and `offers_change_at()` says how long a page may keep them."""
        return self.prefetch_related(
            Prefetch(
                "watch_offers",
                queryset=WatchOffer.objects.not_ended().select_related(
                    "provider", "season"
                ),
                to_attr="upcoming_offers",
            )
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
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=ShowKind,
        default=ShowKind.SERIES,
        help_text=_("A film has a release date and running time instead of seasons."),
    )
    premiere_date = models.DateField(_("premiere date"), null=True, blank=True)
    release_date = models.DateField(
        _("release date"),
        null=True,
        blank=True,
        help_text=_("Films only: when it came out (in cinemas or on a service)."),
    )
    runtime = models.PositiveSmallIntegerField(
        _("running time (minutes)"),
        null=True,
        blank=True,
        help_text=_("Films only."),
    )
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
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ShowKind.FILM)
                | Q(release_date__isnull=True, runtime__isnull=True),
                name="show_film_fields_only_on_films",
                violation_error_message=_(
                    "Only a film has a release date and running time; a series "
                    "has seasons."
                ),
            ),
            models.CheckConstraint(
                condition=Q(runtime__isnull=True) | Q(runtime__gte=1),
                name="show_runtime_positive",
                violation_error_message=_("The running time is at least a minute."),
            ),
        ]

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

    @property
    def is_film(self):
        return self.kind == ShowKind.FILM

    @property
    def runtime_label(self):
        """ "1 h 52 min", "45 min"; "" when unknown."""
        if not self.runtime:
            return ""
        hours, minutes = divmod(self.runtime, 60)
        if not hours:
            return _("%(m)s min") % {"m": minutes}
        if not minutes:
            return _("%(h)s h") % {"h": hours}
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}

    @property
    def first_shown(self):
        """The date it first reached viewers: a film's release, a series' premiere."""
        return self.release_date if self.is_film else self.premiere_date

    @property
    def current_offers(self):
        """Today's offers, from `with_offers()`."""
        return started(self.upcoming_offers)

    @property
    def watch_options(self):
        """Where to watch, from `with_offers()`: the site's country (SITE_REGION)
        and its offers, then [(country, offers)] for the others by name. Offers
        for one season come after the show-wide ones."""
        return WatchOptions.of(self.current_offers)

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
    announced_on = models.DateField(
        _("announced on"),
        null=True,
        blank=True,
        help_text=_(
            "The day the network ordered or renewed this season; shown as a "
            "renewal on the editorial calendar."
        ),
    )
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

    def get_absolute_url(self):
        return reverse(
            "shows:season", kwargs={"slug": self.show.slug, "number": self.number}
        )

    def clean(self):
        super().clean()
        if self.show_id and self.show.is_film:
            raise ValidationError(_("A film has no seasons."))

    @property
    def label(self):
        return _("Season %(number)s") % {"number": self.number}


class EpisodeQuerySet(models.QuerySet):
    def for_season_page(self):
        return self.prefetch_related("air_dates")


class Episode(models.Model):
    season = models.ForeignKey(
        Season, on_delete=models.CASCADE, related_name="episodes"
    )
    number = models.PositiveSmallIntegerField(
        _("number"), help_text=_("Its place in the season, from 1.")
    )
    title = models.CharField(_("title"), max_length=200)
    synopsis = models.TextField(_("synopsis"), blank=True)
    first_aired = models.DateField(
        _("first air date"),
        null=True,
        blank=True,
        help_text=_(
            "When it was first shown anywhere. Recaps of it keep their spoiler-free "
            "headline until seven days later unless the editor sets another time."
        ),
    )

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["season", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["season", "number"],
                name="episode_number_unique_per_season",
                violation_error_message=_(
                    "This season already has an episode with this number."
                ),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="episode_number_from_one",
                violation_error_message=_("Episodes are numbered from 1."),
            ),
        ]

    def __str__(self):
        return f"{self.season.show.title} {self.code}: {self.title}"

    def get_absolute_url(self):
        return f"{self.season.get_absolute_url()}#{self.anchor}"

    @property
    def code(self):
        """ "S1 E3"."""
        return f"S{self.season.number} E{self.number}"

    @property
    def anchor(self):
        return f"episode-{self.number}"

    @property
    def label(self):
        return _("Episode %(number)s") % {"number": self.number}


class EpisodeAirDate(models.Model):
    """When an episode was first shown in one country, if not on its first air date."""

    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="air_dates"
    )
    region = CountryField(_("country"))
    date = models.DateField(_("air date"))

    class Meta:
        ordering = ["date", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "region"],
                name="episode_air_date_once_per_region",
                violation_error_message=_(
                    "This episode already has an air date in that country."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.episode} ({self.region.code}): {self.date}"


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


class Provider(models.Model):
    """A service where a show can be watched ("Netflix", "BBC iPlayer")."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class OfferKind(models.TextChoices):
    SUBSCRIPTION = "subscription", _("Subscription")
    FREE = "free", _("Free")
    RENT = "rent", _("Rent")
    BUY = "buy", _("Buy")


def start_of_day(day):
    """Midnight at the start of `day` in the site's time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def offers_change_at(offers, now=None):
    """When the offers on show among `offers` next change (one starts, or one's
    last day ends), as an aware datetime; None when none will.

    A page that prints offers is cached no longer than this (articles.views
    cacheable(until=…)), so offers appear and disappear on time by themselves.
    """
    today = timezone.localdate(now)
    moments = []
    for offer in offers:
        if offer.starts_on and offer.starts_on > today:
            moments.append(start_of_day(offer.starts_on))
        if offer.ends_on and offer.ends_on >= today:
            moments.append(start_of_day(offer.ends_on + timedelta(days=1)))
    return min(moments, default=None)


def started(offers, today=None):
    """Those of `offers` (not ended: WatchOfferQuerySet.not_ended()) on today.

    Pages fetch the offers that have not ended once, and take both what to show
    (this) and how long to cache it (offers_change_at()) from the same rows.
    """
    today = today or timezone.localdate()
    return [offer for offer in offers if offer.has_started(today)]


class WatchOfferQuerySet(models.QuerySet):
    def not_ended(self, today=None):
        """Offers whose last day (site time) has not passed: today's and later ones."""
        today = today or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))

    def current(self, today=None):
        """Offers on today (site time): started, and not past their last day."""
        today = today or timezone.localdate()
        return self.not_ended(today).filter(
            Q(starts_on__isnull=True) | Q(starts_on__lte=today)
        )

    def in_region(self, region=None):
        return self.filter(region=region or settings.SITE_REGION)

    def next_change(self, now=None):
        """offers_change_at() for these offers, in one query."""
        today = timezone.localdate(now)
        dates = self.not_ended(today).only("starts_on", "ends_on").order_by()
        return offers_change_at(dates, now)

    def for_watch_page(self):
        """/watch/: the site country's offers that have not ended, by provider then
        show, with what the page prints."""
        return (
            self.not_ended()
            .in_region()
            .select_related("provider", "season", "show__network", "show__poster")
            .order_by("provider__name", "provider_id", "show__title", "season__number")
        )


def site_region():
    """The site's own country (SITE_REGION) as a django-countries Country."""
    return Country(settings.SITE_REGION)


@dataclass
class WatchOptions:
    """Offers grouped by country for a page: the site's own country first."""

    home: Country
    home_offers: list
    elsewhere: list  # [(Country, [offers])], by country name

    @classmethod
    def of(cls, offers):
        by_region = {}
        for offer in sorted(offers, key=WatchOffer.order):
            by_region.setdefault(offer.region.code, []).append(offer)
        home = site_region()
        others = sorted(
            (code for code in by_region if code != home.code), key=countries.name
        )
        return cls(
            home=home,
            home_offers=by_region.get(home.code, []),
            elsewhere=[(Country(code), by_region[code]) for code in others],
        )

    def __bool__(self):
        return bool(self.home_offers or self.elsewhere)


class WatchOffer(models.Model):
    """Where a show (or one of its seasons) can be watched in one country."""

    show = models.ForeignKey(
        Show, on_delete=models.CASCADE, related_name="watch_offers"
    )
    season = models.ForeignKey(
        Season,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="watch_offers",
        help_text=_("Leave empty when the offer covers the whole show."),
    )
    region = CountryField(_("country"))
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="offers"
    )
    kind = models.CharField(
        _("how"),
        max_length=20,
        choices=OfferKind,
        default=OfferKind.SUBSCRIPTION,
    )
    url = models.URLField(_("link"), help_text=_("The show's page on the service."))
    starts_on = models.DateField(
        _("from"),
        null=True,
        blank=True,
        help_text=_("First day it can be watched; empty if it already can."),
    )
    ends_on = models.DateField(
        _("until"),
        null=True,
        blank=True,
        help_text=_(
            "Last day it can be watched; the offer leaves the site by itself after "
            "it. Empty if no end is announced."
        ),
    )

    objects = WatchOfferQuerySet.as_manager()

    class Meta:
        ordering = ["region", "provider__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="watch_offer_ends_after_it_starts",
                violation_error_message=_("The last day comes before the first."),
            ),
            # Two partial constraints: NULL seasons never clash in a plain one.
            models.UniqueConstraint(
                fields=["show", "region", "provider", "kind"],
                condition=Q(season__isnull=True),
                name="watch_offer_unique_per_show",
                violation_error_message=_(
                    "This show already has that offer from this service here."
                ),
            ),
            models.UniqueConstraint(
                fields=["season", "region", "provider", "kind"],
                condition=Q(season__isnull=False),
                name="watch_offer_unique_per_season",
                violation_error_message=_(
                    "This season already has that offer from this service here."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["region", "ends_on"], name="watch_offer_region_idx")
        ]

    def __str__(self):
        scope = self.season.label if self.season_id else self.show.title
        return f"{scope} on {self.provider} ({self.region.code}, {self.kind})"

    def clean(self):
        super().clean()
        if self.season_id and self.show_id and self.season.show_id != self.show_id:
            raise ValidationError({"season": _("Pick a season of this show.")})
        if self.season_id and self.show_id and self.show.is_film:
            raise ValidationError({"season": _("A film has no seasons.")})

    def has_started(self, today):
        return self.starts_on is None or self.starts_on <= today

    @staticmethod
    def order(offer):
        """Show-wide offers first, then by season, service and kind."""
        season = offer.season.number if offer.season_id else 0
        return (season, offer.provider.name, list(OfferKind.values).index(offer.kind))
