"""Teams, their projects and members: the leader approves who joins."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import Conflict, DomainError, NotAllowed
from community.models import Community, Membership, Role, User
from grids.models import Resident
from volunteers.models import (
    MANAGER_MEMBER_ACTIONS,
    MEMBER_MOVES,
    MemberAction,
    MemberStatus,
    ProjectCategory,
    ServiceProject,
    Team,
    TeamMember,
    Volunteer,
    VolunteerKind,
)
from volunteers.services.common import belongs_to, can_manage, tell


def _leads(user: User, community_id: int) -> bool:
    return any(
        m.role in (Role.VOLUNTEER_LEADER, Role.SECRETARY) and m.community_id == community_id
        for m in user.active_memberships
    )


def team_create(
    *,
    actor: User,
    community: Community,
    name: str,
    leader: User | None = None,
    parent: Team | None = None,
    description: str = "",
) -> Team:
    """A new team (or a group of one): its leader holds the team-leader role there."""
    if not _leads(actor, community.pk):
        raise NotAllowed(_("Only the community's team leaders and secretary set up teams."))
    leader = leader or actor
    if (
        not Membership.objects.active()
        .filter(user=leader, community=community, role=Role.VOLUNTEER_LEADER)
        .exists()
    ):
        raise DomainError(
            _("The leader must be a volunteer team leader of %(c)s.") % {"c": community}
        )
    if parent is not None and (
        parent.community_id != community.pk or not can_manage(actor, parent)
    ):
        raise DomainError(_("A group belongs to a team of yours in the same community."))
    if not name.strip():
        raise DomainError(_("Give the team a name."))
    try:
        with transaction.atomic():
            return Team.objects.create(
                community=community,
                name=name.strip()[:100],
                leader=leader,
                parent=parent,
                description=description.strip(),
            )
    except IntegrityError:
        raise Conflict(_("%(c)s has a team of that name already.") % {"c": community}) from None


def team_update(*, team: Team, actor: User, name: str, description: str) -> Team:
    if not can_manage(actor, team):
        raise NotAllowed(_("Only the team's leader changes the team."))
    if not name.strip():
        raise DomainError(_("Give the team a name."))
    team.name, team.description = name.strip()[:100], description.strip()
    try:
        with transaction.atomic():
            team.save(update_fields=["name", "description", "updated_at"])
    except IntegrityError:
        raise Conflict(_("The community has a team of that name already.")) from None
    return team


def project_save(
    *,
    team: Team,
    actor: User,
    name: str,
    category: str,
    description: str = "",
    active: bool = True,
    project: ServiceProject | None = None,
) -> ServiceProject:
    """Add a service project to a team, or change one of its projects."""
    if not can_manage(actor, team):
        raise NotAllowed(_("Only the team's leader manages its projects."))
    if category not in ProjectCategory.values:
        raise DomainError(_("Choose the kind of service."))
    if not name.strip():
        raise DomainError(_("Give the project a name."))
    project = project or ServiceProject(team=team)
    if project.team_id != team.pk:
        raise DomainError(_("That project belongs to another team."))
    project.name, project.category = name.strip()[:100], category
    project.description, project.active = description.strip(), active
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError:
        raise Conflict(_("The team has a project of that name already.")) from None
    return project


# --- Volunteers ---------------------------------------------------------------------------


def volunteer_for(*, user: User, community: Community) -> Volunteer:
    """A person's volunteer profile in a community, made on first use from their account."""
    found = Volunteer.objects.filter(user=user, community=community).first()
    if found is not None:
        return found
    resident = Resident.objects.filter(
        user=user, household__unit__building__community=community
    ).first()
    try:
        with transaction.atomic():
            return Volunteer.objects.create(
                community=community,
                user=user,
                resident=resident,
                name=(user.name or user.username)[:50],
                phone=user.phone or "",
            )
    except IntegrityError:  # made by a second tap meanwhile
        return Volunteer.objects.get(user=user, community=community)


def volunteer_add(
    *,
    team: Team,
    actor: User,
    name: str,
    phone: str = "",
    kind: str = VolunteerKind.RESIDENT,
    skills: str = "",
    availability: str = "",
) -> TeamMember:
    """The leader enrols a volunteer, with or without a portal account: a member at once.

    A resident of the community with that mobile number is linked (and, with
    it, their account), and a volunteer already known by that number is reused.
    """
    if not can_manage(actor, team):
        raise NotAllowed(_("Only the team's leader enrols volunteers."))
    name, phone = name.strip()[:50], phone.strip()[:11]
    if not name:
        raise DomainError(_("Give the volunteer's name."))
    if kind not in VolunteerKind.values:
        raise DomainError(_("Choose the kind of volunteer."))
    with transaction.atomic():
        volunteer = (
            Volunteer.objects.filter(community=team.community_id, phone=phone).first()
            if phone
            else None
        )
        if volunteer is None:
            resident = (
                Resident.objects.filter(
                    phone=phone, household__unit__building__community=team.community_id
                ).first()
                if phone
                else None
            )
            user = resident.user if resident is not None else None
            if user is not None:
                volunteer = Volunteer.objects.filter(user=user, community=team.community_id).first()
            if volunteer is None:
                volunteer = Volunteer.objects.create(
                    community_id=team.community_id,
                    name=name,
                    phone=phone,
                    kind=kind,
                    user=user,
                    resident=resident,
                    skills=skills.strip()[:300],
                    availability=availability.strip()[:200],
                )
        member, _created = TeamMember.objects.get_or_create(team=team, volunteer=volunteer)
        if member.status != MemberStatus.APPROVED:
            member.status = MemberStatus.APPROVED
            member.decided_at, member.decided_by = timezone.now(), actor
            member.save(update_fields=["status", "decided_at", "decided_by"])
    return member


def volunteer_update(
    *, volunteer: Volunteer, actor: User, skills: str, availability: str, kind: str | None = None
) -> Volunteer:
    """Skills and availability: the volunteer's own, or their leader's, to write."""
    manager = Volunteer.objects.managed_by(actor).filter(pk=volunteer.pk).exists()
    if volunteer.user_id != actor.pk and not manager:
        raise NotAllowed(_("This is someone else's profile."))
    volunteer.skills, volunteer.availability = skills.strip()[:300], availability.strip()[:200]
    fields = ["skills", "availability", "updated_at"]
    if kind is not None and manager:
        if kind not in VolunteerKind.values:
            raise DomainError(_("Choose the kind of volunteer."))
        volunteer.kind = kind
        fields.append("kind")
    volunteer.save(update_fields=fields)
    return volunteer


# --- Joining ------------------------------------------------------------------------------


def member_apply(*, team: Team, actor: User) -> TeamMember:
    """Ask to join a team of one's community; the leader hears of it and decides.

    Asking again while waiting, or as a member, does nothing; after a refusal
    or leaving, one may ask again.
    """
    if not belongs_to(actor, team.community_id):
        raise NotAllowed(_("Only people of %(c)s join its teams.") % {"c": team.community})
    with transaction.atomic():
        volunteer = volunteer_for(user=actor, community=team.community)
        member, created = TeamMember.objects.select_for_update().get_or_create(
            team=team, volunteer=volunteer
        )
        if not created:
            if member.status in (MemberStatus.PENDING, MemberStatus.APPROVED):
                return member
            member.status = MEMBER_MOVES[MemberAction.APPLY][1]
            member.requested_at = timezone.now()
            member.decided_at = member.decided_by = None
            member.save(update_fields=["status", "requested_at", "decided_at", "decided_by"])
        tell(
            [team.leader],
            _("%(name)s asks to join %(team)s"),
            key=f"volunteers:member:{member.pk}:apply:{member.requested_at.timestamp()}",
            link=reverse("volunteers:team", args=[team.pk]),
            name=volunteer.name,
            team=team.name,
        )
    return member


def member_move(*, member: TeamMember, actor: User, action: str) -> TeamMember:
    """Approve, decline or remove (the leader), or leave (the volunteer): one step.

    Steps: lock the row; the same status again does nothing; a move the status
    does not allow is a Conflict; who may make it; save; tell the volunteer
    of the leader's decision.
    """
    if action not in MEMBER_MOVES or action == MemberAction.APPLY:
        raise DomainError(_("Unknown action."))
    sources, target = MEMBER_MOVES[action]
    with transaction.atomic():
        locked = (
            TeamMember.objects.select_for_update(of=("self",))
            .select_related("team", "volunteer__user")
            .get(pk=member.pk)
        )
        if locked.status == target:
            return locked
        if locked.status not in sources:
            raise Conflict(_("This request changed meanwhile. Reload the page."))
        if action in MANAGER_MEMBER_ACTIONS:
            if not can_manage(actor, locked.team):
                raise NotAllowed(_("Only the team's leader decides who joins."))
        elif locked.volunteer.user_id != actor.pk:
            raise NotAllowed(_("Only the volunteer leaves of their own accord."))
        locked.status = target
        locked.decided_at, locked.decided_by = timezone.now(), actor
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        if action in (MemberAction.APPROVE, MemberAction.DECLINE) and locked.volunteer.user:
            tell(
                [locked.volunteer.user],
                _("You joined %(team)s")
                if action == MemberAction.APPROVE
                else _("%(team)s could not take you on this time"),
                key=f"volunteers:member:{locked.pk}:{action}:{locked.decided_at.timestamp()}",
                link=reverse("volunteers:team", args=[locked.team_id]),
                team=locked.team.name,
            )
    return locked
