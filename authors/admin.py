from django.contrib import admin

from authors.models import Author


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "role"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
