"""The mediation room (调解室 "远亲不如近邻"): neighbour disputes, their sessions and agreements.

A case's status moves only through ``mediation.services.case_move`` along
``MOVES``; every move writes a ``CaseEvent``. Mediation records are sensitive:
only the community's mediators and secretary see a case whole; a party with a
portal account sees their own case's outcome and agreement, never the session
records (see ``CaseQuerySet.visible_to`` and ``mediation.selectors``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, ClassVar

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.models import (
    RECORD_LENGTH,
    STATEMENT_LENGTH,
    Community,
    Membership,
    Role,
    TimeStampedModel,
    User,
)
from grids.models import Resident
from petitions.models import Petition

# A case normally closes within a month; parties may ask a court to confirm a
# written agreement within 30 days of it (司法确认).
CASE_LIMIT = timedelta(days=30)
CONFIRMATION_WINDOW = timedelta(days=30)


class Source(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    REFERRAL = "referral", _("Referred by a grid worker")
    PETITION = "petition", _("From a request")


class DisputeType(models.TextChoices):
    NEIGHBOURS = "neighbours", _("Neighbours")
    FAMILY = "family", _("Family")
    PROPERTY_MANAGEMENT = "property_management", _("Property management")
    DAMAGES = "damages", _("Damage compensation")
    HOUSING = "housing", _("Housing")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("mediation case", "Open")
    IN_MEDIATION = "in_mediation", _("In mediation")
    AGREEMENT = "agreement", _("Agreement reached")
    NO_AGREEMENT = "no_agreement", _("No agreement")
    REFERRED = "referred", _("Referred elsewhere")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CLOSED = "closed", _("Closed")


class CaseAction(models.TextChoices):
    OPEN = "open", _("Opened")
    SESSION = "session", _("Record a session")
    AGREE = "agree", _("Record the agreement")
    NO_AGREEMENT = "no_agreement", _("Close without agreement")
    REFER = "refer", _("Refer elsewhere")
    FOLLOW_UP = "follow_up", _("Record a follow-up visit")
    CLOSE = "close", _("Close the case")
    EXTEND = "extend", _("Extend the time limit")
    FLAG_RISK = "flag_risk", _("Flag a risk of escalation")
    CONFIRMATION = "confirmation", _("Record the judicial confirmation")
    LIMIT_NEAR = "limit_near", _("Time limit near")


S = CaseStatus
_LIVE = frozenset({S.OPEN, S.IN_MEDIATION})
_ANY_OPEN = frozenset({S.OPEN, S.IN_MEDIATION, S.AGREEMENT, S.FOLLOWED_UP})

# The case's state machine: action -> (from which statuses, to which; None keeps it).
MOVES: dict[str, tuple[frozenset[str], str | None]] = {
    CaseAction.SESSION: (_LIVE, S.IN_MEDIATION),
    CaseAction.AGREE: (frozenset({S.IN_MEDIATION}), S.AGREEMENT),
    CaseAction.NO_AGREEMENT: (frozenset({S.IN_MEDIATION}), S.NO_AGREEMENT),
    CaseAction.REFER: (_LIVE, S.REFERRED),
    CaseAction.FOLLOW_UP: (frozenset({S.AGREEMENT, S.FOLLOWED_UP}), S.FOLLOWED_UP),
    CaseAction.CLOSE: (
        frozenset({S.AGREEMENT, S.FOLLOWED_UP, S.NO_AGREEMENT, S.REFERRED}),
        S.CLOSED,
    ),
    CaseAction.EXTEND: (_LIVE, None),
    # A dispute left without agreement is the likeliest to flare up again.
    CaseAction.FLAG_RISK: (_ANY_OPEN | {S.NO_AGREEMENT, S.REFERRED}, None),
    CaseAction.CONFIRMATION: (frozenset({S.AGREEMENT, S.FOLLOWED_UP, S.CLOSED}), None),
    CaseAction.LIMIT_NEAR: (_LIVE, None),
}
OPEN_STATUSES = _ANY_OPEN | {S.NO_AGREEMENT, S.REFERRED}
del S


def _communities(user: User, roles: Sequence[str]) -> models.QuerySet[Membership, Any]:
    return Membership.objects.filter(user=user, revoked_at__isnull=True, role__in=roles).values(
        "community"
    )


class CaseQuerySet(models.QuerySet["MediationCase"]):
    def staff_visible_to(self, user: User | AnonymousUser) -> CaseQuerySet:
        """Cases a person sees whole: the community's mediators and secretary."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(community__in=_communities(user, [Role.MEDIATOR, Role.SECRETARY]))

    def visible_to(self, user: User | AnonymousUser) -> CaseQuerySet:
        """Staff cases, and the cases a person is a party to (outcome only)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(community__in=_communities(user, [Role.MEDIATOR, Role.SECRETARY]))
            | Q(pk__in=CaseParty.objects.filter(user=user).values("case"))
        )


class MediationCase(TimeStampedModel):
    """One dispute brought to the mediation room."""

    # Mediation records are for the community's mediation room only (see the module
    # docstring); so are the texts of the parties, sessions, agreement and follow-ups below.
    sensitive_fields: ClassVar[tuple[str, ...]] = ("facts", "risk_note", "outcome_note")
    keeps_history: ClassVar[bool] = True

    number = models.CharField(_("case number"), max_length=20, unique=True, editable=False)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="mediation_cases",
        verbose_name=_("community"),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    petition = models.OneToOneField(
        Petition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_case",
        verbose_name=_("request"),
    )
    referred_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referred by"),
    )
    dispute_type = models.CharField(_("dispute"), max_length=20, choices=DisputeType.choices)
    facts = models.TextField(_("what happened"), max_length=STATEMENT_LENGTH)
    mediators = models.ManyToManyField(
        User, related_name="mediation_cases", verbose_name=_("mediators")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CaseStatus.choices,
        default=CaseStatus.OPEN,
        editable=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    opened_on = models.DateField(_("opened"), default=timezone.localdate)
    due_on = models.DateField(_("to close by"), editable=False)
    risk = models.BooleanField(_("risk of escalation"), default=False, editable=False)
    risk_note = models.CharField(
        max_length=500, blank=True, editable=False, verbose_name=_("risk note")
    )
    limit_warned = models.BooleanField(
        default=False, editable=False, verbose_name=_("limit warned")
    )
    outcome_note = models.TextField(
        _("outcome"), max_length=STATEMENT_LENGTH, blank=True, editable=False
    )
    closed_on = models.DateField(_("closed"), null=True, blank=True, editable=False)
    opened_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    # A double-clicked "open case" carries the same token twice: one case.
    client_token = models.UUIDField(
        default=uuid.uuid4, editable=False, verbose_name=_("client token")
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation case")
        verbose_name_plural = _("mediation cases")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opened_by", "client_token"], name="mediation_case_token_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_dispute_type_display()}"

    @property
    def is_overdue(self) -> bool:
        return self.status in (CaseStatus.OPEN, CaseStatus.IN_MEDIATION) and (
            self.due_on < timezone.localdate()
        )


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    OTHER = "other", _("Other party")


class CaseParty(models.Model):
    """当事人: a resident of the community or an outsider, with a role in the dispute."""

    sensitive_fields: ClassVar[tuple[str, ...]] = ("name", "phone", "address")
    keeps_history: ClassVar[bool] = True

    case = models.ForeignKey(
        MediationCase, on_delete=models.PROTECT, related_name="parties", verbose_name=_("case")
    )
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    # The party's own portal account: they see the outcome and the agreement.
    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_parties",
        verbose_name=_("user"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


def signature_path(instance: MediationSession, filename: str) -> str:
    # Not under a public URL: served by a view that checks the viewer is case staff.
    return f"private/mediation/{instance.case_id}/{uuid.uuid4().hex}.jpg"


class MediationSession(models.Model):
    """调解笔录: one sitting of the mediation room."""

    sensitive_fields: ClassVar[tuple[str, ...]] = (
        "place",
        "attendees",
        "record",
        "proposals",
        "signature_scan",
    )
    keeps_history: ClassVar[bool] = True

    case = models.ForeignKey(
        MediationCase, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("case")
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100)
    attendees = models.CharField(_("who attended"), max_length=500)
    record = models.TextField(_("what was said"), max_length=RECORD_LENGTH)
    proposals = models.TextField(_("what was proposed"), max_length=STATEMENT_LENGTH, blank=True)
    signature_scan = models.FileField(
        _("signature page (scan)"), upload_to=signature_path, blank=True
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_on}"


class AgreementKind(models.TextChoices):
    WRITTEN = "written", _("Written agreement")
    ORAL = "oral", _("Oral agreement")


class Agreement(models.Model):
    """调解协议: what the parties agreed, and how, where and by when it is carried out."""

    sensitive_fields: ClassVar[tuple[str, ...]] = (
        "facts",
        "terms",
        "performance",
        "confirmation_result",
    )
    keeps_history: ClassVar[bool] = True

    case = models.OneToOneField(
        MediationCase, on_delete=models.PROTECT, related_name="agreement", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AgreementKind.choices)
    facts = models.TextField(_("facts and responsibilities"), max_length=STATEMENT_LENGTH)
    terms = models.TextField(_("what was agreed"), max_length=STATEMENT_LENGTH)
    performance = models.CharField(_("how and where it is carried out"), max_length=500)
    perform_by = models.DateField(_("to be carried out by"))
    agreed_on = models.DateField(_("agreed on"))
    confirmation_applied = models.BooleanField(
        _("applied for judicial confirmation"), default=False
    )
    confirmation_result = models.CharField(_("confirmation result"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return f"{self.case} · {self.get_kind_display()}"

    @property
    def confirm_by(self) -> date:
        """The last day the parties may ask a court to confirm it (司法确认)."""
        return self.agreed_on + CONFIRMATION_WINDOW


class FollowUp(models.Model):
    """回访: whether the agreement is being carried out."""

    sensitive_fields: ClassVar[tuple[str, ...]] = ("note",)
    keeps_history: ClassVar[bool] = True

    case = models.ForeignKey(
        MediationCase, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("case")
    )
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("visited on"), null=True, blank=True)
    carried_out = models.BooleanField(_("being carried out"), null=True)
    note = models.TextField(_("what was found"), max_length=STATEMENT_LENGTH, blank=True)
    visited_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visited by"),
    )
    reminded = models.BooleanField(default=False, editable=False, verbose_name=_("reminded"))

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.due_on}"


class CaseEvent(models.Model):
    """One step on a case's timeline."""

    sensitive_fields: ClassVar[tuple[str, ...]] = ("note",)
    keeps_history: ClassVar[bool] = True

    case = models.ForeignKey(
        MediationCase, on_delete=models.PROTECT, related_name="events", verbose_name=_("case")
    )
    action = models.CharField(_("action"), max_length=20, choices=CaseAction.choices)
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    from_status = models.CharField(
        max_length=20, choices=CaseStatus.choices, blank=True, verbose_name=_("from status")
    )
    to_status = models.CharField(
        max_length=20, choices=CaseStatus.choices, verbose_name=_("to status")
    )
    note = models.TextField(_("note"), max_length=STATEMENT_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"
