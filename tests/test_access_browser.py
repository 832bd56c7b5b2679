"""The access and life-circle tab in headless Chromium: the choropleth draws, Chinese renders.

Reuses the server and browser of ``test_browser.py`` (same needs: Debian's Chromium,
``fonts-noto-cjk``, playwright, Leaflet installed). Opens the tab, waits for the access map's
communities and legend inside its streamlit-folium iframe, switches to Chinese and the
life-circle view, and saves ``tests/artifacts/access-zh.png`` (git-ignored).
"""

from __future__ import annotations

import pytest
from test_browser import ARTIFACTS, MAP_FRAME, app_url, browser  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


#: the tab's map is an HTML component (the page's one streamlit-folium iframe is the main map)
ACCESS_FRAME = 'iframe[title="st.iframe"]'


def _access_frame(page):
    return page.frame_locator(ACCESS_FRAME).first


def test_access_tab_in_chromium(app_url, browser):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1600, "height": 2400})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url)
    page.frame_locator(MAP_FRAME).locator(".leaflet-interactive").first.wait_for(timeout=120_000)
    page.get_by_role("tab", name="Access and life circles").click()
    frame = _access_frame(page)
    frame.locator(".planner-access-legend").wait_for(timeout=60_000)
    frame.locator(".leaflet-container canvas").first.wait_for(timeout=60_000)  # prefer_canvas: polygons on a canvas
    assert "m² per 100 households" in frame.locator(".planner-access-legend").inner_text()

    page.get_by_text("简体中文").first.click()
    page.get_by_text("社区服务设施覆盖规划").wait_for(timeout=60_000)
    page.get_by_role("tab", name="可达性与生活圈").click()
    page.get_by_text("生活圈", exact=True).first.click()
    frame = _access_frame(page)
    frame.get_by_text("五分钟生活圈").first.wait_for(timeout=60_000)
    frame.locator(".leaflet-container canvas").first.wait_for(timeout=60_000)
    page.wait_for_timeout(2000)
    page.screenshot(path=str(ARTIFACTS / "access-zh.png"), full_page=True)
    assert "完整" in frame.locator(".planner-access-legend").inner_text()
    assert page.locator(MAP_FRAME).count() == 1  # the main map's tests find it alone
    assert not errors, errors
    page.close()
