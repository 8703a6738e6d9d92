"""The admin sets the deadline rules and reads requests; moves happen only in the portal."""

from __future__ import annotations

from django.urls import reverse

from petitions.models import DeadlineRule
from petitions.services import deadline_hours


def test_admin_sets_a_deadline_rule_that_dispatch_then_uses(client, pw):
    client.force_login(pw.gw.admin)
    response = client.post(
        reverse("admin:petitions_deadlinerule_add"),
        {"category": "sanitation", "priority": "normal", "hours": "72"},
    )
    assert response.status_code == 302
    assert DeadlineRule.objects.get().hours == 72
    assert deadline_hours("sanitation", "normal") == 72


def test_admin_reads_a_request_with_its_timeline_but_cannot_change_it(client, pw):
    p = pw.submit()
    client.force_login(pw.gw.admin)
    listing = client.get(reverse("admin:petitions_petition_changelist"))
    assert p.reference in listing.content.decode()
    page = client.get(reverse("admin:petitions_petition_change", args=[p.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:petitions_petition_add")).status_code == 403
