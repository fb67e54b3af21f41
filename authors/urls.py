from django.urls import path

from articles.feeds import AuthorFeed
from authors import views

app_name = "authors"
urlpatterns = [
    path("authors/", views.author_list, name="index"),
    path("authors/<slug:slug>/", views.author_detail, name="detail"),
    path("authors/<slug:slug>/feed/", AuthorFeed(), name="feed"),
]
