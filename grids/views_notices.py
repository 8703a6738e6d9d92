"""Notices: the resident's list and page, and the staff's publishing and figures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.errors import DomainError
from community.http import AuthedHttpRequest
from grids import services
from grids.forms import NoticeForm, NoticeTextForm
from grids.models import Notice, NoticeStatus
from grids.selectors_notices import (
    notice_audience_label,
    notice_figures,
    notice_scope,
    notices_for,
    notices_managed,
)

PAGE_SIZE = 20


@login_required
def notice_list(request: AuthedHttpRequest) -> HttpResponse:
    """A resident's current notices, pinned first, unread marked."""
    page = Paginator(notices_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "grids/notice_list.html",
        {"page": page, "can_publish": notice_scope(request.user).can_publish},
    )


@login_required
def notice_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One notice. A resident in its audience reads it (opening it marks it read: the
    page is the notice, there is no link to prefetch); its author or the secretary
    sees it with its figures, withdrawn or not. Anyone else: 404."""
    notice = notices_for(request.user).filter(pk=pk).first()
    managed = notices_managed(request.user).filter(pk=pk).first()
    if notice is None and managed is None:
        raise Http404
    if notice is not None:
        services.notice_mark_read(notice=notice, user=request.user)
    shown = managed or notice
    assert shown is not None
    return render(
        request,
        "grids/notice_detail.html",
        {
            "notice": shown,
            "audience": notice_audience_label(shown),
            "figures": notice_figures([managed]).get(pk) if managed else None,
            "can_change": managed is not None and managed.status == NoticeStatus.PUBLISHED,
            "revisions": managed.revisions.select_related("edited_by") if managed else [],
        },
    )


@login_required
def notice_manage(request: AuthedHttpRequest) -> HttpResponse:
    """The notices a secretary or grid worker may manage, with reads / audience."""
    scope = notice_scope(request.user)
    page = Paginator(notices_managed(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    if not scope.can_publish and not page.object_list:
        raise Http404
    figures = notice_figures(list(page.object_list))
    return render(
        request,
        "grids/notice_manage.html",
        {"page": page, "rows": [(n, figures[n.pk]) for n in page.object_list]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request: AuthedHttpRequest) -> HttpResponse:
    scope = notice_scope(request.user)
    if not scope.can_publish:
        raise Http404
    form = NoticeForm(request.POST or None, scope=scope)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.notice_publish(
                actor=request.user,
                community=data["community"],
                title=data["title"],
                body=data["body"],
                grids=data["grids"],
                buildings=data["buildings"],
                pinned=data["pinned"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                to_group_bot=data["to_group_bot"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, _("The notice is published."))
            return redirect("grids:notice-detail", pk=notice.pk)
    elif form.errors:
        status = 400
    return render(
        request,
        "grids/notice_form.html",
        {"form": form, "heading": _("Publish a notice")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(
        Notice.objects.managed_by(request.user).filter(status=NoticeStatus.PUBLISHED), pk=pk
    )
    form = NoticeTextForm(
        request.POST or None,
        initial={
            "title": notice.title,
            "body": notice.body,
            "pinned": notice.pinned,
            "starts_at": notice.starts_at,
            "ends_at": notice.ends_at,
        },
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.notice_edit(
                notice=notice,
                actor=request.user,
                title=data["title"],
                body=data["body"],
                pinned=data["pinned"],
                starts_at=data["starts_at"] or notice.starts_at,
                ends_at=data["ends_at"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, _("Saved."))
            return redirect("grids:notice-detail", pk=notice.pk)
    elif form.errors:
        status = 400
    return render(
        request,
        "grids/notice_form.html",
        {"form": form, "heading": _("Change the notice"), "notice": notice},
        status=status,
    )


@login_required
@require_POST
def notice_withdraw(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.managed_by(request.user), pk=pk)
    try:
        services.notice_withdraw(notice=notice, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The notice is withdrawn; residents no longer see it."))
    return redirect("grids:notice-manage")
