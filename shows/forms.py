from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.relations import AutocompleteSelectMultiple, ModelMultipleChoiceField
from shows.models import Credit, Network, Person, ShowStatus


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


class ArticlePeopleFormMixin(forms.Form):
    """Adds `people` (Person.articles, the people a story mentions) to an article form.

    The relation is declared on Person so the articles app need not change; this
    puts it in the article form as an admin autocomplete. Use it as
    `class ArticleAdminForm(ArticlePeopleFormMixin, forms.ModelForm)` and list
    "people" in the admin's fields.
    """

    people = ModelMultipleChoiceField(
        label=_("People"),
        queryset=Person.objects.all(),
        required=False,
        help_text=_("Cast and crew the story mentions; it is listed on their pages."),
        # The admin's autocomplete view needs a forward relation to Person (it cannot
        # take the reverse side of Person.articles): Credit.person searches the
        # same PersonAdmin, with no limit on the choices.
        widget=AutocompleteSelectMultiple(Credit._meta.get_field("person"), admin.site),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "people" not in self.initial:
            self.initial["people"] = list(self.instance.people.all())

    def save(self, commit=True):
        article = super().save(commit=commit)
        if commit:
            self.save_people()
        else:
            save_m2m = self.save_m2m

            def save_m2m_and_people():
                save_m2m()
                self.save_people()

            self.save_m2m = save_m2m_and_people
        return article

    def save_people(self):
        self.instance.people.set(self.cleaned_data["people"])
