"""The resident admin keeps the portal's rules: no health data, no deletes."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from grids.models import Resident, ResidentTag

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/grids/resident/"


@pytest.fixture
def chronic(gw) -> Resident:
    """张奶奶: 冠心病 in her notes, a chronic illness and living alone on her tags."""
    ResidentTag.objects.create(resident=gw.elder_1, tag="chronic_illness")
    return gw.elder_1


@pytest.mark.parametrize(
    "lookup",
    [
        "health_note__gt=",  # read a character at a time, sorting against a guess
        "health_note__contains=冠",
        "health_note__startswith=冠",
        "health_note=冠心病",
        "health_note__isnull=False",
        "tags__tag=chronic_illness",
        "tags__tag__in=chronic_illness,living_alone",
        "visits__condition__contains=胸闷",
        "household__residents__health_note__contains=冠",
    ],
)
def test_a_lookup_through_health_data_is_refused(client, gw, chronic, lookup):
    client.force_login(gw.admin)
    field, _, value = lookup.partition("=")
    response = client.get(f"{CHANGELIST}?{field}={quote(value)}")
    assert response.status_code == 400
    assert chronic.name not in response.content.decode()


def test_the_resident_pages_show_no_health_data(client, gw, chronic):
    client.force_login(gw.admin)
    listing = client.get(CHANGELIST).content.decode()
    form = client.get(reverse("admin:grids_resident_change", args=[chronic.pk])).content.decode()
    assert chronic.name in listing
    assert chronic.name in form
    for page in (listing, form):
        assert "冠心病" not in page
        assert "chronic_illness" not in page  # neither a filter, a tag row nor a choice
        assert "慢性病" not in page
    assert "living_alone" in form  # the tags that are not health data stay


def test_the_care_tag_filter_offers_only_tags_that_are_not_health_data(client, gw, chronic):
    client.force_login(gw.admin)
    alone = client.get(CHANGELIST, {"care_tag": "living_alone"})
    assert list(alone.context["cl"].result_list) == [chronic]
    # Asked for the health tag anyway, the filter ignores it: nobody is singled out.
    sick = client.get(CHANGELIST, {"care_tag": "chronic_illness"})
    assert sick.context["cl"].result_count == Resident.objects.count()


def test_saving_a_resident_in_the_admin_keeps_the_hidden_health_data(client, gw, chronic):
    client.force_login(gw.admin)
    url = reverse("admin:grids_resident_change", args=[chronic.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    inline = page.context["inline_admin_formsets"][0].formset
    data.update(
        {
            "name": "张桂兰",
            f"{inline.prefix}-TOTAL_FORMS": "1",
            f"{inline.prefix}-INITIAL_FORMS": "1",
            f"{inline.prefix}-0-id": str(chronic.tags.get(tag="living_alone").pk),
            f"{inline.prefix}-0-resident": str(chronic.pk),
            f"{inline.prefix}-0-tag": "living_alone",
        }
    )
    assert client.post(url, data).status_code == 302
    chronic.refresh_from_db()
    assert chronic.name == "张桂兰"
    assert chronic.health_note == "冠心病"
    assert set(chronic.tags.values_list("tag", flat=True)) == {"living_alone", "chronic_illness"}


def test_a_resident_cannot_be_deleted_in_the_admin(client, gw):
    client.force_login(gw.admin)
    delete = reverse("admin:grids_resident_delete", args=[gw.elder_1.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    listing = client.get(CHANGELIST).content.decode()
    assert 'value="delete_selected"' not in listing
    assert 'value="move_out"' in listing
    # Posted anyway, the action is unknown: "no action selected", nothing deleted.
    client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [gw.elder_1.pk], "post": "1"}
    )
    assert Resident.objects.filter(pk=gw.elder_1.pk).exists()
