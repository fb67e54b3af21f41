from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from images.models import Image


class Command(BaseCommand):
    help = (
        "Make the renditions of library pictures whose record is out of date (new "
        "shapes or widths, a restored database). Renditions already kept in storage "
        "are found, not made again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="Check every picture, also those whose record looks up to date.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count the pictures that would be checked.",
        )

    def handle(self, *args, all=False, dry_run=False, verbosity=1, **options):
        count = 0
        for image in Image.objects.order_by("pk").iterator(chunk_size=200):
            if not image.file or not (all or image.renditions_stale):
                continue
            count += 1
            if dry_run:
                continue
            image.refresh_renditions()
            if verbosity > 1:
                self.stdout.write(f"  {image.pk}: {image}")
        verb = "Would check" if dry_run else "Made or found the renditions of"
        self.stdout.write(
            ngettext(
                "%(verb)s %(count)d picture.", "%(verb)s %(count)d pictures.", count
            )
            % {"verb": verb, "count": count}
        )
