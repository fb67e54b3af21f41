from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        from articles import roles, signals  # noqa: F401  (signals connect on import)

        post_migrate.connect(
            roles.sync_roles_after_migrate, dispatch_uid="articles.sync_roles"
        )
