"""Newsletter workflows that touch several models, mail and tasks."""

import logging

from django.conf import settings
from django_ratelimit.core import is_ratelimited

from core.clients import ratelimit_key
from newsletter.forms import consent_text
from newsletter.models import Subscriber
from newsletter.tasks import send_subscriber_mail

logger = logging.getLogger(__name__)


def too_many_signups_from(request):
    """Count a signup against the client's address; True once over the limit."""
    return is_ratelimited(
        request,
        group="newsletter.signup.ip",
        key=ratelimit_key,
        rate=settings.NEWSLETTER_SIGNUP_RATE_PER_IP,
        increment=True,
    )


def handle_signup(request, form):
    """Act on a valid signup form; the caller replies the same way whatever happens.

    A filled honeypot and an address signed up too often in the window are dropped
    silently: an error would tell a stranger that someone else had just used it.
    """
    if form.is_bot:
        logger.info("newsletter signup dropped: honeypot filled")
        return None
    email = form.cleaned_data["email"]
    if is_ratelimited(
        request,
        group="newsletter.signup.address",
        key=lambda group, request: email,
        rate=settings.NEWSLETTER_SIGNUP_RATE_PER_ADDRESS,
        increment=True,
    ):
        logger.info("newsletter signup dropped: address rate limit")
        return None
    subscriber, mail = Subscriber.objects.signup(
        email, source=form.cleaned_data["source"], consent_text=consent_text()
    )
    queue_mail(subscriber, mail)
    return subscriber


def queue_mail(subscriber, kind):
    """Send a confirm/already/welcome mail through the task backend.

    The row is committed by then (signup() and confirm() write in their own
    transactions), and the database backend stores the task in the same database,
    so a worker never sees a task before its subscriber.
    """
    send_subscriber_mail.enqueue(subscriber.pk, kind)


def confirm(subscriber):
    """Confirm a subscription; the welcome mail goes out the first time only."""
    if subscriber.confirm():
        queue_mail(subscriber, "welcome")
