from django import forms
from django.utils.translation import gettext_lazy as _


class OneTimeCodeForm(forms.Form):
    """The six-digit code an authenticator app shows now."""

    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
    )

    def clean_otp_token(self):
        token = "".join(self.cleaned_data["otp_token"].split())
        if not (token.isascii() and token.isdigit() and len(token) == 6):
            raise forms.ValidationError(_("Enter the six digits the app shows."))
        return token
