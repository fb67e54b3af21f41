from django.conf import settings


def site(request):
    """Site name, description and canonical origin, for titles, meta tags and
    absolute links."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_DESCRIPTION": settings.SITE_DESCRIPTION,
        "SITE_URL": settings.SITE_URL,
    }
