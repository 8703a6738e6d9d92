"""What the requests workflow adds to role home pages (see community.panels)."""

from __future__ import annotations

from community.models import Role, User
from community.panels import Panel, PanelFactory
from petitions import selectors


def _desk_panel(role: str) -> PanelFactory:
    def panel(user: User) -> Panel | None:
        rows = selectors.desk(user, role)
        if not rows:
            return None
        return Panel("petitions/_desk_panel.html", {"rows": rows, "role": role})

    panel.__name__ = f"petition_desk_{role}"
    return panel


def rates_panel(user: User) -> Panel | None:
    groupings = selectors.rate_groupings(user)
    if not groupings:
        return None
    by = groupings[0]
    return Panel("petitions/_rates_panel.html", {"by": by, "rows": selectors.rates(user, by)[:10]})


_DESK_ROLES = [
    Role.RESIDENT,
    Role.GRID_WORKER,
    Role.SECRETARY,
    Role.STREET_DISPATCHER,
    Role.STREET_LEAD,
    Role.DEPARTMENT_HANDLER,
]
PANELS: list[tuple[str, PanelFactory]] = [
    (str(role), _desk_panel(role)) for role in _DESK_ROLES
] + [
    (str(role), rates_panel) for role in (Role.SECRETARY, Role.STREET_DISPATCHER, Role.STREET_LEAD)
]
