"""远程监控 without a browser: the layout in both modes, its numbers against independent read-API
calls, the cross-filters, the permalink, the export, the video wall's tiles and the wall refresh, on
the refreshed small district."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import openpyxl
import pandas as pd
import pytest
from dash import html

from components import charts_monitoring as charts
from components.labels import label
from components.layout import run_refresh
from components.permalink import read_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import extra_screens, indicators, monitoring
from tests.test_refresh import refreshed_copy
from tests.test_screens_main import QIBAO, _by_id, _kpi_values, _props, _walk

VIEW = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    """The app on a refreshed copy of the small district, reads uncached."""
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("monitoring"), cache_type="null")
    )
    yield app
    cache.reset()


@pytest.fixture(scope="module")
def page(app):
    import pages.monitoring as page

    return page


def _month():
    return extra_screens.period_bounds("month")


def _state(page, **changes):
    return {**read_state({}, page._fields())[0], **changes}


def _bars(fig) -> dict[str, float]:
    """Code → value of a clickable bar chart (``hbar``)."""
    bar = fig.data[0]
    return dict(zip(bar.customdata, (float(v) for v in bar.x), strict=True))


def _tiles(component) -> list[dict]:
    return [_props(c) for c in _walk(component) if "data-device" in _props(c)]


# --- layout and numbers ---------------------------------------------------------------------------


def test_mon001_layout_in_both_modes_with_kpis_from_the_indicator_library(page):
    lib = indicators.kpis(page.KPI_IDS, "month").set_index("indicator_id")["value"]
    assert len(lib) == 7 and lib["device.kitchen_cameras"] > 0 and lib["alarm.raised"] > 0
    for query in (WALL, {}):
        layout = page.layout(**query)
        assert layout.id == "page-monitoring"
        values = _kpi_values(layout)
        assert set(values) == set(page.KPI_IDS)
        for i, v in values.items():
            assert float(v) == pytest.approx(lib[i], rel=1e-6, abs=1e-6), i
    wall = page.layout(**WALL)
    assert "screen--wall" in wall.className
    ids = {i for i in (_props(c).get("id") for c in _walk(wall)) if isinstance(i, str)}
    assert page.IDS.id("grid") not in ids and page.IDS.id("chips") not in ids  # no table, no filters
    for panel in ("venues", "alarms", "funnel", "devices", "cold", "elevator", "trend"):
        assert page.IDS.id(f"{panel}-graph") in ids, panel
    assert page.IDS.id("video") in ids and page.IDS.id("down") in ids
    analyst = page.layout()
    grid = _by_id(analyst, page.IDS.id("grid"))
    expected = monitoring.devices(limit=500).frame
    assert [r["device_id"] for r in grid.rowData] == expected["device_id"].tolist()
    # rows that name an entity link to its file
    linked = [r for r in grid.rowData if r["entity_name"]]
    assert linked and all("](/entity/" in r["entity_name"] for r in linked)


def test_mon002_charts_show_the_read_api_numbers(page):
    m = _month()
    figs, data_time = page._draw(page.ViewParams.from_query(VIEW), _state(page))
    assert data_time == m["data_time"]
    venues = monitoring.cameras_by_venue()
    want = {r.venue_category: float(r.total) for r in venues.itertuples() if r.total > 0}
    assert _bars(figs["venues"]) == want and sum(want.values()) == venues["total"].sum()
    kinds = monitoring.alarms_by_kind(m["start"], m["end"])
    assert _bars(figs["alarms"]) == {r.alarm_kind: float(r.n) for r in kinds.itertuples() if r.n > 0}
    funnel = monitoring.alarm_funnel(m["start"], m["end"], None, None)
    assert list(figs["funnel"].data[0].x) == funnel["n"].tolist()
    assert funnel["n"].iloc[0] == kinds["n"].sum()  # every alarm of the period, whatever its device
    summary = monitoring.device_summary()
    assert _bars(figs["devices"]) == pytest.approx(
        {r.kind: r.online_rate for r in summary.itertuples() if r.total > 0}
    )
    lift = summary.set_index("kind").loc["elevator_iot"]
    donut = figs["elevator"].data[0]
    assert list(donut.values) == [lift["online"], lift["offline"], lift["fault"]]
    trend = monitoring.alarm_trend(*extra_screens.month_window(m["as_of"], 12), None, "month")
    assert list(figs["trend"].data[0].y) == trend["n"].tolist()
    assert figs["trend"].data[0].customdata[-1] == m["as_of"].strftime("%Y-%m")


def test_mon003_cold_storage_curves_are_the_warmest_sensors_with_both_thresholds(page):
    as_of = _month()["as_of"]
    curves = page._cold_curves(None, as_of)
    assert 0 < len(curves) <= page.COLD_CURVES
    end = as_of + timedelta(days=1)
    sensors = monitoring.devices("cold_storage_sensor", limit=page.COLD_CANDIDATES).frame
    peaks = sorted(
        (
            monitoring.sensor_readings(d, end - timedelta(days=page.COLD_DAYS), end).frame["value"].max()
            for d in sensors["device_id"]
        ),
        reverse=True,
    )
    assert [f["value"].max() for _, f in curves] == peaks[: len(curves)]
    fig = charts.cold_storage_chart(curves, theme="light", mode="analyst")
    assert [s.y0 for s in fig.layout.shapes] == [charts.COLD_SETPOINT, charts.COLD_ALARM] == [-18.0, -15.0]
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [list(t.y) for t in lines] == [f["value"].tolist() for _, f in curves]
    marked = [t for t in fig.data if t.mode == "markers"]
    over = sum(int((f["value"] > charts.COLD_ALARM).sum()) for _, f in curves)
    assert (len(marked[0].y) if marked else 0) == over
    assert charts.cold_storage_chart([], mode="wall").layout.annotations[0].text == "暂无冷库温度读数"


# --- cross-filtering, permalink, export -----------------------------------------------------------


def test_mon004_a_venue_click_filters_the_cameras_the_list_and_the_table(page):
    state = _state(page)
    venue = monitoring.cameras_by_venue().sort_values("total").iloc[-1]["venue_category"]
    out = page.update_filters(page.IDS.id("venues-graph"), {"points": [{"customdata": venue}]}, state, VIEW)
    new, chips, search = out[0], out[1], out[2]
    assert new["venue"] == venue and search == f"?venue={venue}"
    assert any("场所类别" in str(_props(c).get("children")) for c in _walk(chips))
    refreshed = page.refresh(new, VIEW)
    assert len(refreshed.values) == 1 + len(page.GRAPHS) + 2
    venues_fig = refreshed.values[1]
    faded = [
        c
        for c, code in zip(venues_fig.data[0].marker.color, venues_fig.data[0].customdata, strict=True)
        if code != venue
    ]
    assert all(str(c).startswith("rgba") for c in faded)  # the others fade, the chosen one stays
    tiles = _tiles(refreshed.values[-2])
    cams = monitoring.devices("kitchen_camera", None, venue, limit=page.VIDEO_CANDIDATES).frame
    assert tiles and {t["data-device"] for t in tiles} <= set(cams["device_id"])
    rows, caption = page.update_grid(new)
    expected = monitoring.devices(None, None, venue, limit=500)
    assert [r["device_id"] for r in rows] == expected.frame["device_id"].tolist()
    assert {r["venue_category"] for r in rows} == {label("device", "venue_category", venue)}
    assert caption.startswith("共") or caption.startswith("显示")
    # the same bar again clears the filter
    again = page.update_filters(page.IDS.id("venues-graph"), {"points": [{"customdata": venue}]}, new, VIEW)
    assert again[0]["venue"] is None and again[2] == "?"


def test_mon005_a_device_kind_click_filters_the_alarm_panels(page):
    m = extra_screens.period_bounds("year")
    state = _state(page, street=QIBAO, period="year")
    new = page.update_filters(
        page.IDS.id("devices-graph"), {"points": [{"customdata": "elevator_iot"}]}, state, VIEW
    )[0]
    assert new == {**state, "kind": "elevator_iot"}
    figs, _ = page._draw(page.ViewParams.from_query(VIEW), new)
    kinds = monitoring.alarms_by_kind(m["start"], m["end"], (QIBAO,), "elevator_iot")
    assert _bars(figs["alarms"]) == {r.alarm_kind: float(r.n) for r in kinds.itertuples() if r.n > 0}
    assert kinds["n"].sum() > 0 and set(_bars(figs["alarms"])) <= {"entrapment", "offline"}
    funnel = monitoring.alarm_funnel(m["start"], m["end"], (QIBAO,), "elevator_iot")
    assert list(figs["funnel"].data[0].x) == funnel["n"].tolist()
    rows, _ = page.update_grid(new)
    assert (
        rows
        and {r["kind"] for r in rows} == {"电梯物联网终端"}
        and {r["street_name"] for r in rows} == {"七宝镇"}
    )
    # the street narrows the KPIs too
    values = {k: v for card in figs["kpis"] for k, v in _kpi_values(card).items()}
    scoped = indicators.kpis(page.KPI_IDS, "year", (QIBAO,)).set_index("indicator_id")["value"]
    for i in page.KPI_IDS:
        assert float(values[i]) == pytest.approx(scoped[i], rel=1e-6, abs=1e-6), i
    down = [
        monitoring.devices("elevator_iot", (QIBAO,), None, st, page.DOWN_LIMIT).frame
        for st in ("fault", "offline")
    ]
    ids = {d for f in down for d in f["device_id"]}
    listed = {str(_props(c).get("children")) for c in _walk(figs["down"])} & ids
    assert listed == ids
    if not ids:
        assert "没有离线或故障设备" in str(figs["down"].children.children)


def test_mon006_a_month_of_the_trend_sets_the_period(page):
    state = _state(page, kind="kitchen_camera")
    out = page.update_filters(
        page.IDS.id("trend-graph"), {"points": [{"customdata": "2026-10"}]}, state, VIEW
    )
    assert out[0]["period"] == "2026-10" and out[3] == "2026-10"
    assert {"label": "2026年10月", "value": "2026-10"} in out[4]
    assert "period=2026-10" in out[2] and "kind=kitchen_camera" in out[2]
    figs, _ = page._draw(page.ViewParams.from_query(VIEW), out[0])
    oct_ = extra_screens.period_bounds("2026-10")
    kinds = monitoring.alarms_by_kind(oct_["start"], oct_["end"], None, "kitchen_camera")
    assert sum(_bars(figs["alarms"]).values()) == kinds["n"].sum()
    assert figs["trend"].layout.shapes  # the chosen month is shaded


def test_mon007_bad_link_parameters_fall_back_with_a_visible_note(page):
    layout = page.layout(street="nowhere", period="2026-99", venue="school_canteen", kind="toaster")
    state = _by_id(layout, page.IDS.id("state")).data
    assert state == _state(page, venue="school_canteen")
    note = _by_id(layout, page.IDS.id("link-notes"))
    text = " ".join(str(c) for c in note.children)
    assert "nowhere" in text and "2026-99" in text and "toaster" in text


def test_mon008_export_matches_the_read_api(page):
    state = _state(page, street=QIBAO, kind="kitchen_camera")
    expected = monitoring.devices("kitchen_camera", (QIBAO,), limit=5000).frame
    csv = page.export_file(state, "csv")
    assert csv["filename"].endswith(".csv")
    table = pd.read_csv(io.BytesIO(base64.b64decode(csv["content"])), encoding="utf-8-sig", dtype=str)
    assert table["设备编号"].tolist() == expected["device_id"].tolist()
    assert set(table["街镇"]) == {"七宝镇"} and set(table["设备类型"]) == {"明厨亮灶摄像头"}
    xlsx = page.export_file(state, "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == expected["device_id"].tolist()


# --- the video wall -------------------------------------------------------------------------------


def test_mon009_stream_addresses_decide_the_tile():
    assert charts.stream_kind("/video/CAM1/index.m3u8") == "video"
    assert charts.stream_kind("/video/CAM1/stream.mjpg") == "image"
    assert charts.stream_kind("/snap/CAM1.JPG") == "image"
    for external in (
        "http://video.mhscjg.internal/hls/CAM000602/index.m3u8",
        "https://example.com/a.mjpg",
        "//cdn.example.com/a.m3u8",
        "rtsp://10.0.0.1/live",
        "video/relative.m3u8",
    ):
        assert charts.stream_kind(external) == "external", external
    assert charts.stream_kind(None) == charts.stream_kind("  ") == charts.stream_kind(float("nan")) == "none"
    frame = pd.DataFrame(
        {
            "device_id": ["CAM1", "CAM2", "CAM3", "CAM4"],
            "venue_category": ["school_canteen"] * 4,
            "status": ["online", "online", "offline", "fault"],
            "uscc": ["91310112MA1H8ALP3X", None, None, None],
            "entity_name": ["某学校食堂", None, "某餐馆", "某厨房"],
            "street_code": [QIBAO] * 4,
            "stream_url": ["/video/CAM1/index.m3u8", "/video/CAM2.mjpeg", "http://x.internal/a.m3u8", None],
        }
    )
    wall = charts.video_wall(frame, {QIBAO: "七宝镇"}, mode="analyst", tiles=4)
    tiles = _tiles(wall)
    assert [t["data-stream"] for t in tiles] == ["video", "image", "external", "none"]
    media = [c for c in _walk(wall) if isinstance(c, html.Video | html.Img)]
    assert [type(c).__name__ for c in media] == ["Video", "Img"]
    # HLS is handed to assets/video.js (native HLS or hls.js); an MJPEG stream is an image
    played = [_props(c).get("data-hls") or c.src for c in media]
    assert played == ["/video/CAM1/index.m3u8", "/video/CAM2.mjpeg"]
    texts = [str(_props(c).get("children")) for c in _walk(wall)]
    assert texts.count("无视频流") == 2 and any("不在本平台" in t for t in texts) and "某餐馆" in texts
    assert any(_props(c).get("href") == "/entity/91310112MA1H8ALP3X" for c in _walk(wall))
    assert "七宝镇" in texts and "离线" in texts and "故障" in texts
    empty = charts.video_wall(frame.iloc[:0], {}, mode="wall")
    assert "没有明厨亮灶摄像头" in str(empty.children.children)


def test_mon010_the_screen_never_points_the_browser_at_another_host(page):
    """The synthetic district's stream addresses are on another host: shown as "无视频流", never loaded."""
    cams = monitoring.devices("kitchen_camera", limit=500).frame
    with_url = cams[cams["stream_url"].notna()]
    assert len(with_url) and all(charts.stream_kind(u) == "external" for u in with_url["stream_url"])
    device = with_url.iloc[0]
    state = _state(page, venue=device["venue_category"])
    figs, _ = page._draw(page.ViewParams.from_query(VIEW), state)
    cameras = page._cameras(state, None, ())
    assert device["device_id"] in set(cameras["device_id"])
    for mode in (VIEW, WALL):
        layout = page.layout(**{k: v for k, v in mode.items() if v}, venue=device["venue_category"])
        srcs = [_props(c).get("src") for c in _walk(layout) if _props(c).get("src")]
        assert not [s for s in srcs if not str(s).startswith("/")], srcs
    tiles = {t["data-device"]: t["data-stream"] for t in _tiles(figs["video"])}
    assert set(tiles.values()) <= {"none", "external"}


# --- the wall refresh -----------------------------------------------------------------------------


def test_mon011_the_wall_refreshes_and_says_when_data_is_late(page, monkeypatch):
    state = _state(page)
    n = 1 + len(page.GRAPHS) + 2
    status = {"title": "远程监控", "data_time": "2026-11-20T23:00:00", "live": True}
    ok = run_refresh(page.refresh, n, (state, WALL), status, slug="monitoring")
    assert ok[-1]["ok"] is True and len(ok) == n + 1
    wall_cards = {k: v for card in ok[0] for k, v in _kpi_values(card).items()}
    assert set(wall_cards) == set(page.KPI_IDS)
    assert ok[-3].className == "mon-wall mon-wall--wall" and len(_tiles(ok[-3])) == page.WALL_TILES["wall"]

    def down(*_args, **_kwargs):
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(page.read, "device_summary", down)
    late = run_refresh(page.refresh, n, (state, WALL), status, slug="monitoring")
    assert late[-1]["ok"] is False and late[-1]["error"] == "ConnectionError"
    assert late[-1]["data_time"] == status["data_time"]
    assert all(v is not None and type(v).__name__ == "NoUpdate" for v in late[:-1])
    # a layout whose read fails still renders the frame, with the banner's state
    broken = page.layout(**WALL)
    assert broken.id == "page-monitoring"
    store = next(p for p in map(_props, _walk(broken)) if p.get("id") == page.IDS.status)
    assert store["data"]["ok"] is False


# --- intranet video platforms (SMARTSUP_VIDEO_HOSTS) -------------------------------------------------


def test_mon_video_hosts_decide_which_streams_play():
    from components.charts_monitoring import stream_kind, video_wall
    from components.layout import ViewParams
    from dashboard.settings import Settings

    hls = "http://video.mhscjg.internal/hls/CAM000001/index.m3u8"
    intra = ("http://video.mhscjg.internal",)
    assert stream_kind(hls) == "external"
    assert stream_kind(hls, intra) == "video"
    assert stream_kind("http://video.mhscjg.internal:8080/x.m3u8", intra) == "external"  # another origin
    assert stream_kind("http://cam.intra/live.mjpg", ("http://cam.intra",)) == "image"
    assert stream_kind("javascript:alert(1)", ("javascript://",)) == "external"
    assert stream_kind(hls, None) == "video" and stream_kind(None, None) == "none"
    # the setting reaches the pages through the app configuration
    settings = Settings(video_hosts=" http://video.mhscjg.internal/ , HTTPS://Cam.Intra:8443")
    assert settings.video_origins == ("http://video.mhscjg.internal", "https://cam.intra:8443")
    view = ViewParams.from_query({"app_config": {"video_hosts": list(settings.video_origins)}})
    assert view.video_hosts == settings.video_origins
    assert ViewParams.from_query(view.as_query()).video_hosts == settings.video_origins
    frame = pd.DataFrame({
        "device_id": ["CAM1", "CAM2"], "stream_url": [hls, "http://elsewhere.example/x.m3u8"],
        "entity_name": ["甲", "乙"], "uscc": ["", ""], "venue_category": ["school", "school"],
        "status": ["online", "online"], "street_code": ["310112102000", "310112102000"],
    })
    wall = video_wall(frame, {}, mode="wall", tiles=2, allowed=intra)
    players = [c for c in _walk(wall) if isinstance(c, html.Video)]
    assert [_props(c).get("data-hls") for c in players] == [hls]     # played (by assets/video.js)
    assert "elsewhere.example" not in str(wall.to_plotly_json())     # never handed to the browser
    assert [str(_props(c).get("children")) for c in _walk(wall)].count("无视频流") == 1
