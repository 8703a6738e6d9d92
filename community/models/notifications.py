"""The notifications outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models.base import NOTE_LENGTH, STATEMENT_LENGTH
from community.models.people import User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# --- Notifications ---------------------------------------------------------------------


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the portal")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Group bot")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def inbox(self, user: User | AnonymousUser) -> NotificationQuerySet:
        """What the bell shows: a person's own in-portal notifications."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user, channel=Channel.IN_APP)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message on one channel: an outbox row.

    Written in the same transaction as the change it reports, so it exists if
    and only if the change does. In-portal rows are delivered by existing;
    e-mail and group-bot rows are sent by a Celery task queued on commit, and
    the beat sweep picks up any row whose hand-off to the broker failed.
    """

    keeps_history: ClassVar[bool] = True

    recipient = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        # No index of its own: notification_inbox (recipient, channel, read_at)
        # leads with it and serves every lookup by recipient, the bell's included;
        # a second index would only slow the outbox's writes and lure the planner.
        db_index=False,
        related_name="notifications",
        verbose_name=_("recipient"),
        help_text=_("Empty for a message to a unit's group bot."),
    )
    kind = models.CharField(_("kind"), max_length=50)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=STATEMENT_LENGTH, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    # The e-mail address or bot URL at the time of writing, and the bot's
    # message format and the mobiles to @-mention.
    target = models.CharField(_("sent to"), max_length=500, blank=True)
    options = models.JSONField(_("channel options"), default=dict, blank=True)
    # Unique: the same event never makes the same message twice, even if
    # the code that reports it runs twice.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), max_length=NOTE_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
            # The sweep's scan: only rows still owed a delivery.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="notification_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReminderItem(models.Model):
    """One item one person was reminded of in a digest.

    A digest lists many items in one message, so the message's own dedupe key
    cannot say which items it told; this row does. Unique per person and item
    key: however often a reminder job runs, an item goes into one digest.
    """

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    key = models.CharField(_("item"), max_length=200)
    # The run that claimed the item: the digest lists exactly its own claims.
    batch = models.CharField(_("digest"), max_length=32, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("reminded item")
        verbose_name_plural = _("reminded items")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="reminder_item_once")
        ]

    def __str__(self) -> str:
        return self.key
