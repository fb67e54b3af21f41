from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Ensure a local superuser exists and print its login. Development only: it "
        "refuses to run with DEBUG off, so no known password reaches production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="newsroom-admin")

    def handle(self, *args, username, password, **options):
        if not settings.DEBUG:
            raise CommandError(
                "ensure_admin is for local development (DEBUG=1). In production use "
                "'manage.py createsuperuser'."
            )
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@localhost"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        verb = "Created" if created else "Reset"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} local admin. Log in at http://127.0.0.1:8000/admin/ "
                f"as {username} / {password}"
            )
        )
