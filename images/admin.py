from django.contrib import admin

from images.models import Image


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "credit", "created_at"]
    search_fields = ["caption", "credit", "alt_text"]
