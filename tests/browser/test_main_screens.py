"""主体信息 and 投诉举报 (and 总览) in headless Chromium: both modes load clean, KPI numbers equal the
read API's, a click on the map filters the other panels, exports carry the right rows, links
restore the view, and "which street's complaints rose most, and about which entities?" takes at
most three clicks."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pandas as pd
import pytest
from playwright.sync_api import expect

from dashboard.browser import MAP_POINT_JS as _MAP_POINT_JS
from data_access.api import complaints, extra_screens, geo, indicators, overview
from tests.browser.browser_harness import MODES, SETTLE_TIMEOUT_MS

SCREENS = {"overview": "/", "complaints": "/complaints", "entities": "/entities"}
KPIS = {
    "complaints": (
        "complaint.received",
        "complaint.closed",
        "complaint.ontime_rate",
        "complaint.satisfaction_rate",
        "complaint.recovered_amount",
        "complaint.avg_handling_minutes",
        "complaint.open",
    ),
    "entities": (
        "entity.active_total",
        "entity.active_capital",
        "entity.new_registrations",
        "entity.deregistrations",
        "entity.abnormal_listed",
        "entity.serious_dishonest",
        "credit.class_share.D",
    ),
}

#: How many callback requests the page has made so far.
_UPDATES_JS = "performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update')).length"

_GRID_ROWS_JS = """async (id) => {
  const api = await window.dash_ag_grid.getApiAsync(id);
  const rows = [];
  api.forEachNode(n => rows.push(n.data));
  return rows;
}"""



_HIT_POINT_JS = """(sel) => {
  const el = document.querySelector(sel);
  const r = el.getBoundingClientRect();
  for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
    const x = r.left + r.width * i / 12, y = r.top + r.height * j / 12;
    if (document.elementFromPoint(x, y) === el) return {x, y};
  }
  return null;
}"""


def _click_centre(page, selector: str) -> None:
    """Click the middle of an SVG mark (Plotly's drag layer would swallow a click on the element)."""
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _kpis_on_page(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-indicator]')]
        .map(e => [e.getAttribute('data-indicator'), e.getAttribute('data-value')]))""")


def _grid_rows(page, grid_id: str) -> list[dict]:
    return page.evaluate(_GRID_ROWS_JS, grid_id)


def _wait_for_state(page, slug: str, predicate_js: str) -> None:
    """Wait until the screen's filter state (its URL) satisfies ``predicate_js`` (a JS expression
    over ``q``, the URLSearchParams) and Dash has settled again."""
    page.wait_for_function(
        f"() => {{ const q = new URLSearchParams(location.search); return {predicate_js}; }}",
        timeout=SETTLE_TIMEOUT_MS,
    )


def _expected_kpis(slug: str) -> list[tuple[str, float]]:
    """The KPI strip of a screen as the read API has it: (indicator id, value) in screen order."""
    if slug == "overview":
        frame = overview.overview_kpis()
    else:
        frame = indicators.kpis(KPIS[slug], "month")
    return [(i, float(v)) for i, v in zip(frame["indicator_id"], frame["value"], strict=True)]


def _street(name: str) -> str:
    return next(f["id"] for f in geo.street_polygons()["features"] if f["properties"]["name"] == name)


def _centre(code: str) -> tuple[float, float]:
    f = next(f for f in geo.street_polygons()["features"] if f["id"] == code)
    return f["properties"]["lon"], f["properties"]["lat"]


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("slug", list(SCREENS))
def test_scr001_screens_load_clean_with_kpis_from_the_read_api(visit, slug, mode):
    query, viewport = MODES[mode]
    query += "&refresh=10" if mode == "wall" else ""
    v = visit(
        SCREENS[slug] + query, viewport=viewport, screenshot=f"main-{slug}-{mode}-{viewport[0]}x{viewport[1]}"
    )
    v.assert_clean()
    assert v.page.locator(f"#page-{slug}").is_visible()
    shown = v.page.evaluate("""() => [...document.querySelectorAll('[data-indicator]')]
        .map(e => [e.getAttribute('data-indicator'), e.getAttribute('data-value')])""")
    assert [i for i, _ in shown] == [i for i, _ in _expected_kpis(slug)]
    for (indicator, raw), (_, want) in zip(shown, _expected_kpis(slug), strict=True):
        assert float(raw) == pytest.approx(want, rel=1e-6, abs=1e-6), indicator
    if mode == "wall":
        # every panel drawn inside the canvas: nothing clipped off the 1920×1080 design
        boxes = v.page.evaluate("""() => [...document.querySelectorAll('.panel, .kpi-card')].map(p => {
            const r = p.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, r.height]; })""")
        assert boxes and all(
            b[0] >= 0 and b[1] >= 0 and b[2] <= 1920.5 and b[3] <= 1080.5 and b[4] > 80 for b in boxes
        ), boxes
        assert v.page.locator(".frame-grid .js-plotly-plot").count() >= 6
        # the wall refreshes on its own (refresh=10): the tick redraws the screen, cleanly, same data
        ticks = v.page.evaluate(f"() => {_UPDATES_JS}")
        v.page.wait_for_function(f"() => {_UPDATES_JS} > {ticks}", timeout=45_000)
        v.settle()
        v.assert_clean()
        assert (
            v.page.evaluate("""() => [...document.querySelectorAll('[data-indicator]')]
            .map(e => [e.getAttribute('data-indicator'), e.getAttribute('data-value')])""")
            == shown
        )
        assert v.page.locator(".wall-banner").is_hidden()
    elif slug == "overview":
        links = v.page.locator("#page-overview .screen-link")
        assert links.count() >= 2 and links.first.get_attribute("href").startswith("/")
        v.shot(f"main-{slug}-analyst-full", full_page=True)
    else:
        assert v.page.locator(f"#{slug}-grid .ag-row").count() > 0
        v.shot(f"main-{slug}-analyst-full", full_page=True)


def test_scr002_a_map_click_filters_the_other_panels(visit):
    v = visit("/complaints?period=year", viewport=(1366, 768))
    code = _street("莘庄镇")
    v.page.locator("#complaints-map-graph").scroll_into_view_if_needed()
    point = v.page.evaluate(_MAP_POINT_JS, ["complaints-map-graph", *_centre(code)])
    v.page.mouse.click(point["x"], point["y"])
    _wait_for_state(v.page, "complaints", f"q.get('street') === '{code}'")
    v.settle()
    v.assert_clean()
    assert "街镇：莘庄镇" in v.page.locator("#complaints-chips").inner_text()
    rows = _grid_rows(v.page, "complaints-grid")
    assert rows and {r["street_name"] for r in rows} == {"莘庄镇"}
    y = extra_screens.period_bounds("year")
    expected = complaints.complaint_list(y["start"], y["end"], (code,), limit=500)
    assert [r["id"] for r in rows] == expected.frame["id"].tolist()
    scoped = indicators.kpis(KPIS["complaints"], "year", (code,)).set_index("indicator_id")["value"]
    assert float(_kpis_on_page(v.page)["complaint.received"]) == scoped["complaint.received"]
    v.shot("main-complaints-map-filtered")
    # the chip's × clears it again
    v.page.locator("#complaints-chips [data-filter=street] .xf-chip-x").click()
    _wait_for_state(v.page, "complaints", "!q.get('street')")
    v.settle()
    assert len({r["street_name"] for r in _grid_rows(v.page, "complaints-grid")}) > 1


def test_scr003_which_street_rose_most_and_about_which_entities_in_three_clicks(visit):
    v = visit("/complaints", viewport=(1366, 768))
    clicks = 0
    # 1–2: this year (the small district's newest complaints name no entity yet)
    v.page.locator("#complaints-filter-period").click()
    v.page.get_by_role("option", name="本年").click()
    clicks += 2
    _wait_for_state(v.page, "complaints", "q.get('period') === 'year'")
    v.settle()
    # 3: the change ranking's first bar is the street that rose most
    top = extra_screens.complaint_street_change("year").iloc[0]
    v.page.locator("#complaints-change-graph").scroll_into_view_if_needed()
    _click_centre(v.page, "#complaints-change-graph .trace.bars .point >> nth=0")
    clicks += 1
    _wait_for_state(v.page, "complaints", f"q.get('street') === '{top['street_code']}'")
    v.settle()
    v.assert_clean()
    assert clicks <= 3
    rows = _grid_rows(v.page, "complaints-grid")
    assert rows and {r["street_name"] for r in rows} == {top["street_name"]}
    entity_rows = v.page.locator("#complaints-entities tbody tr")
    assert entity_rows.count() > 0
    for i in range(entity_rows.count()):
        assert entity_rows.nth(i).locator("td").nth(2).inner_text() == top["street_name"]
    href = entity_rows.first.locator("a").get_attribute("href")
    assert href.startswith("/entity/") and extra_screens.normalise_uscc(href.split("/")[-1])
    v.shot("main-complaints-three-clicks")


def test_scr004_export_downloads_the_rows_of_the_filter(visit):
    code = _street("七宝镇")
    v = visit(f"/complaints?period=year&street={code}&category=online_shopping", viewport=(1366, 768))
    y = extra_screens.period_bounds("year")
    expected = complaints.complaint_list(
        y["start"], y["end"], (code,), category="online_shopping", limit=5000
    )
    v.page.locator("#complaints-detail").scroll_into_view_if_needed()
    with v.page.expect_download() as info:
        v.page.locator("#complaints-export-csv").click()
    csv = pd.read_csv(info.value.path(), encoding="utf-8-sig", dtype=str)
    assert info.value.suggested_filename.endswith(".csv")
    assert csv["编号"].tolist() == expected.frame["id"].tolist()
    assert set(csv["街镇"]) == {"七宝镇"} and set(csv["类别"]) == {"网络购物"}
    with v.page.expect_download() as info:
        v.page.locator("#complaints-export-xlsx").click()
    ws = openpyxl.load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == expected.frame["id"].tolist()
    v.assert_clean()


def test_scr005_the_permalink_round_trips_and_bad_parameters_fall_back(visit):
    code = _street("七宝镇")
    v = visit(f"/complaints?period=year&street={code}&channel=12345", viewport=(1366, 768))
    chips = v.page.locator("#complaints-chips").inner_text()
    assert "七宝镇" in chips and "12345市民热线" in chips and "本年" in chips
    # a click adds to the state; the URL follows, and loading that URL restores the same view
    v.page.locator("#complaints-kind-graph").scroll_into_view_if_needed()
    point = v.page.evaluate(_HIT_POINT_JS, "#complaints-kind-graph path.surface")
    v.page.mouse.click(point["x"], point["y"])
    _wait_for_state(v.page, "complaints", "q.get('kind') !== null")
    v.settle()
    query = parse_qs(urlsplit(v.page.url).query)
    assert query["street"] == [code] and query["channel"] == ["12345"] and query["period"] == ["year"]
    seen = (
        v.page.locator("#complaints-chips").inner_text(),
        _grid_rows(v.page, "complaints-grid"),
        _kpis_on_page(v.page),
    )
    link = urlsplit(v.page.url).path + "?" + urlsplit(v.page.url).query
    v.assert_clean()
    v.page.context.close()  # one page at a time: maps in software WebGL are heavy on two cores
    again = visit(link, viewport=(1366, 768))
    again.assert_clean()
    assert (
        again.page.locator("#complaints-chips").inner_text(),
        _grid_rows(again.page, "complaints-grid"),
        _kpis_on_page(again.page),
    ) == seen
    again.page.context.close()
    bad = visit("/complaints?street=nowhere&period=2026-13&kind=complaint", viewport=(1366, 768))
    bad.assert_clean()
    note = bad.page.locator("#complaints-link-notes")
    assert note.is_visible() and "nowhere" in note.inner_text() and "2026-13" in note.inner_text()
    assert "类型：投诉" in bad.page.locator("#complaints-chips").inner_text()


def test_scr006_entities_map_click_list_and_export(visit):
    v = visit("/entities", viewport=(1366, 768))
    code = _street("七宝镇")
    v.page.locator("#entities-map-graph").scroll_into_view_if_needed()
    point = v.page.evaluate(_MAP_POINT_JS, ["entities-map-graph", *_centre(code)])
    v.page.mouse.click(point["x"], point["y"])
    _wait_for_state(v.page, "entities", f"q.get('street') === '{code}'")
    v.settle()
    v.assert_clean()
    rows = _grid_rows(v.page, "entities-grid")
    assert rows and {r["street_name"] for r in rows} == {"七宝镇"}
    expected = extra_screens.entity_list((code,), limit=500).frame
    assert [r["uscc"] for r in rows] == expected["uscc"].tolist()
    active = indicators.kpis(("entity.active_total",), "month", (code,))["value"][0]
    assert float(_kpis_on_page(v.page)["entity.active_total"]) == active
    with v.page.expect_download() as info:
        v.page.locator("#entities-export-xlsx").click()
    ws = openpyxl.load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).active
    header = [c.value for c in ws[1]]
    got = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    full = extra_screens.entity_list((code,), limit=5000).frame
    assert [r["统一社会信用代码"] for r in got] == full["uscc"].tolist()
    assert all("*" in str(r["联系电话"]) for r in got if r["联系电话"])


def test_scr007_search_box_opens_the_entity_file(visit):
    v = visit("/entities", viewport=(1366, 768))
    uscc = extra_screens.entity_list(limit=1).frame["uscc"][0]
    v.page.locator("#entities-search").fill(uscc.lower())
    v.page.locator("#entities-search").press("Enter")
    v.page.wait_for_url(f"**/entity/{uscc}", timeout=SETTLE_TIMEOUT_MS)
    v.page.go_back()
    v.page.wait_for_url("**/entities", timeout=SETTLE_TIMEOUT_MS)
    # back re-renders the page: type only into the settled layout, or the text goes into a box replaced after
    v.settle()
    v.page.locator("#entities-search").fill("七宝")
    expect(v.page.locator("#entities-search")).to_have_value("七宝")
    v.page.locator("#entities-search-go").click()
    v.page.wait_for_url("**/search?q=*", timeout=SETTLE_TIMEOUT_MS)
    assert parse_qs(urlsplit(v.page.url).query)["q"] == ["七宝"]


def test_scr008_overview_map_click_follows_one_street(visit):
    v = visit("/", viewport=(1366, 768))
    code = _street("七宝镇")
    v.page.locator("#overview-map-graph").scroll_into_view_if_needed()
    point = v.page.evaluate(_MAP_POINT_JS, ["overview-map-graph", *_centre(code)])
    v.page.mouse.click(point["x"], point["y"])
    _wait_for_state(v.page, "overview", f"q.get('street') === '{code}'")
    v.settle()
    v.assert_clean()
    assert "街镇：七宝镇" in v.page.locator("#overview-chips").inner_text()
    rows = v.page.locator("#overview-ticker tbody tr")
    assert rows.count() > 0
    assert {rows.nth(i).locator("td").nth(3).inner_text() for i in range(rows.count())} == {"七宝镇"}
    shown = v.page.evaluate("""() => [...document.querySelectorAll('[data-indicator]')]
        .map(e => parseFloat(e.getAttribute('data-value')))""")
    assert shown == pytest.approx(overview.overview_kpis((code,))["value"].tolist(), rel=1e-6, abs=1e-6)
    v.shot("main-overview-street")
