"""The hazard form on a 360 px phone: the units follow the building, the kind
must be chosen, and a photo chosen before a refusal is kept and saved with the
mended form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from grids.models import Building, Hazard
from tests.e2e.test_sign_in import NARROW, _no_sideways_scroll, _sign_in
from tests.photos import phone_jpeg

pytestmark = pytest.mark.e2e


def test_a_refused_hazard_keeps_its_photo_until_it_is_saved(
    browser, live_server, demo, screenshot, tmp_path
):
    context = browser.new_context(viewport=NARROW, is_mobile=True, has_touch=True)
    page = context.new_page()
    _sign_in(page, live_server.url, "wangge")
    page.goto(f"{live_server.url}/grids/hazards/new/")
    building = Building.objects.filter(grid__staff__user__username="wangge").order_by("number")[1]

    # Choosing a building brings its units only (htmx).
    page.get_by_label("楼栋").select_option(str(building.pk))
    units = page.locator("select[name=unit] option:not([value=''])")
    expect(units).to_have_count(building.units.count())

    # A photo, no kind chosen (the list starts unchosen) and no description:
    # refused on both fields, the photo kept and shown.
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(phone_jpeg().read())
    page.get_by_label("照片（最多 6 张）").set_input_files(str(photo))
    page.get_by_test_id("save-hazard").click()
    expect(page.get_by_test_id("field-error").first).to_be_visible()
    expect(page.get_by_test_id("field-error")).to_have_count(2)
    kept = page.get_by_test_id("kept-photos").locator("img")
    expect(kept).to_have_count(1)
    # The thumbnail is fetched after the page: wait for it to load (a broken one never does).
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=kept-photos] img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert _no_sideways_scroll(page)
    screenshot(page, "refused-360")

    # Mended, without choosing the photo again: saved with it.
    page.get_by_label("类别").select_option("blocked_exit")
    page.get_by_label("发现的情况").fill("消防通道堆放纸箱")
    page.get_by_test_id("save-hazard").click()
    expect(page.locator("main")).to_contain_text("隐患已登记")
    expect(page.get_by_test_id("hazard-photo")).to_have_count(1)
    hazard = Hazard.objects.get(description="消防通道堆放纸箱")
    assert (hazard.building, hazard.kind, hazard.photos.count()) == (building, "blocked_exit", 1)
    context.close()
