from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from images import processing
from images.models import Image


class PictureFileField(forms.FileField):
    """A file input that accepts only what the library can safely store.

    A new upload comes back checked and cleaned (upright, metadata stripped) as the
    file to store; refusals are form errors that say what to do instead.
    """

    widget = forms.ClearableFileInput(
        attrs={"accept": "image/jpeg,image/png,image/webp,image/avif,image/gif"}
    )

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        return processing.prepare_upload(upload).content


class ImageForm(forms.ModelForm):
    file = PictureFileField(label=_("File"))
    # Set by ImageAdmin when the last try to store this upload failed.
    storage_error = None

    class Meta:
        model = Image
        fields = [
            "file",
            "alt_text",
            "caption",
            "credit",
            "credit_url",
            "licence",
            "focal_x",
            "focal_y",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "JPEG, PNG, WebP, AVIF or GIF, up to %(size)s. Location and camera "
            "details are removed; the picture is turned upright."
        ) % {"size": filesizeformat(processing.max_upload_bytes())}

    def clean(self):
        if self.storage_error is not None:
            self.add_error("file", str(self.storage_error))
        return super().clean()
