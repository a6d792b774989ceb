"""The indicator library: every core indicator against independent SQL on the raw tables.

The expected values below are written from data.md §6 directly against the source tables; they
share no code with the marts, so a mart that drops, double-counts or mis-buckets rows fails here.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from data_access import indicators as lib
from data_access import marts
from data_access.db import make_engine
from data_access.freshness import data_time
from tests.test_refresh import refreshed_copy, refreshed_pg

PERIODS = [
    (date(2026, 11, 1), date(2026, 12, 1)),  # this month (of the small store's data time)
    (date(2025, 3, 17), date(2026, 2, 9)),  # ragged: day edges around whole months
    (date(2024, 1, 1), date(2025, 1, 1)),  # a whole year
]
SCOPES = [None, ("310112102000",), ("310112101000", "310112114000")]


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory, small_store_url):
    engine = make_engine(refreshed_copy(tmp_path_factory, small_store_url))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def engine(request):
    if request.param == "postgres":
        return refreshed_pg(request.getfixturevalue("small_pg_engine"))
    return request.getfixturevalue("sqlite_store")


def _scalar(conn, sql: str, alias: str, scope, **params):
    clause = f" AND {alias}.street_code IN :scope" if scope else ""
    stmt = sa.text(sql.replace("{scope}", clause))
    if scope:
        stmt = stmt.bindparams(sa.bindparam("scope", expanding=True))
        params["scope"] = list(scope)
    return conn.execute(stmt, params).one()


def _count(conn, sql, alias, scope, **params):
    return int(_scalar(conn, sql, alias, scope, **params)[0] or 0)


def _ratio(conn, sql, alias, scope, **params):
    num, den = _scalar(conn, sql, alias, scope, **params)
    return None if not den else float(num) / float(den)


def raw_values(conn, start: date, end: date, scope, credit: pd.DataFrame) -> dict[str, float | None]:
    """Every core indicator computed straight from the source tables."""
    d = data_time(conn).date()
    p = {"start": start, "end": end}
    v: dict[str, float | None] = {}
    ent = "SELECT count(*) FROM entity e WHERE e.status = 'active'{scope}"
    v["entity.active_total"] = _count(conn, ent, "e", scope)
    v["entity.active_enterprise"] = _count(conn, ent + " AND e.entity_type = 'enterprise'", "e", scope)
    v["entity.active_individual"] = _count(conn, ent + " AND e.entity_type = 'individual'", "e", scope)
    v["entity.new_registrations"] = _count(
        conn,
        "SELECT count(*) FROM entity e WHERE e.established_on >= :start AND e.established_on < :end{scope}",
        "e",
        scope,
        **p,
    )
    v["entity.deregistrations"] = _count(
        conn,
        "SELECT count(*) FROM entity e WHERE e.status IN ('cancelled', 'revoked') "
        "AND e.status_changed_on >= :start AND e.status_changed_on < :end{scope}",
        "e",
        scope,
        **p,
    )
    ents = pd.read_sql(
        sa.text(
            "SELECT uscc, street_code FROM entity WHERE status = 'active' AND entity_type = 'enterprise'"
        ),
        conn,
    )
    ents["uscc"] = ents["uscc"].str.strip()
    if scope:
        ents = ents[ents["street_code"].isin(scope)]
    classes = ents.merge(credit, on="uscc", how="left")["risk_class"]
    for c in "ABCD":
        v[f"credit.class_share.{c}"] = float((classes == c).sum()) / len(classes) if len(classes) else None
    v["complaint.received"] = _count(
        conn,
        "SELECT count(*) FROM complaint c WHERE c.received_at >= :start AND c.received_at < :end{scope}",
        "c",
        scope,
        **p,
    )
    v["complaint.ontime_rate"] = _ratio(
        conn,
        "SELECT sum(CASE WHEN c.closed_at <= c.due_at THEN 1 ELSE 0 END), count(*) FROM complaint c "
        "WHERE c.closed_at >= :start AND c.closed_at < :end{scope}",
        "c",
        scope,
        **p,
    )
    v["complaint.satisfaction_rate"] = _ratio(
        conn,
        "SELECT sum(CASE WHEN c.satisfied THEN 1 ELSE 0 END), count(c.satisfied) FROM complaint c "
        "WHERE c.closed_at >= :start AND c.closed_at < :end{scope}",
        "c",
        scope,
        **p,
    )
    case = "SELECT {what} FROM case_file f JOIN entity e ON e.uscc = f.uscc WHERE {cond}{scope}"
    v["case.opened"] = _count(
        conn,
        case.format(what="count(*)", cond="f.opened_on >= :start AND f.opened_on < :end", scope="{scope}"),
        "e",
        scope,
        **p,
    )
    v["case.closed"] = _count(
        conn,
        case.format(what="count(*)", cond="f.closed_on >= :start AND f.closed_on < :end", scope="{scope}"),
        "e",
        scope,
        **p,
    )
    fines = _scalar(
        conn,
        case.format(
            what="sum(coalesce(f.fine_amount, 0))",
            cond="f.decided_on >= :start AND f.decided_on < :end",
            scope="{scope}",
        ),
        "e",
        scope,
        **p,
    )[0]
    v["case.fines_total"] = float(fines or 0)
    v["case.overdue_open"] = _count(
        conn,
        case.format(what="count(*)", cond="f.closed_on IS NULL AND f.opened_on < :d90", scope="{scope}"),
        "e",
        scope,
        d90=d - timedelta(days=90),
    )
    # 立案已满 60 天、未超过 90 天: the same boundaries as the near-limit list of the 稽查办案 screen
    v["case.approaching_limit"] = _count(
        conn,
        case.format(
            what="count(*)", cond="f.closed_on IS NULL AND f.opened_on >= :d90 AND f.opened_on <= :d60",
            scope="{scope}",
        ),
        "e",
        scope,
        d90=d - timedelta(days=90),
        d60=d - timedelta(days=60),
    )
    for level in ("red", "orange", "yellow", "blue"):
        v[f"warning.open.{level}"] = _count(
            conn,
            "SELECT count(*) FROM warning w WHERE w.level = :level "
            "AND w.status IN ('pending', 'handling'){scope}",
            "w",
            scope,
            level=level,
        )
    v["device.online_rate"] = _ratio(
        conn,
        "SELECT sum(CASE WHEN d.status = 'online' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN d.status <> 'retired' THEN 1 ELSE 0 END) FROM device d WHERE 1 = 1{scope}",
        "d",
        scope,
    )
    v["device.kitchen_cameras"] = _count(
        conn, "SELECT count(*) FROM device d WHERE d.kind = 'kitchen_camera'{scope}", "d", scope
    )
    v["equipment.elevators"] = _count(
        conn,
        "SELECT count(*) FROM equipment q WHERE q.kind = 'elevator' AND q.status = 'in_use'{scope}",
        "q",
        scope,
    )
    v["equipment.overdue_inspection"] = _count(
        conn,
        "SELECT count(*) FROM equipment q WHERE q.status = 'in_use' AND q.next_inspection_due < :d{scope}",
        "q",
        scope,
        d=d,
    )
    v["incident.open"] = _count(
        conn,
        "SELECT count(*) FROM incident i WHERE i.status NOT IN ('resolved', 'closed'){scope}",
        "i",
        scope,
    )
    v["inspection.done_rate"] = _ratio(
        conn,
        "SELECT sum(CASE WHEN i.done_on IS NOT NULL THEN 1 ELSE 0 END), count(*) FROM inspection i "
        "JOIN entity e ON e.uscc = i.uscc WHERE i.kind = 'double_random' "
        "AND i.planned_on >= :start AND i.planned_on < :end{scope}",
        "e",
        scope,
        **p,
    )
    v["inspection.problem_rate"] = _ratio(
        conn,
        "SELECT sum(CASE WHEN i.result <> 'normal' THEN 1 ELSE 0 END), count(*) FROM inspection i "
        "JOIN entity e ON e.uscc = i.uscc WHERE i.done_on >= :start AND i.done_on < :end{scope}",
        "e",
        scope,
        **p,
    )
    return v


@pytest.fixture(scope="module")
def credit_classes(engine):
    from data_access.models import compute_models

    with engine.connect() as conn:
        out = compute_models(conn, data_time(conn).date())["credit_risk"][["uscc", "risk_class"]]
    return out.assign(uscc=out["uscc"].astype(str).str.strip())


#: Indicators beyond the core ones (data.md §6) that raw_values() also computes independently.
ALSO_CHECKED = ("case.approaching_limit",)


@pytest.mark.postgres
@pytest.mark.parametrize("scope", SCOPES, ids=["district", "qibao", "two-streets"])
@pytest.mark.parametrize("period", PERIODS, ids=["this-month", "ragged", "year-2024"])
def test_ind001_core_indicators_match_raw_sql(engine, credit_classes, period, scope):
    start, end = period
    with engine.connect() as conn:
        expected = raw_values(conn, start, end, scope, credit_classes)
        r = marts.reader(conn)
        got = lib.evaluate(r, (*lib.CORE_IDS, *ALSO_CHECKED), start=start, end=end, scope=scope)
    got = dict(zip(got["indicator_id"], got["value"], strict=True))
    assert set(expected) == {*lib.CORE_IDS, *ALSO_CHECKED}
    for k, want in expected.items():
        have = None if pd.isna(got[k]) else got[k]
        if want is None:
            assert have is None, k
        elif isinstance(want, int):
            assert have == want, (k, have, want)
        else:
            assert have == pytest.approx(want, rel=1e-9, abs=1e-6), (k, have, want)


def test_ind002_core_values_are_not_trivial(sqlite_store):
    """Guard against a comparison of zeros with zeros: the small district has real activity."""
    with sqlite_store.connect() as conn:
        r = marts.reader(conn)
        got = lib.evaluate(r, lib.CORE_IDS, start=date(2025, 1, 1), end=date(2026, 1, 1))
    v = dict(zip(got["indicator_id"], got["value"], strict=True))
    for k in (
        "entity.active_total",
        "entity.new_registrations",
        "complaint.received",
        "case.opened",
        "device.kitchen_cameras",
        "equipment.elevators",
    ):
        assert v[k] > 0, k
    assert 0.9 < v["complaint.ontime_rate"] <= 1.0
    assert 0 < v["credit.class_share.A"] < 1
    assert sum(v[f"credit.class_share.{c}"] for c in "ABCD") == pytest.approx(1.0, abs=0.01)


def test_ind003_catalogue_is_complete():
    cat = lib.catalogue_frame()
    assert len(cat) >= 60
    assert cat["id"].is_unique
    required = {
        "entity.active_total",
        "entity.active_enterprise",
        "entity.active_individual",
        "entity.new_registrations",
        "entity.deregistrations",
        "complaint.received",
        "complaint.ontime_rate",
        "complaint.satisfaction_rate",
        "case.opened",
        "case.closed",
        "case.fines_total",
        "case.overdue_open",
        "device.online_rate",
        "device.kitchen_cameras",
        "equipment.elevators",
        "equipment.overdue_inspection",
        "incident.open",
        "inspection.done_rate",
        "inspection.problem_rate",
        *(f"credit.class_share.{c}" for c in "ABCD"),
        *(f"warning.open.{lv}" for lv in ("red", "orange", "yellow", "blue")),
    }
    assert set(lib.CORE_IDS) == required
    for field in ("name", "definition", "unit", "grain", "theme"):
        assert cat[field].str.len().min() > 0, field
    assert set(cat["kind"]) == {"state", "period"}
    rates = cat[cat["value_type"] == "rate"]
    assert (rates["unit"] == "比例").all()
    assert set(cat.loc[cat["value_type"] == "duration", "unit"]) == {"分钟"}
    assert set(cat.loc[cat["value_type"] == "money", "unit"]) == {"元"}


def test_ind004_breakdowns_add_up(sqlite_store):
    start, end = PERIODS[1]
    with sqlite_store.connect() as conn:
        r = marts.reader(conn)
        total = lib.value(r, "complaint.received", start=start, end=end)
        by_street = lib.evaluate(r, ["complaint.received"], start=start, end=end, by=("street_code",))
        by_month = lib.evaluate(r, ["complaint.received"], start=start, end=end, by=("month",))
        by_day = lib.evaluate(r, ["complaint.received"], start=start, end=end, by=("day",))
        filtered = lib.evaluate(r, ["complaint.received"], start=start, end=end, where={"channel": "12345"})
        channel = lib.evaluate(r, ["complaint.received"], start=start, end=end, by=("channel",))
        with pytest.raises(ValueError, match="不能按"):
            lib.evaluate(r, ["entity.active_total"], by=("channel",))
        with pytest.raises(ValueError, match="start/end"):
            lib.evaluate(r, ["complaint.received"])
        with pytest.raises(KeyError):
            lib.get("no.such.indicator")
    assert total > 0
    assert by_street["value"].sum() == total
    assert by_month["value"].sum() == total
    assert by_day["value"].sum() == total
    assert by_month["month"].min() == pd.Timestamp("2025-03-01")
    assert filtered["value"].iloc[0] == channel.set_index("channel").loc["12345", "value"]


def test_ind005_stored_standard_values_match(sqlite_store):
    with sqlite_store.connect() as conn:
        r = marts.reader(conn)
        t = r.table("indicator_value")
        stored = r.frame(sa.select(t))
        periods = lib.standard_periods(data_time(conn).date())
        lo, hi = periods["month"]
        fresh = lib.evaluate(r, [i.id for i in lib.CATALOGUE if i.kind == "period"], start=lo, end=hi)
    month = stored[stored["period"] == "month"].set_index("indicator_id")["value"]
    fresh = fresh.set_index("indicator_id")["value"]
    pd.testing.assert_series_equal(month.sort_index(), fresh.sort_index(), check_names=False)
    assert set(stored["period"]) == {"state", *periods}
    assert periods["week"] == (date(2026, 11, 16), date(2026, 11, 23))  # ISO week of Friday 2026-11-20
    assert periods["ytd_last_year"] == (date(2025, 1, 1), date(2025, 11, 21))


def test_ind006_indicators_command(sqlite_store):
    from dashboard.cli import main

    url = sqlite_store.url.render_as_string(hide_password=False)
    runner = CliRunner()
    res = runner.invoke(
        main, ["--database-url", url, "indicators", "--json", "--start", "2025-03-17", "--end", "2026-02-09"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["data_time"].startswith("2026-11-20")
    assert doc["period"] == {"start": "2025-03-17", "end": "2026-02-09"}
    rows = {row["id"]: row for row in doc["indicators"]}
    assert len(rows) == len(lib.CATALOGUE)
    assert {"id", "name", "definition", "unit", "value"} <= set(rows["complaint.received"])
    with sqlite_store.connect() as conn:
        r = marts.reader(conn)
        assert rows["complaint.received"]["value"] == lib.value(
            r, "complaint.received", start=PERIODS[1][0], end=PERIODS[1][1]
        )
        assert rows["entity.active_total"]["value"] == lib.value(r, "entity.active_total")
    assert isinstance(rows["entity.active_total"]["value"], int)
    text = runner.invoke(main, ["--database-url", url, "indicators"])
    assert text.exit_code == 0 and "在营市场主体" in text.output and "2026-11-01" in text.output


def test_ind007_docs_match_the_catalogue():
    from pathlib import Path

    doc = Path(__file__).resolve().parent.parent / "docs" / "indicators.md"
    assert doc.read_text(encoding="utf-8") == lib.catalogue_markdown(), (
        "docs/indicators.md is stale: run `smartsup indicators --markdown > docs/indicators.md`"
    )


def test_ind008_period_plan_routes_edges(sqlite_store):
    from data_access.marts import CUBES

    with sqlite_store.connect() as conn:
        r = marts.reader(conn)
        window = date.fromisoformat(r.info()["day_window_start"])
        plan = r._plan(CUBES["complaint_recv"], date(2025, 3, 17), date(2026, 11, 21), ())
        assert window == date(2025, 10, 16)
        assert plan == [
            ("raw", date(2025, 3, 17), date(2025, 4, 1)),
            ("month", date(2025, 4, 1), date(2026, 11, 1)),
            ("day", date(2026, 11, 1), date(2026, 11, 21)),
        ]
        assert r._plan(CUBES["complaint_recv"], date(2025, 10, 1), date(2025, 10, 20), ()) == [
            ("raw", date(2025, 10, 1), date(2025, 10, 16)),
            ("day", date(2025, 10, 16), date(2025, 10, 20)),
        ]
        assert r._plan(CUBES["complaint_entity"], date(2026, 1, 1), date(2026, 3, 1), ()) == [
            ("day", date(2026, 1, 1), date(2026, 3, 1)),
        ]
