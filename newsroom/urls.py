import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from newsroom import faults, media, views

admin.site.site_header = f"{settings.SITE_NAME} back office"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Desk"

handler500 = faults.server_error

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("search/", views.search_page, name="search"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Before admin.site.urls, whose catch-all would answer these with a 404.
    path(
        "admin/two-step/",
        admin.site.admin_view(views.second_factor_verify),
        name="second_factor_verify",
    ),
    path(
        "admin/two-step/setup/",
        admin.site.admin_view(views.second_factor_setup),
        name="second_factor_setup",
    ),
    path("admin/", admin.site.urls),
    # Each app owns its full reader URLs: articles also serves /topics/ and every
    # feed of stories (/authors/<slug>/feed/, /shows/<slug>/feed/); shows also
    # serves /people/.
    path("", include("articles.urls")),
    path("", include("shows.urls")),
    path("", include("authors.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("", include("reminders.urls")),
    path("desk/", include("desk.urls")),
]

if media.serves_local_media():
    # Uploads on local disk are served by the app, DEBUG or not (newsroom/media.py).
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$",
            media.serve,
            name="media",
        )
    ]
