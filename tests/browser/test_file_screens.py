"""一户一档, 综合查询 and 指标库 in headless Chromium: both modes load clean, the radar and the
timeline draw, personal data stays masked, a bad code explains itself, a search opens a file, query
text stays text, and the catalogue's values are the read API's."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest

from tests.browser.browser_harness import MODES

#: Panels on the wall canvas: inside it, and not on top of each other.
_PANELS_JS = """() => {
  const c = document.getElementById('wall-canvas').getBoundingClientRect();
  const boxes = [...document.querySelectorAll('.frame-area > .panel, .frame-area .kpi-strip > *')]
    .map(e => { const r = e.getBoundingClientRect();
                return [e.id || e.className, r.left, r.top, r.right, r.bottom]; });
  const outside = boxes.filter(b => b[1] < c.left - 1 || b[2] < c.top - 1
                                    || b[3] > c.right + 1 || b[4] > c.bottom + 1);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (Math.min(a[3], b[3]) - Math.max(a[1], b[1]) > 1 && Math.min(a[4], b[4]) - Math.max(a[2], b[2]) > 1)
      overlaps.push([a[0], b[0]]);
  }
  const empty = boxes.filter(b => b[3] - b[1] < 40 || b[4] - b[2] < 40);
  return {n: boxes.length, outside, overlaps, empty};
}"""

_GRID_JS = """(id) => {
  const api = window.dash_ag_grid.getApi(id);
  const rows = [];
  api.forEachNodeAfterFilter(n => rows.push([n.data.id, n.data.value]));
  return {displayed: api.getDisplayedRowCount(), rows};
}"""


@pytest.fixture(scope="module")
def real(app_url) -> dict:
    """A real, active, much-complained-about entity of the app's store, found through the read API,
    with its unmasked phone (to prove the page never shows it)."""
    from data_access.api.complaints import top_complained_entities
    from data_access.api.entity_file import entity_file

    top = top_complained_entities(date(2000, 1, 1), date(2100, 1, 1), limit=30)
    for uscc in top["uscc"]:
        plain = entity_file(uscc, unmasked=True)
        reg = plain.registration
        if reg["status"] == "active" and reg.get("legal_rep_phone") and reg.get("lon") is not None:
            masked = entity_file(uscc)
            return {
                "uscc": uscc,
                "name": reg["name"],
                "phone": reg["legal_rep_phone"],
                "masked_phone": masked.registration["legal_rep_phone"],
                "rep": reg["legal_rep_name"],
                "masked_rep": masked.registration["legal_rep_name"],
                "timeline": masked.timeline,
            }
    pytest.fail("no active entity with complaints, a phone and coordinates in the small store")


def _with(path: str, query: str) -> str:
    return path if not query else path + ("&" if "?" in path else "?") + query.lstrip("?")


def _clean_and_whole(v, mode: str) -> None:
    """No console or callback errors, Chinese text in the CJK font, and on the wall every panel inside
    the canvas, none on top of another and none collapsed; for analysts no sideways scrolling."""
    v.assert_clean()
    assert v.page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '一户一档')")
    if mode == "wall":
        geometry = v.page.evaluate(_PANELS_JS)
        assert geometry["n"] and not geometry["outside"] and not geometry["overlaps"], geometry
        assert not geometry["empty"], geometry
    else:
        assert v.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_fsb001_entity_file_in_both_modes(visit, real):
    import pages.entity_file as page

    timeline = real["timeline"]
    shown = page.SHOWN["analyst"]
    complaints = int((timeline["kind"].head(shown) == "complaint").sum())
    others = min(int((timeline["kind"] != "complaint").sum()), shown)
    for mode, (query, (w, h)) in MODES.items():
        v = visit(
            _with(f"/entity/{real['uscc']}", query), viewport=(w, h), screenshot=f"file-entity-{mode}-{w}x{h}"
        )
        _clean_and_whole(v, mode)
        # the 五官图 radar: one closed trace of five facets, drawn
        radar = v.page.evaluate("""() => {
            const gd = document.querySelector('#entity-radar-graph .js-plotly-plot');
            return {type: gd.data[0].type, n: gd.data[0].r.length,
                    drawn: gd.querySelectorAll('.scatterlayer path').length}; }""")
        assert radar["type"] == "scatterpolar" and radar["n"] == 6 and radar["drawn"] > 0
        assert v.page.locator("#entity-map-graph canvas").count() > 0
        # personal data: masked in the card, the real phone nowhere in the page
        html = v.page.content()
        assert real["phone"] not in html and real["masked_phone"] in html
        rep = v.page.locator("#entity-registration tr", has_text="法定代表人").locator("td").inner_text()
        assert rep == real["masked_rep"] != real["rep"]
        assert "已脱敏" in v.page.locator("#entity-registration").inner_text()
        if mode == "wall":
            assert v.page.locator("#entity-timeline-body .ticker-row").count() >= min(len(timeline), 4)
            continue
        # the analyst timeline: every event, newest first, filterable by kind
        items = v.page.locator("#entity-timeline-body .tl-item")
        assert items.count() == min(len(timeline), shown) > 0
        assert v.page.locator("#entity-timeline-body .tl-kind--complaint").count() == complaints > 0
        v.page.locator("#entity-kinds label", has_text="投诉举报").click()
        v.page.wait_for_function(
            "n => document.querySelectorAll('#entity-timeline-body .tl-item').length === n", arg=others
        )
        v.settle()
        assert v.page.locator("#entity-timeline-body .tl-kind--complaint").count() == 0
        v.assert_clean()


def test_fsb002_bad_or_unknown_code_explains_itself(visit, real):
    from data_access.uscc import make_uscc

    bad_check = real["uscc"][:17] + ("0" if real["uscc"][17] != "0" else "1")
    cases = [
        ("/entity/123", "统一社会信用代码应为 18 位，实际 3 位"),
        (f"/entity/{bad_check}?kiosk=1", "统一社会信用代码校验位（第 18 位）错误"),
        (f"/entity/{make_uscc('1', '310112', '99999999')}", "未找到该主体"),
    ]
    for path, message in cases:
        mode = "wall" if "kiosk" in path else "analyst"
        v = visit(
            path,
            viewport=(1920, 1080) if mode == "wall" else (1366, 768),
            screenshot="file-entity-bad-wall-1920x1080" if mode == "wall" else None,
        )
        _clean_and_whole(v, mode)
        root = v.page.locator("#page-entity")
        assert message in root.inner_text()
        assert v.page.locator("#page-entity form[action='/search'] input[name='q']").is_visible()


def test_fsb003_search_by_name_finds_it_and_the_link_opens_its_file(visit, real):
    v = visit("/search", screenshot="file-search-empty-analyst-1366x768")
    _clean_and_whole(v, "analyst")
    box = v.page.locator("#search-q")
    box.fill(real["name"])
    with v.page.expect_navigation():
        box.press("Enter")
    v.settle()
    v.shot("file-search-analyst-1366x768")
    _clean_and_whole(v, "analyst")
    assert "q=" in v.page.url and v.page.locator("#search-q").input_value() == real["name"]
    assert "匹配的主体共" in v.page.locator("#page-search .search-message").inner_text()
    link = v.page.locator("#search-grid a", has_text=real["name"]).first
    assert link.get_attribute("href") == f"/entity/{real['uscc']}"
    with v.page.expect_navigation():
        link.click()
    # the file itself is tested above: here it is enough that it opens on this entity
    v.page.locator("#page-entity .screen-subtitle", has_text=real["name"]).wait_for()
    assert v.page.url.endswith(f"/entity/{real['uscc']}")

    wall = visit(
        f"/search?q={quote(real['name'])}&kiosk=1",
        viewport=(1920, 1080),
        screenshot="file-search-wall-1920x1080",
    )
    _clean_and_whole(wall, "wall")
    assert (
        wall.page.locator("#search-results a", has_text=real["name"]).first.get_attribute("href")
        == f"/entity/{real['uscc']}?kiosk=1"
    )


@pytest.mark.parametrize("q", ["<script>alert(1)</script>", "=1+1", "<img src=x onerror=alert(2)>"])
def test_fsb004_query_text_is_shown_verbatim_never_run(visit, q):
    dialogs: list[str] = []
    v = visit(f"/search?q={quote(q)}", settle=False)
    v.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    v.settle()
    v.assert_clean()
    assert v.page.locator("#page-search .search-query").inner_text() == q
    assert v.page.locator("#search-q").input_value() == q
    assert not dialogs
    assert v.page.evaluate("[...document.scripts].every(s => !s.textContent.includes('alert('))")
    assert v.page.locator("#page-search img[src='x']").count() == 0


def test_fsb005_catalogue_lists_every_indicator_with_the_read_apis_values(visit):
    import pages.indicators as page
    from data_access.api.indicators import indicator_catalogue

    cat = indicator_catalogue(period=page.PERIOD).set_index("id")
    v = visit("/indicators", screenshot="file-indicators-analyst-1366x768")
    _clean_and_whole(v, "analyst")
    grid = v.page.evaluate(_GRID_JS, "indicators-grid")
    assert grid["displayed"] == len(cat) >= 60
    for indicator_id, value in grid["rows"]:
        expected = cat.loc[indicator_id, "value"]
        assert (value is None) if expected != expected else (value == pytest.approx(expected, abs=1e-6))
    _check_hooks(v, cat, set(page.HEADLINE))

    v.page.locator("#indicators-quick").fill("投诉")
    v.page.wait_for_function(
        "() => window.dash_ag_grid.getApi('indicators-grid').getDisplayedRowCount() < 60"
    )
    v.settle()
    shown = v.page.evaluate(_GRID_JS, "indicators-grid")["displayed"]
    assert 0 < shown < len(cat)
    assert v.page.locator("#indicators-count").inner_text() == f"显示 {shown} / {len(cat)} 项指标"
    with v.page.expect_download() as download:
        v.page.locator("#indicators-export").click()
    data = open(download.value.path(), "rb").read()
    assert data.startswith("\ufeff".encode()) and "指标编号" in data.decode("utf-8-sig").splitlines()[0]
    assert len(data.decode("utf-8-sig").strip().splitlines()) == shown + 1
    v.assert_clean()

    wall = visit("/indicators?kiosk=1", viewport=(1920, 1080), screenshot="file-indicators-wall-1920x1080")
    _clean_and_whole(wall, "wall")
    _check_hooks(wall, cat, set(cat.index))


def _check_hooks(v, cat, expected_ids: set[str]) -> None:
    """Every ``data-indicator`` element carries the read API's current value."""
    hooks = v.page.evaluate("""() => [...document.querySelectorAll('[data-indicator]')]
        .map(e => [e.getAttribute('data-indicator'), e.getAttribute('data-value')])""")
    assert {i for i, _ in hooks} == expected_ids
    for indicator_id, raw in hooks:
        expected = cat.loc[indicator_id, "value"]
        assert (raw == "") if expected != expected else (float(raw) == pytest.approx(expected, abs=1e-6))
