"""Residents' requests (诉求) and their road: grid → community → street → department → back.

A request belongs to the grid of its building. Its status moves only through
``petitions.services.petition_move``, along the table ``MOVES`` below; every
move writes a ``PetitionEvent``. The deadline clock (``due_at``) runs at every
desk where the request waits for staff: to be accepted, reviewed, handled,
dispatched, reviewed again and called back (``CLOCK_STATUSES``). Handling has
its deadline by the category rules (``DeadlineRule``; pauses on hold); the
other desks a time limit of their own (``StageLimit``). The beat sweep watches
them all and escalates a breached request once per level.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import (
    DESCRIPTION_LENGTH,
    Community,
    Department,
    Membership,
    PhotoDraft,
    PhotoDraftPhoto,
    Role,
    TimeStampedModel,
    User,
)
from grids.models import Building, BuildingUnit, Grid, Hazard, Resident


class Category(models.TextChoices):
    SAFETY = "safety", _("Safety hazard")
    UTILITIES = "utilities", _("Water, power, gas, heating")
    SANITATION = "sanitation", _("Sanitation and environment")
    FACILITIES = "facilities", _("Public facilities")
    PROPERTY = "property", _("Property management")
    NEIGHBOURS = "neighbours", _("Neighbours")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("General")
    COMPLEX = "complex", _("Complex")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online by the resident")
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone call")
    PATROL = "patrol", _("Patrol finding")
    HAZARD = "hazard", _("Hazard report")
    POSTER = "poster", _("Building poster, without an account")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the grid worker")
    RETURNED = "returned", _("Returned for details")
    ACCEPTED = "accepted", _("Accepted by the grid")
    IN_COMMUNITY = "in_community", _("Handled by the community")
    ESCALATED = "escalated", _("Escalated to the street")
    DISPATCHED = "dispatched", _("Dispatched to a department")
    IN_PROGRESS = "in_progress", _("Department at work")
    REPLIED = "replied", _("Department replied")
    RESOLVED = "resolved", _("Resolved, awaiting callback")
    CALLED_BACK = "called_back", _("Called back, awaiting rating")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another request")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Level(models.TextChoices):
    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street")
    DEPARTMENT = "department", _("Department")


# Who holds the request in each status.
LEVEL_OF: dict[str, Level] = {
    Status.SUBMITTED: Level.GRID,
    Status.RETURNED: Level.GRID,
    Status.ACCEPTED: Level.COMMUNITY,
    Status.IN_COMMUNITY: Level.COMMUNITY,
    Status.ESCALATED: Level.STREET,
    Status.DISPATCHED: Level.DEPARTMENT,
    Status.IN_PROGRESS: Level.DEPARTMENT,
    Status.REPLIED: Level.STREET,
    Status.RESOLVED: Level.COMMUNITY,
    Status.CALLED_BACK: Level.COMMUNITY,
    Status.CLOSED: Level.COMMUNITY,
    Status.MERGED: Level.GRID,
    Status.WITHDRAWN: Level.GRID,
}

OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.RETURNED,
        Status.ACCEPTED,
        Status.IN_COMMUNITY,
        Status.ESCALATED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.REPLIED,
    }
)
# Someone is working the request: the handling deadline (办理时限) runs, and may
# be paused on hold.
HANDLING_STATUSES = frozenset({Status.IN_COMMUNITY, Status.DISPATCHED, Status.IN_PROGRESS})
# The request waits for a desk to sign for it, review it or call back: each has a
# time limit of its own (StageLimit; 12345 practice: 签收时限, 审核时限, 回访时限).
# A work order waiting for the department to sign for it is both: the desk's
# clock is the sign-for limit, while the handling deadline promised to the
# resident (``promised_at``) already runs, and a hold pauses the two alike.
STAGE_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.ESCALATED,
        Status.DISPATCHED,
        Status.REPLIED,
        Status.RESOLVED,
    }
)
# The deadline clock (``due_at``) runs in these statuses: wherever staff hold it.
CLOCK_STATUSES = HANDLING_STATUSES | STAGE_STATUSES


class Desk(models.TextChoices):
    """The seat someone acts from on one request (see services.desks_of)."""

    REQUESTER = "requester", _("Requester")
    GRID = "grid", _("Grid worker")
    COMMUNITY = "community", _("Community secretary")
    ASSIGNEE = "assignee", _("Community handler")
    STREET = "street", _("Street dispatcher")
    STREET_LEAD = "street_lead", _("Street lead")
    DEPARTMENT = "department", _("Department handler")
    SYSTEM = "system", _("Deadline watch")


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    ACCEPT = "accept", _("Accept")
    RETURN = "return", _("Return for details")
    AMEND = "amend", _("Add details and resubmit")
    WITHDRAW = "withdraw", _("Withdraw")
    MERGE = "merge", _("Merge into another request")
    ASSIGN = "assign", _("Handle in the community")
    ESCALATE = "escalate", _("Escalate to the street")
    STREET_RETURN = "street_return", _("Send back to the community")
    DISPATCH = "dispatch", _("Dispatch to a department")
    SIGN = "sign", _("Sign for the order")
    DECLINE = "decline", _("Decline the order")
    REPLY = "reply", _("Reply with the result")
    APPROVE = "approve", _("Accept the reply")
    SEND_BACK = "send_back", _("Send the reply back")
    RESOLVE = "resolve", _("Record the result")
    CALLBACK = "callback", _("Record the callback")
    RATE = "rate", _("Rate the result")
    CLOSE_UNRATED = "close_unrated", _("Closed without a rating")
    HOLD = "hold", _("Put on hold")
    RESUME = "resume", _("Resume")
    DEADLINE_NEAR = "deadline_near", _("Deadline near")
    BREACH = "breach", _("Deadline breached")
    URGE = "urge", _("Urged by the resident")


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    # Where the move leads: one status, or (for a rating) the ones it may choose;
    # empty for a move that keeps the status (hold, resume, deadline watch).
    targets: tuple[str, ...]
    desks: frozenset[str]
    # Shown on the resident's timeline.
    public: bool = True
    # What the actor must write.
    needs_reason: bool = False
    # Whether the resident reads the reason and note written with it: True
    # always (a return says what to add; "note for the resident"); None when
    # the text is about the handling (an escalation's reason, a callback's
    # note): staff only unless the actor ticks "show to the resident".
    public_text: bool | None = True


def _m(
    sources: Iterable[str],
    targets: tuple[str, ...],
    desks: Iterable[str],
    *,
    public: bool = True,
    needs_reason: bool = False,
    public_text: bool | None = True,
) -> Move:
    return Move(frozenset(sources), targets, frozenset(desks), public, needs_reason, public_text)


S, D = Status, Desk
_CLOCK = set(CLOCK_STATUSES)
_HANDLING = set(HANDLING_STATUSES)

# The request's state machine: every move, from where, to where, from which desk.
MOVES: dict[str, Move] = {
    Action.ACCEPT: _m({S.SUBMITTED}, (S.ACCEPTED,), {D.GRID, D.COMMUNITY}),
    Action.RETURN: _m({S.SUBMITTED}, (S.RETURNED,), {D.GRID, D.COMMUNITY}, needs_reason=True),
    Action.AMEND: _m({S.RETURNED}, (S.SUBMITTED,), {D.REQUESTER}),
    Action.WITHDRAW: _m({S.SUBMITTED, S.RETURNED, S.ACCEPTED}, (S.WITHDRAWN,), {D.REQUESTER}),
    Action.MERGE: _m({S.SUBMITTED, S.ACCEPTED}, (S.MERGED,), {D.GRID, D.COMMUNITY}),
    Action.ASSIGN: _m({S.ACCEPTED}, (S.IN_COMMUNITY,), {D.COMMUNITY}),
    Action.ESCALATE: _m(
        {S.ACCEPTED, S.IN_COMMUNITY},
        (S.ESCALATED,),
        {D.COMMUNITY},
        needs_reason=True,
        public_text=None,
    ),
    Action.STREET_RETURN: _m(
        {S.ESCALATED}, (S.ACCEPTED,), {D.STREET}, needs_reason=True, public_text=None
    ),
    Action.DISPATCH: _m({S.ESCALATED}, (S.DISPATCHED,), {D.STREET}),
    Action.SIGN: _m({S.DISPATCHED}, (S.IN_PROGRESS,), {D.DEPARTMENT}),
    Action.DECLINE: _m(
        {S.DISPATCHED}, (S.ESCALATED,), {D.DEPARTMENT}, needs_reason=True, public_text=None
    ),
    Action.REPLY: _m({S.IN_PROGRESS}, (S.REPLIED,), {D.DEPARTMENT}),
    Action.APPROVE: _m({S.REPLIED}, (S.RESOLVED,), {D.STREET}),
    Action.SEND_BACK: _m(
        {S.REPLIED}, (S.IN_PROGRESS,), {D.STREET}, needs_reason=True, public_text=None
    ),
    Action.RESOLVE: _m({S.IN_COMMUNITY}, (S.RESOLVED,), {D.ASSIGNEE, D.COMMUNITY}),
    # What the resident said on the phone: a record for staff unless shared.
    Action.CALLBACK: _m({S.RESOLVED}, (S.CALLED_BACK,), {D.GRID, D.COMMUNITY}, public_text=None),
    # The requester rates; staff may record a rating given by phone when the
    # requester has no account. Unsatisfied reopens the request.
    Action.RATE: _m({S.CALLED_BACK}, (S.CLOSED, S.ACCEPTED), {D.REQUESTER, D.GRID, D.COMMUNITY}),
    Action.CLOSE_UNRATED: _m({S.CALLED_BACK}, (S.CLOSED,), {D.SYSTEM}),
    # Only handling pauses: a desk that should sign for or review a request cannot
    # (a work order not yet signed for is handling too: its promised deadline runs).
    Action.HOLD: _m(
        _HANDLING,
        (),
        {D.ASSIGNEE, D.COMMUNITY, D.DEPARTMENT, D.STREET},
        needs_reason=True,
        public_text=None,
    ),
    Action.RESUME: _m(_HANDLING, (), {D.ASSIGNEE, D.COMMUNITY, D.DEPARTMENT, D.STREET}),
    Action.DEADLINE_NEAR: _m(_CLOCK, (), {D.SYSTEM}, public=False),
    Action.BREACH: _m(_CLOCK, (), {D.SYSTEM}, public=False),
    # 催办: the requester presses it on an overdue request (once a day; see
    # workflow._urge); the desk holding it is told.
    Action.URGE: _m(_CLOCK, (), {D.REQUESTER}),
}
del S, D


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


# --- Deadlines -------------------------------------------------------------------


class DeadlineRule(models.Model):
    """How long the handlers have for a category at a priority (办理时限).

    A rule without a category covers every category at that priority; a rule
    for the category wins over it. See services.deadline_hours for the defaults.
    """

    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    hours = models.PositiveIntegerField(_("hours to resolve"))

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["priority", "category"]
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="deadline_rule_unique"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="deadline_rule_positive"),
        ]

    def __str__(self) -> str:
        what = self.get_category_display() if self.category else _("any category")
        return f"{what} · {self.get_priority_display()} · {self.hours} h"


# What each waiting status waits for, in the words of the admin's rule list.
STAGE_CHOICES = [
    (Status.SUBMITTED.value, _("The grid worker accepts (sign-for limit)")),
    (Status.ACCEPTED.value, _("The community reviews and decides")),
    (Status.ESCALATED.value, _("The street dispatches")),
    (Status.DISPATCHED.value, _("The department signs for the order (sign-for limit)")),
    (Status.REPLIED.value, _("The street reviews the department's reply")),
    (Status.RESOLVED.value, _("The grid calls the resident back")),
]


class StageLimit(models.Model):
    """How long a desk has to sign for, review or call back a request (签收/审核/回访时限).

    One row per waiting status and priority; a row without a priority covers
    every priority of that status. See services.stage_hours for the defaults.
    """

    stage = models.CharField(_("desk"), max_length=20, choices=STAGE_CHOICES)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    hours = models.PositiveIntegerField(_("hours to act"))

    class Meta:
        verbose_name = _("desk time limit")
        verbose_name_plural = _("desk time limits")
        ordering = ["stage", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "priority"], name="stage_limit_unique"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="stage_limit_positive"),
        ]

    def __str__(self) -> str:
        what = self.get_priority_display() if self.priority else _("any priority")
        return f"{self.get_stage_display()} · {what} · {self.hours} h"


# --- Requests --------------------------------------------------------------------


def _unit_ids(user: User, roles: Sequence[str], field: str) -> models.QuerySet[Membership]:
    return Membership.objects.filter(user=user, revoked_at__isnull=True, role__in=roles).values(
        field
    )


class PetitionQuerySet(models.QuerySet["Petition"]):
    def visible_to(self, user: User | AnonymousUser) -> PetitionQuerySet:
        """A requester sees their own (and what theirs was merged into); grid
        staff their grids; a community handler what they were given; a
        secretary the community; a street its communities; a department the
        orders sent to it."""
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self.all()
        street_roles = [Role.STREET_DISPATCHER, Role.STREET_LEAD]
        return self.filter(
            Q(requester=user)
            | Q(pk__in=Petition.objects.filter(requester=user).values("merged_into"))
            # Whoever the community handed it to, even from another grid.
            | Q(assignee=user)
            | Q(grid__in=Grid.objects.filter(staff__user=user).values("pk"))
            | Q(community__in=_unit_ids(user, [Role.SECRETARY], "community"))
            | Q(community__street__in=_unit_ids(user, street_roles, "street"))
            | Q(department__in=_unit_ids(user, [Role.DEPARTMENT_HANDLER], "department"))
        )

    def open(self) -> PetitionQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Petition(TimeStampedModel):
    """One request (诉求) from a resident, and where it stands."""

    keeps_history: ClassVar[bool] = True

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    description = models.TextField(_("what is the matter"), max_length=DESCRIPTION_LENGTH)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Where: the building (and so its grid and community, copied at intake so
    # that scoping is one join), optionally the unit and a few words more.
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="petitions", verbose_name=_("building")
    )
    unit = models.ForeignKey(
        BuildingUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    place_note = models.CharField(_("where exactly"), max_length=200, blank=True)
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        related_name="petitions",
        editable=False,
        verbose_name=_("grid"),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="petitions",
        editable=False,
        verbose_name=_("community"),
    )
    # Who asked: an account, or a name and number taken down by a grid worker.
    requester = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("requester account"),
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("resident"),
    )
    requester_name = models.CharField(_("requester"), max_length=50)
    requester_phone = models.CharField(_("requester's phone"), max_length=20, blank=True)
    # Empty for a report from a building poster: nobody signed in to file it.
    recorded_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    hazard = models.OneToOneField(
        Hazard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petition",
        verbose_name=_("hazard"),
    )
    # A double-clicked submit carries the same token twice: one request.
    client_token = models.UUIDField(
        default=uuid.uuid4, editable=False, verbose_name=_("client token")
    )

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, editable=False
    )
    # Bumped by every move; a form carries the version it was drawn from, so a
    # move made on a stale page is refused instead of applied blindly.
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    round = models.PositiveSmallIntegerField(_("round"), default=1, editable=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        editable=False,
        verbose_name=_("merged into"),
    )
    assignee = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("assignee"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
        editable=False,
        verbose_name=_("department"),
    )

    # Response: the grid accepts by accept_by; the department signs by sign_by
    # (its sign-for limit, the clock while the order waits in DISPATCHED; moved
    # on by a pause before signing, as the clock is).
    accept_by = models.DateTimeField(editable=False, verbose_name=_("accept by"))
    accepted_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("accepted at")
    )
    accepted_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("accepted by"),
    )
    sign_by = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("sign by"))
    signed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("signed at")
    )
    # The deadline clock (see CLOCK_STATUSES). ``deadline_cycle`` counts the
    # deadlines set so far: warnings and breaches are once per cycle and level.
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True, editable=False)
    warn_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("warn at"))
    warned = models.BooleanField(default=False, editable=False, verbose_name=_("warned"))
    breach_level = models.PositiveSmallIntegerField(
        default=0, editable=False, verbose_name=_("breach level")
    )
    deadline_cycle = models.PositiveSmallIntegerField(
        default=0, editable=False, verbose_name=_("deadline cycle")
    )
    on_hold_since = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("on hold since")
    )
    hold_reason = models.CharField(
        max_length=500, blank=True, editable=False, verbose_name=_("hold reason")
    )
    # The handling deadline promised to the resident (set on assignment or
    # dispatch, moved by a pause): the desk clocks of a review come and go,
    # this stays, and a reply sent back is worked against it again.
    promised_at = models.DateTimeField(_("promised by"), null=True, blank=True, editable=False)

    resolved_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("resolved at")
    )
    result = models.TextField(
        _("result"), max_length=DESCRIPTION_LENGTH, blank=True, editable=False
    )
    rating = models.CharField(
        _("rating"), max_length=12, choices=Rating.choices, blank=True, editable=False
    )
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True, editable=False)
    closed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("closed at")
    )

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "client_token"], name="petition_token_unique"
            ),
            # A poster report has no recorder; its token (the draft's) is unique alone.
            models.UniqueConstraint(
                fields=["client_token"],
                condition=Q(recorded_by__isnull=True),
                name="petition_poster_token_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="petition_community_status"),
            models.Index(fields=["grid", "status"], name="petition_grid_status"),
            models.Index(fields=["building", "category", "status"], name="petition_duplicates"),
            # The deadline sweep's scan: only requests whose clock runs.
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=sorted(CLOCK_STATUSES)),
                name="petition_clock",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_category_display()}"

    @property
    def level(self) -> Level:
        return LEVEL_OF[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in CLOCK_STATUSES
            and self.on_hold_since is None
            and self.due_at is not None
            and self.due_at < timezone.now()
        )

    @property
    def age(self) -> timedelta:
        return timezone.now() - self.created_at


# --- The timeline ----------------------------------------------------------------


class PetitionEvent(models.Model):
    """One step on a request's timeline: who moved it, from where to where, and why."""

    keeps_history: ClassVar[bool] = True

    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, related_name="events", verbose_name=_("request")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # Empty for the deadline watch (the beat sweep acts, not a person).
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    desk = models.CharField(_("as"), max_length=12, choices=Desk.choices)
    from_status = models.CharField(
        max_length=20, choices=Status.choices, blank=True, verbose_name=_("from status")
    )
    to_status = models.CharField(max_length=20, choices=Status.choices, verbose_name=_("to status"))
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    round = models.PositiveSmallIntegerField(default=1, verbose_name=_("round"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # Whether the requester reads the reason (see Move.public_text).
    reason_public = models.BooleanField(_("reason shown to the resident"), default=True)
    # The public note is on the resident's timeline; the internal one only staff see.
    public_note = models.TextField(
        _("note for the resident"), max_length=DESCRIPTION_LENGTH, blank=True
    )
    internal_note = models.TextField(_("internal note"), max_length=DESCRIPTION_LENGTH, blank=True)
    # What else the move set: the department, the deadline, the rating…
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    public = models.BooleanField(default=True, verbose_name=_("public"))
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.action} → {self.to_status}"


def petition_photo_path(instance: PetitionPhoto, filename: str) -> str:
    # Not under a public URL: photos are served by a view that checks scope.
    return f"private/petitions/{instance.petition_id}/{uuid.uuid4().hex}.jpg"


class PetitionPhoto(models.Model):
    """A photo sent with a step: the problem as found, a result, a callback."""

    keeps_history: ClassVar[bool] = True

    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, related_name="photos", verbose_name=_("petition")
    )
    event = models.ForeignKey(
        PetitionEvent, on_delete=models.PROTECT, related_name="photos", verbose_name=_("event")
    )
    image = models.FileField(_("photo"), upload_to=petition_photo_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=petition_photo_path, blank=True)
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    # Empty for the photos of a poster report filed without an account.
    uploaded_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("request photo")
        verbose_name_plural = _("request photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.petition_id} · {self.pk}"


# --- Reports from a building poster, before the code -----------------------------


class PosterDraft(models.Model):
    """A report typed on a building poster's page, kept until its SMS code is entered.

    Anyone may report without an account (three screens: the matter with photos,
    the mobile number, the code). What was typed and the photos wait here, so a
    refused step loses nothing; the draft becomes a request only with a right
    code (``petitions.services.poster``). The photos are kept in the row
    (cleaned JPEGs, a few hundred kB each) rather than as files: a draft that is
    never finished, or is swept, leaves no file behind. The browser holds only
    a signed form of ``token``. The photos are kept as every refused form keeps
    them (``community.models.PhotoDraft``, made without an owner).
    """

    token = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("token")
    )
    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="+", verbose_name=_("building")
    )
    unit = models.ForeignKey(
        BuildingUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    category = models.CharField(
        max_length=20, choices=Category.choices, blank=True, verbose_name=_("category")
    )
    description = models.TextField(
        max_length=DESCRIPTION_LENGTH, blank=True, verbose_name=_("description")
    )
    phone = models.CharField(max_length=11, blank=True, verbose_name=_("phone"))
    name = models.CharField(max_length=50, blank=True, verbose_name=_("reporter's name"))
    # Set when the code was right: pressing "send" again shows this request.
    petition = models.OneToOneField(
        Petition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("petition"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    photo_draft = models.OneToOneField(
        PhotoDraft,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kept photos"),
    )

    class Meta:
        verbose_name = _("poster report draft")
        verbose_name_plural = _("poster report drafts")

    def __str__(self) -> str:
        return f"{self.building_id} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def photos(self) -> QuerySet[PhotoDraftPhoto]:
        """The photos kept with the report (none before the first is chosen)."""
        return PhotoDraftPhoto.objects.filter(draft_id=self.photo_draft_id)
