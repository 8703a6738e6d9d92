"""What every page's frame needs: the bell's count and the role switcher."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from community.models import Notification, Role
from community.selectors import roles_of


def portal(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        # One COUNT per page, on the inbox index.
        "unread_count": Notification.objects.inbox(user).unread().count(),
        "my_roles": [(role, Role(role).label) for role in roles_of(user)],
        "active_role": request.session.get("active_role"),
    }
