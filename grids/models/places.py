"""Where a grid's work happens: grids and their staff, buildings, units, households, facilities."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from community.models import Community, Membership, Role, TimeStampedModel, User
from community.sorting import number_in_name

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
    position = models.PositiveIntegerField(
        _("list position"),
        default=0,
        help_text=_(
            "Grids are listed by this number within their community and kind. "
            "Left at 0, it is the number in the name (第三网格: 3), or else the next "
            "after the community's last grid."
        ),
    )
    # Overlay grids cover buildings of any basic grid; basic grids own theirs
    # through Building.grid.
    overlay_buildings: models.ManyToManyField[Building, Any] = models.ManyToManyField(
        "Building", blank=True, related_name="overlay_grids", verbose_name=_("buildings covered")
    )

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        # 第一、第二、第三网格 in that order, not by code point (一 三 二).
        ordering = ["community_id", "kind", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Give a grid saved without a position its natural one.

        Here rather than in a service: grids are made in the admin, by the demo
        seed and by the test factories, and every one of them must land in its
        place in each list; an explicit position (the admin's) is kept.
        """
        if not self.position:
            self.position = default_grid_position(self.name, self.community_id, exclude=self.pk)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "position"}
        super().save(*args, **kwargs)

    @property
    def is_basic(self) -> bool:
        return self.kind == GridKind.BASIC


def default_grid_position(name: str, community_id: int | None, *, exclude: int | None) -> int:
    """The number in the grid's name, or one past the community's last grid
    (creation order) when the name has none."""
    number = number_in_name(name)
    if number is not None:
        return number
    others = Grid.objects.filter(community=community_id)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    last = others.aggregate(last=models.Max("position"))["last"]
    return (last or 0) + 1


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
    # Part of the signed code in the building's QR poster: renewing the poster
    # raises it, and the codes of the old posters stop working.
    poster_serial = models.PositiveSmallIntegerField(_("poster serial"), default=1, editable=False)

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
