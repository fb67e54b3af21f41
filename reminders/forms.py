from cryptography.hazmat.primitives.asymmetric import ec
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from articles.models import Topic
from reminders import push
from reminders.vapid import b64url_decode
from shows.models import Show

MAX_FOLLOWS = 50  # of each kind


class SlugsField(forms.ModelMultipleChoiceField):
    default_error_messages = {
        "invalid_choice": _("There is no %(value)s to follow."),
    }

    def clean(self, value):
        if value and len(value) > MAX_FOLLOWS:
            raise ValidationError(
                _("Follow at most %(n)d at once."), params={"n": MAX_FOLLOWS}
            )
        return super().clean(value)


class SubscribeForm(forms.Form):
    """A browser's PushSubscription and the shows and topics it follows (by slug).

    The view flattens the JSON body into these fields after checking its shape.
    """

    endpoint = forms.CharField(max_length=push.MAX_ENDPOINT_LENGTH, strip=False)
    p256dh = forms.CharField(max_length=100)
    auth = forms.CharField(max_length=50)
    shows = SlugsField(Show.objects.all(), to_field_name="slug", required=False)
    topics = SlugsField(Topic.objects.all(), to_field_name="slug", required=False)

    def clean_endpoint(self):
        endpoint = self.cleaned_data["endpoint"]
        problem = push.endpoint_problem(endpoint)
        if problem:
            raise ValidationError(problem)
        return endpoint

    def clean_p256dh(self):
        key = self.cleaned_data["p256dh"]
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b64url_decode(key)
            )
        except ValueError:
            raise ValidationError(_("keys.p256dh is not a P-256 public key.")) from None
        return key

    def clean_auth(self):
        secret = self.cleaned_data["auth"]
        try:
            valid = len(b64url_decode(secret)) == 16
        except ValueError:
            valid = False
        if not valid:
            raise ValidationError(_("keys.auth is not a 16-byte secret."))
        return secret

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("shows") or cleaned.get("topics")):
            raise ValidationError(
                _("Choose a show or topic to follow (or unsubscribe).")
            )
        return cleaned
