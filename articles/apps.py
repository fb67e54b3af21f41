from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        # Signal receivers connect on import.
        from articles import fragments, pings, publication, signals  # noqa: F401
        from articles.models import LIVE_COVERAGE, next_coverage_end
        from core import cache_tags
        from core.fragments import register_version_source

        cache_tags.register_next_change(next_coverage_end, tags=[LIVE_COVERAGE])
        register_version_source(fragments)  # cached page pieces follow the content
