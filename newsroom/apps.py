from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The project package: site-wide views, templates tags and helpers."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from newsroom import freshness, twofactor  # noqa: F401  (twofactor: receivers)

        freshness.connect()
