"""Admin relation fields and widgets that turn malformed keys into form errors.

A submitted key that is not a number (`topics=Netflix`), is beyond the database's
integer range or holds a NUL byte must give "Select a valid choice", never a 500.
Django's own pieces let two such values through to the database:
ModelMultipleChoiceField checks each key but then looks them all up with `pk__in`,
which SQLite cannot bind past 64 bits, and the admin's autocomplete widgets look the
submitted keys up again to re-render the form with its errors. Here both leave out
what the key field cannot hold. `RelationKeysAdminMixin` puts them in every relation
field of a ModelAdmin or inline.
"""

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError


def key_field(model, to_field_name=None):
    opts = model._meta
    return opts.get_field(to_field_name) if to_field_name else opts.pk


def is_well_formed(field, value):
    """Whether model `field` (a key) can hold the submitted `value`."""
    try:
        if "\x00" in str(value):
            return False
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        if isinstance(value, (list, tuple)):
            field = key_field(self.queryset.model, self.to_field_name)
            for key in value:
                if not is_well_formed(field, key):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": key},
                    )
        return super().clean(value)


class WellFormedKeysMixin:
    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        field = key_field(remote.model, getattr(remote, "field_name", None))
        keys = [key for key in value if is_well_formed(field, key)]
        return super().optgroups(name, keys, attr)


class AutocompleteSelect(WellFormedKeysMixin, widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(
    WellFormedKeysMixin, widgets.AutocompleteSelectMultiple
):
    pass


class RelationKeysAdminMixin:
    """For ModelAdmin and inline classes: the field and widgets above for relations."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
