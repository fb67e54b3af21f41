from django.core.management.base import BaseCommand

from articles import reads


class Command(BaseCommand):
    help = (
        "Add the story reads counted in the cache to the database (DailyReads), for "
        '"most read". Run it every few minutes (cron or a systemd timer); the '
        "counting endpoint also flushes now and then by itself."
    )

    def handle(self, *args, **options):
        result = reads.flush()
        if result is None:
            self.stdout.write("Another flush is running; nothing done.")
            return
        total, stories = result
        self.stdout.write(
            self.style.SUCCESS(f"Flushed {total} reads of {stories} stories.")
        )
