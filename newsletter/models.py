from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from core.links import absolute
from newsletter import tokens


def normalise_email(email):
    """One spelling per mailbox: trimmed and lower-cased.

    Mail providers treat the local part case-insensitively in practice, and the
    unique constraint is on Lower(email), so the stored form is the lower-case one.
    """
    return email.strip().lower()


class SubscriberQuerySet(models.QuerySet):
    def with_email(self, email):
        """Match on Lower(email), the expression the unique index is built on."""
        return self.alias(email_lower=Lower("email")).filter(
            email_lower=normalise_email(email)
        )

    def confirmed(self):
        return self.filter(status=Subscriber.Status.CONFIRMED)

    def pending(self):
        return self.filter(status=Subscriber.Status.PENDING)

    def from_token(self, token, purpose):
        """The subscriber a confirmation or unsubscribe link names.

        Raises tokens.TokenExpired or tokens.TokenInvalid (also when the row now
        holds another address).
        """
        pk, fingerprint = tokens.read(token, purpose)
        subscriber = self.filter(pk=pk).first()
        if subscriber is None or not tokens.names(subscriber, fingerprint):
            raise tokens.TokenInvalid
        return subscriber

    def signups_per_day(self, days=14):
        """(day, signups, confirmed) for the last `days` days, newest first."""
        since = timezone.now() - timedelta(days=days)
        return (
            self.filter(created_at__gte=since)
            .annotate(day=TruncDate("created_at"))
            .values("day")
            .annotate(
                signups=Count("pk"),
                confirmed=Count("pk", filter=Q(status=Subscriber.Status.CONFIRMED)),
            )
            .order_by("-day")
        )


class SubscriberManager(models.Manager.from_queryset(SubscriberQuerySet)):
    def signup(self, email, *, source, consent_text):
        """Record a signup and say which mail the address should get.

        Returns (subscriber, mail) where mail is "confirm" (new, pending or
        unsubscribed address: double opt-in starts again) or "already" (a confirmed
        address: a note that nothing changed). Safe under concurrent calls for one
        address: exactly one row ever exists, whichever request wins the insert.
        """
        email = normalise_email(email)
        now = timezone.now()
        consent = {"consent_text": consent_text, "consent_at": now}
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    # Write first: SQLite then takes its write lock before reading,
                    # so concurrent signups wait their turn instead of failing with
                    # "database is locked"; PostgreSQL locks the row.
                    renewed = (
                        self.with_email(email)
                        .exclude(status=Subscriber.Status.CONFIRMED)
                        .update(
                            status=Subscriber.Status.PENDING, updated_at=now, **consent
                        )
                    )
                    subscriber = self.with_email(email).first()
                    if subscriber is None:
                        subscriber = self.create(email=email, source=source, **consent)
                        return subscriber, "confirm"
                    return subscriber, "confirm" if renewed else "already"
            except IntegrityError:
                # Another request inserted this address after our UPDATE; the next
                # attempt finds its row.
                continue
        raise IntegrityError(f"could not record a signup for {email!r}")


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    class Source(models.TextChoices):
        PAGE = "page", _("Newsletter page")
        HOME = "home", _("Home page")
        ARTICLE = "article", _("Article")
        FOOTER = "footer", _("Page footer")
        ADMIN = "admin", _("Added by staff")
        OTHER = "other", _("Other")

    email = models.EmailField(_("e-mail"), max_length=254)
    status = models.CharField(
        max_length=20, choices=Status, default=Status.PENDING, db_index=True
    )
    source = models.CharField(
        _("signed up from"), max_length=20, choices=Source, default=Source.OTHER
    )
    consent_text = models.TextField(
        _("consent wording"),
        blank=True,
        help_text=_("What the reader was shown when they signed up."),
    )
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(
        _("confirmation mail sent"), null=True, blank=True
    )
    mail_error = models.TextField(
        _("last mail error"),
        blank=True,
        help_text=_("Why the last confirmation or welcome mail could not be sent."),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriberManager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique")
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)  # also for staff typing in the admin
        super().save(*args, **kwargs)

    def confirm(self):
        """Confirm a pending signup; True if this call changed anything.

        Only a pending row moves (one conditional UPDATE, so a confirmation racing
        an unsubscribe cannot undo it): an old link opened after unsubscribing
        leaves the reader unsubscribed.
        """
        now = timezone.now()
        changed = (
            type(self)
            .objects.pending()
            .filter(pk=self.pk)
            .update(status=self.Status.CONFIRMED, confirmed_at=now, updated_at=now)
        )
        self.refresh_from_db(fields=["status", "confirmed_at", "updated_at"])
        return bool(changed)

    def unsubscribe(self):
        """Stop all mail to this address; True if this call changed anything."""
        if self.status == self.Status.UNSUBSCRIBED:
            return False
        self.status = self.Status.UNSUBSCRIBED
        self.unsubscribed_at = timezone.now()
        self.save(update_fields=["status", "unsubscribed_at", "updated_at"])
        return True

    def confirm_token(self):
        return tokens.make(self, tokens.CONFIRM)

    def unsubscribe_token(self):
        return tokens.make(self, tokens.UNSUBSCRIBE)

    def get_confirm_url(self):
        return absolute(reverse("newsletter:confirm", args=[self.confirm_token()]))

    def get_unsubscribe_url(self):
        return self.unsubscribe_links()(self.pk, self.email)

    @staticmethod
    def unsubscribe_links():
        """(pk, email) -> that reader's unsubscribe URL, for mailing many readers:
        the route is reversed once, and no instance is made per reader (together
        they cost more than signing the token)."""
        mark = "-token-"  # reversed once, then each token goes in its place
        head, tail = absolute(reverse("newsletter:unsubscribe", args=[mark])).split(
            mark
        )
        token = tokens.maker(tokens.UNSUBSCRIBE)
        return lambda pk, email: f"{head}{token(pk, email)}{tail}"


class IssueQuerySet(models.QuerySet):
    def with_delivery_counts(self):
        return self.annotate(
            sent_count=Count(
                "deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)
            ),
            failed_count=Count(
                "deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)
            ),
            claimed_count=Count(
                "deliveries", filter=Q(deliveries__status=Delivery.Status.CLAIMED)
            ),
        )


class Issue(models.Model):
    """One digest: a subject, an introduction and a hand-ordered list of stories."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    subject = models.CharField(_("subject"), max_length=200)
    intro = models.TextField(
        _("introduction"),
        blank=True,
        help_text=_("A few lines above the stories. Blank lines start new paragraphs."),
    )
    stories = models.ManyToManyField(
        "articles.Article", through="IssueStory", related_name="+", blank=True
    )
    status = models.CharField(
        max_length=20, choices=Status, default=Status.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    test_sent_at = models.DateTimeField(_("test sent"), null=True, blank=True)
    send_started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sending finished"), null=True, blank=True)

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("send_issue", _("Can send an issue to all subscribers"))]

    def __str__(self):
        return self.subject

    @property
    def is_editable(self):
        return self.status == self.Status.DRAFT

    @classmethod
    def new_articles(cls):
        """Stories published since the last issue went out (or the past week)."""
        last = (
            cls.objects.exclude(send_started_at=None)
            .order_by("-send_started_at")
            .values_list("send_started_at", flat=True)
            .first()
        )
        since = last or timezone.now() - timedelta(days=7)
        return (
            Article.objects.published()
            .filter(publish_at__gt=since)
            .order_by("-publish_at")[: settings.NEWSLETTER_MAX_STORIES]
        )

    def add_new_articles(self):
        """Append the stories published since the last issue; returns how many."""
        have = set(self.issuestory_set.values_list("article_id", flat=True))
        start = len(have)
        new = [a for a in self.new_articles() if a.pk not in have]
        IssueStory.objects.bulk_create(
            IssueStory(issue=self, article=article, position=start + i)
            for i, article in enumerate(new)
        )
        return len(new)

    def composed_articles(self):
        """Every story put in the issue, live or not, in the issue order."""
        return Article.objects.filter(issuestory__issue=self).order_by(
            "issuestory__position", "issuestory__pk"
        )

    def articles_for_mail(self):
        """The stories that are live now, in their issue order, with what the mail
        prints. A story unpublished since it was picked is not mailed."""
        return (
            self.composed_articles()
            .filter(pk__in=Article.objects.published().values("pk"))
            .select_related("hero_image")
            .prefetch_related("authors")
        )

    def left_out(self):
        """Stories in the issue that are not live now, so the mail leaves them out."""
        live = Article.objects.published().values("pk")
        return self.composed_articles().exclude(pk__in=live).only("headline", "status")

    def pending_recipients(self):
        """Confirmed subscribers this issue has not been handed to yet, by pk."""
        return (
            Subscriber.objects.confirmed()
            .exclude(deliveries__issue=self)
            .order_by("pk")
        )


class IssueStory(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "article"], name="issuestory_unique"
            )
        ]

    def __str__(self):
        return str(self.article)


class Delivery(models.Model):
    """One subscriber's copy of one issue.

    The row is written ("queued") before the mail goes out and the unique
    constraint allows one per subscriber and issue, so no run, resumed or
    concurrent, can send an issue to anyone twice. It turns "claimed" as the mail
    goes out and gets its outcome as the server answers (newsletter.sending). A
    claim whose outcome was never recorded (the sender was killed with that one
    mail in flight) stays "claimed" and is not retried: the mail may or may not
    have left. Queued rows of a run that died are released by the next run.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CLAIMED = "claimed", _("Outcome unknown")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    issue = models.ForeignKey(
        Issue, on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.CLAIMED)
    run = models.CharField(max_length=32, help_text=_("The send run that claimed it."))
    attempted_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="delivery_once_per_subscriber"
            )
        ]
        indexes = [models.Index(fields=["issue", "status"], name="delivery_status_idx")]

    def __str__(self):
        return f"{self.issue} → {self.subscriber}"
