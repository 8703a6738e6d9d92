"""Pages of hours: a volunteer's ledger and profile, the statement, the reports."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.errors import DomainError
from community.http import AuthedHttpRequest
from volunteers import exports, printing, selectors, services
from volunteers.forms import PeriodForm, ProfileForm
from volunteers.models import MemberStatus, Team, Volunteer

PAGE_SIZE = 20


def _visible(request: AuthedHttpRequest, pk: int) -> Volunteer:
    return get_object_or_404(
        Volunteer.objects.visible_to(request.user).select_related("community", "user"), pk=pk
    )


@login_required
def volunteer_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    volunteer = _visible(request, pk)
    return _volunteer_page(request, volunteer)


def _volunteer_page(
    request: AuthedHttpRequest,
    volunteer: Volunteer,
    form: ProfileForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = Paginator(selectors.ledger(volunteer).order_by("-served_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    teams = list(volunteer.memberships.filter(status=MemberStatus.APPROVED).select_related("team"))
    return render(
        request,
        "volunteers/volunteer_detail.html",
        {
            "volunteer": volunteer,
            "page": page,
            "total": selectors.total_hours(volunteer),
            "teams": teams,
            "form": form
            or ProfileForm(
                initial={"skills": volunteer.skills, "availability": volunteer.availability}
            ),
        },
        status=status,
    )


@login_required
@require_POST
def volunteer_profile(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    volunteer = _visible(request, pk)
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.volunteer_update(volunteer=volunteer, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("volunteers:volunteer", pk=pk)
    return _volunteer_page(request, volunteer, form, status=400)


@login_required
def my_hours(request: AuthedHttpRequest) -> HttpResponse:
    """A person's own hours: their (first) volunteer profile's page."""
    volunteer = selectors.volunteers_of_user(request.user).first()
    if volunteer is None:
        messages.info(request, _("You have no service hours yet. Join a team to serve."))
        return redirect("volunteers:teams")
    return redirect("volunteers:volunteer", pk=volunteer.pk)


def _period(request: AuthedHttpRequest) -> tuple[PeriodForm, date, date]:
    since, until = selectors.default_period()
    form = PeriodForm(request.GET or None, initial={"since": since, "until": until})
    if form.is_bound and form.is_valid():
        since = form.cleaned_data.get("since") or since
        until = form.cleaned_data.get("until") or until
    return form, since, until


@login_required
def statement_pdf(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """志愿服务时长证明: the volunteer's hours in a period, printed in Chinese."""
    volunteer = _visible(request, pk)
    _form, since, until = _period(request)
    entries = list(
        selectors.ledger(volunteer)
        .filter(served_on__range=(since, until))
        .order_by("served_on", "id")
    )
    teams = [
        m.team.name
        for m in volunteer.memberships.filter(status=MemberStatus.APPROVED).select_related("team")
    ]
    pdf = printing.hours_statement_pdf(volunteer, entries, teams, since, until)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="hours-{volunteer.pk}-{until:%Y%m%d}.pdf"'
    return response


@login_required
def report(request: AuthedHttpRequest) -> HttpResponse:
    if not Team.objects.managed_by(request.user).exists():
        raise Http404
    form, since, until = _period(request)
    data = selectors.report(request.user, since, until)
    page = Paginator(data.by_volunteer, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/report.html",
        {"form": form, "report": data, "page": page, "query": request.GET.urlencode()},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
def report_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    if not Team.objects.managed_by(request.user).exists():
        raise Http404
    _form, since, until = _period(request)
    data = selectors.report(request.user, since, until)
    response = HttpResponse(
        exports.report_workbook(data, selectors.entries_for(data)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="volunteer-hours-{since:%Y%m%d}-{until:%Y%m%d}.xlsx"'
    )
    return response
