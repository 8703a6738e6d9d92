"""Grids: the buildings, households and residents of a community, and who looks after them.

A community is divided into basic grids (基础网格); every building belongs to
exactly one. Overlay grids (专项网格: police, city management, civilised-city
campaign) lie over the same buildings with their own staff. People staff a
grid through ``GridStaff``; what a grid worker may see follows from it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Community, Membership, Role, TimeStampedModel, User, phone_validator

# --- Grids ---------------------------------------------------------------------


class GridKind(models.TextChoices):
    BASIC = "basic", _("Basic grid")
    POLICE = "police", _("Police grid")
    CITY_MANAGEMENT = "city_management", _("City management grid")
    CIVILISED_CITY = "civilised_city", _("Civilised-city grid")


class Duty(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Full-time grid worker")
    PARTY_LEADER = "party_leader", _("Grid party-group leader")
    CADRE = "cadre", _("Community cadre responsible")
    OVERLAY_STAFF = "overlay_staff", _("Overlay grid staff")


# Duties a basic grid has exactly one of each.
BASIC_DUTIES = (Duty.GRID_WORKER, Duty.PARTY_LEADER, Duty.CADRE)


class GridQuerySet(models.QuerySet["Grid"]):
    def visible_to(self, user: User | AnonymousUser) -> GridQuerySet:
        """The grids a person staffs; all grids of the communities they lead or oversee."""
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self.all()
        return self.filter(Q(staff__user=user) | Q(community__in=_led_communities(user))).distinct()


def _led_communities(user: User) -> models.QuerySet[Community]:
    """Communities ``user`` sees whole: as their secretary, or from the street above."""
    active = Membership.objects.filter(user=user, revoked_at__isnull=True)
    return Community.objects.filter(
        Q(pk__in=active.filter(role=Role.SECRETARY).values("community"))
        | Q(
            street__in=active.filter(role__in=[Role.STREET_DISPATCHER, Role.STREET_LEAD]).values(
                "street"
            )
        )
    )


class Grid(TimeStampedModel):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=GridKind.choices)
    name = models.CharField(_("name"), max_length=50)
    # Overlay grids cover buildings of any basic grid; basic grids own theirs
    # through Building.grid.
    overlay_buildings: models.ManyToManyField[Building, Any] = models.ManyToManyField(
        "Building", blank=True, related_name="overlay_grids", verbose_name=_("buildings covered")
    )

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_basic(self) -> bool:
        return self.kind == GridKind.BASIC


class GridStaff(TimeStampedModel):
    """One person's duty in one grid."""

    grid = models.ForeignKey(
        Grid, on_delete=models.CASCADE, related_name="staff", verbose_name=_("grid")
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="grid_duties", verbose_name=_("person")
    )
    duty = models.CharField(_("duty"), max_length=20, choices=Duty.choices)

    class Meta:
        verbose_name = _("grid staff")
        verbose_name_plural = _("grid staff")
        constraints = [
            models.UniqueConstraint(fields=["grid", "user", "duty"], name="grid_staff_unique"),
            # A basic grid has one full-time worker, one party-group leader
            # and one responsible cadre.
            models.UniqueConstraint(
                fields=["grid", "duty"],
                condition=Q(duty__in=["grid_worker", "party_leader", "cadre"]),
                name="grid_one_per_basic_duty",
                violation_error_message=_("This grid already has someone in this duty."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid} · {self.get_duty_display()} · {self.user}"


# --- Buildings, units, households ------------------------------------------------


class BuildingQuerySet(models.QuerySet["Building"]):
    def visible_to(self, user: User | AnonymousUser) -> BuildingQuerySet:
        """Buildings of the grids a person staffs, or of the communities they lead."""
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self.all()
        staffed = Grid.objects.filter(staff__user=user).values("pk")
        return self.filter(
            Q(community__in=_led_communities(user))
            | Q(grid__in=staffed)
            | Q(
                pk__in=Grid.overlay_buildings.through.objects.filter(grid__in=staffed).values(
                    "building"
                )
            )
        )


class Building(TimeStampedModel):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        related_name="buildings",
        limit_choices_to={"kind": GridKind.BASIC},
        verbose_name=_("basic grid"),
    )
    number = models.PositiveSmallIntegerField(_("building number"))
    name = models.CharField(_("name"), max_length=50, blank=True)
    floors = models.PositiveSmallIntegerField(
        _("floors"), validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="building_number_unique")
        ]

    def __str__(self) -> str:
        return self.name or _("Building %(number)s") % {"number": self.number}

    def clean(self) -> None:
        # Every building belongs to exactly one basic grid of its own community.
        if self.grid_id and self.community_id:
            if self.grid.kind != GridKind.BASIC:
                raise ValidationError({"grid": _("A building belongs to a basic grid.")})
            if self.grid.community_id != self.community_id:
                raise ValidationError({"grid": _("The grid is in another community.")})


class BuildingUnit(models.Model):
    """单元: an entrance and stairwell of a building."""

    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="units", verbose_name=_("building")
    )
    number = models.PositiveSmallIntegerField(_("unit number"))

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="unit_number_unique")
        ]

    def __str__(self) -> str:
        return _("%(building)s, unit %(number)s") % {
            "building": self.building,
            "number": self.number,
        }


class Household(TimeStampedModel):
    """户: one flat (room) in a unit."""

    unit = models.ForeignKey(
        BuildingUnit, on_delete=models.PROTECT, related_name="households", verbose_name=_("unit")
    )
    room = models.CharField(_("room"), max_length=10)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["unit_id", "room"]
        constraints = [models.UniqueConstraint(fields=["unit", "room"], name="household_unique")]

    def __str__(self) -> str:
        return _("%(unit)s, room %(room)s") % {"unit": self.unit, "room": self.room}


# --- Residents -----------------------------------------------------------------------


class Gender(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")


class CareTag(models.TextChoices):
    """Residents who need extra care (重点人群)."""

    LIVING_ALONE = "living_alone", _("Elderly living alone")
    IN_DIFFICULTY = "in_difficulty", _("Elderly in difficulty")
    LIMITED_MOBILITY = "limited_mobility", _("Limited mobility")
    CHRONIC_ILLNESS = "chronic_illness", _("Chronic illness")


class ResidentQuerySet(models.QuerySet["Resident"]):
    def visible_to(self, user: User | AnonymousUser) -> ResidentQuerySet:
        """Residents of the buildings a person may see, and a resident themself."""
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self.all()
        buildings = Building.objects.visible_to(user).values("pk")
        return self.filter(Q(household__unit__building__in=buildings) | Q(user=user))


class Resident(TimeStampedModel):
    """A person living in a household. No national ID numbers are kept."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(
        _("mobile number"), max_length=11, blank=True, validators=[phone_validator]
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    # Sensitive: shown only to the staff of the resident's basic grid and the
    # community secretary (see grids.selectors.can_see_health).
    health_note = models.TextField(_("health notes"), blank=True)
    # The resident's own portal account, linked once a grid worker confirms
    # they live here.
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident",
        verbose_name=_("portal account"),
    )
    confirmed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household_id", "id"]
        indexes = [models.Index(fields=["name"], name="resident_name")]

    def __str__(self) -> str:
        return self.name


class ResidentTag(models.Model):
    """One care tag on one resident; visits are planned by tag."""

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="tags", verbose_name=_("resident")
    )
    tag = models.CharField(_("care tag"), max_length=20, choices=CareTag.choices)
    since = models.DateField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("care tag")
        verbose_name_plural = _("care tags")
        constraints = [
            models.UniqueConstraint(fields=["resident", "tag"], name="resident_tag_unique")
        ]

    def __str__(self) -> str:
        return self.get_tag_display()


# --- Facilities ----------------------------------------------------------------------


class FacilityKind(models.TextChoices):
    CHARGING_PILE = "charging_pile", _("E-bike charging piles")


class FacilityStatus(models.TextChoices):
    WORKING = "working", _("Working")
    BROKEN = "broken", _("Broken")


class Facility(TimeStampedModel):
    """Facilities in front of a unit, such as a row of e-bike charging piles."""

    unit = models.ForeignKey(
        BuildingUnit, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    count = models.PositiveSmallIntegerField(
        _("number of points"), validators=[MinValueValidator(1)]
    )
    price_per_kwh = models.DecimalField(
        _("price per kWh (yuan)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FacilityStatus.choices, default=FacilityStatus.WORKING
    )

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["unit_id", "kind"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_kind_display()} ×{self.count}"


# --- Patrols -------------------------------------------------------------------------


class PatrolStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    ENDED = "ended", _("Ended")


# The patrol's state machine: the only moves grids.services.patrol_end makes.
PATROL_MOVES: dict[str, frozenset[str]] = {
    PatrolStatus.IN_PROGRESS: frozenset({PatrolStatus.ENDED}),
    PatrolStatus.ENDED: frozenset(),
}


class PatrolQuerySet(models.QuerySet["Patrol"]):
    def visible_to(self, user: User | AnonymousUser) -> PatrolQuerySet:
        """A worker's own patrols; every patrol of the grids a person leads or oversees."""
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self.all()
        return self.filter(Q(worker=user) | Q(grid__community__in=_led_communities(user)))


class Patrol(TimeStampedModel):
    """巡查: one walk of a grid by its worker, with a check-in at each building."""

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
    summary = models.TextField(_("summary"), blank=True)

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

    patrol = models.ForeignKey(
        Patrol, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("patrol")
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
    note = models.TextField(_("what was found"), blank=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.building} · {self.at:%H:%M}"


# --- Home visits ---------------------------------------------------------------------

# How often a resident with each care tag is visited unless the community's
# care plan says otherwise; a resident with several tags follows the most
# frequent.
DEFAULT_VISIT_INTERVAL_DAYS: dict[str, int] = {
    CareTag.LIVING_ALONE: 7,
    CareTag.IN_DIFFICULTY: 14,
    CareTag.LIMITED_MOBILITY: 14,
    CareTag.CHRONIC_ILLNESS: 30,
}


class CarePlan(TimeStampedModel):
    """A community's own visiting interval for one care tag."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="care_plans", verbose_name=_("community")
    )
    tag = models.CharField(_("care tag"), max_length=20, choices=CareTag.choices)
    interval_days = models.PositiveSmallIntegerField(
        _("visit every (days)"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")
        constraints = [
            models.UniqueConstraint(fields=["community", "tag"], name="care_plan_unique")
        ]

    def __str__(self) -> str:
        return f"{self.community} · {self.get_tag_display()} · {self.interval_days}"


class VisitQuerySet(models.QuerySet["Visit"]):
    def visible_to(self, user: User | AnonymousUser) -> VisitQuerySet:
        """Visits to the residents a person may see."""
        return self.filter(resident__in=Resident.objects.visible_to(user).values("pk"))


class Visit(TimeStampedModel):
    """走访: a grid worker's home visit to a resident."""

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="visits", verbose_name=_("resident")
    )
    worker = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="visits", verbose_name=_("visited by")
    )
    visited_on = models.DateField(_("date of visit"))
    condition = models.TextField(_("how they are"), blank=True)
    needs = models.TextField(_("what they need"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)
    card_left = models.BooleanField(_("contact card left"), default=False)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["resident", "-visited_on"], name="visit_latest")]
        constraints = [
            # A double-tapped "save" must not make two visits.
            models.UniqueConstraint(
                fields=["resident", "worker", "visited_on"], name="visit_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.visited_on}"


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


class Hazard(TimeStampedModel):
    """隐患: something unsafe found in the grid, open until fixed (with a photo)."""

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
    description = models.TextField(_("what was found"))
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
        on_delete=models.SET_NULL,
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
    fix_note = models.TextField(_("how it was fixed"), blank=True)

    objects = HazardQuerySet.as_manager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "building"], name="hazard_open")]

    def __str__(self) -> str:
        return f"{self.building} · {self.get_kind_display()}"


class PhotoStage(models.TextChoices):
    FOUND = "found", _("As found")
    FIXED = "fixed", _("After the fix")


def hazard_photo_path(instance: HazardPhoto, filename: str) -> str:
    # Not under a public URL: photos are served by a view that checks scope.
    return f"private/hazards/{instance.hazard_id}/{uuid.uuid4().hex}.jpg"


class HazardPhoto(models.Model):
    hazard = models.ForeignKey(
        Hazard, on_delete=models.CASCADE, related_name="photos", verbose_name=_("hazard")
    )
    stage = models.CharField(_("stage"), max_length=10, choices=PhotoStage.choices)
    image = models.FileField(_("photo"), upload_to=hazard_photo_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=hazard_photo_path, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hazard photo")
        verbose_name_plural = _("hazard photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.hazard} · {self.get_stage_display()}"


# --- Daily work log (五勤) ----------------------------------------------------------


class WorkCategory(models.TextChoices):
    """The day's work besides patrols and visits, by the "five diligences"."""

    ERRAND = "errand", _("Errand for a resident")
    POLICY_TALK = "policy_talk", _("Policy talk")
    ON_THE_SPOT_MEDIATION = "mediation", _("Mediation on the spot")
    PREVENTION = "prevention", _("Prevention and safety advice")
    OTHER = "other", _("Other service")


class WorkLogQuerySet(models.QuerySet["WorkLogEntry"]):
    def visible_to(self, user: User | AnonymousUser) -> WorkLogQuerySet:
        """A worker's own log; the whole community's for its secretary and street."""
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self.all()
        return self.filter(Q(worker=user) | Q(grid__community__in=_led_communities(user)))


class WorkLogEntry(TimeStampedModel):
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
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for resident"),
    )
    note = models.TextField(_("what was done"))

    objects = WorkLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("work log entry")
        verbose_name_plural = _("work log")
        ordering = ["-done_on", "-id"]
        indexes = [models.Index(fields=["worker", "done_on"], name="worklog_worker_day")]

    def __str__(self) -> str:
        return f"{self.worker} · {self.get_category_display()} · {self.done_on}"
