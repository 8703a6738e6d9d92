"""HTML views of the organisation app: thin, scoped, calling services."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from community import selectors, services
from community.forms import LoginForm
from community.http import AuthedHttpRequest
from community.models import Community, Department, Notification, Role, Street
from community.panels import panels_for
from community.queueing import broker_ping

logger = logging.getLogger(__name__)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


@login_required
def home(request: AuthedHttpRequest) -> HttpResponse:
    """Send each person to the page of the role they last worked in, or their widest."""
    roles = selectors.roles_of(request.user)
    active = request.session.get("active_role")
    return redirect("role-home", role=active if active in roles else roles[0])


@login_required
def role_home(request: AuthedHttpRequest, role: str) -> HttpResponse:
    if role not in selectors.roles_of(request.user):
        raise Http404
    request.session["active_role"] = role
    context: dict[str, Any] = {
        "role": role,
        "role_label": Role(role).label,
        "cards": selectors.home_cards(request.user, role),
        "panels": panels_for(request.user, role),
        "latest": selectors.latest_notifications(request.user),
    }
    if role == Role.ADMIN:
        context["counts"] = selectors.system_counts()
    return render(request, f"community/home/{role}.html", context)


@login_required
def community_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    community = get_object_or_404(
        Community.objects.visible_to(request.user).select_related("street"), pk=pk
    )
    return render(
        request,
        "community/community_detail.html",
        {"community": community, "staff": selectors.staff_of(community)},
    )


@login_required
def street_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    street = get_object_or_404(Street.objects.visible_to(request.user), pk=pk)
    communities, departments = selectors.street_overview(street)
    return render(
        request,
        "community/street_detail.html",
        {
            "street": street,
            "communities": communities,
            "departments": departments,
            "staff": selectors.staff_of(street),
        },
    )


@login_required
def department_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(
        Department.objects.visible_to(request.user).select_related("street"), pk=pk
    )
    return render(
        request,
        "community/department_detail.html",
        {"department": department, "staff": selectors.staff_of(department)},
    )


@login_required
def notification_list(request: AuthedHttpRequest) -> HttpResponse:
    rows = Notification.objects.inbox(request.user)
    show_unread = request.GET.get("show") == "unread"
    if show_unread:
        rows = rows.unread()
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "community/notification_list.html",
        {"page": page, "show_unread": show_unread},
    )


# htmx stops polling on this status: a signed-out page asks no more.
HTMX_STOP_POLLING = 286


@never_cache
@require_GET
@login_required
def ping(request: AuthedHttpRequest) -> HttpResponse:
    """The cheapest signed-in page: the session and the user, nothing else.

    The benchmark (bench/pages.py) measures every page against it, served by
    the same stack; a monitor may use it to see that sign-in works.
    """
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell, polled by htmx: the unread count in one COUNT on the inbox index.

    Rendered without the page's context processors (they would add the role
    switcher's query): session, user, count, nothing else. Signed out (the
    session ended in another tab), it answers 286 and the poll stops.
    """
    if not request.user.is_authenticated:
        return HttpResponse(status=HTMX_STOP_POLLING)
    count = Notification.objects.inbox(request.user).unread().count()
    return HttpResponse(
        render_to_string("community/_bell.html", {"unread_count": count}, request=None)
    )


@login_required
@require_POST
def notification_open(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Mark read and follow the link (a POST, so a prefetch never marks it read)."""
    notification = get_object_or_404(Notification.objects.inbox(request.user), pk=pk)
    services.notification_mark_read(notification=notification, user=request.user)
    target = notification.link
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notification-list")


@login_required
@require_POST
def notification_read_all(request: AuthedHttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notification-list")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, also remembered on the account for notifications.

    An unknown code changes nothing: Django's view ignores it.
    """
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
    ):
        services.user_set_language(user=request.user, language=language)
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: 200 while the database answers.

    The broker is reported but does not fail the check: the portal keeps
    working without it (notifications wait in the outbox).
    """
    report: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except Exception:
        logger.exception("healthz: database check failed")
        report["database"] = "down"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        report["broker"] = "in-process"
    else:
        # Bounded: a frozen broker (accepting, never answering) costs ~1 s, not a hang.
        if broker_ping(timeout=1.0):
            report["broker"] = "ok"
        else:
            logger.warning("healthz: broker unreachable")
            report["broker"] = "down"
    healthy = report["database"] == "ok"
    report["status"] = (
        "ok" if healthy and report["broker"] != "down" else ("degraded" if healthy else "down")
    )
    return JsonResponse(report, status=200 if healthy else 503)
