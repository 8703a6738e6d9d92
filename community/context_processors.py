"""What every page's frame needs: the bell's count and the role switcher."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from community.models import Notification, Role
from community.selectors import roles_of


def portal(request: HttpRequest) -> dict[str, Any]:
    # An error page can be drawn for a request the middleware never finished
    # (a Host not in ALLOWED_HOSTS is refused before sessions and users are
    # read): no user, no session, so no bell and no switcher.
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated:
        return {}
    return {
        # One COUNT per page, on the inbox index.
        "unread_count": Notification.objects.inbox(user).unread().count(),
        "my_roles": [(role, Role(role).label) for role in roles_of(user)],
        "active_role": session.get("active_role"),
    }
