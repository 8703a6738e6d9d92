"""Pages of sign-ups: signing up, the leader's roll, checking in, one's own places."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.errors import DomainError
from community.http import AuthedHttpRequest
from volunteers import selectors, services
from volunteers.forms import HoursForm, RollAddForm, SignUpForm
from volunteers.models import MOVES, Activity, SignUp, SignUpAction, SignUpKind, SignUpStatus
from volunteers.views.activities import (
    PAGE_SIZE,
    detail_page,
    household_of,
    managed_activity,
    visible_activity,
)


@login_required
@require_POST
def signup_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    activity = visible_activity(request, pk)
    form = SignUpForm(request.POST, household=household_of(request, activity))
    if not form.is_valid():
        return detail_page(request, activity, {"signup": form}, status=400)
    data = form.cleaned_data
    try:
        signup, new = services.signup_make(
            activity=activity,
            actor=request.user,
            kind=data["kind"],
            resident=data.get("resident") if not data.get("name") else None,
            name=data.get("name") or "",
            note=data.get("note") or "",
        )
    except DomainError as exc:
        messages.warning(request, exc.message)
        return redirect("volunteers:activity", pk=pk)
    if not new:
        messages.info(
            request,
            _("%(name)s was signed up already (%(status)s): nothing changed.")
            % {"name": signup.name, "status": signup.get_status_display()},
        )
    elif signup.status == SignUpStatus.WAITING:
        messages.info(
            request,
            _(
                "The places are taken: %(name)s is on the waiting list "
                "and moves up when someone cancels."
            )
            % {"name": signup.name},
        )
    else:
        messages.success(request, _("%(name)s has a place.") % {"name": signup.name})
    return redirect("volunteers:activity", pk=pk)


@login_required
@require_POST
def roll_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    activity = managed_activity(request, pk)
    form = RollAddForm(request.POST, activity=activity)
    if not form.is_valid():
        return detail_page(request, activity, {"roll": form}, status=400)
    try:
        signup = services.signup_create(
            activity=activity,
            actor=request.user,
            kind=SignUpKind.SERVE,
            volunteer=form.cleaned_data["volunteer"],
        )
    except DomainError as exc:
        messages.warning(request, exc.message)
    else:
        messages.success(request, _("%(name)s is on the roll.") % {"name": signup.name})
    return redirect("volunteers:activity", pk=pk)


@login_required
@require_POST
def signup_act(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    signup = get_object_or_404(
        SignUp.objects.visible_to(request.user).select_related("activity"), pk=pk
    )
    try:
        services.signup_move(
            signup=signup,
            actor=request.user,
            action=action,
            note=request.POST.get("note", "")[:200],
        )
    except DomainError as exc:
        messages.warning(request, exc.message)
    else:
        if action == SignUpAction.CHECK_OUT:
            messages.success(request, _("Checked out. Thank you for your service!"))
        else:
            messages.success(request, _("Done."))
    if request.POST.get("next") == "mine":
        return redirect("volunteers:mine")
    return redirect("volunteers:activity", pk=signup.activity_id)


@login_required
@require_POST
def signup_hours(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(
        SignUp.objects.filter(activity__in=Activity.objects.managed_by(request.user)), pk=pk
    )
    form = HoursForm(request.POST)
    if not form.is_valid():
        messages.warning(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("volunteers:activity", pk=signup.activity_id)
    try:
        services.hours_correct(
            signup=signup,
            actor=request.user,
            hours=form.cleaned_data["hours"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.warning(request, exc.message)
    else:
        messages.success(request, _("Hours corrected; the ledger keeps the earlier entry."))
    return redirect("volunteers:activity", pk=signup.activity_id)


@login_required
def check_in(request: AuthedHttpRequest, pk: int, code: str) -> HttpResponse:
    """What the activity's QR code opens: a button to check in, or once checked in
    one to check out (a GET changes nothing)."""
    activity = visible_activity(request, pk)
    problem = ""
    if request.method == "POST":
        action = request.POST.get("action", SignUpAction.CHECK_IN)
        try:
            done = services.signups_check(
                activity=activity, actor=request.user, action=action, code=code
            )
        except DomainError as exc:
            problem = exc.message
        else:
            if done and action == SignUpAction.CHECK_OUT:
                messages.success(request, _("Checked out. Thank you for your service!"))
            elif done:
                messages.success(request, _("Checked in. Thank you for coming!"))
            return redirect("volunteers:activity", pk=pk)
    mine = services.own_day_signups(activity, request.user)
    offer = {
        action: services.checkin_problem(activity, code, action)
        for action in (SignUpAction.CHECK_IN, SignUpAction.CHECK_OUT)
        if any(s.status in MOVES[action][0] for s in mine)
    }
    if not problem:
        # The refusal for what the page would offer; for nobody signed up, the code's.
        problem = next((p for p in offer.values() if p), "") or (
            "" if offer else services.checkin_problem(activity, code)
        )
    return render(
        request,
        "volunteers/check_in.html",
        {
            "activity": activity,
            "mine": mine,
            "problem": problem,
            "can_check_in": SignUpAction.CHECK_IN in offer and not offer[SignUpAction.CHECK_IN],
            "can_check_out": SignUpAction.CHECK_OUT in offer and not offer[SignUpAction.CHECK_OUT],
            "check_in_opens": services.clock_time(activity.check_in_opens_at),
            "check_out_closes": services.clock_time(activity.check_out_closes_at),
        },
        status=400 if problem and request.method == "POST" else 200,
    )


@login_required
def my_signups(request: AuthedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_signups(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for s in page.object_list:
        s.actions = services.allowed_actions(s, request.user, manager=False)
    profiles = [(v, selectors.total_hours(v)) for v in selectors.volunteers_of_user(request.user)]
    return render(request, "volunteers/mine.html", {"page": page, "profiles": profiles})
