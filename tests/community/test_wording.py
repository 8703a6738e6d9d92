"""No English and no "None" where the portal speaks Chinese to people."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from grids.models import HazardStatus
from grids.services import hazard_fix
from tests.photos import phone_jpeg

OUR_APPS = ("community", "grids", "petitions", "mediation", "volunteers")


def test_every_field_and_model_of_ours_has_a_translated_name():
    # Django's made-up names ("actor", "from status") are never extracted, so the
    # admin showed them in English: Actor / From status / To status.
    untranslated = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        if not isinstance(model._meta.verbose_name, Promise):
            untranslated.append(model.__name__)
        for field in model._meta.get_fields():
            if field.auto_created or not hasattr(field, "verbose_name") or field.name == "id":
                continue
            if not isinstance(field.verbose_name, Promise):
                untranslated.append(f"{model.__name__}.{field.name}")
    assert untranslated == []


def test_the_lockout_section_of_the_admin_has_a_translated_name():
    assert isinstance(apps.get_app_config("axes").verbose_name, Promise)


@pytest.mark.django_db
def test_an_account_linked_without_a_confirmer_reads_without_none(client, gw):
    # The demo and the admin link accounts with no confirmer and no time.
    client.force_login(gw.worker_1)
    page = client.get(reverse("grids:resident-detail", args=[gw.tenant.pk])).content.decode()
    assert 'data-testid="linked"' in page
    assert "None" not in page
    gw.tenant.confirmed_at = timezone.now()
    gw.tenant.save(update_fields=["confirmed_at"])
    page = client.get(reverse("grids:resident-detail", args=[gw.tenant.pk])).content.decode()
    assert "None" not in page
    assert "2026-06-01" in page


@pytest.mark.django_db
def test_a_hazard_fixed_without_a_fixer_reads_without_none(client, gw):
    from grids.services import hazard_report

    hazard = hazard_report(
        actor=gw.worker_1,
        building=gw.building_1,
        kind="exposed_wiring",
        description="楼道里有一个裸露的插线板",
        photos=[phone_jpeg()],
    )
    hazard = hazard_fix(hazard=hazard, actor=gw.worker_1, photos=[phone_jpeg()])
    assert hazard.status == HazardStatus.FIXED
    type(hazard).objects.filter(pk=hazard.pk).update(
        fixed_by=None
    )  # the field may be empty (an admin edit)
    client.force_login(gw.worker_1)
    page = client.get(reverse("grids:hazard-detail", args=[hazard.pk])).content.decode()
    assert 'data-testid="fixed-by"' in page
    assert "None" not in page
