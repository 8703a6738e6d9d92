"""Races on PostgreSQL: two sweeps, two people, two clicks at the same moment.

Each contender runs in a thread of its own, and so on a database connection of
its own (Django's connections are per thread), closed when the thread ends.
A ``threading.Barrier`` starts them together; on top of that a third
connection holds the lock they will need (the request's row, or the account's)
and lets go only once PostgreSQL shows every contender waiting for it. So each
contender has done all its reading before any of them writes: the worst
interleaving, every run, not now and then.

PostgreSQL only: SQLite has no row locks (a write locks the whole file) and
its in-memory test database cannot take a second writer at all. ``make test``
on PostgreSQL (``.ci/run`` does this) runs them.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection

from community.errors import Conflict
from community.models import Channel, Notification, User
from petitions.models import Action, Petition, PetitionEvent, Status
from petitions.services import petitions_deadline_sweep
from petitions.services.watch import SECOND_RUNG_AFTER
from tests.helpers import race
from tests.petitions.conftest import PetitionWorld, move, walk_to

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    # A plain skip, not tests.conftest.unavailable: CI runs the suite on SQLite
    # as well, where these cannot run, and on PostgreSQL, where they do.
    if connection.vendor != "postgresql":
        pytest.skip("row-lock races need PostgreSQL: DATABASE_URL=postgres://...")


def lock_request(p: Petition) -> Callable[[], Any]:
    return lambda: Petition.objects.select_for_update().get(pk=p.pk)


def told_of(event: PetitionEvent) -> Counter[str]:
    """Who got an in-portal message for ``event``, and how many each."""
    rows = Notification.objects.filter(
        channel=Channel.IN_APP, dedupe_key__startswith=f"petition:{event.petition_id}:event:"
    )
    mine = [
        username
        for key, username in rows.values_list("dedupe_key", "recipient__username")
        if key.split(":")[3] == str(event.pk)
    ]
    return Counter(mine)


def sweep() -> Any:
    return petitions_deadline_sweep()


# --- (a) The deadline sweep, twice at once --------------------------------------------


@pytest.fixture
def at_work(pw: PetitionWorld, bot) -> Petition:
    """A department at work on a request, due a week after dispatch; the street has a bot."""
    street = pw.gw.grid_1.community.street
    street.bot_webhook_url = bot.url
    street.save(update_fields=["bot_webhook_url"])
    p = walk_to(pw, pw.submit(), Status.IN_PROGRESS)
    assert p.due_at - p.warn_at == timedelta(hours=24)  # the second rung comes a day late
    return p


def test_two_sweeps_at_once_warn_breach_and_escalate_once_each_and_tell_each_person_once(
    pw, at_work, bot
):
    p = at_work
    webhooks = Notification.objects.filter(channel=Channel.WEBHOOK, kind="petition.breach")

    with time_machine.travel(p.due_at - timedelta(hours=1)):
        outcomes = race(sweep, sweep, hold=lock_request(p))
    assert [o.error for o in outcomes] == [None, None]
    warning = p.events.get(action=Action.DEADLINE_NEAR)
    assert told_of(warning) == {"handler": 1}

    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        outcomes = race(sweep, sweep, hold=lock_request(p))
    assert [o.error for o in outcomes] == [None, None]
    first = p.events.get(action=Action.BREACH)
    assert first.data["level"] == 1
    assert told_of(first) == {"dispatcher": 1, "handler": 1}
    assert webhooks.count() == 1

    with time_machine.travel(p.due_at + SECOND_RUNG_AFTER + timedelta(minutes=1)):
        outcomes = race(sweep, sweep, hold=lock_request(p))
    assert [o.error for o in outcomes] == [None, None]
    breaches = list(p.events.filter(action=Action.BREACH).order_by("id"))
    assert [e.data["level"] for e in breaches] == [1, 2]
    assert told_of(breaches[1]) == {"lead": 1}
    # The street's group hears once per level; whatever was sent arrived once.
    assert webhooks.count() == 2
    sent = Notification.objects.filter(channel=Channel.WEBHOOK, status="sent")
    assert len(bot.received) == sent.count()

    p.refresh_from_db()
    assert (p.status, p.breach_level, p.warned) == (Status.IN_PROGRESS, 2, True)
    assert p.events.filter(actor=None).count() == 3  # one warning, two breaches
    assert Notification.objects.filter(kind="petition.breach", channel=Channel.IN_APP).count() == 3


def test_two_sweeps_at_once_report_one_breach_between_them(pw, at_work):
    p = at_work
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        outcomes = race(sweep, sweep, hold=lock_request(p))
    assert p.events.filter(action=Action.BREACH).count() == 1
    assert sum(o.value.breached for o in outcomes) == 1


# --- (b) Two people move one request at once --------------------------------------------


@dataclass
class Attempt:
    actor: str  # a PetitionWorld or GridWorld attribute
    action: str
    to: str
    fields: Callable[[PetitionWorld], dict[str, Any]] = field(default=lambda pw: {})


@dataclass
class Clash:
    start: str
    first: Attempt
    second: Attempt
    # Both pages were drawn from the same version of the request.
    from_the_page: bool = False


CLASHES = {
    "grid worker accepts while the secretary returns": Clash(
        Status.SUBMITTED,
        Attempt("worker_1", Action.ACCEPT, Status.ACCEPTED),
        Attempt("secretary_x", Action.RETURN, Status.RETURNED, lambda pw: {"reason": "请补充楼层"}),
    ),
    "two grid staff accept": Clash(
        Status.SUBMITTED,
        Attempt("worker_1", Action.ACCEPT, Status.ACCEPTED),
        Attempt("party_leader_1", Action.ACCEPT, Status.ACCEPTED),
    ),
    "secretary escalates and assigns from one page": Clash(
        Status.ACCEPTED,
        Attempt(
            "secretary_x", Action.ESCALATE, Status.ESCALATED, lambda pw: {"reason": "需要城管"}
        ),
        Attempt(
            "secretary_x",
            Action.ASSIGN,
            Status.IN_COMMUNITY,
            lambda pw: {"assignee": pw.gw.worker_1},
        ),
        from_the_page=True,
    ),
    "dispatcher dispatches while the lead sends it back": Clash(
        Status.ESCALATED,
        Attempt(
            "dispatcher", Action.DISPATCH, Status.DISPATCHED, lambda pw: {"department": pw.city}
        ),
        Attempt("lead", Action.STREET_RETURN, Status.ACCEPTED, lambda pw: {"reason": "社区可解决"}),
        from_the_page=True,
    ),
    "department signs and declines": Clash(
        Status.DISPATCHED,
        Attempt("handler", Action.SIGN, Status.IN_PROGRESS),
        Attempt("handler", Action.DECLINE, Status.ESCALATED, lambda pw: {"reason": "不属本部门"}),
        from_the_page=True,
    ),
}


def _person(pw: PetitionWorld, name: str) -> User:
    return getattr(pw, name, None) or getattr(pw.gw, name)


@pytest.mark.parametrize("clash", CLASHES.values(), ids=CLASHES.keys())
def test_two_moves_at_once_one_wins_the_other_is_told_to_reload(pw, clash):
    p = walk_to(pw, pw.submit(), clash.start)
    events_before = p.events.count()
    notices_before = set(Notification.objects.values_list("pk", flat=True))
    version = {"version": p.version} if clash.from_the_page else {}

    def attempt(a: Attempt) -> Callable[[], Petition]:
        return lambda: move(p, _person(pw, a.actor), a.action, **version, **a.fields(pw))

    outcomes = race(attempt(clash.first), attempt(clash.second), hold=lock_request(p))

    won = [i for i, o in enumerate(outcomes) if o.error is None]
    assert len(won) == 1, outcomes
    loser = outcomes[1 - won[0]]
    assert isinstance(loser.error, Conflict), loser.error
    winner = (clash.first, clash.second)[won[0]]
    p.refresh_from_db()
    assert p.status == winner.to
    assert p.events.count() == events_before + 1
    event = p.events.latest("id")
    assert (event.action, event.actor) == (winner.action, _person(pw, winner.actor))
    # Only the winning step told anyone anything.
    keys = Notification.objects.exclude(pk__in=notices_before).values_list("dedupe_key", flat=True)
    assert {k.rsplit(":", 2)[0] for k in keys} <= {f"petition:{p.pk}:event:{event.pk}"}


# --- (c) One submit token, two posts at once ----------------------------------------------


def test_the_same_submit_token_posted_twice_at_once_makes_one_request(pw):
    token = uuid.uuid4()

    def post() -> Petition:
        return pw.submit(token=token)

    # Holding the resident's account row stalls the first insert at its commit
    # (the foreign-key check), so the second has looked for the token and tried
    # its own insert before the first is in.
    outcomes = race(post, post, hold=lambda: User.objects.select_for_update().get(pk=pw.tenant.pk))

    assert [o.error for o in outcomes] == [None, None]
    first, second = (o.value for o in outcomes)
    assert first.pk == second.pk
    p = Petition.objects.get()
    assert (p.client_token, p.status, p.reference) == (token, Status.SUBMITTED, first.reference)
    assert not p.reference.startswith("~")
    assert list(p.events.values_list("action", flat=True)) == [Action.SUBMIT]
    assert told_of(p.events.get()) == {"worker_1": 1}
