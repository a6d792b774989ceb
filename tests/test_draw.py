"""The risk-weighted 双随机 draw: the pure engine, the stored draw on SQLite and PostgreSQL, the command."""

from __future__ import annotations

import json
import math
import random
import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from data_access import schema as s
from data_access.db import get_meta, make_engine
from data_access.draw import (
    CLASSES,
    DEFAULT_RATIOS,
    DrawError,
    conflict_cutoff,
    draw,
    load_inputs,
    run_draw,
    verify_draw,
)
from data_access.refresh import refresh

ON = date(2026, 11, 20)
SEED = "2026-11-20 上证收盘 3456.78"


def _population(n: int = 6000, seed: int = 1) -> list[tuple[str, str]]:
    rnd = random.Random(seed)
    return [(f"91310112{i:010d}", rnd.choices(CLASSES, weights=[30, 55, 10, 5])[0]) for i in range(n)]


POOL = list(range(101, 113))


# --- the pure function -------------------------------------------------------------------------

def test_drw001_reproducible_under_shuffled_input_and_seed_sensitive():
    pop = _population(3000)
    conflicts = [(101 + i % 12, pop[i * 7][0]) for i in range(200)]
    a = draw(pop, seed=SEED, inspectors=POOL, conflicts=conflicts)
    shuffled = pop[:]
    random.Random(9).shuffle(shuffled)
    b = draw(dict(reversed(shuffled)), seed=SEED, inspectors=set(reversed(POOL)),
             conflicts=set(reversed(conflicts)))
    assert a == b
    c = draw(pop, seed=SEED + " ", inspectors=POOL, conflicts=conflicts)  # seeds are stripped
    assert c == a
    d = draw(pop, seed="another seed", inspectors=POOL, conflicts=conflicts)
    assert {x.uscc for x in d.assignments} != {x.uscc for x in a.assignments}
    assert d.counts() == a.counts()  # the sizes depend on the ratios, not on the seed


def test_drw002_class_shares_within_binomial_tolerance():
    pop = _population(8000)
    ratios = {"A": 0.05, "B": 0.2, "C": 0.4, "D": 0.7}
    d = draw(pop, seed=SEED, inspectors=POOL, ratios=ratios)
    n = d.population
    got = d.counts()
    for c in CLASSES:
        p = ratios[c]
        tol = 3 * math.sqrt(p * (1 - p) / n[c]) + 1 / n[c]
        assert abs(got[c] / n[c] - p) <= tol, c
    # inclusion probability per class over many seeds: each entity's chance is its class's ratio
    small = _population(400, seed=3)
    hits = dict.fromkeys(CLASSES, 0)
    runs = 60
    for k in range(runs):
        for a in draw(small, seed=f"s{k}", inspectors=POOL).assignments:
            hits[a.risk_class] += 1
    sizes = {c: sum(1 for _, x in small if x == c) for c in CLASSES}
    for c in CLASSES:
        p = float(DEFAULT_RATIOS[c])
        share = hits[c] / (runs * sizes[c])
        assert abs(share - p) <= 3 * math.sqrt(p * (1 - p) / (runs * sizes[c])) + 1 / sizes[c], c


def test_drw003_two_distinct_inspectors_no_conflict_even_load():
    pop = _population(5000)
    d0 = draw(pop, seed=SEED, inspectors=POOL)
    load = d0.load()
    assert set(load) == set(POOL) and max(load.values()) - min(load.values()) <= 1
    conflicts = {(101 + (i * 5) % 12, pop[i][0]) for i in range(0, 5000, 2)}
    conflicts |= {(101 + (i * 5 + 1) % 12, pop[i][0]) for i in range(0, 5000, 3)}
    d = draw(pop, seed=SEED, inspectors=POOL, conflicts=conflicts)
    for a in d.assignments:
        assert len(set(a.inspectors)) == 2
        assert set(a.inspectors) <= set(POOL)
        assert not {(sid, a.uscc) for sid in a.inspectors} & conflicts
    load = d.load()
    assert max(load.values()) - min(load.values()) <= 2
    frame = d.frame()
    assert list(frame.columns) == ["uscc", "risk_class", "inspector_1", "inspector_2"]
    assert frame["uscc"].is_unique


def test_drw004_size_split_by_class_weights():
    pop = _population(6000)
    d = draw(pop, seed=SEED, inspectors=POOL, size=500)
    counts, n = d.counts(), d.population
    assert sum(counts.values()) == 500
    weights = {c: float(DEFAULT_RATIOS[c]) * n[c] for c in CLASSES}
    for c in CLASSES:  # proportional to ratio × class size, rounded by largest remainder
        assert abs(counts[c] - 500 * weights[c] / sum(weights.values())) < 1
    # a class that is too small to take its share is drawn whole and the rest goes to the others
    tiny = [(u, "D") for u, _ in pop[:5]] + [(u, "B") for u, _ in pop[5:1005]]
    t = draw(tiny, seed=SEED, inspectors=POOL, size=300)
    assert t.counts()["D"] == 5 and t.counts()["B"] == 295
    assert any("B 类" in w for w in t.warnings)  # 29.5 % is outside B's 5–20 % band


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"population": [("X1", "E")]}, "信用风险分类未知"),
        ({"ratios": {"Z": 0.1}}, "未知的信用风险分类"),
        ({"ratios": {"A": 0.06}}, "超出参考区间"),
        ({"ratios": {"B": 0.04}}, "超出参考区间"),
        ({"ratios": {"C": 0.2}}, "超出参考区间"),
        ({"ratios": {"D": 1.01}}, "超出参考区间"),
        ({"ratios": {"D": "abc"}}, "不是数字"),
        ({"size": 7000}, "大于抽取名单"),
        ({"size": 0}, "正整数"),
        ({"population": []}, "抽取名单为空"),
        ({"inspectors": [101]}, "至少 2 名"),
        ({"conflicts": [(101, "91310112" + "0" * 10), (102, "91310112" + "0" * 10)],
          "inspectors": [101, 102, 103], "ratios": {"D": 1, "C": 0.6, "B": 0.2, "A": 0.05}},
         "不足 2 名"),
        ({"seed": "  "}, "种子"),
        ({"seed": "x" * 65}, "最长"),
    ],
)
def test_drw005_bad_input_errors(kwargs, message):
    args = {"population": [(f"91310112{i:010d}", "D") for i in range(50)], "seed": SEED,
            "inspectors": POOL}
    args.update(kwargs)
    with pytest.raises(DrawError, match=message):
        draw(args.pop("population"), **args)


def test_drw006_conflict_window():
    assert conflict_cutoff(date(2026, 11, 20)) == date(2025, 11, 20)
    assert conflict_cutoff(date(2028, 2, 29)) == date(2027, 2, 28)


# --- the stored draw ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def refreshed_small(tmp_path_factory: pytest.TempPathFactory, small_store_url: str) -> Path:
    """The small store, refreshed once for this module (copied per test before writing)."""
    path = tmp_path_factory.mktemp("draw") / "refreshed.sqlite"
    shutil.copy(sa.make_url(small_store_url).database, path)
    engine = make_engine(f"sqlite:///{path}")
    refresh(engine, progress=False)
    engine.dispose()
    return path


@pytest.fixture
def private_copy(tmp_path: Path, refreshed_small: Path) -> sa.Engine:
    """A private, writable copy of the refreshed small store."""
    path = tmp_path / "store.sqlite"
    shutil.copy(refreshed_small, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def _check_stored(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        n_before = conn.execute(sa.select(sa.func.count()).select_from(s.inspection)).scalar_one()
    dry = run_draw(engine, seed=SEED, office="SJ101", on=ON, dry_run=True)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(s.inspection)).scalar_one() == n_before
    r = run_draw(engine, seed=SEED, office="SJ101", on=ON)
    assert r.task_id == dry.task_id and r.draw == dry.draw
    assert r.inputs.streets == ("310112101000",)
    assert r.inputs.inspectors and len(r.inputs.inspectors) >= 2
    total = sum(r.counts().values())
    assert total > 0
    with engine.connect() as conn:
        task = conn.execute(sa.select(s.inspection_task).where(s.inspection_task.c.task_id == r.task_id)
                            ).mappings().one()
        rows = conn.execute(sa.select(s.inspection).where(s.inspection.c.task_id == r.task_id)
                            ).mappings().all()
        staff = dict(conn.execute(sa.select(s.staff.c.id, s.staff.c.office_code)).all())
        certified = {i for i, ok in conn.execute(sa.select(s.staff.c.id, s.staff.c.certified)) if ok}
        record = json.loads(task["params"])
        active = {u for (u,) in conn.execute(sa.select(s.entity.c.uscc).where(
            s.entity.c.status == "active", s.entity.c.street_code == "310112101000"))}
        i = s.inspection
        recent = {(sid, u) for sid, u in conn.execute(sa.select(i.c.staff_id, i.c.uscc).where(
            s.inspection.c.task_id != r.task_id,
            sa.func.coalesce(s.inspection.c.done_on, s.inspection.c.planned_on) >= date(2025, 11, 20)))}
    assert task["kind"] == "double_random" and task["planned_count"] == total
    assert task["seed"] == SEED and task["drawn_on"] == ON and task["office_code"] == "SJ101"
    assert len(rows) == total and len({x["uscc"] for x in rows}) == total
    for x in rows:
        assert x["kind"] == "double_random" and x["planned_on"] == ON
        assert x["done_on"] is None and x["result"] is None and x["office_code"] == "SJ101"
        assert x["uscc"] in active
    pairs = {p[0]: (p[1], p[2]) for p in record["pairs"]}
    assert {x["uscc"]: x["staff_id"] for x in rows} == {u: p[0] for u, p in pairs.items()}
    assert {x["uscc"]: x["second_staff_id"] for x in rows} == {u: p[1] for u, p in pairs.items()}
    with engine.connect() as conn:
        assert get_meta(conn, f"draw:{r.task_id}") is None, "the record lives in inspection_task.params"
    for u, (a, b) in pairs.items():
        assert a != b and staff[a] == staff[b] == "SJ101" and {a, b} <= certified
        assert (a, u) not in recent and (b, u) not in recent
    v = verify_draw(engine, r.task_id)
    assert v.consistent and v.inputs_intact and v.expected == v.stored == total
    with pytest.raises(DrawError, match="已存在"):
        run_draw(engine, seed=SEED, office="SJ101", on=ON)
    # tampering with a stored row is caught
    other = sorted(set(r.inputs.inspectors) - {rows[0]["staff_id"]})[0]
    with engine.begin() as conn:
        conn.execute(sa.update(s.inspection).where(s.inspection.c.id == rows[0]["id"]).values(staff_id=other))
    v = verify_draw(engine, r.task_id)
    assert not v.consistent and any("主检人员不同" in d for d in v.differences)
    # a later draw of the same office treats both inspectors of this one as conflicts
    with engine.connect() as conn:
        later = load_inputs(conn, office="SJ101", on=date(2026, 11, 21))
    assert {(b, u) for u, (_, b) in pairs.items()} <= set(later.conflicts)
    # two users confirming the same draw at the same moment (the panel's store_draw): one task, one audit
    # row, the other told it exists (SQLite: BEGIN IMMEDIATE; PostgreSQL: the table lock)
    import threading

    from data_access.draw import DrawExists, store_draw

    barrier, outcomes, lock = threading.Barrier(2), [], threading.Lock()

    def confirm(user: str) -> None:
        barrier.wait()
        try:
            out: object = store_draw(engine, username=user, role="leader", seed="race", office="SJ108",
                                     on=ON)
        except DrawError as exc:
            out = exc
        with lock:
            outcomes.append(out)

    threads = [threading.Thread(target=confirm, args=(u,)) for u in ("lead1", "lead2")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert sorted(type(o).__name__ for o in outcomes) == ["DrawExists", "DrawResult"], outcomes
    assert isinstance(next(o for o in outcomes if isinstance(o, DrawError)), DrawExists)
    task = next(o for o in outcomes if not isinstance(o, DrawError)).task_id
    with engine.connect() as conn:
        n_tasks = conn.execute(sa.select(sa.func.count()).select_from(s.inspection_task)
                               .where(s.inspection_task.c.task_id == task)).scalar_one()
        a = s.audit_log
        n_audit = conn.execute(sa.select(sa.func.count()).select_from(a)
                               .where(a.c.action == "draw", a.c.target == task)).scalar_one()
    assert (n_tasks, n_audit) == (1, 1)
    assert verify_draw(engine, task).consistent


def test_drw010_stored_draw_sqlite(private_copy):
    _check_stored(private_copy)


def test_drw011_stored_draw_postgres(pg_engine):
    from ingest.generate import generate
    from tests.conftest import SMALL_SEED, SMALL_UNTIL

    generate(pg_engine, scale="small", seed=SMALL_SEED, until=SMALL_UNTIL, progress=False)
    refresh(pg_engine, progress=False)
    _check_stored(pg_engine)


def test_drw012_store_errors(private_copy, small_engine):
    with pytest.raises(DrawError, match="未知机构"):
        run_draw(private_copy, seed=SEED, office="XX99", on=ON)
    with pytest.raises(DrawError, match="没有辖区街镇"):
        run_draw(private_copy, seed=SEED, office="KS03", on=ON)
    with pytest.raises(DrawError, match="未知街镇"):
        run_draw(private_copy, seed=SEED, office="SJ101", streets=["310112999000"], on=ON)
    with pytest.raises(DrawError, match="同一个市场监管所"):
        run_draw(private_copy, seed=SEED, streets=["310112101000", "310112102000"], on=ON)
    with pytest.raises(DrawError, match="行业门类"):
        run_draw(private_copy, seed=SEED, office="SJ101", sections=["Z"], on=ON)
    with pytest.raises(DrawError, match="没有编号"):
        verify_draw(private_copy, "NOPE")
    with pytest.raises(DrawError, match="refresh"):  # the unrefreshed store has no credit classes
        run_draw(small_engine, seed=SEED, office="SJ101", on=ON, dry_run=True)
    # a street alone names its station; filters narrow the population
    r = run_draw(private_copy, seed=SEED, streets=["310112101000"], entity_types=["enterprise"],
                 on=ON, dry_run=True)
    assert r.office_code == "SJ101" and r.inputs.n_unclassified == 0


# --- the command -------------------------------------------------------------------------------

def test_drw020_cli_draw_and_verify(private_copy):
    from dashboard.cli import main

    url = private_copy.url.render_as_string(hide_password=False)
    runner = CliRunner()
    base = ["--database-url", url, "draw"]
    dry = runner.invoke(main, [*base, "--office", "SJ101", "--seed", SEED, "--date", "2026-11-20",
                               "--ratio", "A=0.05,B=0.2", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "试抽（未写入）" in dry.output and "合计" in dry.output
    res = runner.invoke(main, [*base, "--office", "SJ101", "--seed", SEED, "--date", "2026-11-20"])
    assert res.exit_code == 0, res.output
    assert "已抽取并写入" in res.output
    task_id = res.output.split("任务 ", 1)[1].split()[0]
    ok = runner.invoke(main, [*base, "verify", task_id])
    assert ok.exit_code == 0 and "一致" in ok.output and "不一致" not in ok.output
    for args, text in (
        (["--office", "SJ101", "--seed", SEED, "--ratio", "A=0.2"], "超出参考区间"),
        (["--office", "SJ101", "--seed", SEED, "--ratio", "A0.2"], "格式"),
        (["--office", "SJ101", "--seed", SEED, "--size", "5", "--ratio", "A=0.01"], "只能给一个"),
        (["--office", "SJ101"], "种子"),
        (["verify", "NOPE"], "没有编号"),
    ):
        bad = runner.invoke(main, [*base, *args])
        assert bad.exit_code == 2, (args, bad.output)
        assert text in bad.output and len(bad.output.strip().splitlines()) == 1


# --- the draw panel: preview and store equal the command's draw --------------------------------

def test_drw030_panel_preview_and_store_equal_the_command(private_copy, tmp_path, refreshed_small):
    from dashboard.cli import main
    from data_access.draw import DrawNotPermitted, preview_draw, store_draw
    from tests.ops_fixtures import audit_rows

    inputs = {"seed": SEED, "office": "SJ101", "on": ON, "ratios": {"A": "0.05", "B": "0.2"}}
    with private_copy.connect() as conn:
        n_before = conn.execute(sa.select(sa.func.count()).select_from(s.inspection)).scalar_one()
    preview = preview_draw(private_copy, **inputs)
    with pytest.raises(DrawNotPermitted):
        store_draw(private_copy, username="an", role="analyst", **inputs)
    with pytest.raises(DrawNotPermitted, match="本所"):
        store_draw(private_copy, username="st2", role="station", user_office="SJ102", **inputs)
    with private_copy.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(s.inspection)).scalar_one() == n_before
    stored = store_draw(private_copy, username="st1", role="station", user_office="SJ101", ip="10.0.0.1",
                        **inputs)
    assert stored.draw == preview.draw and stored.task_id == preview.task_id
    [audit] = audit_rows(private_copy)
    assert (audit["username"], audit["action"], audit["target"], audit["ip"]) == (
        "st1", "draw", stored.task_id, "10.0.0.1")
    assert audit["detail"]["planned_count"] == len(stored.draw.assignments)
    # the command on an identical copy of the store draws the same task and pairs
    other = tmp_path / "cli.sqlite"
    shutil.copy(refreshed_small, other)
    res = CliRunner().invoke(main, ["--database-url", f"sqlite:///{other}", "draw", "--office", "SJ101",
                                    "--seed", SEED, "--date", ON.isoformat(), "--ratio", "A=0.05,B=0.2"])
    assert res.exit_code == 0, res.output
    cli_engine = make_engine(f"sqlite:///{other}")
    try:
        def rows_of(engine):
            with engine.connect() as conn:
                return sorted(conn.execute(sa.select(s.inspection.c.uscc, s.inspection.c.staff_id,
                                                     s.inspection.c.second_staff_id)
                                           .where(s.inspection.c.task_id == stored.task_id)).all())
        assert rows_of(cli_engine) == rows_of(private_copy)
        assert verify_draw(cli_engine, stored.task_id).consistent
        cli_audit = audit_rows(cli_engine)
    finally:
        cli_engine.dispose()
    assert verify_draw(private_copy, stored.task_id).consistent
    assert [(a["action"], a["target"]) for a in cli_audit] == [("draw", stored.task_id)]
    assert cli_audit[0]["username"].startswith("cli:")


def test_drw031_migration_moves_draw_records_out_of_meta(tmp_path):
    from data_access.migrate import upgrade
    from tests.test_rules import E1, E2, refs

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    try:
        upgrade(engine, "0001")
        refs(engine)
        record = {"task_id": "DRX", "pairs": [[E1, 1, 2], [E2, 2, 1]]}
        with engine.begin() as conn:
            conn.execute(sa.insert(s.staff), [{"id": i, "name": f"检查员{i}", "office_code": "SJ101",
                                               "role": "inspector", "certified": True}
                                              for i in (1, 2)])
            conn.execute(sa.text("INSERT INTO inspection_task (task_id, name, office_code, kind, "
                                 "planned_count) VALUES ('DRX', 'x', 'SJ101', 'double_random', 2)"))
            for n, (u, lead, _) in enumerate(record["pairs"]):
                conn.execute(sa.text("INSERT INTO inspection (id, task_id, uscc, office_code, staff_id, "
                                     "kind, planned_on) VALUES (:i, 'DRX', :u, 'SJ101', :s, "
                                     "'double_random', '2026-11-20')"), {"i": n + 1, "u": u, "s": lead})
            conn.execute(sa.text("INSERT INTO meta (key, value) VALUES ('draw:DRX', :v)"),
                         {"v": json.dumps(record)})
        upgrade(engine)
        with engine.connect() as conn:
            assert json.loads(conn.execute(sa.select(s.inspection_task.c.params)).scalar()) == record
            i = s.inspection
            seconds = dict(conn.execute(sa.select(i.c.uscc, i.c.second_staff_id)).all())
            assert get_meta(conn, "draw:DRX") is None
        assert seconds == {E1: 2, E2: 1}
    finally:
        engine.dispose()
