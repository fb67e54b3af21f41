from django.urls import path, re_path

from articles import feeds, sitemaps, views

app_name = "articles"
urlpatterns = [
    path("articles/preview/<str:token>/", views.article_preview, name="preview"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/updates.json", views.live_updates, name="live_updates"),
    path("corrections/", views.correction_list, name="corrections"),
    path("corrections/feed/", feeds.CorrectionsFeed(), name="corrections_feed"),
    path("topics/", views.topic_list, name="topic_list"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("topics/<slug:slug>/feed/", feeds.TopicFeed(), name="topic_feed"),
    path("authors/<slug:slug>/feed/", feeds.AuthorFeed(), name="author_feed"),
    path("shows/<slug:slug>/feed/", feeds.ShowFeed(), name="show_feed"),
    path("feeds/latest/", feeds.LatestFeed(), name="feed_latest"),
    path("feeds/latest/atom/", feeds.LatestAtomFeed(), name="feed_latest_atom"),
    path("reads/<int:pk>/", views.count_read, name="count_read"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-news.xml", sitemaps.news, name="sitemap_news"),
    path("sitemap-<slug:section>.xml", sitemaps.section, name="sitemap_section"),
    re_path(
        r"^(?P<key>[A-Za-z0-9-]{8,128})\.txt$", views.indexnow_key, name="indexnow_key"
    ),
]
