from operator import attrgetter

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from core.relations import RelationKeysAdminMixin
from shows.models import Credit, Genre, Network, Person, Rating, Season, Show


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
    model = Season
    extra = 0
    fields = ["number", "status", "release_date", "episode_count"]


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


@admin.register(Show)
class ShowAdmin(RelationKeysAdminMixin, admin.ModelAdmin):
    list_display = ["title", "network", "status", "premiere_date"]
    list_filter = ["network", "status"]
    list_select_related = ["network"]
    search_fields = ["title", "network__name"]
    search_help_text = _("Search title or network.")
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["network", "genres", "based_on_author", "poster", "key_art"]
    fieldsets = [
        (
            None,
            {"fields": ["title", "slug", "network", "status", "premiere_date"]},
        ),
        (
            _("About the show"),
            {"fields": ["synopsis", "genres", "based_on", "based_on_author"]},
        ),
        (
            _("Pictures and links"),
            {"fields": ["poster", "key_art", "trailer_url", "official_site"]},
        ),
    ]
    inlines = [SeasonInline, CreditInline, RatingInline]


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
