"""The grid worker's field work: patrols, hazards and the daily work log."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AnonymousUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.models import DESCRIPTION_LENGTH, NOTE_LENGTH, TimeStampedModel, User
from grids.models.people import Resident
from grids.models.places import Building, BuildingUnit, Facility, Grid, _led_communities

# --- Patrols -------------------------------------------------------------------------


class PatrolStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    ENDED = "ended", _("Ended")


# The patrol's state machine: the only moves grids.services.patrol_end makes.
PATROL_MOVES: dict[str, frozenset[str]] = {
    PatrolStatus.IN_PROGRESS: frozenset({PatrolStatus.ENDED}),
    PatrolStatus.ENDED: frozenset(),
}


class WorkerRecordQuerySet(models.QuerySet[Any]):
    """Records a grid worker makes (patrols, the work log): visible to that
    worker, and whole to the community's secretary and the street above it."""

    def visible_to(self, user: User | AnonymousUser) -> WorkerRecordQuerySet:
        return self.of_workers_under(user)

    def of_workers_under(self, user: User | AnonymousUser) -> WorkerRecordQuerySet:
        """The person's own records, and those of the communities they lead:
        whose work they answer for (the work tally counts these)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self.all()
        return self.filter(Q(worker=user) | Q(grid__community__in=_led_communities(user)))


class PatrolQuerySet(WorkerRecordQuerySet):
    def visible_to(self, user: User | AnonymousUser) -> PatrolQuerySet:
        """As other records, and also to the grid's other staff (its party-group
        leader and cadre read the worker's rounds of their grid; only the worker
        checks in or ends one, which the services check)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self.all()
        staffed = Grid.objects.filter(staff__user=user).values("pk")
        return self.filter(
            Q(worker=user) | Q(grid__in=staffed) | Q(grid__community__in=_led_communities(user))
        )


class Patrol(TimeStampedModel):
    """巡查: one walk of a grid by its worker, with a check-in at each building."""

    keeps_history: ClassVar[bool] = True

    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("grid")
    )
    worker = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("grid worker")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PatrolStatus.choices,
        default=PatrolStatus.IN_PROGRESS,
        editable=False,
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True, editable=False)
    summary = models.TextField(_("summary"), max_length=DESCRIPTION_LENGTH, blank=True)

    objects = PatrolQuerySet.as_manager()

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at", "-id"]
        constraints = [
            # One patrol at a time: a second "start" returns the running one.
            models.UniqueConstraint(
                fields=["worker"],
                condition=Q(status="in_progress"),
                name="patrol_one_in_progress_per_worker",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grid} · {self.worker} · {self.started_at:%Y-%m-%d %H:%M}"


class PatrolCheckIn(models.Model):
    """The worker was at this building, at this time (and place, if the phone said)."""

    keeps_history: ClassVar[bool] = True

    patrol = models.ForeignKey(
        Patrol, on_delete=models.PROTECT, related_name="check_ins", verbose_name=_("patrol")
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="check_ins", verbose_name=_("building")
    )
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    note = models.TextField(_("what was found"), max_length=NOTE_LENGTH, blank=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.building} · {self.at:%H:%M}"


# --- Hazards -------------------------------------------------------------------------


class HazardKind(models.TextChoices):
    FLYING_WIRE = "flying_wire", _("Flying-wire e-bike charging")
    BLOCKED_EXIT = "blocked_exit", _("Blocked fire exit")
    EXPOSED_WIRING = "exposed_wiring", _("Exposed wiring")
    BROKEN_FACILITY = "broken_facility", _("Broken facility")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High: danger now")


class HazardStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FIXED = "fixed", _("Fixed")


HAZARD_MOVES: dict[str, frozenset[str]] = {
    HazardStatus.OPEN: frozenset({HazardStatus.FIXED}),
    HazardStatus.FIXED: frozenset(),
}


class HazardQuerySet(models.QuerySet["Hazard"]):
    def visible_to(self, user: User | AnonymousUser) -> HazardQuerySet:
        """Hazards at the buildings a person may see."""
        return self.filter(building__in=Building.objects.visible_to(user).values("pk"))

    def of_workers_under(self, user: User) -> HazardQuerySet:
        """Hazards the person reported, and those in the communities they lead."""
        if user.is_system_admin:
            return self.all()
        return self.filter(Q(reported_by=user) | Q(building__community__in=_led_communities(user)))


class Hazard(TimeStampedModel):
    """隐患: something unsafe found in the grid, open until fixed (with a photo)."""

    keeps_history: ClassVar[bool] = True

    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("building")
    )
    unit = models.ForeignKey(
        BuildingUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name=_("unit"),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name=_("facility"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=HazardKind.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    description = models.TextField(_("what was found"), max_length=DESCRIPTION_LENGTH)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=HazardStatus.choices,
        default=HazardStatus.OPEN,
        editable=False,
    )
    reported_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="hazards_reported",
        verbose_name=_("reported by"),
    )
    patrol = models.ForeignKey(
        Patrol,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name=_("found on patrol"),
    )
    fixed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards_fixed",
        verbose_name=_("fixed by"),
        editable=False,
    )
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True, editable=False)
    fix_note = models.TextField(_("how it was fixed"), max_length=DESCRIPTION_LENGTH, blank=True)
    # A double-tapped "save" (or an app's retry) carries the same token twice: one hazard.
    client_token = models.UUIDField(
        default=uuid.uuid4, editable=False, verbose_name=_("client token")
    )

    objects = HazardQuerySet.as_manager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "building"], name="hazard_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["reported_by", "client_token"], name="hazard_token_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.building} · {self.get_kind_display()}"


class PhotoStage(models.TextChoices):
    FOUND = "found", _("As found")
    FIXED = "fixed", _("After the fix")


def hazard_photo_path(instance: HazardPhoto, filename: str) -> str:
    # Not under a public URL: photos are served by a view that checks scope.
    return f"private/hazards/{instance.hazard_id}/{uuid.uuid4().hex}.jpg"


class HazardPhoto(models.Model):
    keeps_history: ClassVar[bool] = True

    hazard = models.ForeignKey(
        Hazard, on_delete=models.PROTECT, related_name="photos", verbose_name=_("hazard")
    )
    stage = models.CharField(_("stage"), max_length=10, choices=PhotoStage.choices)
    image = models.FileField(_("photo"), upload_to=hazard_photo_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=hazard_photo_path, blank=True)
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("hazard photo")
        verbose_name_plural = _("hazard photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.hazard} · {self.get_stage_display()}"


# --- Daily work log (五勤) ----------------------------------------------------------


class WorkCategory(models.TextChoices):
    """The "five diligences" (五勤) of the reports: 勤巡查、勤防范、勤说事、勤走访、勤服务.

    The work tally counts a patrol as PATROL, a home visit as VISIT and a hazard
    reported as PREVENT, besides the log's entries; the log is for the rest of the
    day's work (a night look at the bike shed, a talk at the gate, an errand).
    """

    PATROL = "patrol", pgettext_lazy("five diligences", "Patrol")
    PREVENT = "prevent", pgettext_lazy("five diligences", "Prevent")
    TALK = "talk", pgettext_lazy("five diligences", "Talk things through")
    VISIT = "visit", pgettext_lazy("five diligences", "Visit")
    SERVE = "serve", pgettext_lazy("five diligences", "Serve")


class WorkLogEntry(TimeStampedModel):
    keeps_history: ClassVar[bool] = True

    worker = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="work_log", verbose_name=_("grid worker")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="work_log", verbose_name=_("grid")
    )
    category = models.CharField(_("category"), max_length=20, choices=WorkCategory.choices)
    done_on = models.DateField(_("date"))
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for resident"),
    )
    note = models.TextField(_("what was done"), max_length=DESCRIPTION_LENGTH)

    objects = WorkerRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("work log entry")
        verbose_name_plural = _("work log")
        ordering = ["-done_on", "-id"]
        indexes = [models.Index(fields=["worker", "done_on"], name="worklog_worker_day")]

    def __str__(self) -> str:
        return f"{self.worker} · {self.get_category_display()} · {self.done_on}"
