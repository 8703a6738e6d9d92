"""The service-hours ledger: rows are added, never changed or removed."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import User
from volunteers.models.activities import Activity, SignUp
from volunteers.models.teams import Volunteer


class HoursKind(models.TextChoices):
    ATTENDANCE = "attendance", _("Attendance")
    CORRECTION = "correction", _("Correction")


class HoursQuerySet(models.QuerySet["HoursEntry"]):
    def visible_to(self, user: User | AnonymousUser) -> HoursQuerySet:
        """A volunteer's own hours; managers see hours served in their teams' activities."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(volunteer__user=user) | Q(activity__in=Activity.objects.managed_by(user).values("pk"))
        )


class HoursEntry(models.Model):
    """志愿服务时长: hours credited for serving at one activity, or a correction of them.

    A mistake is put right by adding a correction (say -1.0 for someone who left
    early), so the ledger keeps who changed what, when and why. Nothing updates
    or deletes a row: there is no service for it and the admin is read-only.
    """

    keeps_history: ClassVar[bool] = True

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="hours", verbose_name=_("volunteer")
    )
    signup = models.ForeignKey(
        SignUp, on_delete=models.PROTECT, related_name="hours", verbose_name=_("sign-up")
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, related_name="+", verbose_name=_("activity")
    )
    served_on = models.DateField(_("served on"))
    kind = models.CharField(_("kind"), max_length=12, choices=HoursKind.choices)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = HoursQuerySet.as_manager()

    class Meta:
        verbose_name = _("hours entry")
        verbose_name_plural = _("hours entries")
        ordering = ["served_on", "id"]
        constraints = [
            # Attendance is credited once per sign-up; later changes are corrections.
            models.UniqueConstraint(
                fields=["signup"],
                condition=Q(kind=HoursKind.ATTENDANCE),
                name="hours_attendance_once",
            ),
            models.CheckConstraint(condition=~Q(hours=0), name="hours_entry_not_zero"),
        ]
        indexes = [models.Index(fields=["volunteer", "served_on"], name="hours_volunteer_day")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.served_on} {self.hours}"
