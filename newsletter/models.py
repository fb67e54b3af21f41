from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    email = models.EmailField(_("e-mail"), max_length=254)
    status = models.CharField(
        max_length=20, choices=Status, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique")
        ]

    def __str__(self):
        return self.email
