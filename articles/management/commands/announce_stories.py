from django.core.management.base import BaseCommand

from articles import publication
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Announce every live story not announced yet (scheduled stories whose time "
        "has come): reminders and search-engine pings go out once per story. Pages "
        "and the task worker do this by themselves; the command is for a site with "
        "neither traffic nor a worker, or to see what is due (--dry-run)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the due stories only."
        )

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        if dry_run:
            due = Article.objects.unannounced().order_by("publish_at")
            for article in due.only("headline", "publish_at"):
                self.stdout.write(f"{article.publish_at:%Y-%m-%d %H:%M}  {article}")
            self.stdout.write(f"{due.count()} stories due.")
            return
        count = publication.announce_due()
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Announced {count} stories."))
