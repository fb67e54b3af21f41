from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        # Signal receivers connect on import.
        from articles import fragments, pings, publication, signals  # noqa: F401
        from core.fragments import register_version_source

        register_version_source(fragments)  # cached page pieces follow the content
