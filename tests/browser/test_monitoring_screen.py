"""远程监控 in headless Chromium: both modes load clean (nothing off-origin, although the district's
stream addresses are on another host), the KPI numbers equal the read API's, the wall fits its
canvas and refreshes itself, a click on a venue bar filters the cameras and the table, the link
restores the view, bad parameters fall back visibly, and the export carries the filtered rows."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pandas as pd
import pytest

from data_access.api import indicators, monitoring
from tests.browser.browser_harness import MODES, SETTLE_TIMEOUT_MS
from tests.browser.test_main_screens import (
    _UPDATES_JS,
    _click_centre,
    _grid_rows,
    _kpis_on_page,
    _wait_for_state,
)

KPI_IDS = (
    "device.kitchen_cameras",
    "device.kitchen_online_rate",
    "device.online_rate",
    "alarm.raised",
    "alarm.push_rate",
    "alarm.rectify_rate",
    "alarm.avg_rectify_minutes",
)

_TILES_JS = """() => [...document.querySelectorAll('#monitoring-video [data-device]')].map(t => ({
    device: t.getAttribute('data-device'), stream: t.getAttribute('data-stream'),
    media: [...t.querySelectorAll('img, video')].map(m => m.getAttribute('src'))}))"""


def _shown_kpis(page) -> list[tuple[str, str]]:
    return page.evaluate("""() => [...document.querySelectorAll('[data-indicator]')]
        .map(e => [e.getAttribute('data-indicator'), e.getAttribute('data-value')])""")


@pytest.mark.parametrize("mode", list(MODES))
def test_monb001_loads_clean_with_kpis_from_the_read_api(visit, mode):
    query, viewport = MODES[mode]
    query += "&refresh=10" if mode == "wall" else ""
    v = visit(
        "/monitoring" + query, viewport=viewport, screenshot=f"monitoring-{mode}-{viewport[0]}x{viewport[1]}"
    )
    v.assert_clean()
    assert v.page.locator("#page-monitoring").is_visible()
    expected = indicators.kpis(KPI_IDS, "month")
    shown = _shown_kpis(v.page)
    assert [i for i, _ in shown] == expected["indicator_id"].tolist()
    for (indicator, raw), want in zip(shown, expected["value"], strict=True):
        assert float(raw) == pytest.approx(float(want), rel=1e-6, abs=1e-6), indicator
    tiles = v.page.evaluate(_TILES_JS)
    assert tiles and all(t["stream"] in ("none", "external") and not t["media"] for t in tiles)
    assert v.page.locator("#monitoring-video .mon-tile-nostream").count() == len(tiles)
    if mode == "wall":
        assert len(tiles) == 6
        boxes = v.page.evaluate("""() => [...document.querySelectorAll('.panel, .kpi-card')].map(p => {
            const r = p.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, r.height]; })""")
        assert boxes and all(
            b[0] >= 0 and b[1] >= 0 and b[2] <= 1920.5 and b[3] <= 1080.5 and b[4] > 80 for b in boxes
        ), boxes
        scroll = v.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert scroll == [1920, 1080]
        assert v.page.locator(".frame-grid .js-plotly-plot").count() == 7
        # every tile shows its whole caption inside the panel
        assert v.page.evaluate("""() => [...document.querySelectorAll('#monitoring-video .mon-tile')]
          .every(t => {
            const p = t.closest('.panel').getBoundingClientRect(), r = t.getBoundingClientRect();
            return r.bottom <= p.bottom + 0.5 && r.right <= p.right + 0.5; })""")
        # the wall refreshes on its own (refresh=10): the tick redraws the screen, cleanly, same data
        ticks = v.page.evaluate(f"() => {_UPDATES_JS}")
        v.page.wait_for_function(f"() => {_UPDATES_JS} > {ticks}", timeout=45_000)
        v.settle()
        v.assert_clean()
        assert _shown_kpis(v.page) == shown
        assert v.page.locator(".wall-banner").is_hidden()
    else:
        v.page.locator("#monitoring-detail").scroll_into_view_if_needed()
        v.page.wait_for_function("() => document.querySelectorAll('#monitoring-grid .ag-row').length > 0")
        rows = _grid_rows(v.page, "monitoring-grid")
        assert [r["device_id"] for r in rows] == monitoring.devices(limit=500).frame["device_id"].tolist()
        v.shot("monitoring-analyst-full", full_page=True)


def test_monb002_a_venue_click_filters_the_cameras_and_the_table_and_the_link_restores_it(visit):
    v = visit("/monitoring", viewport=(1366, 768))
    top = monitoring.cameras_by_venue().sort_values(["total", "venue_category"], ascending=[False, True])
    venue = top.iloc[0]["venue_category"]
    v.page.locator("#monitoring-venues-graph").scroll_into_view_if_needed()
    _click_centre(v.page, "#monitoring-venues-graph .trace.bars .point >> nth=0")
    _wait_for_state(v.page, "monitoring", f"q.get('venue') === '{venue}'")
    v.settle()
    v.assert_clean()
    assert "场所类别：" in v.page.locator("#monitoring-chips").inner_text()
    rows = _grid_rows(v.page, "monitoring-grid")
    expected = monitoring.devices(None, None, venue, limit=500).frame
    assert rows and [r["device_id"] for r in rows] == expected["device_id"].tolist()
    assert len({r["venue_category"] for r in rows}) == 1
    cameras = set(monitoring.devices("kitchen_camera", None, venue, limit=60).frame["device_id"])
    tiles = v.page.evaluate(_TILES_JS)
    assert tiles and {t["device"] for t in tiles} <= cameras
    v.shot("monitoring-venue-filtered")
    seen = (_kpis_on_page(v.page), rows, tiles)
    link = urlsplit(v.page.url).path + "?" + urlsplit(v.page.url).query
    assert parse_qs(urlsplit(v.page.url).query)["venue"] == [venue]
    v.page.context.close()
    again = visit(link, viewport=(1366, 768))
    again.assert_clean()
    again.page.locator("#monitoring-detail").scroll_into_view_if_needed()
    again.page.wait_for_function("() => document.querySelectorAll('#monitoring-grid .ag-row').length > 0")
    assert (
        _kpis_on_page(again.page),
        _grid_rows(again.page, "monitoring-grid"),
        again.page.evaluate(_TILES_JS),
    ) == seen
    # the chip's × clears it again
    again.page.locator("#monitoring-chips [data-filter=venue] .xf-chip-x").click()
    _wait_for_state(again.page, "monitoring", "!q.get('venue')")
    again.settle()
    assert len({r["venue_category"] for r in _grid_rows(again.page, "monitoring-grid")}) > 1


def test_monb003_bad_parameters_fall_back_and_the_export_carries_the_filter(visit):
    v = visit("/monitoring?street=nowhere&period=2026-13&kind=kitchen_camera", viewport=(1366, 768))
    v.assert_clean()
    note = v.page.locator("#monitoring-link-notes")
    assert note.is_visible() and "nowhere" in note.inner_text() and "2026-13" in note.inner_text()
    assert "设备类型：明厨亮灶摄像头" in v.page.locator("#monitoring-chips").inner_text()
    expected = monitoring.devices("kitchen_camera", limit=5000).frame
    v.page.locator("#monitoring-detail").scroll_into_view_if_needed()
    with v.page.expect_download() as info:
        v.page.locator("#monitoring-export-csv").click()
    csv = pd.read_csv(info.value.path(), encoding="utf-8-sig", dtype=str)
    assert info.value.suggested_filename.endswith(".csv")
    assert csv["设备编号"].tolist() == expected["device_id"].tolist()
    assert set(csv["设备类型"]) == {"明厨亮灶摄像头"}
    with v.page.expect_download() as info:
        v.page.locator("#monitoring-export-xlsx").click()
    ws = openpyxl.load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == expected["device_id"].tolist()
    v.assert_clean()


_HLS_TILE_JS = """(url) => {
  const v = document.createElement('video');
  v.muted = true;
  v.setAttribute('data-hls', url);
  document.querySelector('#monitoring-video').appendChild(v);
}"""
_PLAYLIST = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n"


def test_monb004_an_hls_tile_plays_through_the_vendored_hls_js_and_stops_when_the_wall_moves_on(visit):
    """assets/video.js: a <video data-hls> gets a MediaSource player from hls.js served by the app
    itself (loaded only once such a tile appears), and the player is destroyed with its tile."""
    v = visit("/monitoring?kiosk=1", viewport=(1920, 1080))
    assert v.page.evaluate("() => typeof window.Hls") == "undefined"  # not loaded by screens without HLS
    v.page.route("**/live/CAM9/index.m3u8", lambda route: route.fulfill(
        status=200, body=_PLAYLIST, headers={"Content-Type": "application/vnd.apple.mpegurl"}))
    v.page.evaluate(_HLS_TILE_JS, "/live/CAM9/index.m3u8")
    v.page.wait_for_function("() => document.querySelector('video[data-hls]').src.startsWith('blob:')",
                             timeout=SETTLE_TIMEOUT_MS)
    assert v.page.evaluate("() => typeof window.Hls.isSupported") == "function"
    assert any(u.endswith("/assets/vendor/hls/hls.light.min.js") for u in v.requests)
    assert any(u.endswith("/live/CAM9/index.m3u8") for u in v.requests)
    v.page.evaluate("() => { window.__hlsVideo = document.querySelector('video[data-hls]'); "
                    "window.__hlsVideo.remove(); }")
    v.page.wait_for_function("() => !window.__hlsVideo.__hls", timeout=SETTLE_TIMEOUT_MS)
    v.assert_clean()
