"""Notices 通知公告: what the community tells its residents (vaccination days, outages...).

A notice goes to a whole community, or to some of its grids and buildings. It
is published, may be edited (each edit keeps the text it replaced) and may be
withdrawn; it is never deleted once published. Its status moves only through
``grids.services.notice_withdraw`` along ``NOTICE_MOVES``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import NOTE_LENGTH, Community, Membership, Role, TimeStampedModel, User
from grids.models.places import Building, Duty, Grid

TITLE_MAX = 100
BODY_MAX = NOTE_LENGTH


class NoticeStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The notice's state machine: action -> (from, to). Withdrawn is final.
NOTICE_MOVES: dict[str, tuple[frozenset[str], str]] = {
    "withdraw": (frozenset({NoticeStatus.PUBLISHED}), NoticeStatus.WITHDRAWN),
}


def led_community_ids(user: User) -> models.QuerySet[Any]:
    """The communities ``user`` is the secretary of."""
    return Membership.objects.filter(
        user=user, role=Role.SECRETARY, revoked_at__isnull=True
    ).values("community")


def worker_grid_ids(user: User) -> models.QuerySet[Any]:
    """The grids ``user`` is the full-time grid worker of."""
    return Grid.objects.filter(staff__user=user, staff__duty=Duty.GRID_WORKER).values("pk")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def managed_by(self, user: User | AnonymousUser) -> NoticeQuerySet:
        """Notices a staff member may see the figures of, edit and withdraw: every
        notice of the communities they lead as secretary, and their own."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(community__in=led_community_ids(user)) | Q(author=user))

    def current(self, now: Any = None) -> NoticeQuerySet:
        """Published, started and not yet ended."""
        now = now or timezone.now()
        return self.filter(status=NoticeStatus.PUBLISHED, starts_at__lte=now).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )


class Notice(TimeStampedModel):
    """通知公告: one notice to a community's residents, or to some grids or buildings.

    No grids and no buildings means the whole community.
    """

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="notices", verbose_name=_("community")
    )
    grids: models.ManyToManyField[Grid, Any] = models.ManyToManyField(
        Grid, blank=True, related_name="notices", verbose_name=_("grids")
    )
    buildings: models.ManyToManyField[Building, Any] = models.ManyToManyField(
        Building, blank=True, related_name="notices", verbose_name=_("buildings")
    )
    # Kept so the resident's query needs no join to tell a community-wide notice.
    whole_community = models.BooleanField(_("whole community"), default=True, editable=False)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    pinned = models.BooleanField(_("pinned"), default=False)
    starts_at = models.DateTimeField(_("shown from"), default=timezone.now)
    ends_at = models.DateTimeField(_("shown until"), null=True, blank=True)
    to_group_bot = models.BooleanField(_("posted to the residents' group"), default=False)
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="notices", verbose_name=_("published by")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NoticeStatus.choices,
        default=NoticeStatus.PUBLISHED,
        editable=False,
    )
    withdrawn_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("withdrawn by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True, editable=False)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-pinned", "-starts_at", "-id"]
        indexes = [
            # A resident's list: their community's current notices, pinned first.
            models.Index(
                fields=["community", "status", "-pinned", "-starts_at"], name="notice_current"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="notice_ends_after_start",
                violation_error_message=_("The end must come after the start."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class NoticeRevision(models.Model):
    """The text a notice had before one edit, who changed it and when."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("notice")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    pinned = models.BooleanField(_("pinned"))
    starts_at = models.DateTimeField(_("shown from"))
    ends_at = models.DateTimeField(_("shown until"), null=True, blank=True)
    edited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("edited by")
    )
    edited_at = models.DateTimeField(_("edited"), default=timezone.now)

    class Meta:
        verbose_name = _("notice revision")
        verbose_name_plural = _("notice revisions")
        ordering = ["-edited_at", "-id"]

    def __str__(self) -> str:
        return f"{self.notice_id} · {self.edited_at:%Y-%m-%d %H:%M}"


class NoticeRead(models.Model):
    """A resident opened a notice (the first time)."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="reads", verbose_name=_("notice")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("reader")
    )
    read_at = models.DateTimeField(_("read"), default=timezone.now)

    class Meta:
        verbose_name = _("notice read")
        verbose_name_plural = _("notice reads")
        constraints = [
            # Also the index of "has this person read these notices".
            models.UniqueConstraint(fields=["user", "notice"], name="notice_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} · {self.user_id}"
