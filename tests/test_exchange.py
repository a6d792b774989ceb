"""The "1+16" city exchange: export a district's package, check it independently, load it on a city store.

Three small synthetic districts with different seeds stand for three districts of Shanghai. The
generator only knows 闵行 (310112), so the other two are re-coded as another district's smartsup
would have written them: their content (built by the exporter) gets the other district's code and
street codes, and ``write_package`` — the exporter's own writer — packs it.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from data_access import indicators as lib
from data_access import schema
from data_access.db import make_engine
from data_access.exchange import ExchangeError, ImportOutcome, import_package, import_packages, parse_period
from data_access.exchange.export import build_content, write_package
from data_access.exchange.format import DATASETS, json_schema
from tests import exchange_fixtures as fx
from tests.test_refresh import refreshed_copy, refreshed_pg

# one xdist worker builds the three districts once for the whole module
pytestmark = pytest.mark.xdist_group("exchange")

PERIOD, EARLIER, OTHER = fx.PERIOD, fx.EARLIER, fx.OTHER
_recode = fx.recode


@pytest.fixture(scope="module")
def minhang(tmp_path_factory, small_store_url) -> sa.Engine:
    engine = make_engine(refreshed_copy(tmp_path_factory, small_store_url))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def packages(tmp_path_factory, small_store_url) -> dict[str, Path]:
    """Packages of 2026-10 from three districts: 闵行 (seed 7) and two re-coded ones (seeds 11, 23),
    built once per session (tests/exchange_fixtures.py)."""
    return fx.district_packages(tmp_path_factory, small_store_url)[0]


@pytest.fixture(scope="module")
def earlier_packages(tmp_path_factory, small_store_url) -> list[Path]:
    """The 2026-09 packages of the same three districts."""
    return fx.district_packages(tmp_path_factory, small_store_url)[1]


def _unpack(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as zf:
        zf.extractall(into)
    return into


def _city_rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    tables = (schema.city_package, schema.city_street, schema.city_indicator, *schema.CITY_PACKAGE_TABLES)
    with engine.connect() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(sa.select(t).where(sa.true())).all())
            for t in tables
        }


@pytest.fixture(params=["sqlite", "postgres"])
def city(request) -> sa.Engine:
    """An empty city store (SQLite and PostgreSQL)."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


# --- the package, checked independently ----------------------------------------------------------


def test_exc001_package_validates_with_jsonschema_and_its_checksums(packages, tmp_path):
    d = _unpack(packages["310112"], tmp_path)
    manifest = json.loads((d / "manifest.json").read_text("utf-8"))
    data = json.loads((d / "data.json").read_text("utf-8"))
    fc = jsonschema.Draft202012Validator.FORMAT_CHECKER
    jsonschema.validate(
        manifest, json_schema("manifest"), cls=jsonschema.Draft202012Validator, format_checker=fc
    )
    jsonschema.validate(data, json_schema("data"), cls=jsonschema.Draft202012Validator, format_checker=fc)
    assert manifest["schema_version"] == data["schema_version"] == "1.0"
    assert manifest["district_code"] == "310112" and manifest["complete"] is True
    assert manifest["period"] == {
        "label": "2026-10",
        "kind": "month",
        "start": "2026-10-01",
        "end": "2026-11-01",
    }
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) | {"manifest.json"} == {p.name for p in d.iterdir()}
    for name, f in listed.items():
        assert hashlib.sha256((d / name).read_bytes()).hexdigest() == f["sha256"]
    for key, (name, columns) in DATASETS.items():
        lines = (d / name).read_text("utf-8-sig").splitlines()
        assert lines[0].split(",") == list(columns)
        assert len(lines) - 1 == len(data[key]) == listed[name]["rows"]


def test_exc002_every_indicator_for_the_district_and_every_street(packages, tmp_path, minhang):
    data = json.loads(zipfile.ZipFile(packages["310112"]).read("data.json"))
    with minhang.connect() as conn:
        streets = [c for (c,) in conn.execute(sa.select(schema.street.c.code))]
        received = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.complaint)
            .where(
                schema.complaint.c.received_at >= "2026-10-01", schema.complaint.c.received_at < "2026-11-01"
            )
        ).scalar()
    assert len(streets) == 14
    assert {i["id"] for i in data["indicators"]} == set(lib.INDICATORS)
    values = {(v["indicator_id"], v["area_code"]): v["value"] for v in data["indicator_values"]}
    assert set(values) == {(i, a) for i in lib.INDICATORS for a in ["310112", *streets]}
    assert values[("complaint.received", "310112")] == received > 0
    # a count over the district is at least the sum over its streets (records of district-level
    # departments, e.g. emergency resources, have no street), and equal for located events
    for ind in lib.CATALOGUE:
        if ind.den is None and ind.value_type == "count":
            assert values[(ind.id, "310112")] >= sum(values[(ind.id, s)] for s in streets), ind.id
    assert received == sum(values[("complaint.received", s)] for s in streets)
    assert data["inspection_tasks"] and data["inspection_results"] and data["case_decisions"]
    assert all(r["drawn_on"].startswith("2026-10") for r in data["inspection_tasks"])


def test_exc003_no_personal_data(packages, minhang):
    text = zipfile.ZipFile(packages["310112"]).read("data.json").decode()
    for word in ("legal_rep", "complainant", "phone", "staff"):
        assert word not in text
    data = json.loads(text)
    with minhang.connect() as conn:
        people = {n for (n,) in conn.execute(sa.select(schema.entity.c.legal_rep_name)) if n}
        people |= {n for (n,) in conn.execute(sa.select(schema.staff.c.name))}
    shown = {
        v
        for k in ("credit_lists", "case_decisions", "inspection_tasks", "inspection_results")
        for row in data[k]
        for v in row.values()
        if isinstance(v, str)
    }
    assert not shown & people


def test_exc004_postgres_export_equals_sqlite_export(small_pg_engine, minhang):
    pg, _ = build_content(refreshed_pg(small_pg_engine), PERIOD, "310112", "闵行区")
    lite, _ = build_content(minhang, PERIOD, "310112", "闵行区")
    for key in DATASETS:
        if key != "indicator_values":
            assert pg[key] == lite[key], key
    a = {(v["indicator_id"], v["area_code"]): v["value"] for v in pg["indicator_values"]}
    b = {(v["indicator_id"], v["area_code"]): v["value"] for v in lite["indicator_values"]}
    assert a.keys() == b.keys()
    assert all((a[k] is None) == (b[k] is None) and (a[k] is None or a[k] == pytest.approx(b[k])) for k in a)


def test_exc005_periods():
    assert parse_period("2026-W47").start == date(2026, 11, 16)
    assert parse_period("2026-W47").end == date(2026, 11, 23)
    assert parse_period("2026-12").end == date(2027, 1, 1)
    for bad in ("2026-13", "2026-W54", "202611", "2026-1"):
        with pytest.raises(ExchangeError, match="期间格式"):
            parse_period(bad)


# --- import on a city store ----------------------------------------------------------------------


def test_exc006_three_districts_load_and_reimport_changes_nothing(city, packages):
    outcomes = import_packages(city, packages.values())
    assert [o.status for o in outcomes] == ["imported"] * 3
    rows = _city_rows(city)
    assert {r[0] for r in rows["city_package"]} == {"310112", "310104", "310115"}
    assert len(rows["city_street"]) == 42
    assert len(rows["city_indicator_value"]) == 3 * len(lib.CATALOGUE) * 15
    data = json.loads(zipfile.ZipFile(packages["310104"]).read("data.json"))
    with city.connect() as conn:
        t = schema.city_indicator_value
        got = dict(
            conn.execute(
                sa.select(t.c.indicator_id, t.c.value).where(
                    t.c.district_code == "310104", t.c.area_code == "310104"
                )
            ).all()
        )
        n_tasks = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.city_inspection_task)
            .where(schema.city_inspection_task.c.district_code == "310104")
        ).scalar()
    want = {v["indicator_id"]: v["value"] for v in data["indicator_values"] if v["area_code"] == "310104"}
    assert got.keys() == want.keys()
    assert all(got[k] == pytest.approx(want[k]) if want[k] is not None else got[k] is None for k in want)
    assert n_tasks == len(data["inspection_tasks"])
    # the three districts are different data, not copies
    received = {
        r[0]: r[4] for r in rows["city_indicator_value"] if r[2] == "complaint.received" and len(r[3]) == 6
    }
    assert len(set(received.values())) == 3
    again = import_packages(city, packages.values())
    assert [o.status for o in again] == ["unchanged"] * 3
    assert _city_rows(city) == rows


def _tampered_dir(package: Path, into: Path) -> Path:
    d = _unpack(package, into)
    raw = bytearray((d / "data.json").read_bytes())
    i = raw.index(b'"value": ') + len(b'"value": ')
    raw[i] ^= 0x01  # one bit of one digit: still valid JSON, a different number
    (d / "data.json").write_bytes(bytes(raw))
    return d


def test_exc007_a_flipped_byte_is_refused_and_writes_nothing(city, packages, tmp_path):
    before = _city_rows(city)
    with pytest.raises(ExchangeError, match="已被改动或损坏：data.json 的 SHA-256 与清单不符"):
        import_package(city, _tampered_dir(packages["310112"], tmp_path / "dir"))
    raw = bytearray(packages["310112"].read_bytes())
    raw[len(raw) // 2] ^= 0x01  # inside the compressed data.json
    broken = tmp_path / "broken.zip"
    broken.write_bytes(bytes(raw))
    with pytest.raises(ExchangeError, match="损坏"):
        import_package(city, broken)
    assert _city_rows(city) == before


def _repacked(package: Path, out: Path, change) -> Path:
    """The package with its content changed and checksums recomputed (a consistent but wrong package)."""
    content = json.loads(zipfile.ZipFile(package).read("data.json"))
    change(content)
    return write_package(content, out)


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda c: c["credit_lists"][0].update(
                uscc=c["credit_lists"][0]["uscc"][:17]
                + ("0" if c["credit_lists"][0]["uscc"][17] != "0" else "1")
            ),
            "校验位不对的统一社会信用代码",
        ),
        (lambda c: c["district"].update(code="310199"), "不是上海市的 16 个区之一"),
        (lambda c: c["district"].update(name="徐汇区"), "与区代码 310112（闵行区）不符"),
        (lambda c: c["streets"][0].update(code="310104001000"), "不属于区 310112"),
        (lambda c: c["indicator_values"][0].update(indicator_id="no.such"), "目录中没有的指标"),
        (lambda c: c["case_decisions"][0].update(decided_on="2026-11-03"), "不在期间 2026-10 内"),
        (lambda c: c["credit_lists"][0].update(list="blacklist"), "不符合交换格式"),
        (lambda c: c.update(schema_version="2.0"), "只能导入 1.x 版"),
    ],
)
def test_exc008_consistent_but_wrong_packages_are_refused(sqlite_engine, packages, tmp_path, change, message):
    bad = _repacked(packages["310112"], tmp_path, change)
    with pytest.raises(ExchangeError, match=message):
        import_package(sqlite_engine, bad)
    assert all(not rows for rows in _city_rows(sqlite_engine).values())


def test_exc009_newer_package_replaces_older_is_refused(sqlite_engine, packages, tmp_path):
    def newer(c):
        c["data_time"] = "2026-11-21T08:00:00"
        c["case_decisions"] = c["case_decisions"][:1]

    later = _repacked(packages["310112"], tmp_path / "later", newer)
    assert import_package(sqlite_engine, packages["310112"]).status == "imported"
    assert import_package(sqlite_engine, later).status == "replaced"
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.city_case_decision)).scalar() == 1
    with pytest.raises(ExchangeError, match="更新的数据包"):
        import_package(sqlite_engine, packages["310112"])


def test_exc010_cli_export_and_import(tmp_path, minhang, packages):
    from dashboard.cli import main
    from dashboard.settings import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(
        main,
        ["--database-url", str(minhang.url), "exchange", "export", "--period", "2026-10", "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    assert "已导出 310112 2026-10" in r.output and (out / "310112_2026-10.zip").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    city_url = f"sqlite:///{tmp_path / 'city.sqlite'}"
    r = runner.invoke(
        main,
        [
            "--database-url",
            city_url,
            "exchange",
            "import",
            str(out / "310112_2026-10.zip"),
            str(packages["310104"]),
        ],
    )
    assert r.exit_code == 0, r.output
    assert r.output.count("已导入") == 2
    bad = _tampered_dir(packages["310115"], tmp_path / "bad")
    r = runner.invoke(main, ["--database-url", city_url, "exchange", "import", str(bad)])
    assert r.exit_code == 2 and "拒绝" in r.output and "SHA-256 与清单不符" in r.output
    r = runner.invoke(main, ["--database-url", str(minhang.url), "exchange", "export", "--period", "2026-13"])
    assert r.exit_code == 2 and "期间格式不对" in r.output


def test_exc011_schema_enumerations_follow_the_store():
    props = json_schema("data")["properties"]
    assert props["credit_lists"]["items"]["properties"]["list"]["enum"] == list(
        schema.ENUMS[("credit_list", "list")]
    )
    assert props["case_decisions"]["items"]["properties"]["cause"]["enum"] == list(
        schema.ENUMS[("case_file", "cause")]
    )
    assert props["inspection_results"]["items"]["properties"]["result"]["enum"] == list(
        schema.ENUMS[("inspection", "result")]
    )


# --- the city store's reads (/city) ----------------------------------------------------------------


def test_exc012_city_reads_compare_the_districts_loaded(city, packages, earlier_packages):
    from data_access.api import city as api
    from data_access.db import store

    assert len(earlier_packages) == 3
    assert all(
        isinstance(o, ImportOutcome) for o in import_packages(city, [*packages.values(), *earlier_packages])
    )
    store.configure(city.url.render_as_string(hide_password=False))
    d = api.city_districts()
    assert list(d["district_code"]) == ["310104", "310112", "310115"]
    assert list(d["periods"]) == [2, 2, 2] and set(d["latest_period"]) == {"2026-10"}
    assert set(d["first_period"]) == {"2026-09"} and list(d["streets"]) == [14, 14, 14]
    assert list(api.city_periods()["period"]) == ["2026-10", "2026-09"]
    assert list(api.city_periods()["districts"]) == [3, 3]

    want = {}
    for code, path in packages.items():
        data = json.loads(zipfile.ZipFile(path).read("data.json"))
        want[code] = next(
            v["value"]
            for v in data["indicator_values"]
            if v["indicator_id"] == "complaint.received" and v["area_code"] == code
        )
    r = api.city_ranking("complaint.received", "2026-10")
    assert list(r["district_code"]) == sorted(want, key=lambda c: -want[c])
    assert list(r["value"]) == sorted(want.values(), reverse=True)
    assert list(r["rank"]) == [1.0, 2.0, 3.0] and set(r["unit"]) == {"件"}
    assert list(api.city_ranking("complaint.received", "2026-10", ascending=True)["rank"]) == [1.0, 2.0, 3.0]

    t = api.city_trend("complaint.received")
    assert len(t) == 6
    assert t.groupby("district_code")["period"].apply(list).to_dict() == {
        c: ["2026-09", "2026-10"] for c in want
    }
    assert dict(
        zip(t[t["period"] == "2026-10"]["district_code"], t[t["period"] == "2026-10"]["value"], strict=True)
    ) == pytest.approx(want)

    s = api.city_street_ranking("complaint.received", "2026-10", limit=5)
    assert len(s) == 5 and list(s["value"]) == sorted(s["value"], reverse=True)
    assert all(code.startswith(d) for code, d in zip(s["street_code"], s["district_code"], strict=True))
    assert s["street_name"].str.len().min() > 1

    only = api.city_ranking("complaint.received", "2026-10", scope=("310104",))
    assert list(only["district_code"]) == ["310104"]
    with pytest.raises(ValueError, match="没有指标"):
        api.city_ranking("no.such", "2026-10")
    with pytest.raises(ValueError, match="6 位数字"):
        api.city_districts(scope=("31010",))
