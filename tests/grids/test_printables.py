"""Contact cards and building QR posters: real PDFs with readable Chinese."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from grids.printing import building_token
from tests.pdffonts import assert_fonts_embedded

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_a_worker_prints_her_contact_cards_in_chinese(client, gw):
    gw.worker_1.name = "陈晓雨"
    gw.worker_1.save()
    client.force_login(gw.worker_1)
    text = _text(client.get(reverse("grids:grid-card", args=[gw.grid_1.pk])))
    assert "便民联系卡" in text
    assert "网格员：陈晓雨" in text
    assert gw.worker_1.phone in text
    assert "第一网格" in text


def test_the_card_and_the_poster_carry_every_font_they_use(client, gw):
    # A reader without an Asian font pack showed the text of a non-embedded
    # STSong-Light card as blank.
    client.force_login(gw.secretary_x)
    assert_fonts_embedded(client.get(reverse("grids:grid-card", args=[gw.grid_1.pk])).content)
    poster = client.get(reverse("grids:building-poster", args=[gw.building_1.pk]))
    assert_fonts_embedded(poster.content)


@pytest.mark.parametrize(
    ("who", "expected"), [("secretary_x", 200), ("worker_2", 404), ("secretary_y", 404)]
)
def test_cards_are_printed_within_scope(client, gw, who, expected):
    client.force_login(getattr(gw, who))
    assert client.get(reverse("grids:grid-card", args=[gw.grid_1.pk])).status_code == expected


def test_a_building_poster_links_to_the_buildings_public_page(client, gw):
    client.force_login(gw.secretary_x)
    text = _text(client.get(reverse("grids:building-poster", args=[gw.building_1.pk])))
    assert "御景花园社区" in text
    assert "1号楼" in text
    assert "扫码联系您的网格员" in text


def test_the_public_page_shows_who_to_call_without_signing_in(client, gw):
    gw.worker_1.name = "陈晓雨"
    gw.worker_1.save()
    page = client.get(reverse("building-public", args=[building_token(gw.building_1)]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "陈晓雨" in text
    assert gw.worker_1.phone in text
    assert gw.elder_1.name not in text  # no resident data on a public page


@pytest.mark.parametrize("token", ["1", "1:forged", "not-a-token"])
def test_a_guessed_or_forged_poster_code_is_404(client, gw, token):
    assert client.get(reverse("building-public", args=[token])).status_code == 404


def test_building_list_query_count_does_not_grow(client, gw, django_assert_num_queries):
    from tests.grids.factories import BuildingFactory

    for n in range(30):
        BuildingFactory(grid=gw.grid_1, community=gw.grid_1.community, number=100 + n)
    client.force_login(gw.secretary_x)
    # session, user, memberships; buildings with grid and community; unread
    with django_assert_num_queries(5):
        page = client.get(reverse("grids:building-list")).content.decode()
    assert page.count('data-testid="building"') == 32


def test_the_secretary_finds_the_grids_and_the_posters_from_her_home_page(client, gw):
    client.force_login(gw.secretary_x)
    home = client.get(reverse("role-home", args=["secretary"])).content.decode()
    assert f'href="{reverse("grids:overview")}" data-testid="grids-link"' in home
    assert f'href="{reverse("grids:building-list")}" data-testid="buildings-link"' in home
    buildings = client.get(reverse("grids:building-list")).content.decode()
    assert reverse("grids:building-poster", args=[gw.building_1.pk]) in buildings
    grids = client.get(reverse("grids:overview")).content.decode()
    assert reverse("grids:grid-card", args=[gw.grid_1.pk]) in grids


def test_the_grid_worker_finds_her_buildings_posters_from_her_home_page(client, gw):
    client.force_login(gw.worker_1)
    home = client.get(reverse("role-home", args=["grid_worker"])).content.decode()
    assert f'href="{reverse("grids:building-list")}" data-testid="buildings-link"' in home
    buildings = client.get(reverse("grids:building-list")).content.decode()
    assert reverse("grids:building-poster", args=[gw.building_1.pk]) in buildings
    assert reverse("grids:building-poster", args=[gw.building_2.pk]) not in buildings
