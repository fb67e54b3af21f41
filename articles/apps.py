from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        from articles import fragments, signals  # noqa: F401  (signals connect on import)
        from core.fragments import register_version_source

        register_version_source(fragments)  # cached page pieces follow the content
