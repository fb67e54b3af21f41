"""Sign-in hardening for the back office: the second factor and the lockout page.

Staff who can publish (editors) must add an authenticator app (TOTP, django-otp)
when STAFF_2FA_REQUIRED is on, so a stolen password alone cannot publish in the
site's name; anyone who added one uses it at every sign-in. Whether a session still
owes its second step is worked out once, when the password is accepted, and kept
in the session, so other requests pay no query. Until the step is done the session
is good only for the second-factor pages and signing out.

`locked_out()` is django-axes' lockout response: the page shown once an account or a
client address has failed to sign in too often (settings: AXES_*).
"""

import math
from urllib.parse import quote

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.roles import PUBLISH_PERMISSION

SESSION_KEY = "newsroom.second_factor"
VERIFY, ENROL = "verify", "enrol"


def is_required(user):
    """Must this user sign in with a second factor?"""
    return (
        settings.STAFF_2FA_REQUIRED
        and user.is_staff
        and user.has_perm(PUBLISH_PERMISSION)
    )


def confirmed_devices(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True)


def step_owed(user):
    """VERIFY (has an authenticator), ENROL (required, has none) or None."""
    if not user.is_staff:
        return None
    if confirmed_devices(user).exists():
        return VERIFY
    return ENROL if is_required(user) else None


@receiver(user_logged_in, dispatch_uid="newsroom.second_factor_owed")
def remember_step_owed(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    step = step_owed(user)
    if step:
        request.session[SESSION_KEY] = step
    else:
        request.session.pop(SESSION_KEY, None)


def step_done(request):
    request.session.pop(SESSION_KEY, None)


class SecondFactorMiddleware:
    """Send a signed-in user who still owes the second step to it, from any page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # No session cookie, no session: reader pages are not touched (no Vary).
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            step = request.session.get(SESSION_KEY)
            if (
                step
                and request.user.is_authenticated
                and not request.user.is_verified()
                and not self._exempt(request)
            ):
                return self._to_step(request, step)
        return self.get_response(request)

    @staticmethod
    def _exempt(request):
        return request.path in {
            reverse("second_factor_verify"),
            reverse("second_factor_setup"),
            reverse("admin:logout"),
        }

    @staticmethod
    def _to_step(request, step):
        name = "second_factor_verify" if step == VERIFY else "second_factor_setup"
        target = reverse(name)
        return HttpResponseRedirect(
            f"{target}?next={quote(request.get_full_path(), safe='/')}"
        )


def locked_out(request, original_response=None, credentials=None):
    """django-axes lockout response: the sign-in page's look, 429, Retry-After."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed sign-ins",
        "minutes": math.ceil(seconds / 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    response = render(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
