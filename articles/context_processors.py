from articles.models import Topic


def navigation(request):
    """Topics for the header navigation; a lazy queryset, so pages without the
    header (the admin) run no query for it."""
    return {"nav_topics": Topic.objects.in_navigation()}
