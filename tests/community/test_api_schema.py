"""Schemathesis over every operation of /api/schema/: the schema tells the truth.

For three roles (a resident, a grid worker, a community secretary) each
operation is called with data generated from the schema, valid and invalid,
and every answer is checked: no server error, a documented status code, the
documented content type, and a body that matches the documented schema.

In-process (schemathesis's WSGI transport, no server), on a frozen clock, with
a fixed seed and a bounded number of examples per operation, so that a run is
the same on any day and stays within seconds.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import APIOperation, BaseSchema, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from community.models import Notification, User
from grids.models import HazardKind, Visit
from grids.services import hazard_report, patrol_start
from tests.petitions.conftest import PetitionWorld, move, walk_to

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation: 23 operations (most with both modes), three roles.
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 2}
SEED = 20260310
# A Tuesday morning in Shanghai: deadlines, "today" and the throttles all read this clock.
FROZEN = datetime(2026, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
ROLES = ["resident", "grid_worker", "secretary"]


@dataclass
class Known:
    """Rows the caller can see, put into most generated requests (else: 404s only)."""

    path: dict[str, list[int]]  # collection -> ids of its rows
    body: dict[str, int]  # body field -> an id the caller may use


def _world(pw: PetitionWorld, role: str) -> tuple[User, Known]:
    g = pw.gw
    caller = {"resident": pw.tenant, "grid_worker": g.worker_1, "secretary": g.secretary_x}[role]
    # A request taken all the way (a department on it, then rated), one just
    # filed (no department, no rating yet), a patrol, a hazard and a visit.
    done = walk_to(pw, pw.submit(), "called_back")
    move(done, pw.tenant, "rate", rating="satisfied")
    fresh = pw.submit(description="路灯坏了")
    patrol = patrol_start(worker=g.worker_1, grid=g.grid_1)
    hazard = hazard_report(
        actor=g.worker_1,
        building=g.building_1,
        kind=HazardKind.BLOCKED_EXIT,
        description="消防通道堆放杂物",
        patrol=patrol,
    )
    Visit.objects.create(
        resident=g.elder_1, worker=g.worker_1, visited_on=FROZEN.date(), needs="送药"
    )
    known = Known(
        path={
            "petitions": [done.pk, fresh.pk],
            "patrols": [patrol.pk],
            "hazards": [hazard.pk],
            "communities": [g.grid_1.community_id],
            "notifications": list(
                Notification.objects.inbox(caller).values_list("pk", flat=True)[:3]
            ),
        },
        body={"building": g.building_1.pk, "grid": g.grid_1.pk, "resident": g.elder_1.pk},
    )
    return caller, known


def _with_known_ids(case: schemathesis.Case, known: Known, pick: int) -> schemathesis.Case:
    """The case on one of the caller's rows, with ids the caller may use; as
    generated (a made-up id, most likely) when ``pick`` is 0."""
    if pick == 0:
        return case
    ids = known.path.get(case.path.split("/")[3])
    if ids and case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = ids[pick % len(ids)]
    if isinstance(case.body, dict):
        for name, value in known.body.items():
            if name in case.body:
                case.body[name] = value
    return case


@functools.cache
def _schema() -> BaseSchema:
    """/api/schema/ as a client reads it, called in-process (the WSGI app, no server)."""
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


def _modes(operation: APIOperation) -> list[GenerationMode]:
    """Valid data always; invalid data when there is something to make invalid
    (not for GET /me/). The security schemes come as a header and a cookie:
    those are ours to send."""
    takes = [*operation.path_parameters, *operation.query, *operation.body] + [
        h for h in operation.headers if "x-original-security-type" not in h.definition
    ]
    return (
        [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if takes else [GenerationMode.POSITIVE]
    )


@pytest.fixture(autouse=True)
def _connection_kept():
    """Django's WSGI handler closes the database connection after each request;
    its test client stops that, but Schemathesis calls the WSGI app itself. On
    PostgreSQL the close would end the test's transaction (SQLite's in-memory
    database ignores it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def clock(time_machine):
    """The clock stops before the world is built (the world asks for clock first):
    "today", deadlines and the throttles' windows are the same on every run."""
    time_machine.move_to(FROZEN, tick=False)
    return time_machine


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented(pw: PetitionWorld, role: str) -> None:
    caller, known = _world(pw, role)
    headers = {"Authorization": f"Token {Token.objects.create(user=caller).key}"}
    operations = [result.ok() for result in _schema().get_all_operations()]
    assert len(operations) >= 23
    failures: list[str] = []
    for operation in operations:
        for mode in _modes(operation):
            strategy = st.builds(
                lambda case, pick: _with_known_ids(case, known, pick),
                operation.as_strategy(generation_mode=mode),
                st.integers(min_value=0, max_value=5),
            )

            @seed(SEED)
            @settings(
                max_examples=EXAMPLES[mode],
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def call(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                call()
            except (Exception, FailureGroup) as exc:  # noqa: BLE001 - report them all
                failures.append(f"{operation.label} [{mode.value}] as {role}:\n{exc}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.django_db
def test_every_operation_documents_its_refusals_with_the_one_error_body(client) -> None:
    schema = client.get("/api/schema/?format=json").json()
    error = {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["properties"] == {
        "detail": {"type": "string", "description": "Why the request was refused."}
    }
    operations = [(m.upper(), p, op) for p, ops in schema["paths"].items() for m, op in ops.items()]
    assert len(operations) >= 23
    for method, path, op in operations:
        codes = op["responses"]
        assert {"401", "403", "429"} <= set(codes), (method, path)
        for code, response in codes.items():
            if code >= "400":
                assert response["content"]["application/json"]["schema"] == error
    move = schema["paths"]["/api/v1/petitions/{id}/move/"]["post"]["responses"]
    assert {"400", "404", "409"} <= set(move)
    events = schema["paths"]["/api/v1/petitions/{id}/events/"]["get"]
    assert events["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert "parameters" not in events or all(p["in"] == "path" for p in events["parameters"])
