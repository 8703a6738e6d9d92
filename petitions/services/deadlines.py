"""How long each step may take: the category × priority rules (办理时限), and
the time limits of the desks that sign for, review and call back (StageLimit)."""

from __future__ import annotations

from datetime import datetime, timedelta

from petitions.models import Category, DeadlineRule, Priority, StageLimit, Status

# Used where the admin has set no rule; a category's own rule wins over "any".
DEFAULT_HOURS: dict[tuple[str, str], int] = {
    (Category.SAFETY, Priority.URGENT): 2,
    ("", Priority.URGENT): 24,
    (Category.UTILITIES, Priority.NORMAL): 24,
    ("", Priority.NORMAL): 7 * 24,
    ("", Priority.COMPLEX): 15 * 24,
}

# The grid accepts a new request, and a department signs for an order, within
# (the defaults of their StageLimit rows, SUBMITTED and DISPATCHED):
RESPOND_WITHIN: dict[str, timedelta] = {
    Priority.URGENT: timedelta(hours=1),
    Priority.NORMAL: timedelta(hours=24),
    Priority.COMPLEX: timedelta(hours=24),
}

# Hours each waiting desk has, by priority, where the admin has set no limit.
# Accepting and signing for an order are the sign-for limit above; a review is
# as quick (an urgent one within two hours); calling back may wait for the
# resident to be home.
STAGE_HOURS: dict[str, dict[str, int]] = {
    Status.SUBMITTED: {p: int(RESPOND_WITHIN[p] / timedelta(hours=1)) for p in Priority.values},
    Status.ACCEPTED: {Priority.URGENT: 2, Priority.NORMAL: 24, Priority.COMPLEX: 48},
    Status.ESCALATED: {Priority.URGENT: 2, Priority.NORMAL: 24, Priority.COMPLEX: 48},
    # The department's sign-for limit (签收时限): as quick as the grid's.
    Status.DISPATCHED: {p: int(RESPOND_WITHIN[p] / timedelta(hours=1)) for p in Priority.values},
    Status.REPLIED: {Priority.URGENT: 4, Priority.NORMAL: 24, Priority.COMPLEX: 48},
    Status.RESOLVED: {Priority.URGENT: 24, Priority.NORMAL: 72, Priority.COMPLEX: 72},
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


def stage_hours(stage: str, priority: str) -> int:
    """Hours the desk has while a request of ``priority`` waits in ``stage``."""
    rules = {
        r.priority: r.hours
        for r in StageLimit.objects.filter(stage=stage, priority__in=[priority, ""])
    }
    return rules.get(priority) or rules.get("") or STAGE_HOURS[stage][priority]


def warn_at(due: datetime, now: datetime) -> datetime:
    """When a clock started at ``now`` warns: in its last quarter, at most a day before."""
    return due - min((due - now) / 4, timedelta(hours=24))
