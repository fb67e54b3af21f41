from django.urls import path

from authors import views

app_name = "authors"
urlpatterns = [
    path("authors/", views.author_list, name="index"),
    path("authors/<slug:slug>/", views.author_detail, name="detail"),
]
