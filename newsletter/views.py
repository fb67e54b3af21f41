"""Reader pages of the newsletter: signup, confirmation and unsubscribe.

Signup replies never depend on the address's state, so the form cannot be used to
find out who subscribes. Token pages are private (never cached, no referrer) because
their URL is the credential.
"""

from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.limits import public_post_limit
from core.security import same_origin_post
from newsletter import services, tokens
from newsletter.forms import SignupForm
from newsletter.models import Subscriber

PUBLIC_CACHE = {"public": True, "max_age": 600}


@require_http_methods(["GET", "HEAD", "POST"])
@same_origin_post
@public_post_limit
def signup(request):
    if request.method != "POST":
        response = render(
            request, "newsletter/signup.html", {"form": SignupForm(placement="page")}
        )
        patch_cache_control(response, **PUBLIC_CACHE)
        return response
    if services.too_many_signups_from(request):
        return render(request, "newsletter/rate_limited.html", status=429)
    form = SignupForm(request.POST, placement="page")
    if not form.is_valid():
        return render(request, "newsletter/signup.html", {"form": form})
    services.handle_signup(request, form)
    return redirect("newsletter:check_inbox")


@cache_control(**PUBLIC_CACHE)
@require_http_methods(["GET", "HEAD"])
def check_inbox(request):
    return render(request, "newsletter/check_inbox.html")


def _token_page(request, token, purpose):
    """(subscriber, None) for a good token, else (None, a friendly error page)."""
    try:
        return Subscriber.objects.from_token(token, purpose), None
    except tokens.TokenExpired:
        page = render(request, f"newsletter/{purpose}_expired.html", status=410)
    except tokens.TokenInvalid:
        page = render(request, "newsletter/bad_link.html", status=404)
    return None, page


def _private(response):
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@csrf_exempt  # the signed token in the URL is the credential
@require_http_methods(["GET", "HEAD", "POST"])
@public_post_limit
def confirm(request, token):
    """GET asks (link scanners only GET), POST confirms and shows the thank-you page."""
    subscriber, error_page = _token_page(request, token, tokens.CONFIRM)
    if error_page:
        return _private(error_page)
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        # Only pending signups are confirmed: an old link does not undo leaving.
        context = {"subscriber": subscriber}
        page = render(
            request, "newsletter/confirm_unsubscribed.html", context, status=410
        )
        return _private(page)
    if request.method == "POST":
        services.confirm(subscriber)
        return _private(render(request, "newsletter/confirmed.html"))
    context = {"subscriber": subscriber}
    return _private(render(request, "newsletter/confirm.html", context))


@never_cache
@csrf_exempt  # RFC 8058 one-click POSTs come from mail providers, not our pages
@require_http_methods(["GET", "HEAD", "POST"])
@public_post_limit
def unsubscribe(request, token):
    """GET asks, POST (our button or the mail client's one-click) unsubscribes."""
    subscriber, error_page = _token_page(request, token, tokens.UNSUBSCRIBE)
    if error_page:
        return _private(error_page)
    if request.method == "POST":
        subscriber.unsubscribe()
        return _private(render(request, "newsletter/unsubscribed.html"))
    context = {"subscriber": subscriber}
    return _private(render(request, "newsletter/unsubscribe.html", context))
