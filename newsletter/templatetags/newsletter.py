from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language

from newsletter.forms import SignupForm

register = template.Library()


@register.simple_tag
def newsletter_signup(placement="inline"):
    """The signup form, e.g. {% newsletter_signup "footer" %}.

    `placement` keeps element ids unique when the form appears twice on a page and
    records where readers sign up. Rendering runs no query and adds no CSRF token or
    cookie, so the page around it stays cacheable (see core.security).

    The unbound form is the same every time for a placement, so it is rendered once
    per process (crispy-forms made it a tenth of an article page's CPU); in debug
    mode every time, so template edits show at once.
    """
    if settings.DEBUG:
        return _render(placement)
    return _rendered(placement, get_language())


def _render(placement):
    return render_to_string(
        "newsletter/partials/signup_form.html",
        {"form": SignupForm(placement=placement)},
    )


@lru_cache(maxsize=64)
def _rendered(placement, language):
    return _render(placement)
