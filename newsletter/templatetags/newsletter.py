from django import template

from newsletter.forms import SignupForm

register = template.Library()


@register.inclusion_tag("newsletter/partials/signup_form.html")
def newsletter_signup(placement="inline"):
    """The signup form, e.g. {% newsletter_signup "footer" %}.

    `placement` keeps element ids unique when the form appears twice on a page and
    records where readers sign up. Rendering runs no query and adds no CSRF token or
    cookie, so the page around it stays cacheable (see core.security).
    """
    return {"form": SignupForm(placement=placement)}
