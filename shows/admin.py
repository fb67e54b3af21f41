from operator import attrgetter

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.relations import RelationKeysAdminMixin
from shows.models import (
    Credit,
    Episode,
    EpisodeAirDate,
    Genre,
    Network,
    Person,
    Provider,
    Rating,
    Season,
    Show,
    WatchOffer,
)


@admin.register(Network)
class NetworkAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    list_display = ["name", "website", "show_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["logo"]

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering, and the autocomplete pages need one.
        return (
            super()
            .get_queryset(request)
            .annotate(show_count=Count("shows"))
            .order_by("name")
        )

    @admin.display(description=_("shows"), ordering="show_count")
    def show_count(self, obj):
        return obj.show_count


@admin.register(Genre)
class GenreAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ShowSeasonsFormSet(BaseInlineFormSet):
    """Offers only the seasons of the show being edited (by number, not title)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        seasons = (
            self.instance.seasons.all() if self.instance.pk else Season.objects.none()
        )
        for name in ("seasons", "season"):
            if name in form.fields:
                form.fields[name].queryset = seasons
                form.fields[name].label_from_instance = attrgetter("label")


class SeasonInline(RelationKeysAdminMixin, admin.TabularInline):
    """A series' seasons; each one's "change" link opens it with its episodes
    (the admin cannot nest episodes inside seasons inside the show)."""

    model = Season
    extra = 0
    fields = ["number", "status", "announced_on", "release_date", "episode_count"]
    show_change_link = True
    verbose_name_plural = _("seasons (“change” edits a saved season's episodes)")


class CreditInline(RelationKeysAdminMixin, admin.TabularInline):
    model = Credit
    formset = ShowSeasonsFormSet
    extra = 0
    fields = ["person", "role", "character", "billing", "seasons"]
    autocomplete_fields = ["person"]
    formfield_overrides = {
        models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}
    }
    verbose_name = _("credit")
    verbose_name_plural = _("cast and crew (save new seasons first to tick them)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


class RatingInline(RelationKeysAdminMixin, admin.TabularInline):
    model = Rating
    formset = ShowSeasonsFormSet
    extra = 0
    fields = ["source", "score", "scale", "season", "as_of", "url"]


class WatchOfferInline(RelationKeysAdminMixin, admin.TabularInline):
    model = WatchOffer
    formset = ShowSeasonsFormSet
    extra = 0
    fields = ["region", "provider", "kind", "url", "season", "starts_on", "ends_on"]
    autocomplete_fields = ["provider"]
    verbose_name = _("where to watch")
    verbose_name_plural = _(
        "where to watch (by country; an offer leaves the site after its last day)"
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider", "season")


@admin.register(Show)
class ShowAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    list_display = ["title", "kind", "network", "status", "premiere_date"]
    list_filter = ["kind", "network", "status"]
    list_select_related = ["network"]
    search_fields = ["title", "network__name"]
    search_help_text = _("Search title or network.")
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["network", "genres", "based_on_author", "poster", "key_art"]
    fieldsets = [
        (
            None,
            {"fields": ["title", "slug", "kind", "network", "status", "premiere_date"]},
        ),
        (_("Film"), {"fields": ["release_date", "runtime"]}),
        (
            _("About the show"),
            {"fields": ["synopsis", "genres", "based_on", "based_on_author"]},
        ),
        (
            _("Pictures and links"),
            {"fields": ["poster", "key_art", "trailer_url", "official_site"]},
        ),
    ]
    inlines = [SeasonInline, CreditInline, RatingInline, WatchOfferInline]

    def get_inlines(self, request, obj):
        if obj is not None and obj.is_film:
            return [inline for inline in self.inlines if inline is not SeasonInline]
        return self.inlines


class SeasonEpisodeInline(RelationKeysAdminMixin, admin.TabularInline):
    model = Episode
    extra = 0
    fields = ["number", "title", "first_aired", "synopsis"]
    show_change_link = True
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}
    }


@admin.register(Season)
class SeasonAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    """A season with its episodes (also reached from the show's page)."""

    list_display = ["__str__", "status", "release_date", "episode_total"]
    list_filter = ["status", "show__network"]
    list_select_related = ["show"]
    search_fields = ["show__title"]
    search_help_text = _("Search by show title.")
    autocomplete_fields = ["show"]
    fields = ["show", "number", "status", "release_date", "episode_count", "page"]
    readonly_fields = ["page"]
    inlines = [SeasonEpisodeInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(episode_total=Count("episodes"))
            .order_by("show__title", "number")
        )

    @admin.display(description=_("episodes listed"), ordering="episode_total")
    def episode_total(self, obj):
        return obj.episode_total

    @admin.display(description=_("reader page"))
    def page(self, obj):
        if obj.pk is None:
            return "—"
        return format_html('<a href="{0}">{0}</a>', obj.get_absolute_url())


class AirDateInline(RelationKeysAdminMixin, admin.TabularInline):
    model = EpisodeAirDate
    extra = 0
    fields = ["region", "date"]
    verbose_name_plural = _("air dates in other countries (if not the first one)")


@admin.register(Episode)
class EpisodeAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "first_aired"]
    list_filter = ["season__show"]
    list_select_related = ["season__show"]
    search_fields = ["title", "season__show__title"]
    search_help_text = _("Search episode or show title.")
    autocomplete_fields = ["season"]
    fields = ["season", "number", "title", "synopsis", "first_aired"]
    inlines = [AirDateInline]


@admin.register(Provider)
class ProviderAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    list_display = ["name", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class PersonCreditInline(RelationKeysAdminMixin, admin.TabularInline):
    """A person's credits across shows; seasons are ticked on the show's page."""

    model = Credit
    extra = 0
    fields = ["show", "role", "character", "billing", "seasons_label"]
    readonly_fields = ["seasons_label"]
    autocomplete_fields = ["show"]
    verbose_name = _("credit")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("show")
            .prefetch_related("seasons")
        )

    @admin.display(description=_("seasons"))
    def seasons_label(self, obj):
        return obj.seasons_label or "—"


@admin.register(Person)
class PersonAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    list_display = ["name", "credit_list"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["photo"]
    # Stories are linked to people from the article form.
    exclude = ["articles"]
    inlines = [PersonCreditInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__show")

    @admin.display(description=_("credits"))
    def credit_list(self, obj):
        return "; ".join(
            f"{credit.show.title}: {credit.character or credit.get_role_display()}"
            for credit in obj.credits.all()
        )
