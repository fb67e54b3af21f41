"""JSON endpoints the reminders control posts to, and the service worker.

The control sits on cacheable pages, so these carry no CSRF token: like the signup
form they accept only same-origin requests (core.security). Bodies over
PUBLIC_POST_MAX_BYTES (16 KB) are refused before they are read (core.limits), and
each client address (core.clients) may post REMINDERS_SUBSCRIBE_RATE times (20 a
minute by default).
"""

import json

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django_ratelimit.core import is_ratelimited

from core.clients import ratelimit_key
from core.limits import public_post_limit
from core.security import is_same_origin
from reminders import vapid
from reminders.forms import SubscribeForm
from reminders.models import Subscription


class BadRequest(Exception):
    def __init__(self, message, status=400, **extra):
        super().__init__(message)
        self.response = JsonResponse({"error": message, **extra}, status=status)


def _read_json(request, *, group):
    """The JSON object in the body, after the guards every endpoint shares."""
    if not is_same_origin(request):
        raise BadRequest("Requests must come from this site's pages.", status=403)
    if vapid.keys() is None:
        raise BadRequest("Reminders are not available.", status=404)
    if is_ratelimited(
        request,
        group=group,
        key=ratelimit_key,
        rate=settings.REMINDERS_SUBSCRIBE_RATE,
        increment=True,
    ):
        raise BadRequest("Too many requests; try again in a minute.", status=429)
    # public_post_limit refused a declared length over the limit; this caps the rest.
    limit = settings.PUBLIC_POST_MAX_BYTES
    body = request.read(limit + 1)
    if len(body) > limit:
        raise BadRequest("The request is too large.", status=413)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, absurd nesting
        raise BadRequest("The body is not JSON.") from None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    return data


def _strings(value, what):
    if not isinstance(value, str):
        raise BadRequest(f"{what} must be a string.")
    return value


def _slugs(value, what):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest(f"{what} must be a list of slugs.")
    return value


def _form_data(data):
    subscription = data.get("subscription")
    if not isinstance(subscription, dict):
        raise BadRequest("subscription must be a PushSubscription's JSON.")
    keys = subscription.get("keys")
    if not isinstance(keys, dict):
        raise BadRequest("subscription.keys must be an object.")
    return {
        "endpoint": _strings(subscription.get("endpoint"), "subscription.endpoint"),
        "p256dh": _strings(keys.get("p256dh"), "subscription.keys.p256dh"),
        "auth": _strings(keys.get("auth"), "subscription.keys.auth"),
        "shows": _slugs(data.get("shows"), "shows"),
        "topics": _slugs(data.get("topics"), "topics"),
    }


@csrf_exempt  # is_same_origin() stands in for the token (see the module docstring)
@never_cache
@require_POST
@public_post_limit
def subscribe(request):
    """Store a subscription and exactly the follows given: 201 new, 200 updated."""
    try:
        form = SubscribeForm(_form_data(_read_json(request, group="reminders")))
    except BadRequest as error:
        return error.response
    if not form.is_valid():
        errors = {field: list(messages) for field, messages in form.errors.items()}
        first = next(iter(errors.values()))[0]
        return JsonResponse({"error": first, "errors": errors}, status=400)
    data = form.cleaned_data
    with transaction.atomic():
        subscription, created = Subscription.objects.update_or_create(
            endpoint=data["endpoint"],
            defaults={"p256dh": data["p256dh"], "auth": data["auth"]},
        )
        subscription.shows.set(data["shows"])
        subscription.topics.set(data["topics"])
    body = {
        "shows": sorted(show.slug for show in data["shows"]),
        "topics": sorted(topic.slug for topic in data["topics"]),
    }
    return JsonResponse(body, status=201 if created else 200)


@csrf_exempt
@never_cache
@require_POST
@public_post_limit
def unsubscribe(request):
    """Forget a subscription and its follows: 204 whether or not it was known."""
    try:
        data = _read_json(request, group="reminders")
        endpoint = _strings(data.get("endpoint"), "endpoint")
    except BadRequest as error:
        return error.response
    Subscription.objects.filter(endpoint=endpoint).delete()
    return HttpResponse(status=204)


@require_safe
def service_worker(request):
    """/sw.js, served from the site root so it may control every page."""
    response = HttpResponse(
        render_to_string("reminders/sw.js"),  # no request: no context processors
        content_type="text/javascript; charset=utf-8",
    )
    # Browsers look for a new worker at least daily whatever this says; a short
    # lifetime lets a fix reach them sooner.
    patch_cache_control(response, public=True, max_age=300)
    return response
