from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, Submit
from django import forms
from django.conf import settings
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from newsletter.models import Subscriber, normalise_email


def consent_text():
    """The promise shown under the address field; stored with each signup."""
    return _(
        "We'll e-mail you the {site} digest of new stories and nothing else. "
        "Every mail has a one-click unsubscribe link."
    ).format(site=settings.SITE_NAME)


class SignupForm(forms.Form):
    """The newsletter signup form, rendered by crispy-forms wherever it appears.

    `placement` names where the form sits ("home", "article", "footer", "page"): it
    keeps element ids unique when the form appears twice on a page and is stored as
    the subscriber's source.
    """

    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Please enter your e-mail address."),
            "invalid": _("That doesn't look like an e-mail address: please check it."),
        },
    )
    # Honeypot: hidden from people and assistive technology; bots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    source = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, *args, placement="page", **kwargs):
        placement = slugify(placement) or "page"
        kwargs.setdefault("auto_id", f"nl-{placement}-%s")
        super().__init__(*args, **kwargs)
        self.fields["source"].initial = placement
        consent_id = f"nl-{placement}-consent"
        self.fields["email"].widget.attrs["aria-describedby"] = consent_id
        self.helper = FormHelper(self)
        self.helper.form_action = "newsletter:signup"
        self.helper.form_class = f"newsletter-form newsletter-form--{placement}"
        # No token, no cookie: the page stays cacheable; see core.security.
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Field("email", wrapper_class="newsletter-form__email"),
                Submit(
                    "subscribe",
                    _("Sign up"),
                    css_id=f"nl-{placement}-submit",
                    css_class="newsletter-form__submit",
                ),
                css_class="newsletter-form__row",
            ),
            HTML(
                format_html(
                    '<p id="{}" class="form-text newsletter-form__consent">{}</p>',
                    consent_id,
                    consent_text(),
                )
            ),
            Div(
                Field("website", tabindex="-1", autocomplete="off"),
                css_class="newsletter-form__trap",
                aria_hidden="true",
            ),
            "source",
        )

    def full_clean(self):
        super().full_clean()
        if "email" in self.errors:
            # Screen readers announce the error with the field, then the promise.
            widget = self.fields["email"].widget
            consent_id = widget.attrs["aria-describedby"].split()[-1]
            error_id = f"{self['email'].auto_id}_error"
            widget.attrs["aria-describedby"] = f"{error_id} {consent_id}"

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])

    def clean_source(self):
        source = self.cleaned_data["source"]
        return source if source in Subscriber.Source.values else Subscriber.Source.OTHER

    @property
    def is_bot(self):
        """True when the honeypot was filled in."""
        return bool(self.cleaned_data.get("website"))
