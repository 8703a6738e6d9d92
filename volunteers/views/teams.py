"""Pages of teams: the list, one team with its members and projects, joining."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.errors import DomainError
from community.http import AuthedHttpRequest, int_param
from community.models import Community, Membership, Role
from volunteers import selectors, services
from volunteers.forms import ProjectForm, TeamForm, VolunteerAddForm
from volunteers.models import (
    ActivityStatus,
    MemberStatus,
    ServiceProject,
    Team,
    TeamMember,
)
from volunteers.services.common import belongs_to

PAGE_SIZE = 20


@login_required
def team_list(request: AuthedHttpRequest) -> HttpResponse:
    mine = TeamMember.objects.filter(volunteer__user=request.user).exclude(
        status__in=[MemberStatus.DECLINED, MemberStatus.LEFT]
    )
    rows = (
        Team.objects.visible_to(request.user)
        .select_related("community", "leader", "parent")
        .annotate(
            member_count=Count("members", filter=Q(members__status=MemberStatus.APPROVED)),
            pending_count=Count("members", filter=Q(members__status=MemberStatus.PENDING)),
        )
        .prefetch_related(Prefetch("members", queryset=mine, to_attr="mine"))
        .order_by("community__name", "parent_id", "name", "id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/team_list.html",
        {"page": page, "can_create": _lead_communities(request).exists()},
    )


def _lead_communities(request: AuthedHttpRequest) -> Any:
    held = Membership.objects.active().filter(
        user=request.user, role__in=[Role.VOLUNTEER_LEADER, Role.SECRETARY]
    )
    return Community.objects.filter(pk__in=held.values("community"))


@login_required
def team_new(request: AuthedHttpRequest) -> HttpResponse:
    communities = _lead_communities(request)
    community = communities.first()
    if community is None:
        raise Http404
    form = TeamForm(request.POST or None)
    parents = Team.objects.managed_by(request.user).filter(parent=None, community=community)
    if request.method == "POST" and form.is_valid():
        parent_pk = int_param(request.POST.get("parent"))
        parent = parents.filter(pk=parent_pk).first() if parent_pk is not None else None
        try:
            team = services.team_create(
                actor=request.user,
                community=community,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                parent=parent,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The team is set up. Add its service projects next."))
            return redirect("volunteers:team", pk=team.pk)
    return render(
        request,
        "volunteers/team_form.html",
        {"form": form, "community": community, "parents": parents},
        status=400 if request.method == "POST" else 200,
    )


def _team_page(
    request: AuthedHttpRequest, team: Team, failed: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    failed = failed or {}
    manager = services.can_manage(request.user, team)
    mine = TeamMember.objects.filter(team=team, volunteer__user=request.user).first()
    context: dict[str, Any] = {
        "team": team,
        "manager": manager,
        "mine": mine,
        "can_join": belongs_to(request.user, team.community_id)
        and (mine is None or mine.status in (MemberStatus.DECLINED, MemberStatus.LEFT)),
        "groups": list(team.groups.all()),
        "projects": list(team.projects.filter(**({} if manager else {"active": True}))),
        "upcoming": list(
            team.activities.filter(
                starts_at__gte=timezone.now(), status=ActivityStatus.SCHEDULED
            ).select_related("project")[:5]
        ),
    }
    if manager:
        context.update(
            members=selectors.team_members(team),
            team_form=failed.get("team")
            or TeamForm(initial={"name": team.name, "description": team.description}),
            project_form=failed.get("project") or ProjectForm(),
            volunteer_form=failed.get("volunteer") or VolunteerAddForm(),
            failed=failed,
        )
    return render(request, "volunteers/team_detail.html", context, status=status)


@login_required
def team_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(
        Team.objects.visible_to(request.user).select_related("community", "leader", "parent"),
        pk=pk,
    )
    return _team_page(request, team)


def _managed(request: AuthedHttpRequest, pk: int) -> Team:
    return get_object_or_404(
        Team.objects.managed_by(request.user).select_related("community", "leader", "parent"),
        pk=pk,
    )


@login_required
@require_POST
def team_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    team = _managed(request, pk)
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            services.team_update(team=team, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("volunteers:team", pk=pk)
    team.refresh_from_db()
    return _team_page(request, team, {"team": form}, status=400)


@login_required
@require_POST
def project_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    team = _managed(request, pk)
    form = ProjectForm(request.POST)
    if form.is_valid():
        try:
            services.project_save(team=team, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The project is added."))
            return redirect("volunteers:team", pk=pk)
    return _team_page(request, team, {"project": form}, status=400)


@login_required
@require_POST
def project_toggle(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(
        ServiceProject.objects.filter(team__in=Team.objects.managed_by(request.user)), pk=pk
    )
    services.project_save(
        team=project.team,
        actor=request.user,
        project=project,
        name=project.name,
        category=project.category,
        description=project.description,
        active=not project.active,
    )
    return redirect("volunteers:team", pk=project.team_id)


@login_required
@require_POST
def volunteer_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    team = _managed(request, pk)
    form = VolunteerAddForm(request.POST)
    if form.is_valid():
        try:
            member = services.volunteer_add(team=team, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("%(name)s is in the team.") % {"name": member.volunteer.name}
            )
            return redirect("volunteers:team", pk=pk)
    return _team_page(request, team, {"volunteer": form}, status=400)


@login_required
@require_POST
def team_join(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team.objects.visible_to(request.user), pk=pk)
    try:
        member = services.member_apply(team=team, actor=request.user)
    except DomainError as exc:
        messages.warning(request, exc.message)
    else:
        if member.status == MemberStatus.PENDING:
            messages.success(request, _("Asked. The team's leader will decide soon."))
    return redirect("volunteers:team", pk=pk)


@login_required
@require_POST
def member_act(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    member = get_object_or_404(
        TeamMember.objects.filter(
            Q(team__in=Team.objects.managed_by(request.user)) | Q(volunteer__user=request.user)
        ),
        pk=pk,
    )
    try:
        services.member_move(member=member, actor=request.user, action=action)
    except DomainError as exc:
        messages.warning(request, exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect("volunteers:team", pk=member.team_id)
