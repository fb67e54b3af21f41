from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.varnish import DEFAULT_GRACE_SECONDS, vcl


class Command(BaseCommand):
    help = (
        "Print a Varnish 7 VCL (xkey tag purges) that caches anonymous reader pages "
        "of the app at --backend and takes purges from VARNISH_PURGE_FROM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--backend",
            required=True,
            metavar="HOST:PORT",
            help="where Varnish reaches the app (gunicorn), e.g. 127.0.0.1:8000",
        )
        parser.add_argument(
            "--grace",
            type=int,
            default=DEFAULT_GRACE_SECONDS,
            metavar="SECONDS",
            help=(
                "while the app answers, serve an expired page at most this long "
                "(and within its grace) as it is refreshed; when the app fails, "
                "its stale-if-error applies (default %(default)s)"
            ),
        )

    def handle(self, *args, backend, grace, **options):
        try:
            text = vcl(backend, purge_from=settings.VARNISH_PURGE_FROM, grace=grace)
        except ValueError as error:
            raise CommandError(error) from None
        self.stdout.write(text, ending="")
