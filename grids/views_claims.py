"""Household claims: the resident's page, and the grid worker's and secretary's pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.errors import DomainError
from community.http import AuthedHttpRequest
from grids import selectors, services
from grids.forms import ClaimDecisionForm, ClaimForm
from grids.models import ClaimAction, HouseholdClaim, Resident


@login_required
@require_http_methods(["GET", "POST"])
def claim_home(request: AuthedHttpRequest) -> HttpResponse:
    """A resident says where they live, and sees how their claim stands."""
    linked = Resident.objects.filter(user=request.user).select_related("household").first()
    pending = selectors.claim_pending_of(request.user)
    form = ClaimForm(request.POST or None, initial={"name": request.user.name})
    status = 200
    if request.method == "POST" and linked is None and form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_file(
                actor=request.user,
                community=data["community"],
                building_number=data["building"],
                unit_number=data["unit"],
                room=data["room"],
                name=data["name"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, _("Thank you. Your grid worker will confirm it."))
            return redirect("grids:claim")
    elif form.errors:
        status = 400
    return render(
        request,
        "grids/claim_home.html",
        {
            "form": form,
            "linked": linked,
            "pending": pending,
            "history": selectors.claims_of(request.user),
        },
        status=status,
    )


@login_required
@require_POST
def claim_withdraw(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(HouseholdClaim.objects.filter(claimant=request.user), pk=pk)
    try:
        services.claim_move(claim=claim, actor=request.user, action=ClaimAction.WITHDRAW)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("grids:claim")


@login_required
def claim_list(request: AuthedHttpRequest) -> HttpResponse:
    return render(
        request, "grids/claim_list.html", {"claims": selectors.claims_waiting(request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(selectors.claims_for_staff(request.user), pk=pk)
    form = ClaimDecisionForm(request.POST or None)
    field = form.fields["resident"]
    assert hasattr(field, "queryset")
    field.queryset = selectors.claim_records(claim)
    status = 200
    action = request.POST.get("action", "")
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_move(
                claim=claim,
                actor=request.user,
                action=action,
                reason=form.cleaned_data["reason"],
                resident=form.cleaned_data["resident"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, _("Saved."))
            return redirect("grids:claim-list")
    elif form.errors:
        status = 400
    return render(
        request,
        "grids/claim_detail.html",
        {
            "claim": claim,
            "form": form,
            "actions": services.claim_actions(claim=claim, user=request.user),
            "events": claim.events.select_related("actor"),
        },
        status=status,
    )
