import signal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.formats import date_format

from newsletter import sending
from newsletter.models import Issue, IssueStory, Subscriber
from newsletter.tasks import send_issue


def _interrupt(signum, frame):
    # SIGTERM (systemd, Kubernetes, kill) unwinds like Ctrl-C, so the sender records
    # the batch it was in before the process ends.
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Send the digest of stories published since the last issue to every "
        "confirmed subscriber, through the task backend (immediate by default; "
        "with TASKS_BACKEND=database a `db_worker` sends it). An issue interrupted "
        "mid-send is resumed first; nobody gets an issue twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--issue", type=int, help="Send (or resume) this issue instead."
        )
        parser.add_argument("--subject", help="Subject of a new digest.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be sent, change nothing.",
        )

    def handle(self, *args, **options):
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            self._handle(options["issue"], options["subject"], options["dry_run"])
        finally:
            signal.signal(signal.SIGTERM, previous)

    def _handle(self, pk, subject, dry_run):
        issue, articles = self._pick(pk, subject)
        if issue is None:
            return
        if issue.pk:
            # Only stories live now are mailed (Issue.articles_for_mail()).
            for article in issue.left_out():
                self.stdout.write(f"Left out, not live now: {article.headline}")
            if not articles:
                raise CommandError(
                    f"None of issue {issue.pk}'s stories is live now; nothing to send."
                )
        if dry_run:
            recipients = Subscriber.objects.confirmed().count()
            if issue.pk:
                recipients = issue.pending_recipients().count()
            self.stdout.write(f"Would send “{issue.subject}” to {recipients} readers:")
            for article in articles:
                self.stdout.write(f"  - {article.public_headline}")
            return
        if not issue.pk:
            with transaction.atomic():
                issue.save()
                IssueStory.objects.bulk_create(
                    IssueStory(issue=issue, article=article, position=i)
                    for i, article in enumerate(articles)
                )
        # "Sending" from now on, so a second run resumes this issue rather than
        # building another from the same stories while a worker has it queued.
        sending.start_sending(issue)
        recipients = issue.pending_recipients().count()
        self.stdout.write(f"Sending issue {issue.pk} “{issue}” to {recipients} readers")
        self._report(send_issue.enqueue(issue.pk))

    def _pick(self, pk, subject):
        """(issue, its stories): the one asked for, an interrupted one, or a new,
        unsaved digest of the stories published since the last issue."""
        if pk is not None:
            issue = Issue.objects.filter(pk=pk).first()
            if issue is None:
                raise CommandError(f"There is no issue {pk}.")
            if issue.status == Issue.Status.SENT:
                self.stdout.write(f"Issue {pk} was sent already; nothing to do.")
                return None, []
            return issue, list(issue.articles_for_mail())
        interrupted = Issue.objects.filter(status=Issue.Status.SENDING).first()
        if interrupted:
            self.stdout.write(
                f"Resuming issue {interrupted.pk}, which was interrupted."
            )
            return interrupted, list(interrupted.articles_for_mail())
        articles = list(Issue.new_articles())
        if not articles:
            self.stdout.write("No new stories since the last issue; nothing to send.")
            return None, []
        day = date_format(timezone.localdate(), "j F")
        subject = subject or f"{articles[0].public_headline} – and more, {day}"
        return Issue(subject=subject), articles

    def _report(self, result):
        if not result.is_finished:
            self.stdout.write(
                f"Queued as task {result.id}; a worker sends it "
                "(`manage.py db_worker`). Progress: the issue in the admin."
            )
        elif result.status == TaskResultStatus.SUCCESSFUL:
            report = result.return_value
            self.stdout.write(
                self.style.SUCCESS(
                    f"Sent {report['sent']}, failed {report['failed']}, "
                    f"in {report['seconds']} s."
                )
            )
        else:
            reason = result.errors[-1].traceback.strip().splitlines()[-1]
            raise CommandError(
                f"Sending stopped: {reason} Run the command again to resume."
            )
