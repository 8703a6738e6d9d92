"""HTML pages of the mediation room."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.errors import Conflict, DomainError
from community.http import AuthedHttpRequest, int_param
from mediation import selectors, services
from mediation.forms import CaseFilterForm, CaseForm, CaseMoveForm, PartyFormSet
from mediation.models import Agreement, AgreementKind, MediationCase, MediationSession, PartyRole
from mediation.printing import agreement_pdf
from petitions.models import Petition

PAGE_SIZE = 20


@login_required
def case_list(request: AuthedHttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None, user=request.user)
    f: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # a bad value is shown and ignored; the other filters apply
        f = form.cleaned_data
    rows = selectors.case_list(request.user)
    if f.get("status"):
        rows = rows.filter(status=f["status"])
    if f.get("dispute_type"):
        rows = rows.filter(dispute_type=f["dispute_type"])
    if f.get("mediator"):
        rows = rows.filter(mediators=f["mediator"])
    if f.get("overdue"):
        rows = rows.filter(selectors.overdue_q())
    page = Paginator(rows.order_by("-opened_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "mediation/list.html",
        {
            "form": form,
            "page": page,
            "is_staff": selectors.staff_communities(request.user).exists(),
        },
    )


@login_required
def case_new(request: AuthedHttpRequest) -> HttpResponse:
    """Open a case: from a walk-in, a grid worker's referral, or a request."""
    community = selectors.staff_communities(request.user).first()
    if community is None:
        raise Http404
    initial: dict[str, Any] = {"mediators": [request.user.pk]}
    pk = int_param(request.GET.get("petition"))
    if pk is not None:
        petition = get_object_or_404(
            Petition.objects.visible_to(request.user).filter(community=community), pk=pk
        )
        existing = MediationCase.objects.filter(petition=petition).first()
        if existing is not None:
            return redirect("mediation:detail", pk=existing.pk)
        initial.update(source="petition", petition=petition.reference, facts=petition.description)
    form = CaseForm(request.POST or None, community_id=community.pk, initial=initial)
    parties = PartyFormSet(
        request.POST or None,
        prefix="parties",
        initial=[{"role": PartyRole.APPLICANT}, {"role": PartyRole.RESPONDENT}],
    )
    if request.method == "POST" and form.is_valid() and parties.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                actor=request.user,
                community=community,
                source=data["source"],
                dispute_type=data["dispute_type"],
                facts=data["facts"],
                parties=[
                    services.PartyInput(
                        role=p["role"],
                        name=p.get("name") or "",
                        phone=p.get("phone") or "",
                        address=p.get("address") or "",
                    )
                    for p in parties.cleaned_data
                    if p
                ],
                mediators=list(data["mediators"]),
                petition=data.get("petition"),
                referred_by=data.get("referred_by"),
                token=data["token"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Case %(number)s is open.") % {"number": case.number})
            return redirect("mediation:detail", pk=case.pk)
    return render(
        request,
        "mediation/form.html",
        {"form": form, "parties": parties, "community": community},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def petition_choices(request: AuthedHttpRequest) -> HttpResponse:
    """The case form's type-ahead: a few of the community's requests matching what was typed."""
    community = selectors.staff_communities(request.user).first()
    if community is None:
        raise Http404
    text = request.GET.get("petition", "")[:50]
    return render(
        request,
        "mediation/_petition_choices.html",
        {"petitions": selectors.petition_choices(community.pk, text)},
    )


def _detail(
    request: AuthedHttpRequest,
    case: MediationCase,
    failed: CaseMoveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = selectors.is_case_staff(request.user, case)
    agreement = Agreement.objects.filter(case=case).first()
    context: dict[str, Any] = {"case": case, "staff": staff, "agreement": agreement}
    if staff:
        context.update(
            forms=[
                failed
                if failed is not None and failed.action == action
                else CaseMoveForm(action=action, case=case)
                for action in services.allowed_actions(case, request.user)
            ],
            failed=failed,
            parties=list(case.parties.all()),
            sessions=list(case.sessions.select_related("recorded_by")),
            follow_ups=list(case.follow_ups.select_related("visited_by")),
            events=list(case.events.select_related("actor")),
            mediators=list(case.mediators.all()),
        )
    return render(request, "mediation/detail.html", context, status=status)


@login_required
def case_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(
        MediationCase.objects.visible_to(request.user).select_related("community", "petition"),
        pk=pk,
    )
    return _detail(request, case)


@login_required
@require_POST
def case_act(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    case = get_object_or_404(
        MediationCase.objects.staff_visible_to(request.user).select_related("community"), pk=pk
    )
    if action not in services.allowed_actions(case, request.user):
        messages.warning(request, _("This case changed while you had it open. Here it is now."))
        return redirect("mediation:detail", pk=case.pk)
    form = CaseMoveForm(request.POST, request.FILES, action=action, case=case)
    if not form.is_valid():
        return _detail(request, case, failed=form, status=400)
    try:
        services.case_move(case=case, actor=request.user, action=action, **form.move_kwargs())
    except Conflict as exc:
        messages.warning(request, exc.message)
        return redirect("mediation:detail", pk=case.pk)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _detail(request, case, failed=form, status=400)
    messages.success(request, _("Done: %(action)s.") % {"action": form.label})
    return redirect("mediation:detail", pk=case.pk)


@login_required
def case_agreement_pdf(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The written agreement for signing: case staff and the parties themselves."""
    case = get_object_or_404(
        MediationCase.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    agreement = get_object_or_404(Agreement, case=case, kind=AgreementKind.WRITTEN)
    response = HttpResponse(agreement_pdf(case, agreement), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{case.number}.pdf"'
    return response


@login_required
def session_scan(request: AuthedHttpRequest, pk: int) -> FileResponse:
    """A session's scanned signature page: case staff only (never a public URL)."""
    session = get_object_or_404(
        MediationSession.objects.filter(
            case__in=MediationCase.objects.staff_visible_to(request.user)
        ),
        pk=pk,
    )
    if not session.signature_scan:
        raise Http404
    response = FileResponse(session.signature_scan.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def room_stats(request: AuthedHttpRequest) -> HttpResponse:
    communities = selectors.staff_communities(request.user)
    if not communities.exists():
        raise Http404
    return render(
        request,
        "mediation/stats.html",
        {"stats": [selectors.room_stats(c) for c in communities]},
    )
