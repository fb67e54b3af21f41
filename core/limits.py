"""Refuse oversized request bodies on public POST endpoints before reading them.

Django only notices a body is too big while reading it (DATA_UPLOAD_MAX_MEMORY_SIZE).
A signup or a read beacon needs a few hundred bytes, so these endpoints answer 413 on
the declared `Content-Length` alone, and never read a byte of a body they refuse.
Picture uploads go through the admin, which keeps Django's own limits.
"""

from functools import wraps

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest

DEFAULT_MAX_BYTES = 16 * 1024


def declared_length(request):
    """The request's Content-Length as an int (0 if absent), or None if malformed."""
    value = (request.META.get("CONTENT_LENGTH") or "").strip()
    if not value:
        return 0
    if not value.isascii() or not value.isdigit():
        return None
    return int(value)


def public_post_limit(view):
    """413 for a POST declaring more than PUBLIC_POST_MAX_BYTES, 400 for a
    Content-Length that is not a number; the body is not read in either case."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            length = declared_length(request)
            if length is None:
                return HttpResponseBadRequest("Bad Content-Length.")
            limit = getattr(settings, "PUBLIC_POST_MAX_BYTES", DEFAULT_MAX_BYTES)
            if length > limit:
                return HttpResponse(
                    "Request body too large.", status=413, content_type="text/plain"
                )
        return view(request, *args, **kwargs)

    return wrapper
