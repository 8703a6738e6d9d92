"""HTML pages of the requests workflow: intake, the lists, a request's page, the desk sheets."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.errors import Conflict, DomainError
from community.http import AuthedHttpRequest, day_param, int_param
from community.views.photos import KeptPhotos, keep_photos
from grids.models import Duty, Hazard
from grids.selectors import poster_building
from grids.selectors_notices import notices_at_building
from petitions import selectors, services
from petitions.exports import summary_workbook
from petitions.forms import SORTS, ListFilterForm, MoveForm, RecordForm, SubmitForm
from petitions.models import OPEN_STATUSES, Action, Desk, Petition, PetitionPhoto, Priority

PAGE_SIZE = 20
SIDE_MOVES = {Action.HOLD, Action.RESUME, Action.WITHDRAW}


@login_required
def petition_list(request: AuthedHttpRequest) -> HttpResponse:
    """Every role's list: the viewer's scope, filtered, searched, sorted, paged.

    A resident gets their own, plainer list (in progress, to rate, done)."""
    if not selectors.sees_staff_list(request.user):
        return _resident_list(request)
    form = ListFilterForm(request.GET or None, user=request.user)
    f: dict[str, Any] = {}
    if form.is_bound:
        # A bad value (an old grid id) is shown as an error and ignored; the
        # other filters still apply.
        form.is_valid()
        f = form.cleaned_data
    rows = selectors.petition_list(request.user)
    status = f.get("status") or ""
    if status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status:
        rows = rows.filter(status=status)
    if f.get("category"):
        rows = rows.filter(category=f["category"])
    if f.get("grid"):
        rows = rows.filter(grid=f["grid"])
    if f.get("overdue"):
        rows = rows.filter(selectors.overdue_q())
    if f.get("mine"):
        rows = rows.filter(assignee=request.user)
    if f.get("q"):
        q = f["q"].strip()
        rows = rows.filter(Q(reference__icontains=q) | Q(description__icontains=q))
    order = SORTS.get(f.get("sort") or "new", SORTS["new"])[0]
    rows = rows.order_by(
        F(order.lstrip("-")).desc(nulls_last=True)
        if order.startswith("-")
        else F(order).asc(nulls_last=True),
        "-id",
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "petitions/list.html", {"form": form, "page": page})


def _resident_list(request: AuthedHttpRequest) -> HttpResponse:
    """Their own requests, newest first; one plain choice instead of the staff filters."""
    show = request.GET.get("status", "")
    rows = selectors.petition_list(request.user)
    if show in selectors.RESIDENT_SHOWS:
        rows = rows.filter(selectors.RESIDENT_SHOWS[show][1])
    else:
        show = ""
    page = Paginator(rows.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    tabs = [("", _("All"))] + [(k, label) for k, (label, _q) in selectors.RESIDENT_SHOWS.items()]
    return render(
        request,
        "petitions/list_resident.html",
        {"page": page, "tabs": tabs, "show": show},
    )


# Which form the kept photos belong to (community.services.photo_drafts).
REQUEST_PHOTOS = "petitions.request"


def _intake(
    request: AuthedHttpRequest,
    form: SubmitForm | RecordForm,
    extra: Callable[[dict[str, Any]], dict[str, Any]],
) -> tuple[Petition | None, list[selectors.Duplicate], KeptPhotos]:
    """On a send of the intake form: keep the photos chosen (across any refusal),
    then file the request from a valid form, or say why not; the duplicates come
    first. ``extra``: the form's own arguments to the service, from its cleaned
    data. Returns the request filed (or None), the duplicates to show, and the
    photos kept for the page."""
    # A second tap on the same form lands on the request it made, before anything
    # else: its photos went with the first send, and keeping them again would say
    # "no longer kept" and start a draft nobody takes.
    try:
        token = uuid.UUID(str(request.POST.get("token", "")))
    except ValueError:
        token = None
    earlier = selectors.submitted_with(request.user, token) if token else None
    if earlier is not None:
        return earlier, [], KeptPhotos()
    kept = keep_photos(request, purpose=REQUEST_PHOTOS, owner=request.user)
    valid = form.is_valid()
    if kept.error:
        form.add_error(None, kept.error)
        return None, [], kept
    if not valid:
        return None, [], kept
    data = form.cleaned_data
    building = data["building"]
    duplicates = selectors.duplicates_for(
        request.user, building_id=building.pk, category=data["category"]
    )
    if duplicates and not data.get("confirmed"):
        # Shown once; the form comes back with everything filled in and confirmed=1.
        form.data = form.data.copy()  # type: ignore[attr-defined]  # a QueryDict
        form.data["confirmed"] = "1"  # type: ignore[index]
        return None, duplicates, kept
    try:
        p = services.petition_submit(
            actor=request.user,
            building=building,
            category=data["category"],
            description=data["description"],
            place_note=data.get("place_note") or "",
            photo_draft=kept.draft,
            token=data["token"],
            **extra(data),
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None, [], kept
    return p, [], kept


@login_required
def petition_new(request: AuthedHttpRequest) -> HttpResponse:
    """A resident's request from the phone; a building's QR poster picks the building."""
    initial: dict[str, Any] = {}
    poster = poster_building(request.GET.get("b", ""))
    if poster is not None:
        initial["building"] = poster.pk
    else:
        initial["building"] = selectors.home_building(request.user)
    form = SubmitForm(request.POST or None, user=request.user, initial=initial)
    duplicates: list[selectors.Duplicate] = []
    kept = KeptPhotos()
    if request.method == "POST":
        p, duplicates, kept = _intake(
            request,
            form,
            lambda data: {"priority": Priority.URGENT if data.get("urgent") else Priority.NORMAL},
        )
        if p is not None:
            messages.success(
                request,
                _("Request %(reference)s is filed. Your grid worker has been told.")
                % {"reference": p.reference},
            )
            return redirect("petitions:detail", pk=p.pk)
    if not form.fields["building"].queryset.exists():  # type: ignore[attr-defined]
        messages.info(
            request,
            _("Your account is not linked to a home yet: ask your grid worker to link it."),
        )
    return render(
        request,
        "petitions/form.html",
        {
            "form": form,
            "duplicates": duplicates,
            "kept_photos": kept,
            "title": _("Report a matter"),
        },
    )


@login_required
def petition_record(request: AuthedHttpRequest) -> HttpResponse:
    """A grid worker records a request for someone (walk-in, call, patrol, hazard)."""
    hazard = None
    hazard_pk = int_param(request.GET.get("hazard"))
    if hazard_pk is not None:
        hazard = get_object_or_404(Hazard.objects.visible_to(request.user), pk=hazard_pk)
        if request.method == "POST":
            try:
                p = services.hazard_to_petition(actor=request.user, hazard=hazard)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("grids:hazard-detail", pk=hazard.pk)
            messages.success(
                request, _("Request %(reference)s is filed.") % {"reference": p.reference}
            )
            return redirect("petitions:detail", pk=p.pk)
    form = RecordForm(request.POST or None, user=request.user)
    duplicates: list[selectors.Duplicate] = []
    kept = KeptPhotos()
    if request.method == "POST":
        filed, duplicates, kept = _intake(
            request,
            form,
            lambda data: {
                "channel": data["channel"],
                "priority": data["priority"],
                "requester_name": data["requester_name"],
                "requester_phone": data.get("requester_phone") or "",
            },
        )
        if filed is not None:
            messages.success(
                request, _("Request %(reference)s is filed.") % {"reference": filed.reference}
            )
            return redirect("petitions:detail", pk=filed.pk)
    return render(
        request,
        "petitions/form.html",
        {
            "form": form,
            "duplicates": duplicates,
            "kept_photos": kept,
            "title": _("Record a request"),
        },
    )


def _detail(
    request: AuthedHttpRequest, p: Petition, failed: MoveForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    desks = services.desks_of(user, p)
    staff = selectors.is_staff_of(user, p, desks)
    allowed = services.allowed_actions(p, desks)
    forms = [
        failed
        if failed is not None and failed.action == action
        else MoveForm(action=action, petition=p, user=user)
        for action in allowed
        if action != Action.URGE  # a button on the progress steps, not a panel
    ]
    events = selectors.timeline(p, viewer=user, staff=staff)
    # The panel shown open: the one that failed, else the single main move on offer
    # (a side move such as hold or withdraw is never opened for the viewer).
    main = [f.action for f in forms if f.action not in SIDE_MOVES]
    open_action = failed.action if failed is not None else (main[0] if len(main) == 1 else "")
    duplicates = (
        list(
            selectors.likely_duplicates(
                building_id=p.building_id, category=p.category, exclude=p.pk
            )
        )
        if staff and p.status in ("submitted", "accepted")
        else []
    )
    urged = selectors.urged_today(p, events)
    return render(
        request,
        "petitions/detail.html",
        {
            "p": p,
            "staff": staff,
            "forms": forms,
            "open_action": open_action,
            "is_community": Desk.COMMUNITY in desks,
            "events": events,
            "progress": selectors.progress(p, events),
            "can_urge": Action.URGE in allowed and not urged,
            "urged_today": urged,
            "urge_url": reverse("petitions:act", args=[p.pk, Action.URGE.value]),
            "duplicates": duplicates,
            "merged_from": list(p.merged_from.all()) if staff else [],
        },
        status=status,
    )


def _visible(request: AuthedHttpRequest, pk: int) -> Petition:
    return get_object_or_404(
        selectors.petition_list(request.user).select_related(
            "community__street", "assignee", "merged_into", "hazard"
        ),
        pk=pk,
    )


@login_required
def petition_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible(request, pk))


@login_required
@require_POST
def petition_act(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    """One move from a request's page; a refused move shows the form again, filled in."""
    p = _visible(request, pk)
    if action not in services.allowed_actions(p, services.desks_of(request.user, p)):
        # The page was older than the request (someone else moved it), or the
        # move was never offered to this person.
        messages.warning(
            request, _("This request changed while you had it open. Here is where it stands now.")
        )
        return redirect("petitions:detail", pk=p.pk)
    form = MoveForm(request.POST, action=action, petition=p, user=request.user)
    if not form.is_valid():
        return _detail(request, p, failed=form, status=400)
    try:
        services.petition_move(
            petition=p,
            actor=request.user,
            action=action,
            photos=request.FILES.getlist("photos") if form.takes_photos else None,
            **form.move_kwargs(),
        )
    except Conflict as exc:
        messages.warning(request, exc.message)
        return redirect("petitions:detail", pk=p.pk)
    except DomainError as exc:
        if action == Action.URGE:  # no form to show again: say why on the page
            messages.warning(request, exc.message)
            return redirect("petitions:detail", pk=p.pk)
        form.add_error(None, exc.message)
        return _detail(request, p, failed=form, status=400)
    if action == Action.URGE:
        messages.success(request, _("Urged: whoever holds your request has been told."))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": form.label})
    return redirect("petitions:detail", pk=p.pk)


@login_required
def petition_photo(request: AuthedHttpRequest, pk: int, size: str) -> FileResponse:
    """A request's photo, only for those who may see the request (never a public URL)."""
    photo = get_object_or_404(
        PetitionPhoto.objects.filter(petition__in=Petition.objects.visible_to(request.user)),
        pk=pk,
    )
    if not selectors.is_staff_of(request.user, photo.petition) and not photo.event.public:
        raise Http404
    file = photo.thumbnail if size == "thumb" and photo.thumbnail else photo.image
    response = FileResponse(file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Desk sheets -----------------------------------------------------------------------


def _summary_args(request: AuthedHttpRequest) -> tuple[Any, date]:
    communities = selectors.summary_communities(request.user)
    pk = int_param(request.GET.get("community"))
    community = get_object_or_404(communities, pk=pk) if pk is not None else communities.first()
    if community is None:
        raise Http404
    # No day: today. A day that is not one, or past the years the sheet can
    # count in (0001-01-01, 9999-12-31), is a 400 saying so.
    day = day_param(request.GET.get("day")) or timezone.localdate()
    return community, day


@login_required
def daily_summary(request: AuthedHttpRequest) -> HttpResponse:
    """社区汇总: the community's sheet for a day (print it, or take the Excel file)."""
    community, day = _summary_args(request)
    return render(
        request,
        "petitions/summary.html",
        {
            "s": selectors.daily_summary(community, day),
            "communities": selectors.summary_communities(request.user),
        },
    )


@login_required
def daily_summary_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    community, day = _summary_args(request)
    response = HttpResponse(
        summary_workbook(selectors.daily_summary(community, day)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="summary-{day:%Y%m%d}.xlsx"'
    return response


@login_required
def rates_page(request: AuthedHttpRequest) -> HttpResponse:
    groupings = selectors.rate_groupings(request.user)
    if not groupings:
        raise Http404
    tables = [(by, selectors.rates(request.user, by)) for by in groupings]
    return render(request, "petitions/rates.html", {"tables": tables})


def building_public(request: HttpRequest, token: str) -> HttpResponse:
    """What a building's QR poster opens: who to call, and report a matter here
    (with an account, or without one by SMS code), and the community's board."""
    building = poster_building(token)
    if building is None:
        return render(request, "petitions/poster_invalid.html", status=404)
    workers = [
        s.user for s in building.grid.staff.filter(duty=Duty.GRID_WORKER).select_related("user")
    ]
    return render(
        request,
        "petitions/building_public.html",
        {
            "building": building,
            "workers": workers,
            "token": token,
            "notices": list(notices_at_building(building)[:10]),
        },
    )
