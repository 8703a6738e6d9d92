"""Pages of activities: the list, planning, one activity with its roll, signing up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.errors import Conflict, DomainError
from community.http import AuthedHttpRequest, int_param
from grids.models import Resident
from volunteers import selectors, services
from volunteers.forms import (
    ActivityEditForm,
    ActivityNewForm,
    CancelActivityForm,
    HoursForm,
    RollAddForm,
    SignUpForm,
    WalkInsForm,
)
from volunteers.models import (
    Activity,
    Audience,
    MemberStatus,
    ServiceProject,
    SignUpKind,
    SignUpStatus,
    Team,
    TeamMember,
)
from volunteers.services.common import belongs_to

PAGE_SIZE = 20


@login_required
def activity_list(request: AuthedHttpRequest) -> HttpResponse:
    past = request.GET.get("when") == "past"
    rows = selectors.activity_list(request.user, past=past, team=int_param(request.GET.get("team")))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/activity_list.html",
        {"page": page, "past": past, "manages": _manages(request)},
    )


def _manages(request: AuthedHttpRequest) -> bool:
    return Team.objects.managed_by(request.user).exists()


@login_required
def activity_new(request: AuthedHttpRequest) -> HttpResponse:
    projects = (
        ServiceProject.objects.filter(
            team__in=Team.objects.managed_by(request.user).values("pk"), active=True
        )
        .select_related("team")
        .order_by("team__name", "name")
    )
    if not Team.objects.managed_by(request.user).exists():
        raise Http404
    initial: dict[str, Any] = {}
    project = int_param(request.GET.get("project"))
    if project is not None:
        initial["project"] = project
    form = ActivityNewForm(request.POST or None, projects=projects, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.activity_create(
                actor=request.user,
                project=data["project"],
                title=data["title"],
                place=data["place"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                capacity=data["capacity"],
                audience=data["audience"],
                hours=data.get("hours"),
                description=data.get("description") or "",
                token=data["token"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The activity is planned."))
            return redirect("volunteers:activity", pk=activity.pk)
    return render(
        request,
        "volunteers/activity_form.html",
        {"form": form, "has_projects": projects.exists()},
        status=400 if request.method == "POST" else 200,
    )


def visible_activity(request: AuthedHttpRequest, pk: int) -> Activity:
    return get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("project", "team", "community"),
        pk=pk,
    )


def managed_activity(request: AuthedHttpRequest, pk: int) -> Activity:
    return get_object_or_404(
        Activity.objects.managed_by(request.user).select_related("project", "team", "community"),
        pk=pk,
    )


def checkin_url(request: AuthedHttpRequest, activity: Activity) -> str:
    """The address the activity's QR code opens."""
    return request.build_absolute_uri(
        reverse("volunteers:check-in", args=[activity.pk, services.checkin_code(activity)])
    )


def household_of(request: AuthedHttpRequest, activity: Activity) -> Any:
    own = Resident.objects.filter(
        user=request.user, household__unit__building__community=activity.community_id
    ).first()
    if own is None:
        return Resident.objects.none()
    me_first = Case(When(user=request.user, then=Value(0)), default=Value(1))
    return Resident.objects.filter(household=own.household_id).order_by(me_first, "birth_year")


def detail_page(
    request: AuthedHttpRequest,
    activity: Activity,
    failed: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    failed = failed or {}
    manager = services.can_manage(request.user, activity.team)
    member = TeamMember.objects.filter(
        team=activity.team_id, volunteer__user=request.user, status=MemberStatus.APPROVED
    ).exists()
    mine = list(
        activity.signups.filter(selectors.own_q(request.user))
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("volunteer", "resident")
    )
    for s in mine:
        s.actions = services.allowed_actions(s, request.user, manager=False)  # type: ignore[attr-defined]
    open_for_signup = not activity.is_cancelled and not activity.has_started
    # Signed up to serve already: the page shows that place (and its cancel button)
    # instead of the button to sign up again.
    serving = next((s for s in mine if s.kind == SignUpKind.SERVE), None)
    residents = activity.audience == Audience.RESIDENTS
    context: dict[str, Any] = {
        "activity": activity,
        "manager": manager,
        "mine": mine,
        "taken": services.places_taken(activity, activity.capacity_kind),
        # Team members serving at an activity open to residents hold none of its places.
        "serving_count": services.places_taken(activity, SignUpKind.SERVE) if residents else 0,
        "serving": serving,
        "can_serve": open_for_signup and member and serving is None,
        "can_attend": open_for_signup
        and residents
        and belongs_to(request.user, activity.community_id),
        "check_in_opens": services.clock_time(activity.check_in_opens_at),
        "check_out_closes": services.clock_time(activity.check_out_closes_at),
    }
    if context["can_attend"]:
        context["attend_form"] = failed.get("signup") or SignUpForm(
            initial={"kind": SignUpKind.ATTEND}, household=household_of(request, activity)
        )
    if manager:
        rows = selectors.roster(activity)
        for s in rows:
            s.actions = services.allowed_actions(s, request.user, manager=True)  # type: ignore[attr-defined]
        url = checkin_url(request, activity)
        context.update(
            roster=rows,
            waiting=sum(s.status == SignUpStatus.WAITING for s in rows),
            edit_form=failed.get("edit") or ActivityEditForm.for_activity(activity),
            cancel_form=failed.get("cancel") or CancelActivityForm(),
            walk_ins_form=failed.get("walk_ins")
            or WalkInsForm(initial={"walk_ins": activity.walk_ins}),
            hours_form=HoursForm(),
            roll_form=failed.get("roll") or RollAddForm(activity=activity),
            failed=failed,
            checkin_url=url,
            qr=mark_safe(segno.make(url, error="m").svg_inline(scale=4, dark="#000")),  # noqa: S308 - made by segno from our own URL
        )
    return render(request, "volunteers/activity_detail.html", context, status=status)


@login_required
def activity_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return detail_page(request, visible_activity(request, pk))


@login_required
@require_POST
def activity_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    activity = managed_activity(request, pk)
    form = ActivityEditForm(request.POST)
    if not form.is_valid():
        return detail_page(request, activity, {"edit": form}, status=400)
    data = form.cleaned_data
    try:
        services.activity_update(
            activity=activity,
            actor=request.user,
            version=data["version"],
            title=data["title"],
            place=data["place"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            capacity=data["capacity"],
            hours=data.get("hours") or services.default_hours(data["starts_at"], data["ends_at"]),
            description=data.get("description") or "",
        )
    except Conflict as exc:
        messages.warning(request, exc.message)
        return redirect("volunteers:activity", pk=pk)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return detail_page(request, activity, {"edit": form}, status=400)
    messages.success(request, _("Saved. Everyone signed up has been told of the change."))
    return redirect("volunteers:activity", pk=pk)


@login_required
@require_POST
def activity_cancel(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    activity = managed_activity(request, pk)
    return _leader_form(
        request,
        activity,
        "cancel",
        CancelActivityForm(request.POST),
        lambda data: services.activity_cancel(
            activity=activity, actor=request.user, reason=data["reason"]
        ),
        _("The activity is cancelled; everyone signed up has been told."),
    )


@login_required
@require_POST
def activity_walk_ins(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    activity = managed_activity(request, pk)
    return _leader_form(
        request,
        activity,
        "walk_ins",
        WalkInsForm(request.POST),
        lambda data: services.activity_record_walk_ins(
            activity=activity, actor=request.user, walk_ins=data["walk_ins"]
        ),
        _("Saved."),
    )


def _leader_form(
    request: AuthedHttpRequest,
    activity: Activity,
    key: str,
    form: forms.Form,
    run: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """A leader's form on the activity page: call the service, or show the form
    again (400) with what was wrong, typed input kept."""
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, done)
            return redirect("volunteers:activity", pk=activity.pk)
    return detail_page(request, activity, {key: form}, status=400)
