"""The running patrol, one tap away from any page.

Which patrol is running is kept in the session, set where a patrol starts or
ends and put right whenever the patrol page is opened, so the bar costs no
query on the pages a worker opens in between (the session is read on every
page already). A patrol ended from another device leaves this one's bar up
until its next tap, which lands on the patrol page and takes the bar down.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

SESSION_KEY = "grids.running_patrol"


def remember_running_patrol(request: HttpRequest, patrol_id: int | None) -> None:
    """Say in the session which patrol is running (None: none). Writes only on a change."""
    if request.session.get(SESSION_KEY) == patrol_id:
        return
    if patrol_id is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = patrol_id


def running_patrol(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated:
        return {}
    if not session.get(SESSION_KEY):
        return {}
    match = getattr(request, "resolver_match", None)
    # On the patrol page itself the bar would only point at where one already is.
    return {"show_patrol_bar": match is None or match.view_name != "grids:patrol"}
