import copy

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from articles.admin import ArticleAdminForm
from articles.models import Article, Topic
from authors.models import Author
from desk import services
from shows.models import Show

BODY_MAX_CHARS = 500_000  # an autosave is refused above this (a novel, not a story)


class DeskArticleFormMixin(forms.Form):
    """Edit-conflict protection for the story form.

    The form carries the version of the story it was opened on and the tab it was
    opened in. Saving is refused, with the text kept in the form, when the story was
    saved by someone else since (or an editor took the tab over); the refusal names
    who and when, and `desk_conflict` holds what they changed.

    The admin sets `desk_user` (the editor) and, to start from an autosave,
    `desk_restore` (field values) on the class it makes for each request.
    """

    desk_version = forms.CharField(widget=forms.HiddenInput, required=False)
    desk_session = forms.CharField(widget=forms.HiddenInput, required=False)

    desk_user = None
    desk_restore = None
    desk_restore_version = None

    def __init__(self, *args, **kwargs):
        if self.desk_restore:
            kwargs["initial"] = {**(kwargs.get("initial") or {}), **self.desk_restore}
        super().__init__(*args, **kwargs)
        self.desk_conflict = None
        if self.instance.pk is not None:
            self.fields["desk_version"].initial = services.version_token(self.instance)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None or self.desk_user is None:
            return cleaned_data
        session = services.session_for(
            cleaned_data.get("desk_session"), article=self.instance, user=self.desk_user
        )
        conflict = services.find_conflict(
            article=self.instance,
            version=cleaned_data.get("desk_version") or None,
            session=session,
        )
        if conflict is None:
            return cleaned_data
        yours = copy.copy(conflict.current)
        for name in services.COMPARE_FIELDS:
            if name in cleaned_data:
                setattr(yours, name, cleaned_data[name])
        self.desk_conflict = services.explain(conflict, yours)
        taken = self._start_again_from(conflict)
        when = date_format(localtime(conflict.at), "DATETIME_FORMAT")
        if conflict.reason == "taken_over":
            message = _(
                "%(name)s took over this story at %(when)s. Nothing was saved: your "
                "text is still in the form below. Talk to them before you save again."
            )
        else:
            message = _(
                "%(name)s saved this story at %(when)s, after you opened it. Nothing "
                "was saved: your text is still in the form below. Compare their "
                "changes, keep what you need and save again."
            )
        errors = [message % {"name": conflict.by_name, "when": when}]
        if taken:
            errors.append(
                _("Their changes to %(fields)s are in the form now.")
                % {"fields": ", ".join(taken)}
            )
        raise ValidationError(errors, code="edit_conflict")

    def _start_again_from(self, conflict):
        """Put the other version's changes into the form where the editor had not
        changed the field, and let a deliberate second save go through: the form
        now carries the saved story's version, in a new tab session.

        Returns the labels of the fields that took the other version's value.
        """
        current = conflict.current
        data = self.data.copy()
        taken = []
        if conflict.merged:
            for change in conflict.changes:
                name = change["name"]
                if change["also_yours"] or name not in self.fields:
                    continue
                self._put(data, name, current)
                taken.append(change["label"])
        session = services.open_session(article=current, user=self.desk_user)
        data[self.add_prefix("desk_version")] = services.version_token(current)
        data[self.add_prefix("desk_session")] = str(session.pk)
        self.data = data
        self.desk_new_session = session
        return taken

    def _put(self, data, name, article):
        """Write the story's value of `name` into posted `data`, as its widget
        would have posted it."""
        key = self.add_prefix(name)
        value = Article._meta.get_field(name).value_from_object(article)
        widget = self.fields[name].widget
        if isinstance(widget, forms.SplitDateTimeWidget):
            local = localtime(value) if value else None
            data[f"{key}_0"] = local.strftime("%Y-%m-%d") if local else ""
            data[f"{key}_1"] = local.strftime("%H:%M:%S") if local else ""
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[key] = "on"
            else:
                data.pop(key, None)
        else:
            data[key] = "" if value is None else str(value)


class DeskArticleForm(DeskArticleFormMixin, ArticleAdminForm):
    class Meta(ArticleAdminForm.Meta):
        fields = [*ArticleAdminForm.Meta.fields, "target_date"]


def _max(name):
    return Article._meta.get_field(name).max_length


class AutosaveForm(forms.Form):
    """What the change page sends every half minute and when it is left."""

    tab = forms.UUIDField()
    leaving = forms.BooleanField(required=False)
    headline = forms.CharField(required=False, strip=False, max_length=_max("headline"))
    slug = forms.CharField(required=False, max_length=_max("slug"))
    standfirst = forms.CharField(
        required=False, strip=False, max_length=_max("standfirst")
    )
    body = forms.CharField(required=False, strip=False, max_length=BODY_MAX_CHARS)
    hero_image = forms.IntegerField(required=False, min_value=1)
    hero_caption = forms.CharField(
        required=False, strip=False, max_length=_max("hero_caption")
    )
    update_note = forms.CharField(
        required=False, strip=False, max_length=_max("update_note")
    )
    seo_title = forms.CharField(
        required=False, strip=False, max_length=_max("seo_title")
    )
    seo_description = forms.CharField(
        required=False, strip=False, max_length=_max("seo_description")
    )

    def fields_data(self):
        """The story's fields as strings, as the change form would post them."""
        data = {}
        for name in services.AUTOSAVE_FIELDS:
            value = self.cleaned_data.get(name)
            data[name] = "" if value is None else str(value)
        return data


class HeartbeatForm(forms.Form):
    tab = forms.UUIDField()
    active = forms.BooleanField(required=False)
    leaving = forms.BooleanField(required=False)


class TakeOverForm(forms.Form):
    tab = forms.UUIDField(required=False)


class RescheduleForm(forms.Form):
    when = forms.DateTimeField(
        label=_("New time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)


class CalendarFilterForm(forms.Form):
    """The calendar's view, date and filters, read from the query string."""

    VIEWS = [("month", _("Month")), ("week", _("Week"))]
    WHAT = [("", _("Stories and show dates")), ("stories", _("Stories only"))]

    view = forms.ChoiceField(label=_("View"), choices=VIEWS, required=False)
    date = forms.DateField(label=_("Around"), required=False)
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All topics"),
    )
    show = forms.ModelChoiceField(
        label=_("Show"),
        queryset=Show.objects.only("pk", "title", "slug").order_by("title"),
        to_field_name="slug",
        required=False,
        empty_label=_("All shows"),
    )
    writer = forms.ModelChoiceField(
        label=_("Writer"),
        queryset=Author.objects.only("pk", "name", "slug").order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All writers"),
    )
    what = forms.ChoiceField(label=_("Showing"), choices=WHAT, required=False)

    def query(self):
        """The valid filters as the query string had them, for links (no dates)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: self.data[name]
            for name in ("topic", "show", "writer", "what")
            if data.get(name)
        }

    def filters(self):
        """The valid filters ({} for the rest): a bad value is ignored, never a 500."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: data.get(name)
            for name in ("view", "date", "topic", "show", "writer", "what")
        }
