"""HTML pages of the grids app: residents and the grids overview."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from community.http import AuthedHttpRequest
from grids import selectors
from grids.forms import ResidentFilterForm
from grids.models import Resident

PAGE_SIZE = 50


@login_required
def resident_list(request: AuthedHttpRequest) -> HttpResponse:
    form = ResidentFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.resident_list(
        request.user,
        search=filters.get("q") or "",
        building=filters["building"].pk if filters.get("building") else None,
        tag=filters.get("tag") or "",
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    access = selectors.access_for(request.user)
    return render(
        request,
        "grids/resident_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(r, access.phone(r)) for r in page.object_list],
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
            "phone": access.phone(resident),
            "show_health": access.health(resident),
            "tags": resident.tags.all(),
            "housemates": resident.household.residents.exclude(pk=resident.pk),
        },
    )


@login_required
def grid_overview(request: AuthedHttpRequest) -> HttpResponse:
    return render(request, "grids/overview.html", {"grids": selectors.grid_overview(request.user)})
