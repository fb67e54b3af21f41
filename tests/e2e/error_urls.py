"""The site's URLs plus one that fails, so a browser can see the real 500 page.

Used only as ``settings.ROOT_URLCONF`` in a test (with ``DEBUG = False``): the failing
view raises inside the live server, and Django answers the way production does, through
the site's ``handler500`` (Django's ``server_error`` unless the site sets its own).
"""

from django.urls import path
from django.views import defaults

from newsroom import urls as site

SERVER_ERROR_PATH = "/e2e/server-error/"


def fail(request):
    raise RuntimeError("a deliberate failure, to show the 500 page")


urlpatterns = [path(SERVER_ERROR_PATH[1:], fail), *site.urlpatterns]

handler404 = getattr(site, "handler404", defaults.page_not_found)
handler500 = getattr(site, "handler500", defaults.server_error)
