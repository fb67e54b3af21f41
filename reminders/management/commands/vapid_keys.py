from django.core.management.base import BaseCommand

from reminders.vapid import KeyPair


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for story reminders, as environment lines "
        "(VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY). Keep the private key secret; "
        "changing the pair later makes browsers subscribe again."
    )

    def handle(self, *args, **options):
        pair = KeyPair.generate()
        self.stdout.write(f"VAPID_PUBLIC_KEY={pair.public}")
        self.stdout.write(f"VAPID_PRIVATE_KEY={pair.private}")
