"""How long each step may take: the category × priority rules (办理时限)."""

from __future__ import annotations

from datetime import timedelta

from petitions.models import Category, DeadlineRule, Priority

# Used where the admin has set no rule; a category's own rule wins over "any".
DEFAULT_HOURS: dict[tuple[str, str], int] = {
    (Category.SAFETY, Priority.URGENT): 2,
    ("", Priority.URGENT): 24,
    (Category.UTILITIES, Priority.NORMAL): 24,
    ("", Priority.NORMAL): 7 * 24,
    ("", Priority.COMPLEX): 15 * 24,
}

# The grid accepts a new request, and a department signs for an order, within:
RESPOND_WITHIN: dict[str, timedelta] = {
    Priority.URGENT: timedelta(hours=1),
    Priority.NORMAL: timedelta(hours=24),
    Priority.COMPLEX: timedelta(hours=24),
}


def deadline_hours(category: str, priority: str) -> int:
    """Hours to resolve a request of ``category`` at ``priority``."""
    rules = {
        r.category: r.hours
        for r in DeadlineRule.objects.filter(category__in=[category, ""], priority=priority)
    }
    for hours in (
        rules.get(category),
        rules.get(""),
        DEFAULT_HOURS.get((category, priority)),
        DEFAULT_HOURS.get(("", priority)),
    ):
        if hours:
            return hours
    return DEFAULT_HOURS[("", Priority.NORMAL)]
