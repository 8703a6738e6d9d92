"""Pages open without signing in: reporting from a building poster, the follow
link sent by SMS, and a community's public board (公示).

The poster report is three screens (see petitions.services.poster): what and
where, the mobile number, the code. Each screen after the first is addressed by
the draft's signed token, so a refused step (a wrong code, too many photos)
shows the same screen again with everything kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from community.auth import client_ip
from community.errors import DomainError
from community.forms import CodeForm
from community.http import is_id
from community.templatetags.portal import masked
from community.views.photos import DROP_FIELD, KeptPhotos
from grids.models import Building
from grids.selectors import poster_building
from petitions import board as public
from petitions import selectors, services
from petitions.forms import PosterPhoneForm, PosterReportForm
from petitions.models import Action, Category, Desk, Petition, PosterDraft
from petitions.services.poster import (
    draft_from_token,
    draft_token,
    follow_petition_token,
    follow_token,
)


def _gone(request: HttpRequest) -> HttpResponse:
    """A forged or revoked poster code, or a report link that is wrong or too old."""
    return render(request, "petitions/poster_invalid.html", status=404)


def _steps(draft: PosterDraft | None) -> dict[str, str]:
    if draft is None:
        return {}
    token = draft_token(draft)
    return {name: reverse(f"poster-{name}", args=[token]) for name in ("edit", "phone", "code")}


def _report_page(
    request: HttpRequest,
    building: Building,
    draft: PosterDraft | None,
    form: PosterReportForm,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "petitions/poster_report.html",
        {
            "building": building,
            "form": form,
            "draft": draft,
            "kept_photos": KeptPhotos(draft.photo_draft if draft is not None else None),
            "steps": _steps(draft),
            "step": 1,
        },
        status=status,
    )


def _screen_one(
    request: HttpRequest, building: Building, draft: PosterDraft | None
) -> HttpResponse:
    initial: dict[str, Any] = {}
    if draft is not None:
        initial = {
            "category": draft.category,
            "unit": draft.unit_id,
            "description": draft.description,
        }
    form = PosterReportForm(request.POST or None, building=building, initial=initial)
    if request.method != "POST":
        return _report_page(request, building, draft, form)
    valid = form.is_valid()
    photos = request.FILES.getlist("photos")
    if not valid and not photos and draft is None:
        return _report_page(request, building, draft, form, status=400)
    # Invalid text is kept as typed (checked again when filed), so that good
    # photos stay with it while the person mends it.
    category = request.POST.get("category", "")
    try:
        draft = services.poster_draft_save(
            building=building,
            draft=draft,
            category=category if category in Category.values else "",
            description=request.POST.get("description", "")[:4000],
            unit=form.cleaned_data.get("unit") if valid else None,
            photos=photos,
            drop_photos=[int(v) for v in request.POST.getlist(DROP_FIELD) if is_id(v)],
            client_address=client_ip(request),
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _report_page(request, building, draft, form, status=exc.status_code)
    if not valid:
        return _report_page(request, building, draft, form, status=400)
    return redirect("poster-phone", token=draft_token(draft))


@never_cache
@require_http_methods(["GET", "POST"])
def poster_report(request: HttpRequest, token: str) -> HttpResponse:
    """Screen 1 from the poster's code: what and where, with photos."""
    building = poster_building(token)
    if building is None:
        return _gone(request)
    return _screen_one(request, building, None)


def _open_draft(request: HttpRequest, token: str) -> PosterDraft | HttpResponse:
    """The draft behind a report link; or the page for a wrong link, or (filed
    already: pressed twice, reloaded) the way to the request it became."""
    draft = draft_from_token(token)
    if draft is None:
        return _gone(request)
    if draft.petition_id is not None:
        return _to_follow(request, Petition.objects.get(pk=draft.petition_id))
    return draft


def _to_follow(request: HttpRequest, p: Petition) -> HttpResponse:
    messages.success(
        request,
        _("Request %(reference)s is filed. The grid worker has been told.")
        % {"reference": p.reference},
    )
    return redirect("petition-follow", token=follow_token(p))


@never_cache
@require_http_methods(["GET", "POST"])
def poster_edit(request: HttpRequest, token: str) -> HttpResponse:
    """Screen 1 again, for a draft: what was typed and the photos kept."""
    draft = _open_draft(request, token)
    if isinstance(draft, HttpResponse):
        return draft
    return _screen_one(request, draft.building, draft)


@never_cache
@require_http_methods(["GET", "POST"])
def poster_phone(request: HttpRequest, token: str) -> HttpResponse:
    """Screen 2: the mobile number (and a name, optional); a code is sent."""
    draft = _open_draft(request, token)
    if isinstance(draft, HttpResponse):
        return draft
    form = PosterPhoneForm(request.POST or None, initial={"phone": draft.phone, "name": draft.name})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.poster_code_send(
                draft=draft,
                phone=form.cleaned_data["phone"],
                name=form.cleaned_data["name"],
                client_address=client_ip(request),
            )
        except DomainError as exc:
            form.add_error("phone" if exc.status_code == 400 else None, exc.message)
            status = exc.status_code
        else:
            return redirect("poster-code", token=token)
    elif form.errors:
        status = 400
    return render(
        request,
        "petitions/poster_phone.html",
        {
            "building": draft.building,
            "form": form,
            "draft": draft,
            "steps": _steps(draft),
            "step": 2,
        },
        status=status,
    )


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def poster_code(request: HttpRequest, token: str) -> HttpResponse:
    """Screen 3: the code; right, and the report is filed (pressed twice: once)."""
    draft = _open_draft(request, token)
    if isinstance(draft, HttpResponse):
        return draft
    if not draft.phone:
        return redirect("poster-phone", token=token)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            p = services.poster_report_file(draft=draft, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
            status = exc.status_code
        else:
            return _to_follow(request, p)
    elif form.errors:
        status = 400
    return render(
        request,
        "petitions/poster_code.html",
        {
            "building": draft.building,
            "form": form,
            "draft": draft,
            "masked": masked(draft.phone),
            "steps": _steps(draft),
            "step": 3,
        },
        status=status,
    )


def _followed(token: str) -> Petition:
    """The poster report a follow link is for; 404 for a forged or foreign link."""
    client_token = follow_petition_token(token)
    p = selectors.followed_petition(client_token) if client_token is not None else None
    if p is None:
        raise Http404
    return p


@never_cache
def petition_follow(request: HttpRequest, token: str) -> HttpResponse:
    """The follow link from the SMS: where the poster report stands (the same
    stepper as a signed-in requester's page), its public timeline, and 催办
    once it is past its time limit."""
    p = _followed(token)
    # Whoever holds the link reads what the requester may read, as a stranger:
    # public steps only, no internal notes, no other requester's name.
    events = selectors.timeline(p, viewer=AnonymousUser(), staff=False)
    # The link's holder is the requester (the SMS went to the number that filed it).
    allowed = services.allowed_actions(p, {Desk.REQUESTER})
    urged = selectors.urged_today(p, events)
    response = render(
        request,
        "petitions/follow.html",
        {
            "p": p,
            "events": events,
            "progress": selectors.progress(p, events),
            "can_urge": Action.URGE in allowed and not urged,
            "urged_today": urged,
            "urge_url": reverse("petition-follow-urge", args=[token]),
            "masked": masked(p.requester_phone),
            "own": request.user.is_authenticated and p.requester_id == request.user.pk,
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
def petition_follow_urge(request: HttpRequest, token: str) -> HttpResponse:
    """催办 from the follow link: the same move as the signed-in requester's,
    recorded at the requester's desk without an account; once a (Shanghai)
    day per request, past its time limit only (workflow._urge)."""
    p = _followed(token)
    try:
        services.petition_move(petition=p, actor=None, action=Action.URGE, by_link=True)
    except DomainError as exc:
        messages.warning(request, exc.message)
    else:
        messages.success(request, _("Urged: whoever holds your request has been told."))
    return redirect("petition-follow", token=token)


def public_board(request: HttpRequest, pk: int) -> HttpResponse:
    """A community's public board (公示): no sign-in, cached (petitions.board)."""
    board = public.public_board(pk)
    if board is None:
        raise Http404
    return render(request, "petitions/board.html", {"board": board})
