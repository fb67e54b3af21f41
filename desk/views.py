from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from desk import calendar
from desk.forms import CalendarFilterForm
from desk.models import CalendarFeed


@never_cache
@require_safe
def calendar_feed(request, token):
    """A staff member's private iCalendar feed of the editorial calendar.

    The token in the address is the only key (calendar apps send no cookies), so it
    answers 404 for an unknown or reset token and for accounts no longer on staff,
    and is never stored by a cache.
    """
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True, user__is_staff=True)
        .first()
    )
    if feed is None:
        raise Http404
    chosen = CalendarFilterForm(request.GET).filters()
    today = timezone.localdate()
    found = calendar.entries(
        today - timedelta(days=calendar.FEED_DAYS_BEFORE),
        today + timedelta(days=calendar.FEED_DAYS_AFTER),
        topic=chosen["topic"],
        show=chosen["show"],
        writer=chosen["writer"],
        what=chosen["what"] or "",
    )
    body = calendar.ical(
        found,
        name=settings.SITE_NAME,
        site_url=settings.SITE_URL,
        domain=urlsplit(settings.SITE_URL).hostname or "localhost",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="desk-calendar.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
