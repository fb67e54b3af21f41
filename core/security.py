"""Cross-site request protection for forms that sit on cacheable pages.

The signup form appears on pages a CDN caches whole for anonymous readers, so it cannot
carry Django's per-reader CSRF token or set the CSRF cookie. Instead its POST endpoints
check where the request comes from, as the Fetch Metadata and Origin headers that every
current browser sends with a form submission tell it: a form posted from another site is
refused, a form posted from one of our own pages passes, with or without JavaScript.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def _origin_of(url):
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def trusted_origins(request):
    """The origins our own pages are served from: this request's, SITE_URL, and
    CSRF_TRUSTED_ORIGINS (exact entries; a proxy may change what the app sees)."""
    origins = {_origin_of(settings.SITE_URL)}
    origins.update(_origin_of(origin) for origin in settings.CSRF_TRUSTED_ORIGINS)
    try:
        host = request.get_host()
    except DisallowedHost:
        pass
    else:
        origins.add(f"{request.scheme}://{host}".lower())
    origins.discard(None)
    return origins


def is_same_origin(request):
    """True when the browser says the request comes from one of our own pages.

    Sec-Fetch-Site is set by the browser and cannot be forged by a page; when it is
    absent (older browsers), the Origin header decides, then the Referer. A request
    that carries none of the three is refused: every browser that could be tricked
    into posting sends at least one of them.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin != "null" and _origin_of(origin) in trusted_origins(request)
    referer = request.headers.get("Referer")
    if referer is not None:
        return _origin_of(referer) in trusted_origins(request)
    return False


def same_origin_post(view):
    """Let unsafe methods through only from our own pages (replaces the CSRF token).

    The view is exempt from the cookie-and-token CSRF check, so rendering its form never
    sets a cookie, and guarded by is_same_origin() instead.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in SAFE_METHODS and not is_same_origin(request):
            return render(request, "cross_site.html", status=403)
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)
