from django.utils.translation import gettext_lazy as _


class PublicLinksMixin:
    """`links` for a model with `website`, `instagram` and `x` URL fields
    (writers and people alike)."""

    @property
    def links(self):
        """(label, url) of the public profiles that are set, in a fixed order."""
        candidates = [
            (_("Website"), self.website),
            ("Instagram", self.instagram),
            ("X", self.x),
        ]
        return [(label, url) for label, url in candidates if url]
