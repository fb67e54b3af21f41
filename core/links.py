"""Links that leave the page: absolute addresses and public profile links."""

from django.conf import settings
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


def absolute(url):
    """An absolute address on the site (SITE_URL) for a path; full URLs as they are.

    For feeds, shares, Open Graph and mail, which leave the site; media already on a
    CDN keep their own host.
    """
    url = str(url or "")
    if url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + url
