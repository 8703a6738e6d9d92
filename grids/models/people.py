"""Residents, their care tags, care plans and home visits."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AnonymousUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from community.models import DESCRIPTION_LENGTH, Community, TimeStampedModel, User, phone_validator
from grids.models.places import Building, Household, _led_communities

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

    # Health data, and care tags (one of which is a chronic illness): for
    # the resident's grid and secretary only (grids.selectors.Access).
    sensitive_fields: ClassVar[tuple[str, ...]] = ("health_note", "tags")
    keeps_history: ClassVar[bool] = True

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
    health_note = models.TextField(_("health notes"), max_length=DESCRIPTION_LENGTH, blank=True)
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
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # Set by grids.services.resident_move_out, which blanks who they were; the
    # row stays so that their requests and visits keep pointing at a household.
    moved_out_on = models.DateField(_("moved out"), null=True, blank=True, editable=False)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household_id", "id"]
        indexes = [models.Index(fields=["name"], name="resident_name")]

    def __str__(self) -> str:
        return self.name or str(_("(moved out)"))


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

    def of_workers_under(self, user: User) -> VisitQuerySet:
        """The person's own visits, and those in the communities they lead."""
        if user.is_system_admin:
            return self.all()
        return self.filter(
            Q(worker=user)
            | Q(resident__household__unit__building__community__in=_led_communities(user))
        )


class Visit(TimeStampedModel):
    """走访: a grid worker's home visit to a resident."""

    # What a resident is like and needs is health-adjacent: shown with the notes.
    sensitive_fields: ClassVar[tuple[str, ...]] = ("condition", "needs", "follow_up")
    keeps_history: ClassVar[bool] = True

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="visits", verbose_name=_("resident")
    )
    worker = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="visits", verbose_name=_("visited by")
    )
    visited_on = models.DateField(_("date of visit"))
    condition = models.TextField(_("how they are"), max_length=DESCRIPTION_LENGTH, blank=True)
    needs = models.TextField(_("what they need"), max_length=DESCRIPTION_LENGTH, blank=True)
    follow_up = models.TextField(_("follow-up"), max_length=DESCRIPTION_LENGTH, blank=True)
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
