from django.core.management.base import BaseCommand

from core.roles import sync_roles


class Command(BaseCommand):
    help = (
        "Create the Writer and Editor groups and set their permissions (README, "
        "'Workflow'). Safe to run again; every migrate runs it too."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default="default", help="Database alias (default: default)."
        )

    def handle(self, *args, database, **options):
        for group, count in sync_roles(using=database).items():
            self.stdout.write(f"{group}: {count} permissions")
        self.stdout.write(self.style.SUCCESS("Roles are up to date."))
