from django.urls import path

from shows import views

app_name = "shows"
urlpatterns = [
    path("shows/", views.ShowListView.as_view(), name="list"),
    path("shows/<slug:slug>/", views.ShowDetailView.as_view(), name="detail"),
    path(
        "shows/<slug:slug>/seasons/<int:number>/",
        views.SeasonDetailView.as_view(),
        name="season",
    ),
    path("watch/", views.WatchListView.as_view(), name="watch"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person"),
]
