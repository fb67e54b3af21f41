from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    """The bottom layer: what every app shares. It imports no project app."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core import roles

        post_migrate.connect(
            roles.sync_roles_after_migrate, dispatch_uid="core.sync_roles"
        )
