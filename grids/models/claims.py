"""A new resident's claim to live in a household, confirmed by the grid worker or secretary.

Its status moves only through ``grids.services.claim_move`` along ``CLAIM_MOVES``;
every move writes a ``HouseholdClaimEvent``. Confirming links the account to the
household's resident record through the existing linking rules
(``grids.services.resident_link_account``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import REASON_LENGTH, Membership, Role, TimeStampedModel, User
from grids.models.people import Resident
from grids.models.places import Duty, GridStaff, Household


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the grid worker")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Not confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ClaimAction(models.TextChoices):
    FILE = "file", _("Claimed")
    CONFIRM = "confirm", _("Confirm")
    REJECT = "reject", _("Do not confirm")
    WITHDRAW = "withdraw", _("Withdraw")


class ClaimDesk(models.TextChoices):
    CLAIMANT = "claimant", _("Claimant")
    # The grid worker of the building's basic grid, or the community's secretary.
    GRID = "grid", _("Grid worker or secretary")


@dataclass(frozen=True)
class ClaimMove:
    sources: frozenset[str]
    target: str
    desks: frozenset[str]
    needs_reason: bool = False


_P = frozenset({ClaimStatus.PENDING})

# The claim's state machine: every move, from where, to where, from which desk.
CLAIM_MOVES: dict[str, ClaimMove] = {
    ClaimAction.CONFIRM: ClaimMove(_P, ClaimStatus.CONFIRMED, frozenset({ClaimDesk.GRID})),
    ClaimAction.REJECT: ClaimMove(
        _P, ClaimStatus.REJECTED, frozenset({ClaimDesk.GRID}), needs_reason=True
    ),
    ClaimAction.WITHDRAW: ClaimMove(_P, ClaimStatus.WITHDRAWN, frozenset({ClaimDesk.CLAIMANT})),
}


class HouseholdClaimQuerySet(models.QuerySet["HouseholdClaim"]):
    def for_staff(self, user: User | AnonymousUser) -> HouseholdClaimQuerySet:
        """Claims on the buildings whose grid worker ``user`` is, or in their community
        as its secretary. Overlay staff, party leaders and other grids see none."""
        if not user.is_authenticated:
            return self.none()
        worker_grids = GridStaff.objects.filter(user=user, duty=Duty.GRID_WORKER).values("grid")
        led = Membership.objects.filter(
            user=user, role=Role.SECRETARY, revoked_at__isnull=True
        ).values("community")
        return self.filter(
            Q(household__unit__building__grid__in=worker_grids)
            | Q(household__unit__building__community__in=led)
        )


class HouseholdClaim(TimeStampedModel):
    """ "I live here": an account's claim to a household, until staff decide."""

    keeps_history: ClassVar[bool] = True

    claimant = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="household_claims", verbose_name=_("claimant")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="claims", verbose_name=_("household")
    )
    name = models.CharField(_("name given"), max_length=50)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ClaimStatus.choices,
        default=ClaimStatus.PENDING,
        editable=False,
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("resident record"),
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    reason = models.TextField(_("reason"), max_length=REASON_LENGTH, blank=True, editable=False)

    objects = HouseholdClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("household claim")
        verbose_name_plural = _("household claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open claim per account: a second needs the first withdrawn.
            models.UniqueConstraint(
                fields=["claimant"],
                condition=Q(status="pending"),
                name="household_claim_one_pending",
                violation_error_message=_("You already have a claim waiting."),
            )
        ]
        indexes = [models.Index(fields=["status", "household"], name="household_claim_status")]

    def __str__(self) -> str:
        return f"{self.name} · {self.household}"


class HouseholdClaimEvent(models.Model):
    """One step of a claim: who moved it, from where to where, why, when."""

    keeps_history: ClassVar[bool] = True

    claim = models.ForeignKey(
        HouseholdClaim, on_delete=models.PROTECT, related_name="events", verbose_name=_("claim")
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=10, choices=ClaimAction.choices)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10)
    reason = models.TextField(_("reason"), max_length=REASON_LENGTH, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("claim event")
        verbose_name_plural = _("claim events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action}"
