from django.urls import path

from articles import views

app_name = "articles"
urlpatterns = [
    path("articles/preview/<str:token>/", views.article_preview, name="preview"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("topics/", views.topic_list, name="topic_list"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
]
