from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        from articles import signals  # noqa: F401  (signals connect on import)
        from articles.models import LIVE_COVERAGE, next_coverage_end
        from core import cache_tags

        cache_tags.register_next_change(next_coverage_end, tags=[LIVE_COVERAGE])
