from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        # Signal receivers connect on import.
        from articles import pings, publication, signals  # noqa: F401
