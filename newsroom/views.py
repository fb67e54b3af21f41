"""Site-wide views: home page and health check."""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.crypto import get_random_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from articles.models import Article, Topic
from articles.views import CacheableMixin


class HomeView(CacheableMixin, TemplateView):
    """The lead story, the latest stories and a rail per navigation topic."""

    template_name = "newsroom/home.html"
    latest_count = 12
    beside_lead = 4
    rail_size = 4

    def get_context_data(self, **kwargs):
        stories = Article.objects.published().for_cards()
        lead = stories.lead()
        latest = list(stories.exclude(pk=lead.pk)[: self.latest_count]) if lead else []
        rails = Topic.objects.in_navigation().rails(per_topic=self.rail_size)
        return super().get_context_data(
            lead=lead,
            latest=latest[: self.beside_lead],
            more=latest[self.beside_lead :],
            rails=rails,
            **kwargs,
        )


home = HomeView.as_view()


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "down" to a load balancer
        return False


def _cache_ok():
    key, value = "healthz:probe", get_random_string(12)
    try:
        cache.set(key, value, timeout=10)
        return cache.get(key) == value
    except Exception:  # noqa: BLE001
        return False


@never_cache
@require_GET
def healthz(request):
    """JSON health of the database and the cache: 200 when both answer, else 503."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "error",
        **{name: "ok" if ok else "error" for name, ok in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
