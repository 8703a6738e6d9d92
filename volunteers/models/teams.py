"""Volunteers, their teams and the service projects the teams run, and who sees them."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import DESCRIPTION_LENGTH, Community, Membership, Role, TimeStampedModel, User
from community.sorting import NAME_SORT_LENGTH, keep_name_sort
from grids.models import Resident

# --- Who is where -----------------------------------------------------------------------


def communities_of(user: User) -> Q:
    """``community`` is one the person belongs to: a role there, or a home there."""
    held = Membership.objects.filter(
        user=user, revoked_at__isnull=True, community__isnull=False
    ).values("community")
    home = Resident.objects.filter(user=user).values("household__unit__building__community")
    return Q(community__in=held) | Q(community__in=home)


def _roles(user: User, role: str) -> models.QuerySet[Membership, Any]:
    return Membership.objects.filter(user=user, revoked_at__isnull=True, role=role).values(
        "community"
    )


def managed_teams_q(user: User) -> Q:
    """Teams a person manages: their own (and their groups) while they hold the
    leader role in the community, and every team of a community they are secretary of."""
    leads = _roles(user, Role.VOLUNTEER_LEADER)
    return (
        Q(leader=user, community__in=leads)
        | Q(parent__leader=user, community__in=leads)
        | Q(community__in=_roles(user, Role.SECRETARY))
    )


# --- Volunteers -------------------------------------------------------------------------


class VolunteerKind(models.TextChoices):
    """京杭佳苑's model: party-member volunteers + social workers + residents' own groups."""

    RESIDENT = "resident", _("Resident volunteer")
    PARTY_MEMBER = "party_member", _("Party-member volunteer")
    SOCIAL_WORKER = "social_worker", _("Social worker")


class VolunteerQuerySet(models.QuerySet["Volunteer"]):
    def managed_by(self, user: User | AnonymousUser) -> VolunteerQuerySet:
        """Volunteers in (or asking to join) the teams a person manages."""
        if not user.is_authenticated:
            return self.none()
        teams = Team.objects.filter(managed_teams_q(user)).values("pk")
        return self.filter(pk__in=TeamMember.objects.filter(team__in=teams).values("volunteer"))

    def visible_to(self, user: User | AnonymousUser) -> VolunteerQuerySet:
        """A volunteer sees their own profile; managers see their teams' volunteers."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(user=user) | Q(pk__in=self.managed_by(user).values("pk")))


class Volunteer(TimeStampedModel):
    """志愿者: a person who serves, with or without a portal account of their own."""

    keeps_history: ClassVar[bool] = True

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="volunteers", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=50)
    # The name as pinyin, for lists in dictionary order (see community.sorting).
    name_sort = models.CharField(
        _("name in pinyin"), max_length=NAME_SORT_LENGTH, editable=False, db_index=True
    )
    phone = models.CharField(_("mobile number"), max_length=11, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=VolunteerKind.choices, default=VolunteerKind.RESIDENT
    )
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_profiles",
        verbose_name=_("portal account"),
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    skills = models.CharField(_("skills"), max_length=300, blank=True)
    availability = models.CharField(_("when available"), max_length=200, blank=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        # Every list, roll and dropdown of volunteers reads in pinyin order (李
        # before 王), not in code-point order.
        ordering = ["community_id", "name_sort", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=Q(user__isnull=False),
                name="volunteer_one_profile_per_community",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # ``bulk_create`` skips this: the demo, which uses it, sets the key itself.
        keep_name_sort(self, self.name, kwargs)
        super().save(*args, **kwargs)


# --- Teams ------------------------------------------------------------------------------


class TeamQuerySet(models.QuerySet["Team"]):
    def managed_by(self, user: User | AnonymousUser) -> TeamQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(managed_teams_q(user))

    def visible_to(self, user: User | AnonymousUser) -> TeamQuerySet:
        """The teams of a person's communities (to ask to join), and those they manage."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(managed_teams_q(user) | communities_of(user))


class Team(TimeStampedModel):
    """志愿服务队, or one group of it (the art troupe's dance group)."""

    keeps_history: ClassVar[bool] = True

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="volunteer_teams",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="led_teams", verbose_name=_("leader")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups",
        verbose_name=_("part of"),
    )
    description = models.TextField(_("about the team"), max_length=DESCRIPTION_LENGTH, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["community_id", "parent_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="team_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Member")
    DECLINED = "declined", _("Declined")
    LEFT = "left", _("Left")


class MemberAction(models.TextChoices):
    APPLY = "apply", _("Ask to join")
    APPROVE = "approve", _("Approve")
    DECLINE = "decline", _("Decline")
    REMOVE = "remove", _("Remove from the team")
    LEAVE = "leave", _("Leave the team")


M = MemberStatus
# Joining needs the leader's approval: action -> (from which statuses, to which).
MEMBER_MOVES: dict[str, tuple[frozenset[str], str]] = {
    MemberAction.APPLY: (frozenset({M.DECLINED, M.LEFT}), M.PENDING),
    MemberAction.APPROVE: (frozenset({M.PENDING}), M.APPROVED),
    MemberAction.DECLINE: (frozenset({M.PENDING}), M.DECLINED),
    MemberAction.REMOVE: (frozenset({M.APPROVED}), M.LEFT),
    MemberAction.LEAVE: (frozenset({M.PENDING, M.APPROVED}), M.LEFT),
}
MANAGER_MEMBER_ACTIONS = frozenset(
    {MemberAction.APPROVE, MemberAction.DECLINE, MemberAction.REMOVE}
)
del M


class TeamMember(models.Model):
    """A volunteer in a team: asked, approved by the leader, perhaps left again."""

    keeps_history: ClassVar[bool] = True

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="members", verbose_name=_("team")
    )
    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("volunteer"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MemberStatus.choices,
        default=MemberStatus.PENDING,
        editable=False,
    )
    requested_at = models.DateTimeField(_("asked"), default=timezone.now, editable=False)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team_id", "volunteer__name_sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "volunteer"], name="team_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.team_id} · {self.volunteer_id} · {self.status}"


# --- Service projects -----------------------------------------------------------------


class ProjectCategory(models.TextChoices):
    KNIVES = "knives", _("Knife sharpening")
    MENDING = "mending", _("Clothes mending")
    VEHICLES = "vehicles", _("Vehicle repair")
    SHOES = "shoes", _("Shoe repair")
    APPLIANCES = "appliances", _("Appliance repair")
    HAIRCUTS = "haircuts", _("Haircuts")
    HEALTH = "health", _("Health and vaccination")
    CLASSES = "classes", _("After-school and holiday classes")
    ELDERLY = "elderly", _("Help for the elderly")
    ARTS = "arts", _("Arts and performances")
    ADVICE = "advice", _("Advice (legal, policy)")
    ENVIRONMENT = "environment", _("Clean-up and environment")
    OTHER = "other", _("Other")


class ServiceProject(TimeStampedModel):
    """公益服务项目: what a team offers again and again (knife sharpening, 四点半课堂)."""

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="projects", verbose_name=_("team")
    )
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(
        _("kind of service"), max_length=20, choices=ProjectCategory.choices
    )
    description = models.TextField(_("what it offers"), max_length=DESCRIPTION_LENGTH, blank=True)
    active = models.BooleanField(_("offered now"), default=True)

    class Meta:
        verbose_name = _("service project")
        verbose_name_plural = _("service projects")
        ordering = ["team_id", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="project_name_unique")]

    def __str__(self) -> str:
        return self.name
