"""Activities, the sign-ups for them (one state machine), and the sign-ups' events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import DESCRIPTION_LENGTH, Community, TimeStampedModel, User
from grids.models import Resident
from volunteers.models.teams import (
    MemberStatus,
    ServiceProject,
    Team,
    TeamMember,
    Volunteer,
    communities_of,
    managed_teams_q,
)


class Audience(models.TextChoices):
    TEAM = "team", _("Team members only")
    RESIDENTS = "residents", _("Any resident of the community")


class ActivityStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class ActivityQuerySet(models.QuerySet["Activity"]):
    def managed_by(self, user: User | AnonymousUser) -> ActivityQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(team__in=Team.objects.filter(managed_teams_q(user)).values("pk"))

    def visible_to(self, user: User | AnonymousUser) -> ActivityQuerySet:
        """Managers see their teams' activities; members their team's; a community's
        people its activities open to residents; everyone the ones they signed up for."""
        if not user.is_authenticated:
            return self.none()
        mine = TeamMember.objects.filter(volunteer__user=user, status=MemberStatus.APPROVED)
        booked = SignUp.objects.filter(
            Q(booked_by=user) | Q(volunteer__user=user) | Q(resident__user=user)
        )
        return self.filter(
            Q(team__in=Team.objects.filter(managed_teams_q(user)).values("pk"))
            | Q(team__in=mine.values("team"))
            | (Q(audience=Audience.RESIDENTS) & communities_of(user))
            | Q(pk__in=booked.values("activity"))
        )


class Activity(TimeStampedModel):
    """One occasion of a project: a place, a start and an end, and a number of places."""

    keeps_history: ClassVar[bool] = True

    project = models.ForeignKey(
        ServiceProject,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("service project"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="activities", verbose_name=_("team")
    )
    # The team's community, kept here so a community's people find its activities.
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("community"),
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("details"), max_length=DESCRIPTION_LENGTH, blank=True)
    place = models.CharField(_("place"), max_length=100)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    audience = models.CharField(_("who may sign up"), max_length=10, choices=Audience.choices)
    # Credited to each volunteer who served; set from the length when left empty.
    hours = models.DecimalField(
        _("service hours"),
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(24)],
    )
    # People served who came without signing up (a knife-sharpening stall).
    walk_ins = models.PositiveIntegerField(_("served without signing up"), default=0)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ActivityStatus.choices,
        default=ActivityStatus.SCHEDULED,
        editable=False,
    )
    cancel_reason = models.CharField(_("why cancelled"), max_length=200, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    # A double-clicked "create" carries the same token twice: one activity.
    client_token = models.UUIDField(
        default=uuid.uuid4, editable=False, verbose_name=_("client token")
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="activity_ends_after_it_starts",
                violation_error_message=_("An activity ends after it starts."),
            ),
            models.UniqueConstraint(
                fields=["created_by", "client_token"], name="activity_token_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="activity_community_start"),
            models.Index(fields=["team", "starts_at"], name="activity_team_start"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def day(self) -> date:
        """The activity's day in local time: its check-in code is valid on this day only."""
        return timezone.localdate(self.starts_at)

    @property
    def capacity_kind(self) -> str:
        """Whose sign-ups take the places: the team's volunteers, or residents."""
        return SignUpKind.SERVE if self.audience == Audience.TEAM else SignUpKind.ATTEND

    @property
    def is_cancelled(self) -> bool:
        return self.status == ActivityStatus.CANCELLED

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def check_in_opens_at(self) -> datetime:
        """Check-in opens this long before the start (a setting), and closes at the end."""
        return self.starts_at - settings.VOLUNTEER_CHECK_IN_OPENS

    @property
    def check_out_closes_at(self) -> datetime:
        """Check-out is possible until this long after the end (a setting)."""
        return self.ends_at + settings.VOLUNTEER_CHECK_OUT_GRACE


# --- Sign-ups ---------------------------------------------------------------------------


class SignUpKind(models.TextChoices):
    SERVE = "serve", _("Serves")  # a team member; earns service hours
    ATTEND = "attend", _("Takes part")  # a resident (or their child) who is served


class SignUpStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    WAITING = "waiting", _("On the waiting list")
    # A volunteer serving who checked in and has not checked out yet: no hours yet.
    CHECKED_IN = "checked_in", _("Checked in, not out yet")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


class SignUpAction(models.TextChoices):
    SIGN_UP = "sign_up", _("Signed up")
    PROMOTE = "promote", _("Moved up from the waiting list")
    CANCEL = "cancel", _("Cancel")
    CHECK_IN = "check_in", _("Check in")
    CHECK_OUT = "check_out", _("Check out")
    MARK_ATTENDED = "mark_attended", _("Mark attended")
    MARK_NO_SHOW = "mark_no_show", _("Mark as not come")


S = SignUpStatus
# Sign-ups still to come or under way: cancelled when the activity is, told of its changes.
ACTIVE_STATUSES = frozenset({S.SIGNED_UP, S.WAITING, S.CHECKED_IN})
# The sign-up's state machine: action -> (from which statuses, to which). Signing up
# itself is the way in (to signed up, or waiting when the places are taken).
MOVES: dict[str, tuple[frozenset[str], str]] = {
    SignUpAction.PROMOTE: (frozenset({S.WAITING}), S.SIGNED_UP),
    SignUpAction.CANCEL: (ACTIVE_STATUSES, S.CANCELLED),
    # By the person, scanning the activity's QR code from shortly before the start
    # until the end (``Activity.check_in_opens_at``). A volunteer serving is then
    # on duty; their hours come when they check out (or the leader confirms them).
    SignUpAction.CHECK_IN: (frozenset({S.SIGNED_UP}), S.CHECKED_IN),
    # By the person, from the start until a grace after the end.
    SignUpAction.CHECK_OUT: (frozenset({S.CHECKED_IN}), S.ATTENDED),
    # By the leader ticking the roll: someone from the waiting list who came
    # anyway, one wrongly marked absent, or one checked in who forgot to check
    # out, counts too.
    SignUpAction.MARK_ATTENDED: (
        frozenset({S.SIGNED_UP, S.WAITING, S.CHECKED_IN, S.NO_SHOW}),
        S.ATTENDED,
    ),
    SignUpAction.MARK_NO_SHOW: (frozenset({S.SIGNED_UP, S.CHECKED_IN, S.ATTENDED}), S.NO_SHOW),
}
# Where a move leads for one kind of sign-up when not where ``MOVES`` says: a
# resident who takes part has attended once they are there (nothing to check out
# of: they earn no hours).
KIND_TARGETS: dict[tuple[str, str], str] = {
    (SignUpAction.CHECK_IN, SignUpKind.ATTEND): S.ATTENDED,
}
# The leader's roll. Promotion is the waiting list's own move (actor: none),
# made when a place frees up, in the order people signed up.
MANAGER_ACTIONS = frozenset({SignUpAction.MARK_ATTENDED, SignUpAction.MARK_NO_SHOW})
# The person's own moves on the day (the QR code's page, their sign-up's buttons).
OWN_DAY_ACTIONS = frozenset({SignUpAction.CHECK_IN, SignUpAction.CHECK_OUT})


def move_target(action: str, kind: str) -> str:
    """The status a move leads a sign-up of this kind to."""
    return KIND_TARGETS.get((action, kind), MOVES[action][1])


del S


class SignUpQuerySet(models.QuerySet["SignUp"]):
    def visible_to(self, user: User | AnonymousUser) -> SignUpQuerySet:
        """A person's own sign-ups (and those they made for family); managers' rosters."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(booked_by=user)
            | Q(volunteer__user=user)
            | Q(resident__user=user)
            | Q(activity__in=Activity.objects.managed_by(user).values("pk"))
        )


class SignUp(models.Model):
    """报名: one person's place (or place in the queue) at one activity."""

    keeps_history: ClassVar[bool] = True

    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, related_name="signups", verbose_name=_("activity")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SignUpKind.choices)
    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signups",
        verbose_name=_("volunteer"),
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    name = models.CharField(_("who comes"), max_length=50)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The account that signed up (a parent for a child); empty when the leader did.
    booked_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_signups",
        verbose_name=_("signed up by"),
    )
    # Who the place is for, one key for each kind of person ("v:12", "r:345",
    # "n:<account>:<name>"): one live sign-up per person and activity, and the
    # distinct people served in the reports.
    person_key = models.CharField(max_length=80, editable=False, verbose_name=_("person key"))
    status = models.CharField(
        _("status"), max_length=10, choices=SignUpStatus.choices, editable=False
    )
    created_at = models.DateTimeField(_("signed up"), default=timezone.now, editable=False)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True, editable=False)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True, editable=False)
    # The start time the 24-hour reminder went out for: a moved activity is reminded again.
    reminded_for = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("reminded for")
    )

    objects = SignUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "person_key"],
                condition=~Q(status=SignUpStatus.CANCELLED),
                name="signup_one_live_per_person",
            ),
            models.CheckConstraint(
                condition=Q(kind=SignUpKind.ATTEND) | Q(volunteer__isnull=False),
                name="signup_serving_is_a_volunteer",
            ),
        ]
        indexes = [
            models.Index(fields=["activity", "kind", "status"], name="signup_places"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.activity_id} · {self.status}"


class SignUpEvent(models.Model):
    """One step in a sign-up's life."""

    keeps_history: ClassVar[bool] = True

    signup = models.ForeignKey(
        SignUp, on_delete=models.PROTECT, related_name="events", verbose_name=_("signup")
    )
    action = models.CharField(_("action"), max_length=20, choices=SignUpAction.choices)
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    from_status = models.CharField(
        max_length=10, choices=SignUpStatus.choices, blank=True, verbose_name=_("from status")
    )
    to_status = models.CharField(
        max_length=10, choices=SignUpStatus.choices, verbose_name=_("to status")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sign-up event")
        verbose_name_plural = _("sign-up events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.signup_id} {self.action}"
