"""The read API on the small district (SQLite and PostgreSQL): shapes, cross-checks, validation, masking."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import cache
from data_access.api import complaints, entities, entity_file, geo, indicators, overview, search, status
from data_access.api._base import mask_name, mask_phone
from data_access.db import store
from data_access.uscc import InvalidUSCC, make_uscc
from tests.test_refresh import refreshed_copy, refreshed_pg

MONTH = (date(2026, 11, 1), date(2026, 12, 1))
YEAR = (date(2026, 1, 1), date(2027, 1, 1))
QIBAO = ("310112102000",)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api(request, tmp_path_factory, small_store_url):
    """The process store bound to a refreshed small district; reads uncached."""
    cache.reset()
    if request.param == "postgres":
        engine = refreshed_pg(request.getfixturevalue("small_pg_engine"))
        url = engine.url.render_as_string(hide_password=False)
    else:
        url = refreshed_copy(tmp_path_factory, small_store_url)
    store.configure(url)
    yield store.engine
    store.dispose()


def _raw(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


@pytest.mark.postgres
def test_api001_status(api):
    h = status.health()
    assert h["status"] == "ok" and h["database"] == "ok"
    assert h["data_time"].startswith("2026-11-20")
    s = status.data_status()
    assert s["data_version"] >= 1 and s["refreshed_at"] and s["data_time"].startswith("2026-11-20")


def test_api002_health_never_raises():
    previous = store.url
    store.configure("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        h = status.health()
    finally:
        store.dispose()
        if previous:
            store.configure(previous)
    assert h["status"] == "error" and h["database"] == "error" and h["data_time"] is None


@pytest.mark.postgres
def test_api003_overview(api):
    k = overview.overview_kpis()
    assert list(k["indicator_id"])[:3] == ["entity.active_total", "complaint.received", "complaint.received"]
    active = k.loc[k["indicator_id"] == "entity.active_total", "value"].iloc[0]
    assert active == _raw(api, "SELECT count(*) FROM entity WHERE status = 'active'")
    today = k[(k["indicator_id"] == "complaint.received") & (k["period"] == "today")]["value"].iloc[0]
    assert today == _raw(
        api,
        "SELECT count(*) FROM complaint WHERE received_at >= :a AND received_at < :b",
        a=date(2026, 11, 20),
        b=date(2026, 11, 21),
    )
    rate = k.loc[k["indicator_id"] == "device.online_rate", "value"].iloc[0]
    assert 0 < rate <= 1
    ev = overview.live_events(hours=48, limit=5)
    assert set(ev["kind"]) <= {"complaint", "warning", "alarm", "incident"} and len(ev) > 0
    assert ev["at"].is_monotonic_decreasing and ev["lon"].notna().all()
    assert (ev.groupby("kind").size() <= 5).all()
    w = overview.latest_warnings(limit=3)
    assert len(w) == 3 and w.truncated
    assert w.frame["raised_at"].is_monotonic_decreasing
    assert w.frame["raised_at"].iloc[0] == pd.Timestamp(_raw(api, "SELECT max(raised_at) FROM warning"))
    q = overview.latest_warnings(limit=50, scope=QIBAO)
    assert set(q.frame["street_code"]) == set(QIBAO)


@pytest.mark.postgres
def test_api004_entities(api):
    by_type = entities.entities_by_type()
    assert by_type["n"].sum() == _raw(api, "SELECT count(*) FROM entity WHERE status = 'active'")
    assert by_type.set_index("entity_type").loc["enterprise", "share"] > 0.5
    trend = entities.registration_trend(*YEAR)
    assert len(trend) == 12 and trend["month"].iloc[0] == pd.Timestamp("2026-01-01")
    assert trend["new"].sum() == _raw(
        api,
        "SELECT count(*) FROM entity WHERE established_on >= :a AND established_on < :b",
        a=YEAR[0],
        b=YEAR[1],
    )
    assert (trend["net"] == trend["new"] - trend["deregistered"]).all()
    mix = entities.industry_mix(scope=QIBAO)
    assert mix["n"].sum() == _raw(
        api, "SELECT count(*) FROM entity WHERE status = 'active' AND street_code = '310112102000'"
    )
    assert mix["n"].is_monotonic_decreasing and mix["section_name"].str.len().min() > 0
    streets = entities.entities_by_street()
    assert len(streets) == 14 and (streets["per_km2"] > 0).all()
    credit = entities.credit_class_split()
    assert list(credit["risk_class"][:4]) == ["A", "B", "C", "D"]
    assert credit["share"].sum() == pytest.approx(1.0)
    lists = entities.credit_list_counts()
    assert lists.set_index("list").loc["abnormal_operation", "n_current"] == _raw(
        api,
        "SELECT count(*) FROM credit_list WHERE list = 'abnormal_operation' AND listed_on <= '2026-11-20' "
        "AND (removed_on IS NULL OR removed_on > '2026-11-20')",
    )
    grow = entities.top_growing_industries(*YEAR, limit=5)
    assert len(grow) == 5 and grow["new"].is_monotonic_decreasing
    dyn = entities.entity_dynamics(date(2026, 6, 1), date(2026, 12, 1))
    assert len(dyn) == 6
    assert dyn["stock_end"].iloc[-1] >= by_type["n"].sum() - 1  # month-end stock of the current month


@pytest.mark.postgres
def test_api005_complaints(api):
    by_channel = complaints.complaints_by("channel", *MONTH)
    total = _raw(
        api,
        "SELECT count(*) FROM complaint WHERE received_at >= :a AND received_at < :b",
        a=MONTH[0],
        b=MONTH[1],
    )
    assert by_channel["n"].sum() == total and len(by_channel) == 7
    by_cat = complaints.complaints_by("category", *MONTH, channel="12345")
    assert by_cat["n"].sum() == by_channel.set_index("channel").loc["12345", "n"]
    streets = complaints.complaints_by("street_code", *MONTH, scope=QIBAO)
    assert list(streets["street_code"]) == list(QIBAO)
    trend = complaints.complaint_trend(*YEAR)
    assert len(trend) == 12 and trend["n"].sum() == _raw(
        api,
        "SELECT count(*) FROM complaint WHERE received_at >= :a AND received_at < :b",
        a=YEAR[0],
        b=YEAR[1],
    )
    assert trend["n_last_year"].sum() == _raw(
        api, "SELECT count(*) FROM complaint WHERE received_at >= '2025-01-01' AND received_at < '2026-01-01'"
    )
    rates = complaints.complaint_rates(*MONTH).set_index("indicator_id")["value"]
    assert rates["complaint.received"] == total and 0.9 < rates["complaint.ontime_rate"] <= 1
    top = complaints.top_complained_entities(*YEAR, limit=5)
    first = top.iloc[0]
    assert first["n"] == _raw(
        api,
        "SELECT count(*) FROM complaint WHERE uscc = :u AND received_at >= :a AND received_at < :b",
        u=first["uscc"],
        a=YEAR[0],
        b=YEAR[1],
    )
    assert top["n"].is_monotonic_decreasing and top["name"].notna().all()
    words = complaints.complaint_hot_words(*YEAR, limit=10)
    assert len(words) == 10 and words["n"].is_monotonic_decreasing and words["word"].str.len().min() >= 2
    rows = complaints.complaint_list(*MONTH, limit=5)
    assert len(rows) == 5 and rows.truncated
    names = rows.frame["complainant_name"].dropna()
    assert names.str.contains(r"\*").all()
    phones = rows.frame["complainant_phone"].dropna()
    assert phones.str.fullmatch(r"\d{3}\*{4}\d{4}").all()
    plain = complaints.complaint_list(*MONTH, limit=5, unmasked=True)
    assert not plain.frame["complainant_phone"].dropna().str.contains(r"\*").any()


@pytest.mark.postgres
def test_api006_entity_file(api):
    uscc = _raw(
        api,
        "SELECT uscc FROM complaint WHERE uscc IS NOT NULL GROUP BY uscc ORDER BY count(*) DESC, uscc "
        "LIMIT 1",
    ).strip()
    f = entity_file.entity_file(uscc)
    assert f.uscc == uscc and f.registration["name"] and f.registration["street_name"]
    rep = _raw(api, "SELECT legal_rep_name FROM entity WHERE uscc = :u", u=uscc)
    assert f.registration["legal_rep_name"] == mask_name(rep) != rep
    n_complaints = _raw(api, "SELECT count(*) FROM complaint WHERE uscc = :u", u=uscc)
    assert (f.timeline["kind"] == "complaint").sum() == min(n_complaints, 500)
    assert f.timeline["at"].is_monotonic_decreasing
    assert set(f.facets) == {"qualification", "supervision", "complaint", "enforcement", "credit"}
    assert all(0 <= v <= 100 for v in f.facets.values())
    if f.registration["entity_type"] == "enterprise" and f.registration["status"] == "active":
        assert f.credit["risk_class"] in "ABCD"
    assert set(f.tags.columns) >= {"tag_id", "name"}
    unmasked = entity_file.entity_file(uscc, unmasked=True)
    assert unmasked.registration["legal_rep_name"] == rep and not unmasked.masked
    short = entity_file.entity_file(uscc, timeline_limit=2)
    assert len(short.timeline) == 2 and short.timeline_truncated
    with pytest.raises(InvalidUSCC):
        entity_file.entity_file("91310112ABCDEFGH1X")
    with pytest.raises(entity_file.EntityNotFound):
        entity_file.entity_file(make_uscc("1", "310112", "99999999"))


@pytest.mark.postgres
def test_api007_search(api):
    uscc, name, lic = (
        _raw(api, f"SELECT {c} FROM licence l JOIN entity e ON e.uscc = l.uscc ORDER BY l.licence_no LIMIT 1")
        for c in ("e.uscc", "e.name", "l.licence_no")
    )
    uscc = uscc.strip()
    assert search.search(uscc).frame.iloc[0]["uscc"] == uscc
    assert search.search(uscc.lower()).frame.iloc[0]["matched"] == "uscc"
    by_lic = search.search(lic)
    assert by_lic.frame.iloc[0]["uscc"] == uscc and by_lic.frame.iloc[0]["matched"] == "licence"
    by_name = search.search(name)
    assert uscc in set(by_name.frame["uscc"])
    many = search.search("有限公司", limit=3)
    assert len(many) == 3 and many.truncated
    assert search.search("   ").frame.empty
    assert search.search("%").frame.empty or (search.search("%").frame["name"].str.contains("%")).all()
    scoped = search.search("有限公司", limit=20, scope=QIBAO)
    assert set(scoped.frame["street_code"]) == set(QIBAO)


@pytest.mark.postgres
def test_api008_indicator_api(api):
    cat = indicators.indicator_catalogue()
    assert len(cat) >= 60 and cat["value"].notna().sum() > 50
    row = cat.set_index("id").loc["complaint.received"]
    assert row["period_start"] == date(2026, 11, 1) and row["period_end"] == date(2026, 12, 1)
    scoped = indicators.indicator_catalogue(scope=QIBAO).set_index("id")["value"]
    assert scoped["entity.active_total"] == _raw(
        api, "SELECT count(*) FROM entity WHERE status = 'active' AND street_code = '310112102000'"
    )
    k = indicators.kpis(("complaint.received", "entity.active_total"), "month")
    first = k.iloc[0]
    assert first["previous"] == _raw(
        api, "SELECT count(*) FROM complaint WHERE received_at >= '2026-10-01' AND received_at < '2026-11-01'"
    )
    assert first["last_year"] == _raw(
        api, "SELECT count(*) FROM complaint WHERE received_at >= '2025-11-01' AND received_at < '2025-11-21'"
    )
    assert k.iloc[1]["period"] == "state" and pd.isna(k.iloc[1]["previous"])
    vals = indicators.indicator_values(
        ("complaint.received", "complaint.ontime_rate"), *YEAR, by=("channel",)
    )
    assert set(vals["indicator_id"]) == {"complaint.received", "complaint.ontime_rate"}
    trend = indicators.indicator_trend("case.opened", date(2025, 7, 1), date(2026, 7, 1))
    assert len(trend) == 12 and "last_year" in trend
    with pytest.raises(ValueError):
        indicators.indicator_trend("entity.active_total", *YEAR)
    with pytest.raises(ValueError):
        indicators.kpis(("complaint.received",), "fortnight")


@pytest.mark.postgres
def test_api009_maps(api):
    polys = geo.street_polygons()
    assert polys["type"] == "FeatureCollection" and len(polys["features"]) == 14
    assert polys["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    ch = geo.street_choropleth("complaint.received", *YEAR)
    values = {f["id"]: f["properties"]["value"] for f in ch["features"]}
    assert sum(values.values()) == _raw(
        api,
        "SELECT count(*) FROM complaint WHERE received_at >= :a AND received_at < :b",
        a=YEAR[0],
        b=YEAR[1],
    )
    dens = geo.street_choropleth("entity.active_total", per_km2=True, scope=QIBAO)
    assert len(dens["features"]) == 1 and dens["features"][0]["properties"]["value"] > 0
    with pytest.raises(ValueError):
        geo.street_choropleth("complaint.received")


@pytest.mark.postgres
def test_api010_argument_validation(api):
    with pytest.raises(ValueError, match="未知街镇代码"):
        entities.entities_by_type(scope=("999999999999",))
    with pytest.raises(ValueError, match="晚于"):
        complaints.complaints_by("channel", date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(ValueError):
        complaints.complaints_by("colour", *MONTH)
    with pytest.raises(ValueError):
        complaints.complaints_by("channel", *MONTH, channel="fax")
    with pytest.raises(ValueError):
        complaints.complaint_list(*MONTH, limit=0)
    with pytest.raises(InvalidUSCC):
        complaints.complaint_list(*MONTH, uscc="123")
    assert complaints.complaints_by("channel", "2026-11-01", "2026-12-01")["n"].sum() > 0
    empty = complaints.complaints_by("channel", date(2026, 11, 1), date(2026, 11, 1))
    assert empty["n"].sum() == 0 and len(empty) == 7


def test_api011_masking_helpers():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_name(None) is None and mask_phone("") == ""


@pytest.mark.postgres
def test_api012_supervision_and_cases(api):
    from data_access.api import cases, supervision

    by_office = supervision.inspections_by_office(*YEAR)
    assert by_office["planned"].sum() == _raw(
        api,
        "SELECT count(*) FROM inspection WHERE kind = 'double_random' "
        "AND planned_on >= :a AND planned_on < :b",
        a=YEAR[0],
        b=YEAR[1],
    )
    assert by_office["office_name"].notna().all()
    results = supervision.inspection_results(*YEAR)
    assert results["n"].sum() == _raw(
        api, "SELECT count(*) FROM inspection WHERE done_on >= :a AND done_on < :b", a=YEAR[0], b=YEAR[1]
    )
    trend = supervision.inspection_trend(*YEAR)
    assert len(trend) == 12 and trend["planned"].sum() == by_office["planned"].sum()
    tasks = supervision.inspection_tasks(*YEAR, limit=5)
    assert len(tasks) <= 5 and tasks.frame["drawn_on"].is_monotonic_decreasing
    funnel = cases.case_funnel()
    assert list(funnel["stage"]) == list(cases.STAGES)
    assert funnel["n"].sum() == _raw(api, "SELECT count(*) FROM case_file")
    assert funnel["open"].sum() == _raw(api, "SELECT count(*) FROM case_file WHERE closed_on IS NULL")
    trend = cases.case_trend(*YEAR)
    assert trend["fines_yuan"].sum() == pytest.approx(
        float(
            _raw(
                api,
                "SELECT coalesce(sum(fine_amount), 0) FROM case_file "
                "WHERE decided_on >= :a AND decided_on < :b",
                a=YEAR[0],
                b=YEAR[1],
            )
        )
    )
    by_cause = cases.cases_by("cause", *YEAR)
    assert by_cause["opened"].sum() == trend["opened"].sum()
    near = cases.cases_near_limit(limit=1000)
    assert (near.frame["days_open"] >= 60).all()
    assert near.frame["overdue"].sum() == _raw(
        api, "SELECT count(*) FROM case_file WHERE closed_on IS NULL AND opened_on < :d", d=date(2026, 8, 22)
    )


@pytest.mark.postgres
def test_api013_warnings_monitoring_safety(api):
    from data_access.api import monitoring, safety, warnings

    by_level = warnings.warnings_by("level", *YEAR)
    assert list(by_level["level"]) == ["red", "orange", "yellow", "blue"]
    assert by_level["n"].sum() == _raw(
        api, "SELECT count(*) FROM warning WHERE raised_at >= :a AND raised_at < :b", a=YEAR[0], b=YEAR[1]
    )
    status = warnings.warning_status().set_index("level")
    assert status.loc["red", "open"] == _raw(
        api, "SELECT count(*) FROM warning WHERE level = 'red' AND status IN ('pending', 'handling')"
    )
    points = warnings.open_warning_points()
    assert len(points) == status["open"].sum() and points.frame["lon"].notna().all()
    rules = warnings.warning_rules()
    assert rules["raised"].sum() == _raw(api, "SELECT count(*) FROM warning")
    dev = monitoring.device_summary().set_index("kind")
    assert dev.loc["kitchen_camera", "online"] == _raw(
        api, "SELECT count(*) FROM device WHERE kind = 'kitchen_camera' AND status = 'online'"
    )
    funnel = monitoring.alarm_funnel(*YEAR).set_index("stage")
    assert funnel.loc["alarm", "n"] >= funnel.loc["pushed", "n"] >= funnel.loc["rectified", "n"] > 0
    cams = monitoring.devices("kitchen_camera", limit=4)
    assert len(cams) <= 4 and (cams.frame["kind"] == "kitchen_camera").all()
    sensor = _raw(api, "SELECT device_id FROM device_reading ORDER BY device_id LIMIT 1")
    readings = monitoring.sensor_readings(sensor, date(2026, 11, 1), date(2026, 11, 21))
    assert readings.frame["at"].is_monotonic_increasing
    licences = safety.licences_by_kind().set_index("kind")
    assert licences.loc["food_business", "valid"] == _raw(
        api, "SELECT count(*) FROM licence WHERE kind = 'food_business' AND status = 'valid'"
    )
    ages = safety.equipment_by_age()
    assert ages["n"].sum() == _raw(
        api, "SELECT count(*) FROM equipment WHERE kind = 'elevator' AND status = 'in_use'"
    )
    due = safety.equipment_inspection_due()
    assert due["overdue"].sum() == _raw(
        api, "SELECT count(*) FROM equipment WHERE status = 'in_use' AND next_inspection_due < '2026-11-20'"
    )
    grades = safety.catering_grades()
    assert grades["share"].sum() == pytest.approx(1.0)
    sampling = safety.sampling_by_category(*YEAR)
    assert sampling["failed"].sum() == _raw(
        api,
        "SELECT count(*) FROM food_sampling WHERE result = 'fail' AND sampled_on >= :a AND sampled_on < :b",
        a=YEAR[0],
        b=YEAR[1],
    )


@pytest.mark.postgres
def test_api014_emergency_efficacy_online_analysis(api):
    from data_access.api import analysis, efficacy, emergency, online

    assert emergency.open_incidents_by()["n"].sum() == _raw(
        api, "SELECT count(*) FROM incident WHERE status NOT IN ('resolved', 'closed')"
    )
    inc = emergency.incidents(open_only=False, limit=3)
    near = emergency.nearest_resources(inc.frame["id"].iloc[0], limit=5)
    assert near["distance_km"].is_monotonic_increasing and (near["status"] == "available").all()
    assert (near["eta_minutes"] > 0).all()
    with pytest.raises(LookupError):
        emergency.nearest_resources("NO-SUCH-INCIDENT")
    summary = emergency.resource_summary()
    assert summary["total"].sum() == _raw(api, "SELECT count(*) FROM resource")
    card = efficacy.office_scorecard()
    assert len(card) > 0 and card["rank"].is_monotonic_increasing
    radar = efficacy.office_radar(card["office_code"].iloc[0])
    assert len(radar) == 5 and radar["score"].between(0, 100).all()
    trend = efficacy.office_trend("SJ102", *YEAR)
    assert len(trend) == 12 and "complaint_ontime_rate" in trend
    stores = online.online_stores()
    assert stores["active"].sum() == _raw(api, "SELECT count(*) FROM online_store WHERE status = 'active'")
    ip = online.ip_rights(start=YEAR[0], end=YEAR[1]).set_index("kind")
    assert ip.loc["trademark", "held"] == _raw(api, "SELECT count(*) FROM ip_right WHERE kind = 'trademark'")
    cmp = analysis.compare(("complaint.received", "entity.active_total"), *MONTH).set_index("indicator_id")
    assert cmp.loc["complaint.received", "previous"] == _raw(
        api, "SELECT count(*) FROM complaint WHERE received_at >= '2026-10-02' AND received_at < '2026-11-01'"
    )
    assert pd.isna(cmp.loc["entity.active_total", "previous"])
    rank = analysis.ranking("complaint.received", "street_code", *YEAR, limit=3)
    assert (
        list(rank["rank"]) == [1, 2, 3]
        and rank["value"].is_monotonic_decreasing
        and rank["label"].str.len().min()
    )
    pv = analysis.pivot(("complaint.received", "complaint.ontime_rate"), *YEAR, "street_code")
    assert len(pv) == 14 and {"label", "complaint.received", "complaint.ontime_rate"} <= set(pv.columns)


@pytest.mark.postgres
def test_api015_raw_reads_give_the_same_answers(api):
    """The marts and the source tables agree, period edges inside and outside the day window."""
    from data_access.marts import raw_reads

    ragged = (date(2025, 3, 17), date(2026, 11, 21))
    calls = [
        lambda: complaints.complaints_by("category", *ragged, scope=QIBAO),
        lambda: complaints.complaint_trend(*ragged),
        lambda: entities.registration_trend(*ragged),
        lambda: entities.credit_class_split(),
        lambda: indicators.indicator_values(
            ("case.fines_total", "inspection.done_rate"), *ragged, by=("street_code",)
        ),
        lambda: complaints.top_complained_entities(*ragged, limit=5),
    ]
    for call in calls:
        marts_answer = call()
        with raw_reads():
            raw_answer = call()
        pd.testing.assert_frame_equal(marts_answer, raw_answer, check_dtype=False, rtol=1e-9)
