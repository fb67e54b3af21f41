from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        # Signal receivers connect on import.
        from articles import pings, publication, signals  # noqa: F401
        from articles.models import LIVE_COVERAGE, next_coverage_end
        from core import cache_tags

        cache_tags.register_next_change(next_coverage_end, tags=[LIVE_COVERAGE])
