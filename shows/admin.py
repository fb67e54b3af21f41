from django.contrib import admin

from shows.models import Network, Person, Show


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Show)
class ShowAdmin(admin.ModelAdmin):
    list_display = ["title", "network"]
    list_select_related = ["network"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
