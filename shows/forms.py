from django import forms
from django.utils.translation import gettext_lazy as _

from shows.models import Network, ShowStatus


class ShowFilterForm(forms.Form):
    """The /shows/ filters, read from the query string."""

    network = forms.ModelChoiceField(
        label=_("Network"),
        queryset=Network.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All networks"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *ShowStatus.choices],
        required=False,
    )
