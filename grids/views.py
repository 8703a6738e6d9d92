"""HTML pages of the grids app: residents, the grids overview, patrols."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.errors import DomainError
from community.http import AuthedHttpRequest, int_param
from community.models import User
from community.views.photos import KeptPhotos, keep_photos
from grids import printing, selectors, services
from grids.context_processors import remember_running_patrol
from grids.forms import (
    CheckInForm,
    HazardFixForm,
    HazardForm,
    PatrolEndForm,
    PatrolStartForm,
    ResidentFilterForm,
    VisitForm,
    WorkLogForm,
)
from grids.models import (
    Building,
    Duty,
    Grid,
    Hazard,
    HazardPhoto,
    HazardStatus,
    Patrol,
    PatrolStatus,
    Resident,
    WorkCategory,
)

PAGE_SIZE = 50


@login_required
def resident_list(request: AuthedHttpRequest) -> HttpResponse:
    form = ResidentFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    access = selectors.access_for(request.user)
    rows = selectors.resident_list(
        request.user,
        access=access,
        search=filters.get("q") or "",
        building=filters["building"].pk if filters.get("building") else None,
        tag=filters.get("tag") or "",
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "grids/resident_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(r, access.phone(r), access.tags(r)) for r in page.object_list],
        },
    )


@login_required
def resident_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related(
            "household__unit__building__grid", "household__unit__building__community"
        ),
        pk=pk,
    )
    access = selectors.access_for(request.user)
    return render(
        request,
        "grids/resident_detail.html",
        {
            "resident": resident,
            "can_link": access.health(resident) and resident.user_id is None,
            "phone": access.phone(resident),
            "show_health": access.health(resident),
            "tags": access.tags(resident),
            "housemates": resident.household.residents.exclude(pk=resident.pk),
            "visits": resident.visits.select_related("worker")[:5],
        },
    )


@login_required
def grid_overview(request: AuthedHttpRequest) -> HttpResponse:
    return render(request, "grids/overview.html", {"grids": selectors.grid_overview(request.user)})


# --- Patrols -------------------------------------------------------------------


def _form_errors(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
def patrol_current(request: AuthedHttpRequest) -> HttpResponse:
    """The grid worker's patrol screen: start one, or check in and end the running one."""
    if request.method == "POST":
        form = PatrolStartForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("grids:patrol")
        try:
            started = services.patrol_start(worker=request.user, grid=form.cleaned_data["grid"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            remember_running_patrol(request, started.pk)
        return redirect("grids:patrol")
    patrol = selectors.current_patrol(request.user)
    # Ended or started on another device: the bar on every page follows what is true.
    remember_running_patrol(request, patrol.pk if patrol else None)
    if patrol is None:
        return render(
            request,
            "grids/patrol_start.html",
            {"form": PatrolStartForm(user=request.user)},
        )
    return render(
        request,
        "grids/patrol_current.html",
        {
            "patrol": patrol,
            "stops": selectors.patrol_stops(patrol),
            "end_form": PatrolEndForm(),
        },
    )


@login_required
@require_POST
def patrol_check_in(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    patrol = get_object_or_404(Patrol.objects.visible_to(request.user), pk=pk)
    form = CheckInForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("grids:patrol")
    try:
        check_in = services.patrol_check_in(patrol=patrol, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Checked in at %(building)s.") % {"building": check_in.building}
        )
    return redirect("grids:patrol")


@login_required
@require_POST
def patrol_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    patrol = get_object_or_404(Patrol.objects.visible_to(request.user), pk=pk)
    form = PatrolEndForm(request.POST)
    if not form.is_valid():
        # The patrol stays open: nothing the worker wrote is thrown away.
        messages.error(request, _form_errors(form))
        return redirect("grids:patrol")
    try:
        services.patrol_end(patrol=patrol, actor=request.user, summary=form.cleaned_data["summary"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("grids:patrol")
    remember_running_patrol(request, None)
    messages.success(request, _("Patrol ended."))
    return redirect("grids:patrol-detail", pk=patrol.pk)


@login_required
def patrol_list(request: AuthedHttpRequest) -> HttpResponse:
    """Patrols the viewer may see, newest first; ``?worker=`` narrows to one
    worker's history (an id outside the viewer's scope finds nothing)."""
    worker = request.GET.get("worker", "")
    worker_id = int_param(worker)
    rows = selectors.patrol_list(request.user, worker=worker_id)
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "grids/patrol_list.html",
        {
            "page": page,
            "worker_id": worker_id,
            # Whose history this is, from the page itself: no query for the name.
            "worker_name": str(page[0].worker) if worker_id and len(page) else "",
        },
    )


@login_required
def patrol_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The record of one patrol: check-ins with notes and places, buildings
    missed, hazards found."""
    patrol = get_object_or_404(
        Patrol.objects.visible_to(request.user).select_related("grid__community", "worker"),
        pk=pk,
    )
    return render(
        request,
        "grids/patrol_detail.html",
        {
            "record": selectors.patrol_record(patrol),
            "patrol": patrol,
            "running": patrol.status == PatrolStatus.IN_PROGRESS,
            "can_continue": (
                patrol.status == PatrolStatus.IN_PROGRESS and patrol.worker_id == request.user.pk
            ),
        },
    )


@login_required
def coverage(request: AuthedHttpRequest) -> HttpResponse:
    return render(
        request,
        "grids/coverage.html",
        {"coverage": selectors.week_coverage(request.user), "since": selectors.week_start()},
    )


# --- Home visits -------------------------------------------------------------------


@login_required
def visits_due(request: AuthedHttpRequest) -> HttpResponse:
    return render(request, "grids/visits_due.html", {"due": selectors.visits_due(request.user)})


@login_required
def visit_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("household__unit__building__grid"),
        pk=pk,
    )
    form = VisitForm(request.POST or None, initial={"visited_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_record(actor=request.user, resident=resident, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Visit to %(name)s recorded.") % {"name": resident.name})
            return redirect("grids:visits")
    return render(request, "grids/visit_form.html", {"form": form, "resident": resident})


# --- Hazards ---------------------------------------------------------------------


@login_required
def hazard_list(request: AuthedHttpRequest) -> HttpResponse:
    show = request.GET.get("status", HazardStatus.OPEN)
    rows = selectors.hazard_list(request.user, status=show)
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "grids/hazard_list.html", {"page": page, "show": show})


# Which form the kept photos belong to (community.services.photo_drafts).
HAZARD_PHOTOS = "grids.hazard"


@login_required
def hazard_new(request: AuthedHttpRequest) -> HttpResponse:
    """Report a hazard. Photos chosen are kept across a refusal (shown, removable,
    sent with the form once it is right); choosing a building (htmx) brings its
    units and facilities. A second send of a form that saved (a double tap, a
    resend after a lost answer) lands on the hazard it saved."""
    form = HazardForm(
        request.POST or None,
        user=request.user,
        initial=request.GET.dict(),
        places_url=reverse("grids:hazard-new"),
    )
    if request.htmx and request.method == "GET":
        return render(request, "grids/_hazard_place.html", {"form": form})
    kept = KeptPhotos()
    if request.method == "POST":
        valid = form.is_valid()
        token = form.cleaned_data.get("token")
        earlier = selectors.hazard_reported_with(request.user, token) if token else None
        if earlier is not None:
            # Before the photos: those the first send kept went with its hazard,
            # and the same photos sent again are not to be kept for nothing.
            messages.success(request, _("Hazard recorded."))
            return redirect("grids:hazard-detail", pk=earlier.pk)
        kept = keep_photos(request, purpose=HAZARD_PHOTOS, owner=request.user)
        if kept.error:
            form.add_error(None, kept.error)
        elif valid:
            try:
                hazard = services.hazard_report(
                    actor=request.user,
                    photo_draft=kept.draft,
                    patrol=selectors.current_patrol(request.user),
                    **form.cleaned_data,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Hazard recorded."))
                return redirect("grids:hazard-detail", pk=hazard.pk)
    return render(
        request,
        "grids/hazard_form.html",
        {"form": form, "kept_photos": kept},
    )


@login_required
def hazard_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    hazard = get_object_or_404(
        Hazard.objects.visible_to(request.user).select_related(
            "building", "unit", "facility__unit", "reported_by", "fixed_by"
        ),
        pk=pk,
    )
    form = HazardFixForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hazard_fix(
                hazard=hazard,
                actor=request.user,
                note=form.cleaned_data["note"],
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Marked fixed."))
            return redirect("grids:hazard-detail", pk=hazard.pk)
    return render(
        request,
        "grids/hazard_detail.html",
        {"hazard": hazard, "photos": hazard.photos.all(), "form": form},
    )


@login_required
def hazard_photo(request: AuthedHttpRequest, pk: int, size: str) -> FileResponse:
    """A hazard photo, only for those who may see the hazard (never a public URL)."""
    photo = get_object_or_404(
        HazardPhoto.objects.filter(hazard__in=Hazard.objects.visible_to(request.user)), pk=pk
    )
    file = photo.thumbnail if size == "thumb" and photo.thumbnail else photo.image
    response = FileResponse(file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Work log ------------------------------------------------------------------------


# Months before this are no month of the portal's (and year 1 has no month before it).
FIRST_MONTH = date(2000, 1, 1)


def _month(value: str, today: date) -> date:
    """``YYYY-MM`` from the query string, or this month (never a month to come)."""
    try:
        month = datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)
    if month < FIRST_MONTH:
        return today.replace(day=1)
    return min(month, today.replace(day=1))


@login_required
def work_log(request: AuthedHttpRequest) -> HttpResponse:
    """Log the day's work, and see a month's tally of the five kinds per worker."""
    today = timezone.localdate()
    form = WorkLogForm(request.POST or None, user=request.user, initial={"done_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.worklog_add(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Logged."))
            return redirect("grids:work-log")
    month = _month(request.GET.get("month", ""), today)
    previous = (month - timedelta(days=1)).replace(day=1)
    following = selectors.month_bounds(month)[1]
    return render(
        request,
        "grids/work_log.html",
        {
            "form": form,
            "can_log": form.fields["grid"].queryset.exists(),  # type: ignore[attr-defined]
            "categories": WorkCategory.labels,
            "tally": selectors.work_tally(request.user, month),
            "month": month,
            "previous": previous,
            "following": following if following <= today else None,
            "recent": selectors.worklog_recent(request.user)[:20],
        },
    )


# --- Printables and the building's public page -------------------------------------


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def grid_card(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A sheet of the grid worker's contact cards, for them or their secretary."""
    grid = get_object_or_404(
        Grid.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    staff = (
        grid.staff.filter(duty__in=[Duty.GRID_WORKER, Duty.OVERLAY_STAFF])
        .select_related("user")
        .first()
    )
    if staff is None:
        raise Http404
    return _pdf(printing.contact_cards(worker=staff.user, grid=grid), f"card-{grid.pk}.pdf")


@login_required
def building_list(request: AuthedHttpRequest) -> HttpResponse:
    return render(
        request,
        "grids/building_list.html",
        {"buildings": selectors.buildings_for(request.user).select_related("community")},
    )


@login_required
def building_poster(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    building = get_object_or_404(
        Building.objects.visible_to(request.user).select_related("community", "grid"), pk=pk
    )
    # The portal's public address, not whichever host the printer happened to use.
    site = settings.SITE_URL.rstrip("/")
    url = site + reverse("building-public", args=[printing.building_token(building)])
    try:  # the requests app's public board, when it is installed
        board_url = site + reverse("public-board", args=[building.community_id])
    except NoReverseMatch:
        board_url = ""
    return _pdf(
        printing.building_poster(building=building, url=url, board_url=board_url),
        f"poster-{building.pk}.pdf",
    )


@login_required
@require_POST
def building_poster_renew(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A new poster code; the posters printed before stop working."""
    building = get_object_or_404(Building.objects.visible_to(request.user), pk=pk)
    services.building_poster_renew(actor=request.user, building=building)
    messages.success(
        request,
        _("%(building)s has a new poster code. Print the new poster: the old one no longer works.")
        % {"building": building},
    )
    return redirect("grids:building-list")


@login_required
@require_POST
def resident_link(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Link a resident to their own portal account, found by its mobile number."""
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("household__unit__building"),
        pk=pk,
    )
    phone = request.POST.get("phone", "").strip()
    account = User.objects.filter(phone=phone).first() if phone.isdigit() else None
    if account is None:
        messages.error(
            request, _("No portal account has the mobile number %(phone)s.") % {"phone": phone}
        )
        return redirect("grids:resident-detail", pk=pk)
    try:
        services.resident_link_account(actor=request.user, resident=resident, account=account)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Linked to %(account)s.") % {"account": account})
    return redirect("grids:resident-detail", pk=pk)
