"""``smartsup bench``: each screen's data — warm, cold, and from the raw tables — plus refresh and memory.

For every screen the benchmark runs the screen's whole set of read-API calls:

* **warm** — the query cache filled (SimpleCache, in process);
* **cold** — the cache bypassed, every call reading the read-optimised layer;
* **raw** — the cache bypassed and ``data_access.marts.raw_reads()`` on: every aggregate is
  computed at read time from the source tables by the marts' own row definitions, i.e. the
  screen without marts. Its answers must equal the cold ones (checked in the same run).

Then the refresh of the whole layer (wall and CPU time), and the resident memory of a fresh
worker process after it has loaded every screen's data. Results go to a markdown file with the
command that reproduces them.
"""

from __future__ import annotations

import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import click
import pandas as pd
import sqlalchemy as sa

#: Budgets of architecture.md §5 (milliseconds, seconds, megabytes).
WARM_P95_MS = 20.0
COLD_P95_MS = 300.0
SPEEDUP = 10.0
REFRESH_S = 60.0
WORKER_MB = 400.0

Call = tuple[str, Callable[[], object]]


@dataclass
class Fixture:
    """What the screens' calls need to know about the store (dates, a busy entity, …)."""

    as_of: date
    periods: dict[str, tuple[date, date]]
    uscc: str
    incident_id: str | None
    device_id: str | None
    office_code: str


def _fixture(engine: sa.Engine) -> Fixture:
    from data_access import indicators, schema
    from data_access.marts import reader

    with engine.connect() as conn:
        r = reader(conn)
        as_of = date.fromisoformat(r.info()["as_of"])
        c = schema.complaint
        uscc = conn.execute(
            sa.select(c.c.uscc)
            .where(c.c.uscc.is_not(None))
            .group_by(c.c.uscc)
            .order_by(sa.func.count().desc(), c.c.uscc)
            .limit(1)
        ).scalar_one()
        incident = conn.execute(
            sa.select(schema.incident.c.id)
            .where(schema.incident.c.lon.is_not(None))
            .order_by(schema.incident.c.reported_at.desc())
            .limit(1)
        ).scalar()
        device = conn.execute(
            sa.select(schema.device.c.device_id)
            .where(schema.device.c.kind == "cold_storage_sensor")
            .order_by(schema.device.c.device_id)
            .limit(1)
        ).scalar()
        office = conn.execute(
            sa.select(schema.office.c.code)
            .where(schema.office.c.kind == "station")
            .order_by(schema.office.c.code)
            .limit(1)
        ).scalar_one()
    return Fixture(as_of, indicators.standard_periods(as_of), uscc.strip(), incident, device, office)


def screens(f: Fixture) -> dict[str, list[Call]]:
    """Every screen's set of read calls, as the screen would make them for its default view."""
    from data_access.api import (
        analysis,
        cases,
        complaints,
        efficacy,
        emergency,
        entities,
        entity_file,
        geo,
        indicators,
        monitoring,
        online,
        overview,
        safety,
        search,
        supervision,
        warnings,
    )

    today, week, month, year = (f.periods[k] for k in ("today", "week", "month", "year"))
    five_years = (date(f.as_of.year - 4, 1, 1), year[1])
    two_years = (date(f.as_of.year - 1, 1, 1), year[1])
    quarter = (date.fromordinal(f.as_of.toordinal() - 90), today[1])
    return {
        "总览 /": [
            ("overview_kpis", overview.overview_kpis),
            ("street_choropleth", lambda: geo.street_choropleth("complaint.received", *week)),
            ("live_events", lambda: overview.live_events(24, 200)),
            ("latest_warnings", lambda: overview.latest_warnings(20)),
        ],
        "主体信息 /entities": [
            (
                "kpis",
                lambda: indicators.kpis(
                    (
                        "entity.active_total",
                        "entity.active_enterprise",
                        "entity.active_individual",
                        "entity.new_registrations",
                        "entity.deregistrations",
                    ),
                    "month",
                ),
            ),
            ("entities_by_type", entities.entities_by_type),
            ("registration_trend", lambda: entities.registration_trend(*five_years)),
            ("industry_mix", entities.industry_mix),
            ("density_map", lambda: geo.street_choropleth("entity.active_total", per_km2=True)),
            ("credit_class_split", entities.credit_class_split),
            ("credit_list_counts", entities.credit_list_counts),
            ("top_growing_industries", lambda: entities.top_growing_industries(*year)),
        ],
        "投诉举报 /complaints": [
            ("rates", lambda: complaints.complaint_rates(*month)),
            ("by_channel", lambda: complaints.complaints_by("channel", *month)),
            ("by_kind", lambda: complaints.complaints_by("kind", *month)),
            ("by_category", lambda: complaints.complaints_by("category", *month)),
            ("trend_yoy", lambda: complaints.complaint_trend(*two_years)),
            ("street_map", lambda: geo.street_choropleth("complaint.received", *month)),
            ("top_entities", lambda: complaints.top_complained_entities(*month)),
            ("hot_words", lambda: complaints.complaint_hot_words(*month)),
        ],
        "一户一档 /entity": [("entity_file", lambda: entity_file.entity_file(f.uscc))],
        "综合查询 /search": [("search", lambda: search.search("水果", 50))],
        "指标库 /indicators": [("catalogue", indicators.indicator_catalogue)],
        "综合监管 /supervision": [
            ("by_office", lambda: supervision.inspections_by_office(*year)),
            ("results", lambda: supervision.inspection_results(*year)),
            ("trend", lambda: supervision.inspection_trend(*year)),
            ("joint_punishment", lambda: supervision.credit_list_entries("joint_punishment", limit=100)),
        ],
        "稽查办案 /cases": [
            ("funnel", cases.case_funnel),
            ("trend", lambda: cases.case_trend(*two_years)),
            ("by_cause", lambda: cases.cases_by("cause", *year)),
            ("by_source", lambda: cases.cases_by("source", *year)),
            ("duration_by_office", lambda: cases.duration_by_office(*year)),
            ("near_limit", lambda: cases.cases_near_limit(limit=100)),
        ],
        "智能预警 /warnings": [
            ("by_level", lambda: warnings.warnings_by("level", *month)),
            ("by_rule", lambda: warnings.warnings_by("rule_id", *month)),
            ("status", warnings.warning_status),
            ("trend", lambda: warnings.warning_trend(*quarter)),
            ("map", lambda: warnings.open_warning_points()),
            ("rules", warnings.warning_rules),
        ],
        "远程监控 /monitoring": [
            ("devices", monitoring.device_summary),
            ("cameras_by_venue", monitoring.cameras_by_venue),
            ("alarms_by_kind", lambda: monitoring.alarms_by_kind(*month)),
            ("funnel", lambda: monitoring.alarm_funnel(*month)),
            ("trend", lambda: monitoring.alarm_trend(*quarter)),
            ("video_wall", lambda: monitoring.devices("kitchen_camera", limit=16)),
            *(
                [("temperature", lambda: monitoring.sensor_readings(f.device_id, week[0], today[1]))]
                if f.device_id
                else []
            ),
        ],
        "三品一特 /safety": [
            ("licences", safety.licences_by_kind),
            ("catering", safety.catering_grades),
            ("sampling", lambda: safety.sampling_by_category(*year)),
            ("failed", lambda: safety.failed_samplings(*year, limit=50)),
            ("elevator_age", safety.equipment_by_age),
            ("due", safety.equipment_inspection_due),
            ("entrapments", lambda: safety.entrapments(*year)),
            ("cold_chain", safety.cold_chain),
        ],
        "应急指挥 /emergency": [
            ("open_by_level", emergency.open_incidents_by),
            ("by_kind", lambda: emergency.incidents_by("kind", *year)),
            ("incidents", lambda: emergency.incidents(open_only=False, limit=50)),
            ("resources", emergency.resource_summary),
            ("dispatch", lambda: emergency.dispatch_stats(*year)),
            *([("nearest", lambda: emergency.nearest_resources(f.incident_id))] if f.incident_id else []),
        ],
        "效能评价 /efficacy": [
            ("scorecard", efficacy.office_scorecard),
            ("radar", lambda: efficacy.office_radar(f.office_code)),
            ("trend", lambda: efficacy.office_trend(f.office_code, *year)),
        ],
        "数据分析 /analysis": [
            (
                "compare",
                lambda: analysis.compare(
                    (
                        "complaint.received",
                        "complaint.ontime_rate",
                        "case.opened",
                        "entity.new_registrations",
                    ),
                    *month,
                ),
            ),
            ("ranking", lambda: analysis.ranking("complaint.received", "street_code", *year)),
            (
                "pivot",
                lambda: analysis.pivot(("complaint.received", "complaint.satisfaction_rate"), *year, "month"),
            ),
        ],
        "网络监管 /online": [
            ("stores", online.online_stores),
            ("ad_hits", lambda: online.ad_hits_by("risk_level", *year)),
            ("ad_trend", lambda: online.ad_hit_trend(*year)),
            ("online_complaints", lambda: complaints.complaint_trend(*year, category="online_shopping")),
            ("honors", lambda: online.honors(start=year[0], end=year[1])),
            ("ip", lambda: online.ip_rights(start=year[0], end=year[1])),
        ],
        **_screens4(f),
    }


def _screens4(f: Fixture) -> dict[str, list[Call]]:
    """The reads of 社会共治, 党建, 重大事项保障 and 城运 (pages/co_governance.py … city_ops.py) for their
    default views: the KPI strip through ``screen_kpis`` and each panel's read API call."""
    from components import kpis_screens4 as k4
    from data_access.api import extra_screens
    from data_access.api import screens4 as s4

    month, year = (f.periods[k] for k in ("month", "year"))
    months12 = extra_screens.month_window(f.as_of, 12)
    return {
        "社会共治 /co-governance": [
            ("kpis", lambda: extra_screens.screen_kpis(k4.COGOV, "month")),
            ("qr_by_kind", lambda: s4.qr_scans_by("kind", *month)),
            ("qr_by_street", lambda: s4.qr_scans_by("street_code", *month)),
            ("qr_trend", lambda: s4.qr_scan_trend(*months12, None, "month")),
            ("self_inspections", lambda: s4.self_inspections_by(*month)),
            ("mediations", lambda: s4.mediations_by("body", *month)),
            ("mediation_results", lambda: s4.mediations_by("result", *month)),
            ("commitments", s4.commitments_by_street),
            ("problem_scans", lambda: s4.problem_scans(None, 20)),
            ("grid", lambda: s4.problem_scans(None, 500)),
        ],
        "党建 /party-building": [
            ("kpis", lambda: extra_screens.screen_kpis(k4.PARTY_ORGS, "year")),
            ("kpis_activities", lambda: extra_screens.screen_kpis(k4.PARTY_ACTIVITIES, "year")),
            ("orgs_by_kind", s4.party_orgs_by),
            ("orgs_by_street", lambda: s4.party_orgs_by("street_code")),
            ("coverage", s4.party_coverage_by_street),
            ("activity_trend", lambda: s4.party_activity_trend(*months12)),
            ("activities_by", lambda: s4.party_activities_by("kind", *year)),
            ("orgs", lambda: s4.party_orgs(None, None, 30)),
            ("grid", lambda: s4.party_orgs(None, None, 500)),
        ],
        "重大事项保障 /major-events": [
            ("kpis", lambda: extra_screens.screen_kpis(k4.ASSURANCE, k4.ASSURANCE_PERIOD)),
            ("missions", s4.assurance_missions),
            ("sites", lambda: s4.assurance_sites(None, None, 2000)),
            ("sites_by_tier", lambda: s4.assurance_sites_by("risk_tier")),
            ("sites_by_kind", lambda: s4.assurance_sites_by("kind")),
            ("sites_by_street", lambda: s4.assurance_sites_by("street_code")),
            ("patrol_trend", s4.assurance_patrol_trend),
            ("samplings", lambda: s4.assurance_samplings(None, None, 20)),
            ("incidents", lambda: s4.assurance_incidents(None, None, 20)),
        ],
        "城运大屏 /city-ops": [
            ("kpis", lambda: extra_screens.screen_kpis(k4.CITYOPS, "month")),
            ("by_source", lambda: s4.city_orders_by("source", *month)),
            ("by_street", lambda: s4.city_orders_by("street_code", *month)),
            ("status", s4.city_order_status),
            ("trend", lambda: s4.city_order_trend(*month)),
            ("open_points", lambda: s4.city_order_feed(None, 1000, None, open_only=True)),
            ("feed", lambda: s4.city_order_feed(None, 30)),
            ("grid", lambda: s4.city_order_feed(None, 500)),
            ("handling", lambda: s4.city_order_handling(*month)),
        ],
    }


# --- equality of answers ----------------------------------------------------------------------


def _comparable(value: object) -> object:
    from data_access.api._base import Rows
    from data_access.api.entity_file import EntityFile

    if isinstance(value, Rows):
        return value.frame
    if isinstance(value, EntityFile):
        return {k: _comparable(v) for k, v in vars(value).items() if k != "data_time"}
    if isinstance(value, pd.DataFrame):
        return value.drop(columns=[c for c in ("data_time",) if c in value])
    return value


def same(a: object, b: object) -> bool:
    """Whether two answers are equal (frames to 1e-9 relative, floats likewise, recursively)."""
    a, b = _comparable(a), _comparable(b)
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(
                a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False, rtol=1e-9, atol=1e-6
            )
        except AssertionError:
            return False
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return (a != a and b != b) or abs(a - b) <= 1e-6 + 1e-9 * abs(b)
    return a == b


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class ScreenResult:
    """Latencies (ms) of one screen's whole set of calls, and whether raw answers matched."""

    screen: str
    calls: int
    warm: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    cold_cpu: list[float] = field(default_factory=list)
    raw_cpu: list[float] = field(default_factory=list)
    equal: bool = True
    mismatches: list[str] = field(default_factory=list)
    cold_calls: dict[str, list[float]] = field(default_factory=dict)
    raw_calls: dict[str, list[float]] = field(default_factory=dict)

    def slowest(self, which: str = "cold") -> tuple[str, float]:
        """The call with the largest median wall time (label, ms) in the cold or raw runs."""
        calls = self.cold_calls if which == "cold" else self.raw_calls
        label = max(calls, key=lambda k: statistics.median(calls[k]))
        return label, statistics.median(calls[label])


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _run(
    calls: list[Call], per_call: dict[str, list[float]] | None = None
) -> tuple[float, float, list[object]]:
    """Wall and CPU milliseconds of one run of a screen's calls, and their answers.

    CPU time counts this process only (on PostgreSQL the server's share is not in it); it is the
    figure that stays meaningful when the machine is shared and wall times swell. ``per_call``
    collects each call's wall milliseconds under its label.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    out = []
    for label, fn in calls:
        t = time.perf_counter()
        out.append(fn())
        if per_call is not None:
            per_call.setdefault(label, []).append((time.perf_counter() - t) * 1000)
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000, out


def measure_screen(name: str, calls: list[Call], reps: int, raw_reps: int) -> ScreenResult:
    """Cold (cache bypassed), raw (no marts) and warm (cache filled) runs of one screen."""
    from data_access import cache
    from data_access.marts import raw_reads

    res = ScreenResult(name, len(calls))
    cache.set_bypass(True)
    _run(calls)  # the first run pays imports and the database's page cache, as a warmed worker has
    answers: list[object] = []
    for _ in range(reps):
        ms, cpu, answers = _run(calls, res.cold_calls)
        res.cold.append(ms)
        res.cold_cpu.append(cpu)
    with raw_reads():
        for _ in range(raw_reps):
            ms, cpu, raw_answers = _run(calls, res.raw_calls)
            res.raw.append(ms)
            res.raw_cpu.append(cpu)
    for (label, _), a, b in zip(calls, answers, raw_answers, strict=True):
        if not same(a, b):
            res.equal = False
            res.mismatches.append(label)
    cache.set_bypass(False)
    cache.clear()
    _run(calls)
    for _ in range(reps * 3):
        res.warm.append(_run(calls)[0])
    return res


def worker_rss(url: str) -> float:
    """Resident memory (MB) of this process after loading every screen's data into its cache,
    with the Dash app created when ``dashboard.app`` exists (as a web worker would have it)."""
    from data_access.cache import init_cache
    from data_access.db import store

    engine = store.configure(url)
    try:
        from dashboard.app import create_app
        from dashboard.settings import get_settings

        create_app(get_settings().model_copy(update={"database_url": url}))
    except ImportError:
        pass
    init_cache(cache_type="simple")
    for calls in screens(_fixture(engine)).values():
        _run(calls)
    with open("/proc/self/status", encoding="ascii") as fh:
        rss_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    return rss_kb / 1024


def _worker_rss_in_subprocess(url: str) -> float:
    code = f"from dashboard.bench import worker_rss; print(worker_rss({url!r}))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return float(out.stdout.strip().splitlines()[-1])


@dataclass
class BackendResult:
    """Everything measured on one store."""

    label: str
    url: str
    counts: dict[str, int]
    screens: list[ScreenResult]
    refresh_wall_s: float | None = None
    refresh_cpu_s: float | None = None
    rss_mb: float | None = None


def bench_backend(
    label: str,
    url: str,
    *,
    reps: int,
    raw_reps: int,
    do_refresh: bool,
    only: list[str] | None,
    echo: Callable[[str], None],
) -> BackendResult:
    """Refresh (optionally) and measure every screen on the store at ``url``."""
    from data_access import cache
    from data_access.db import store, table_counts
    from data_access.refresh import refresh

    engine = store.configure(url)
    with engine.connect() as conn:
        counts = table_counts(conn)
    result = BackendResult(label, url, counts, [])
    if do_refresh:
        echo(f"[{label}] 刷新读优化层 …")
        cpu0 = _children_cpu() + time.process_time()
        r = refresh(engine, progress=False)
        result.refresh_wall_s = r.seconds
        result.refresh_cpu_s = _children_cpu() + time.process_time() - cpu0
        echo(f"[{label}] {r.summary()}")
    cache.init_cache(cache_type="simple")
    fixture = _fixture(engine)
    for name, calls in screens(fixture).items():
        if only and not any(o in name for o in only):
            continue
        res = measure_screen(name, calls, reps, raw_reps)
        verdict = "一致" if res.equal else "不一致 " + ",".join(res.mismatches)
        echo(
            f"[{label}] {name}: warm p95 {_pct(res.warm, 95):.1f} ms, cold p95 {_pct(res.cold, 95):.1f} ms, "
            f"raw p50 {_pct(res.raw, 50):.0f} ms, {verdict}"
        )
        result.screens.append(res)
    cache.reset()
    result.rss_mb = _worker_rss_in_subprocess(url)
    echo(f"[{label}] worker RSS {result.rss_mb:.0f} MB")
    store.dispose()
    return result


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def _ok(flag: bool) -> str:
    return "✅" if flag else "❌"


def render(
    results: list[BackendResult], command: str, started: datetime, load: tuple[float, float, float]
) -> str:
    """The markdown report."""
    lines = [
        "# Benchmarks — read-optimised layer",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} on {platform.node()} ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}); load average at the start "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.",
        "",
        "Reproduce (after generating the `minhang` district into each store, e.g. "
        "`smartsup --database-url URL generate --scale minhang --until 2026-11-20`):",
        "",
        f"    {command}",
        "",
        "A screen's figure is the time of its whole set of read-API calls (see `dashboard/bench.py`, "
        "`screens()`). *warm*: the query cache filled; *cold*: cache bypassed, reading the marts; "
        "*raw*: cache bypassed and every aggregate computed from the source tables at read time "
        "(`raw_reads()`), the same answers without marts — *equal* says the two runs returned identical "
        "answers. Detail lists (newest warnings, an entity's timeline, search) read source tables in both. "
        "Times in ms; *CPU* is this process's CPU time (on PostgreSQL the server's share is not in it), "
        "the figure that stays meaningful when the shared machine is loaded and wall times swell.",
        "",
        f"Budgets (architecture.md §5): warm ≤ {WARM_P95_MS:.0f} ms p95, cold ≤ {COLD_P95_MS:.0f} ms p95 and "
        f"≥ {SPEEDUP:.0f}× faster than raw, refresh ≤ {REFRESH_S:.0f} s, worker ≤ {WORKER_MB:.0f} MB RSS.",
        "",
    ]
    for b in results:
        lines += [
            f"## {b.label}",
            "",
            f"Store: {b.counts.get('entity', 0):,} entities, {b.counts.get('complaint', 0):,} complaints, "
            f"{b.counts.get('inspection', 0):,} inspections, {b.counts.get('case_file', 0):,} cases.",
            "",
        ]
        if b.refresh_wall_s is not None:
            lines.append(
                f"- Refresh of the whole layer: **{b.refresh_wall_s:.1f} s** wall, "
                f"{b.refresh_cpu_s:.1f} s CPU {_ok(b.refresh_wall_s <= REFRESH_S)}"
            )
        if b.rss_mb is not None:
            lines.append(
                f"- Worker RSS after loading every screen's data: **{b.rss_mb:.0f} MB** "
                f"{_ok(b.rss_mb <= WORKER_MB)}"
            )
        lines += [
            "",
            "| screen | calls | warm p50 | warm p95 | cold p50 | cold p95 | cold CPU p50 | raw p50 "
            "| raw CPU p50 | raw ÷ cold (wall / CPU) | equal | slowest call, cold p50 "
            "| slowest call, raw p50 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---|---|",
        ]
        for s in b.screens:
            warm95, cold95 = _pct(s.warm, 95), _pct(s.cold, 95)
            speed = _pct(s.raw, 50) / _pct(s.cold, 50)
            speed_cpu = _pct(s.raw_cpu, 50) / max(_pct(s.cold_cpu, 50), 0.1)
            equal = _ok(s.equal) + ("" if s.equal else " " + ", ".join(s.mismatches))
            cells = [
                s.screen,
                str(s.calls),
                f"{_pct(s.warm, 50):.1f}",
                f"{warm95:.1f} {_ok(warm95 <= WARM_P95_MS)}",
                f"{_pct(s.cold, 50):.0f}",
                f"{cold95:.0f} {_ok(cold95 <= COLD_P95_MS)}",
                f"{_pct(s.cold_cpu, 50):.0f}",
                f"{_pct(s.raw, 50):.0f}",
                f"{_pct(s.raw_cpu, 50):.0f}",
                f"{speed:.1f}× / {speed_cpu:.1f}× {_ok(max(speed, speed_cpu) >= SPEEDUP)}",
                equal,
                "{} {:.0f}".format(*s.slowest("cold")),
                "{} {:.0f}".format(*s.slowest("raw")),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- smartsup bench: begin -->", "<!-- smartsup bench: end -->"


def write_section(out: Path, text: str, begin: str = BEGIN, end: str = END) -> None:
    """Put ``text`` between the markers ``begin``/``end`` of ``out``, keeping the rest of the file.

    ``docs/benchmarks.md`` also holds hand-measured budgets (page weight, the weekly PDF, …);
    a new run replaces only its own section, placed first when the file has none yet.
    """
    section = f"{begin}\n{text.rstrip()}\n{end}\n"
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        new = head + section + ("\n" + tail if tail else "")
    else:
        new = section + ("\n" + old if old else "")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(new, encoding="utf-8")


@click.command("bench")
@click.option("--pg-url", default=None, help="同时测 PostgreSQL：已生成 minhang 数据的库的 URL。")
@click.option(
    "--reps", type=int, default=10, show_default=True, help="冷缓存每屏重复次数（热缓存为其 3 倍）。"
)
@click.option(
    "--raw-reps", type=click.IntRange(min=1), default=2, show_default=True, help="直接查源表的重复次数。"
)
@click.option("--refresh/--no-refresh", "do_refresh", default=True, show_default=True, help="先刷新并计时。")
@click.option("--screens", "only", default=None, help="只测名称含这些字样的屏（逗号分隔）。")
@click.option(
    "--wall/--no-wall",
    default=True,
    show_default=True,
    help="同时在无头 Chromium 中测大屏（1920×1080）的页面体积与绘制时间。",
)
@click.option(
    "--wall-reps", type=click.IntRange(min=1), default=5, show_default=True, help="大屏再次绘制的次数。"
)
@click.option(
    "--load/--no-load",
    default=True,
    show_default=True,
    help="同时测多块大屏并发加载（gunicorn 多进程；设置 SMARTSUP_REDIS_URL 时共享缓存）。",
)
@click.option("--load-clients", type=click.IntRange(min=1), default=100, show_default=True,
              help="并发客户端数。")
@click.option("--load-workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="gunicorn 进程数。")
@click.option("--load-seconds", type=float, default=60.0, show_default=True, help="并发加载持续秒数。")
@click.option(
    "--freshness/--no-freshness",
    default=True,
    show_default=True,
    help="同时测数据新鲜度：全量与增量刷新、事件写入到读接口可见（会向库追加模拟事件）。",
)
@click.option(
    "--freshness-only", is_flag=True, help="只测数据新鲜度（写入 benchmarks.md 的 Freshness 一节）。"
)
@click.option("--freshness-events", type=click.IntRange(min=1), default=5, show_default=True,
              help="事件写入→可见测几次。")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("docs/benchmarks.md"),
    show_default=True,
    help="写入的 Markdown 文件。",
)
@click.pass_context
def bench_command(
    ctx: click.Context,
    pg_url: str | None,
    reps: int,
    raw_reps: int,
    do_refresh: bool,
    only: str | None,
    wall: bool,
    wall_reps: int,
    load: bool,
    load_clients: int,
    load_workers: int,
    load_seconds: float,
    freshness: bool,
    freshness_only: bool,
    freshness_events: int,
    out: Path,
) -> None:
    """Benchmark every screen's data (warm, cold, raw), the refresh and a worker's memory."""
    settings = ctx.obj["settings"]
    started = datetime.now()
    loadavg = os.getloadavg()
    args = sys.argv[sys.argv.index("bench") + 1 :] if "bench" in sys.argv else []
    # The store is named as the user would configure it, never by this machine's paths.
    store_arg = ["--database-url", "URL"] if settings.database_url else ["--data-dir", "DIR"]
    command = shlex.join(["smartsup", *store_arg, "bench", *args])
    targets = [("SQLite", settings.effective_database_url)] + ([("PostgreSQL", pg_url)] if pg_url else [])
    if freshness or freshness_only:
        from dashboard.bench_fresh import measure_freshness, render_freshness, write_freshness

        fresh = [
            measure_freshness(
                "PostgreSQL" if url.startswith("postgresql") else "SQLite",
                url,
                events=freshness_events,
                now=settings.now,
                echo=click.echo,
            )
            for _, url in targets
        ]
        write_freshness(out, "\n".join(render_freshness(fresh, command, started)))
        click.echo(f"已写入 {out}（Freshness）")
        if freshness_only:
            return
    results = [
        bench_backend(
            label,
            url,
            reps=reps,
            raw_reps=raw_reps,
            do_refresh=do_refresh,
            only=only.split(",") if only else None,
            echo=click.echo,
        )
        for label, url in targets
    ]
    text = render(results, command, started, loadavg)
    if wall:
        from dashboard.bench_wall import measure_wall, render_wall

        walls = measure_wall(settings, warm_reps=wall_reps, echo=click.echo)
        text += "\n".join(render_wall(walls, wall_reps)) + "\n"
        from dashboard.bench_wall import measure_clicks, render_clicks

        clicks = measure_clicks(settings, reps=wall_reps, echo=click.echo)
        text += "\n".join(render_clicks(clicks, wall_reps)) + "\n"
    if load:
        from dashboard.auth.accounts import issue_wall_token
        from dashboard.bench_load import measure_load, render_load
        from data_access.db import make_engine

        env = {"SMARTSUP_DATABASE_URL": settings.effective_database_url,
               "SMARTSUP_DATA_DIR": str(settings.data_dir), "SMARTSUP_LOG_LEVEL": "WARNING"}
        engine = make_engine(settings.effective_database_url)
        token = issue_wall_token("bench-wall", engine)  # the walls of the load sign in as a wall PC does
        engine.dispose()
        result = measure_load(env, clients=load_clients, workers=load_workers, seconds=load_seconds,
                              token=token, echo=click.echo)
        text += "\n".join(render_load(result, command)) + "\n"
    write_section(out, text)
    click.echo(f"已写入 {out}")
