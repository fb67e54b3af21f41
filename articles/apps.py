from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        # Signal receivers connect on import.
        from articles import pings, publication, roles, signals  # noqa: F401

        post_migrate.connect(
            roles.sync_roles_after_migrate, dispatch_uid="articles.sync_roles"
        )
