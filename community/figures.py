"""Figures other apps add to the dashboards and the monthly report.

The organisation app knows no other app (as with ``community.panels``): an app
with figures to show registers a section factory in its AppConfig.ready().
The dashboard draws each section's tables as charts with the table under each
(for screen readers and printing); the monthly report prints the same tables
and writes them to Excel, one sheet a section. A section is worked out once
for a scope (which communities) and a period; what it shows is data, never
markup, so both pages and the Excel writer read the same figures.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import STREET_ROLES, Community, Membership, Role, User

# --- The period ----------------------------------------------------------------------

PERIOD_KINDS = {
    "week": _("This week"),
    "month": _("Month"),
    "quarter": _("Quarter"),
    "year": _("Year"),
    "range": _("Any range"),
}
LONGEST_RANGE = timedelta(days=366 * 3)


@dataclass(frozen=True)
class Period:
    """Whole local days from ``start`` to ``end``, both included (Asia/Shanghai)."""

    kind: str
    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end_before(self) -> datetime:
        """The first moment after the period (a half-open bound for queries)."""
        return self.start_at + timedelta(days=(self.end - self.start).days + 1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def of(cls, kind: str, on: date) -> Period:
        """The week (Monday first), month, quarter or year holding ``on``."""
        if kind == "week":
            start = on - timedelta(days=on.weekday())
            return cls(kind, start, start + timedelta(days=6))
        if kind == "month":
            last = calendar.monthrange(on.year, on.month)[1]
            return cls(kind, on.replace(day=1), on.replace(day=last))
        if kind == "quarter":
            first = 3 * ((on.month - 1) // 3) + 1
            end_month = first + 2
            last = calendar.monthrange(on.year, end_month)[1]
            return cls(kind, date(on.year, first, 1), date(on.year, end_month, last))
        if kind == "year":
            return cls(kind, date(on.year, 1, 1), date(on.year, 12, 31))
        raise ValueError(kind)

    def months(self, count: int = 12) -> list[Period]:
        """The ``count`` calendar months ending with the one holding ``end`` (for trends)."""
        year, month = self.end.year, self.end.month
        out: list[Period] = []
        for _i in range(count):
            out.append(Period.of("month", date(year, month, 1)))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return out[::-1]


def parse_period(params: Mapping[str, str], today: date | None = None) -> tuple[Period, str]:
    """The period a page's query string asks for, and a message when it was refused.

    ``period`` is one of PERIOD_KINDS (default: month); ``on`` a day inside it
    (default: today); for ``range``, ``start`` and ``end``. A bad value falls
    back to this month with a message saying why, never an error page."""
    today = today or timezone.localdate()
    kind = params.get("period") or "month"
    if kind not in PERIOD_KINDS:
        return Period.of("month", today), str(_("Unknown period; showing this month."))
    if kind == "range":
        try:
            start = date.fromisoformat(params.get("start", ""))
            end = date.fromisoformat(params.get("end", ""))
        except ValueError:
            return Period.of("month", today), str(_("Give a start and an end day (YYYY-MM-DD)."))
        if end < start:
            return Period.of("month", today), str(_("The end day is before the start day."))
        if end - start > LONGEST_RANGE:
            return Period.of("month", today), str(_("A range is at most three years."))
        return Period("range", start, end), ""
    try:
        on = date.fromisoformat(params["on"]) if params.get("on") else today
    except ValueError:
        return Period.of(kind, today), str(_("Not a day (YYYY-MM-DD); showing today's."))
    return Period.of(kind, on), ""


# --- Whose figures ------------------------------------------------------------------


@dataclass(frozen=True)
class FigureScope:
    """The communities the figures cover, and the street when a street looks at them."""

    communities: tuple[int, ...]
    street: int | None = None
    label: str = ""

    def community_q(self, path: str = "community") -> Q:
        """A filter for rows whose ``path`` (a community foreign key) is in scope."""
        return Q(**{f"{path}__in": self.communities})


def figure_communities(user: User) -> list[Community]:
    """The communities whose figures a person may see: a secretary's own, a street's
    communities, every community for the system administrator; none for others."""
    rows = Community.objects.select_related("street").order_by("street__name", "name")
    if user.is_system_admin:
        return list(rows)
    active = Membership.objects.filter(user=user, revoked_at__isnull=True)
    return list(
        rows.filter(
            Q(pk__in=active.filter(role=Role.SECRETARY).values("community"))
            | Q(street__in=active.filter(role__in=STREET_ROLES).values("street"))
        )
    )


# --- Sections ------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One table of figures, and how a dashboard may draw it.

    ``chart``: "bar", "line" (a trend over ``columns``' first column), "pie" or
    "" for a table only. Cells are numbers, text or None (shown as "—")."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: str = ""
    note: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    # The headline figures: (label, value, unit or "").
    numbers: list[tuple[str, Any, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


SectionFactory = Callable[[FigureScope, Period], Section | None]
_registry: list[tuple[int, str, SectionFactory]] = []


def register(key: str, factory: SectionFactory, *, order: int = 50) -> None:
    """Add a section (``order``: lower comes first; requests 10, grids 20,
    mediation 30, volunteers 40)."""
    if all(k != key for _o, k, _f in _registry):
        _registry.append((order, key, factory))
        _registry.sort(key=lambda entry: entry[0])


def sections_for(
    scope: FigureScope, period: Period, *, only: Iterable[str] | None = None
) -> list[Section]:
    wanted = set(only) if only is not None else None
    return [
        section
        for _o, key, factory in _registry
        if wanted is None or key in wanted
        if (section := factory(scope, period)) is not None
    ]
