"""Validated import of CSV/XLSX exports (data.md §4): feature code imp."""

from __future__ import annotations

import csv
import hashlib
import random
import string
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from dashboard.cli import main
from data_access import schema
from data_access.db import get_meta, make_engine, store
from data_access.uscc import ALPHABET, is_valid_uscc, make_uscc
from ingest.geography import load_streets, street_polygons
from ingest.importer import IMPORTABLE, ImportError_, import_file
from ingest.validate import _norm_label, _uscc_valid_fast, parse_instants, rules_for

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
XINZHUANG, QIBAO, GUMEI = "310112101000", "310112102000", "310112006000"

ENTITY_HEADER = ["uscc", "name", "entity_type", "industry_code", "registered_capital", "established_on",
                 "status", "status_changed_on", "address", "street_code", "lon", "lat"]


def uscc(n: int, kind: str = "1") -> str:
    return make_uscc(kind, "310112", f"TE5T{n:04d}")


def entity_row(n: int, **over: object) -> list[object]:
    row = {"uscc": uscc(n), "name": f"上海测试{n}有限公司", "entity_type": "enterprise",
           "industry_code": "52", "registered_capital": "100", "established_on": "2020-01-01",
           "status": "active", "status_changed_on": "", "address": f"沪闵路{n}号",
           "street_code": XINZHUANG, "lon": "", "lat": ""}
    row.update(over)
    return [row[c] for c in ENTITY_HEADER]


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def rows_of(engine: sa.Engine, table: str) -> list[sa.Row]:
    t = schema.metadata.tables[table]
    with engine.connect() as conn:
        return conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all()


def checksum(engine: sa.Engine, table: str) -> str:
    return hashlib.sha256(repr(rows_of(engine, table)).encode()).hexdigest()


def count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        t = schema.metadata.tables[table]
        return conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()


@pytest.fixture(scope="module")
def streets_gdf():
    return street_polygons()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, streets_gdf) -> sa.Engine:
    """An empty migrated store with the 14 streets, on SQLite and on the real PostgreSQL."""
    eng = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
    with eng.begin() as conn:
        load_streets(conn, streets_gdf)
    return eng


@pytest.fixture
def lite(sqlite_engine, streets_gdf) -> sa.Engine:
    """The SQLite store alone, for the checks that do not depend on the backend."""
    with sqlite_engine.begin() as conn:
        load_streets(conn, streets_gdf)
    return sqlite_engine


def import_samples(engine: sa.Engine, tmp_path: Path, *names: tuple[str, str]) -> list:
    return [import_file(engine, table, SAMPLES / name, reject_file=tmp_path / f"{name}.rejects.csv")
            for table, name in names]


# --- good files --------------------------------------------------------------------------------------

def test_imp001_good_entity_file_imports_fully(engine, tmp_path):
    result = import_file(engine, "entity", SAMPLES / "entity_good.csv", reject_file=tmp_path / "r.csv")
    assert (result.read, result.written, result.rejected, result.changed) == (8, 8, 0, 8)
    assert not (tmp_path / "r.csv").exists()
    assert result.summary().startswith("读取 8 行，写入 8 行，拒绝 0 行")
    t = schema.entity
    with engine.connect() as conn:
        got = {r.uscc: r for r in conn.execute(sa.select(t))}
        centre = conn.execute(sa.select(schema.street.c.lon, schema.street.c.lat)
                              .where(schema.street.c.code == GUMEI)).one()
        assert get_meta(conn, "imported_at")
    assert len(got) == 8
    qibao = got[make_uscc("1", "310112", "MA1G0002")]
    assert qibao.name == "上海七宝老街食品有限公司"
    assert qibao.industry_code == "52"  # F5221 → its division
    assert qibao.established_on == date(2015, 7, 1)
    assert qibao.entity_type == "enterprise" and qibao.status == "active"
    shop = got[make_uscc("2", "310112", "MA1G0003")]
    assert shop.entity_type == "individual" and shop.registered_capital is None
    assert shop.established_on == date(2021, 5, 20)
    assert (shop.lon, shop.lat) == (pytest.approx(centre.lon), pytest.approx(centre.lat))  # geocoded
    coop = got[make_uscc("3", "310112", "MA1G0004")]
    assert coop.entity_type == "cooperative" and coop.established_on == date(2018, 9, 9)
    closed = got[make_uscc("1", "310112", "MA1G0005")]
    assert closed.status == "cancelled" and closed.status_changed_on == date(2024, 6, 30)
    assert float(got[make_uscc("1", "310112", "MA1G0006")].registered_capital) == 3000.5


def test_imp002_every_sample_imports_as_documented(engine, tmp_path):
    results = import_samples(
        engine, tmp_path,
        ("office", "office_good.csv"), ("entity", "entity_good.csv"), ("entity", "entity_gb18030.csv"),
        ("licence", "licence_good.xlsx"), ("equipment", "equipment_good.csv"),
        ("complaint", "complaint_good.csv"), ("case_file", "case_file_good.csv"),
        ("inspection", "inspection_good.csv"))
    assert [(r.read, r.rejected) for r in results] == [(14, 0), (8, 0), (5, 0), (6, 0), (5, 0), (4, 0),
                                                        (3, 0), (4, 0)]
    assert {t: count(engine, t) for t in ("office", "entity", "licence", "equipment", "complaint",
                                          "case_file", "inspection")} == {
        "office": 14, "entity": 13, "licence": 6, "equipment": 5, "complaint": 4, "case_file": 3,
        "inspection": 4}
    with engine.connect() as conn:
        c = conn.execute(sa.select(schema.complaint).where(schema.complaint.c.id == "TS2026110300003")).one()
        assert c.received_at == datetime(2026, 11, 3, 14, 20)
        assert (c.channel, c.kind, c.category, c.status) == ("web", "report", "pricing", "accepted")
        closed = conn.execute(sa.select(schema.complaint)
                              .where(schema.complaint.c.id == "TS2026110100001")).one()
        assert closed.satisfied is True and float(closed.amount_recovered) == 268.5
        case = conn.execute(sa.select(schema.case_file)
                            .where(schema.case_file.c.case_no == "闵市监案〔2026〕103号")).one()
        assert (case.source, case.cause, case.stage, case.transferred_to_police) == (
            "online_monitoring", "advertising", "closed", True)
        open_case = conn.execute(sa.select(schema.case_file.c.transferred_to_police)
                                 .where(schema.case_file.c.case_no == "闵市监案〔2026〕102号")).scalar_one()
        assert open_case is False  # blank cell → the column's default
        kinds = conn.execute(sa.select(schema.equipment.c.kind)).scalars().all()
        assert sorted(kinds) == ["boiler", "elevator", "elevator", "in_plant_vehicle", "lifting"]


# --- bad rows --------------------------------------------------------------------------------------------

ENTITY_BAD_EXPECTED = [
    (3, "统一社会信用代码", "校验位"),
    (4, "成立日期", "无法识别的日期"),
    (5, "主体类型", "不在允许的取值内"),
    (6, "街镇代码", "在街镇表（street）中不存在"),
    (7, "统一社会信用代码", "与第 2 行的统一社会信用代码重复"),
    (10, "经度", "不在闵行区范围内"),
    (11, "经度", "位于七宝镇，与所填街镇莘庄镇不符"),
    (12, "注册资本（万元）", "不得为负数"),
    (13, "状态变更日期", "状态变更日期早于成立日期"),
    (14, "主体名称", "必填项为空"),
]


def test_imp003_bad_rows_rejected_with_row_column_reason(engine, tmp_path):
    rejects = tmp_path / "bad.rejects.csv"
    result = import_file(engine, "entity", SAMPLES / "entity_bad.csv", reject_file=rejects)
    assert (result.read, result.written, result.rejected) == (14, 4, 10)
    assert result.summary() == f"读取 14 行，写入 4 行，拒绝 10 行（见 {rejects}）；其中新增或变更 4 行"
    assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to see UTF-8
    got = read_rejects(rejects)
    assert list(got[0]) == ["文件", "行号", "列", "值", "原因"]
    assert len(got) == len(ENTITY_BAD_EXPECTED)  # one line per problem, one problem per bad row here
    for rec, (row, column, reason) in zip(got, ENTITY_BAD_EXPECTED, strict=True):
        assert rec["文件"] == "entity_bad.csv"
        assert (int(rec["行号"]), rec["列"]) == (row, column)
        assert reason in rec["原因"]
    # Nothing bad got in and nothing good was lost: exactly the four good rows (2, 8, 9, 15).
    names = {r.name for r in rows_of_entities(engine)}
    assert names == {"上海莘庄良品超市有限公司", '=HYPERLINK("http://example.com","点我")',
                     "<script>alert(1)</script>", "闵行区莘庄镇好味小吃店"}


def rows_of_entities(engine: sa.Engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(schema.entity)).all()


def test_imp004_all_or_nothing_writes_nothing(engine, tmp_path):
    rejects = tmp_path / "r.csv"
    result = import_file(engine, "entity", SAMPLES / "entity_bad.csv", reject_file=rejects,
                         all_or_nothing=True)
    assert (result.read, result.written, result.rejected) == (14, 0, 10)
    assert "未写入任何行" in result.summary()
    assert count(engine, "entity") == 0
    assert len(read_rejects(rejects)) == 10
    with engine.connect() as conn:
        assert get_meta(conn, "imported_at") is None


def test_imp005_reimport_changes_nothing_and_a_changed_row_updates(engine, tmp_path):
    import_samples(engine, tmp_path, ("office", "office_good.csv"), ("entity", "entity_good.csv"),
                   ("licence", "licence_good.xlsx"), ("inspection", "inspection_good.csv"))
    before = {t: (count(engine, t), checksum(engine, t)) for t in ("entity", "licence", "inspection")}
    again = import_samples(engine, tmp_path, ("entity", "entity_good.csv"), ("licence", "licence_good.xlsx"),
                           ("inspection", "inspection_good.csv"))
    assert [r.changed for r in again] == [0, 0, 0]
    assert [r.written for r in again] == [8, 6, 4]
    assert {t: (count(engine, t), checksum(engine, t)) for t in before} == before

    # One entity changes its name; a file without the phone column leaves phones alone.
    src = pd.read_csv(SAMPLES / "entity_good.csv", dtype=str, keep_default_na=False)
    src.loc[0, "主体名称"] = "上海闵欣餐饮管理有限公司（更名）"
    changed = tmp_path / "entity_changed.csv"
    src.drop(columns=["联系电话"]).to_csv(changed, index=False)
    result = import_file(engine, "entity", changed, reject_file=tmp_path / "x.csv")
    assert (result.written, result.changed) == (8, 1)
    with engine.connect() as conn:
        q = sa.select(schema.entity).where(schema.entity.c.uscc == src.loc[0, "统一社会信用代码"])
        row = conn.execute(q).one()
        assert row.name == "上海闵欣餐饮管理有限公司（更名）"
        assert row.legal_rep_phone == "13800000001"
    assert count(engine, "entity") == 8


def test_imp006_gb18030_read_right(engine, tmp_path):
    result = import_file(engine, "entity", SAMPLES / "entity_gb18030.csv", reject_file=tmp_path / "r.csv")
    assert result.encoding == "gb18030" and result.rejected == 0
    expected = pd.read_csv(SAMPLES / "entity_gb18030.csv", encoding="gb18030", dtype=str)
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.select(schema.entity.c.uscc, schema.entity.c.name)).all())
    assert stored == dict(zip(expected["统一社会信用代码"], expected["主体名称"], strict=True))
    assert "上海华漕国际物流有限公司" in stored.values()


def test_imp007_encodings_given_or_detected(lite, tmp_path):
    rows = [entity_row(1, name="上海甲乙丙有限公司")]
    for enc in ("utf-8-sig", "utf-16"):
        f = write_csv(tmp_path / f"e_{enc}.csv", ENTITY_HEADER, rows, encoding=enc)
        assert import_file(lite, "entity", f).rejected == 0
    gb = write_csv(tmp_path / "gb.csv", ENTITY_HEADER, rows, encoding="gb18030")
    assert import_file(lite, "entity", gb, encoding="GB18030").written == 1
    with pytest.raises(ImportError_, match="无法按 utf-8 解码"):
        import_file(lite, "entity", gb, encoding="utf-8")
    with pytest.raises(ImportError_, match="未知的编码"):
        import_file(lite, "entity", gb, encoding="klingon")
    with lite.connect() as conn:
        assert conn.execute(sa.select(schema.entity.c.name)).scalar_one() == "上海甲乙丙有限公司"


def test_imp008_xlsx_with_excel_dates_numbers_and_text(engine, tmp_path):
    import_samples(engine, tmp_path, ("entity", "entity_good.csv"))
    result = import_file(engine, "licence", SAMPLES / "licence_good.xlsx", reject_file=tmp_path / "r.csv")
    assert (result.read, result.written, result.rejected) == (6, 6, 0)
    with engine.connect() as conn:
        lic = conn.execute(sa.select(schema.licence)
                           .where(schema.licence.c.licence_no == "JY23101120000022")).one()
    assert (lic.issued_on, lic.expires_on, lic.kind, lic.status) == (
        date(2020, 7, 15), date(2025, 7, 14), "food_business", "expired")

    # A hand-made sheet: a serial day number, a numeric street code, a literal "=..." text cell.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(ENTITY_HEADER)
    ws.append(entity_row(9, established_on=46349, street_code=int(XINZHUANG), registered_capital=12.5))
    ws.append(entity_row(10, established_on=datetime(2019, 4, 1), name="=1+1"))
    ws["B3"].data_type = "s"  # stored as text, as an export writes it, not as a formula
    path = tmp_path / "entities.xlsx"
    wb.save(path)
    result = import_file(engine, "entity", path, reject_file=tmp_path / "r2.csv")
    assert result.rejected == 0, read_rejects(tmp_path / "r2.csv")
    with engine.connect() as conn:
        got = {r.uscc: r for r in conn.execute(sa.select(schema.entity).where(
            schema.entity.c.uscc.in_([uscc(9), uscc(10)])))}
    assert got[uscc(9)].established_on == date(2026, 11, 23)  # Excel day 46349
    assert got[uscc(9)].street_code == XINZHUANG and float(got[uscc(9)].registered_capital) == 12.5
    assert got[uscc(10)].established_on == date(2019, 4, 1)
    assert got[uscc(10)].name == "=1+1"


def test_imp009_text_is_stored_verbatim(engine, tmp_path):
    nasty = ['=HYPERLINK("http://x","y")', "<script>alert(1)</script>", "+86 21 1234", "@SUM(A1:A2)",
             "'; DROP TABLE entity; --", "上海\u200b零宽有限公司", "NULL", "NA", "名称,带逗号\"引号\""]
    rows = [entity_row(i, name=v) for i, v in enumerate(nasty)]
    # One nasty name on a bad row: the reject file must not let Excel run it.
    rows.append(entity_row(99, name="=cmd|' /C calc'!A0", established_on="not a date"))
    f = write_csv(tmp_path / "nasty.csv", ENTITY_HEADER, rows)
    result = import_file(engine, "entity", f, reject_file=tmp_path / "r.csv")
    assert (result.written, result.rejected) == (len(nasty), 1)
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.select(schema.entity.c.uscc, schema.entity.c.name)).all())
    assert stored == {uscc(i): v for i, v in enumerate(nasty)}
    [rec] = read_rejects(tmp_path / "r.csv")
    assert rec["列"] == "established_on" and rec["值"] == "not a date"
    bad_name = tmp_path / "bad_name.csv"
    write_csv(bad_name, ENTITY_HEADER, [entity_row(98, name="=cmd|' /C calc'!A0", street_code="nowhere")])
    import_file(engine, "entity", bad_name, reject_file=tmp_path / "r2.csv")
    [rec] = read_rejects(tmp_path / "r2.csv")
    assert rec["列"] == "street_code" and rec["值"] == "nowhere"
    dup = tmp_path / "dup.csv"
    write_csv(dup, ENTITY_HEADER, [entity_row(97, name="=1+2"), entity_row(97, name="=1+2")])
    import_file(engine, "entity", dup, reject_file=tmp_path / "r3.csv")
    [rec] = read_rejects(tmp_path / "r3.csv")
    assert rec["值"] == uscc(97)
    assert rec["原因"] == "与第 2 行的统一社会信用代码重复"


def test_imp010_reject_file_neutralises_formulas(lite, tmp_path):
    f = write_csv(tmp_path / "f.csv", ENTITY_HEADER, [entity_row(1, industry_code="=1+1"),
                                                     entity_row(2, registered_capital="-3")])
    import_file(lite, "entity", f, reject_file=tmp_path / "r.csv")
    got = read_rejects(tmp_path / "r.csv")
    assert [(r["行号"], r["值"]) for r in got] == [("2", "'=1+1"), ("3", "-3")]


# --- whole-file problems -----------------------------------------------------------------------------------

def test_imp011_whole_file_problems_raise(lite, tmp_path):
    good = write_csv(tmp_path / "e.csv", ENTITY_HEADER, [entity_row(1)])
    with pytest.raises(ImportError_, match="不支持导入表 street"):
        import_file(lite, "street", good)
    with pytest.raises(ImportError_, match="不支持导入表 nosuch"):
        import_file(lite, "nosuch", good)
    missing = write_csv(tmp_path / "m.csv", [c for c in ENTITY_HEADER if c not in ("name", "status")],
                        [[v for c, v in zip(ENTITY_HEADER, entity_row(1), strict=True)
                          if c not in ("name", "status")]])
    with pytest.raises(ImportError_, match=r"缺少必填列：name（主体名称）、status（登记状态）"):
        import_file(lite, "entity", missing)
    twice = write_csv(tmp_path / "t.csv", [*ENTITY_HEADER, "主体名称"], [[*entity_row(1), "x"]])
    with pytest.raises(ImportError_, match="都对应 name"):
        import_file(lite, "entity", twice)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ImportError_, match="空文件"):
        import_file(lite, "entity", tmp_path / "empty.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportError_, match=r"\.xls"):
        import_file(lite, "entity", tmp_path / "old.xls")
    (tmp_path / "fake.xlsx").write_text("not a zip")
    with pytest.raises(ImportError_, match="不是可读取的 XLSX"):
        import_file(lite, "entity", tmp_path / "fake.xlsx")
    with pytest.raises(ImportError_, match="找不到文件"):
        import_file(lite, "entity", tmp_path / "nope.csv")
    assert count(lite, "entity") == 0


def test_imp012_importable_tables_and_unknown_columns(lite, tmp_path):
    assert {"entity", "licence", "complaint", "case_file", "equipment", "inspection"} <= set(IMPORTABLE)
    assert "street" not in IMPORTABLE and "meta" not in IMPORTABLE
    f = write_csv(tmp_path / "e.csv", [*ENTITY_HEADER, "序号", "备注"], [[*entity_row(1), "1", "随便"]])
    result = import_file(lite, "entity", f)
    assert result.ignored_columns == ["序号", "备注"] and result.written == 1


# --- atomicity -----------------------------------------------------------------------------------------

def test_imp013_failure_while_writing_leaves_nothing(engine, tmp_path, monkeypatch):
    import ingest.importer as importer

    def boom(conn, values):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "set_meta", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(engine, "entity", SAMPLES / "entity_good.csv", reject_file=tmp_path / "r.csv")
    assert count(engine, "entity") == 0
    monkeypatch.undo()
    # The failed attempt left no temporary table or lock behind: the same import now goes through.
    assert import_file(engine, "entity", SAMPLES / "entity_good.csv").written == 8
    assert count(engine, "entity") == 8


def test_imp014_failure_in_the_middle_of_the_bulk_load(lite, tmp_path, monkeypatch):
    import ingest.importer as importer

    real = importer.bulk_insert
    calls = []

    def second_chunk_fails(conn, table, frame):
        calls.append(len(frame))
        if len(calls) == 2:
            raise OSError("connection lost")
        return real(conn, table, frame)

    monkeypatch.setattr(importer, "_CHUNK_ROWS", 3)
    monkeypatch.setattr(importer, "bulk_insert", second_chunk_fails)
    with pytest.raises(OSError):
        import_file(lite, "entity", SAMPLES / "entity_good.csv")
    assert calls == [3, 3] and count(lite, "entity") == 0


# --- other tables and rules ----------------------------------------------------------------------------

def test_imp015_foreign_keys_and_cross_field_rules(engine, tmp_path):
    import_samples(engine, tmp_path, ("office", "office_good.csv"), ("entity", "entity_good.csv"))
    known = make_uscc("1", "310112", "MA1G0001")
    header = ["licence_no", "uscc", "kind", "issued_on", "expires_on", "status"]
    f = write_csv(tmp_path / "lic.csv", header, [
        ["L1", known, "food_business", "2024-01-01", "2029-01-01", "valid"],
        ["L2", uscc(500), "food_business", "2024-01-01", "2029-01-01", "valid"],
        ["L3", known, "food_business", "2024-01-01", "2023-12-31", "valid"],
        ["L4", known, "食品经营", "2024-01-01", "2029-01-01", "吊销"],
    ])
    result = import_file(engine, "licence", f, reject_file=tmp_path / "r.csv")
    got = [(int(r["行号"]), r["列"], r["原因"]) for r in read_rejects(tmp_path / "r.csv")]
    assert got == [(3, "uscc", "在市场主体库（entity）中不存在"),
                   (4, "expires_on", "有效期至早于发证日期（2024-01-01）")]
    assert sorted(r[0] for r in rows_of(engine, "licence")) == ["L1", "L4"]
    assert result.written == 2

    cases = write_csv(tmp_path / "case.csv",
                      ["case_no", "uscc", "office_code", "source", "cause", "opened_on", "stage",
                       "decided_on", "closed_on", "fine_amount"], [
        ["C1", known, "SJ101", "complaint", "pricing", "2026-01-01", "closed", "2026-02-01", "2026-03-01",
         "5000"],
        ["C2", known, "NOPE", "complaint", "pricing", "2026-01-01", "opened", "", "", ""],
        ["C3", known, "SJ101", "complaint", "pricing", "2026-01-01", "closed", "", "", ""],
        ["C4", known, "SJ101", "complaint", "pricing", "2026-01-01", "investigation", "", "2026-02-01", ""],
        ["C5", known, "SJ101", "complaint", "pricing", "2026-01-01", "decision", "2025-12-01", "", "-1"],
    ])
    import_file(engine, "case_file", cases, reject_file=tmp_path / "rc.csv")
    got = [(int(r["行号"]), r["列"]) for r in read_rejects(tmp_path / "rc.csv")]
    assert got == [(3, "office_code"), (4, "closed_on"), (5, "closed_on"), (6, "fine_amount"),
                   (6, "decided_on")]
    assert [r[0] for r in rows_of(engine, "case_file")] == ["C1"]


def test_imp016_complaint_bad_sample(engine, tmp_path):
    import_samples(engine, tmp_path, ("entity", "entity_good.csv"))
    rejects = tmp_path / "c.csv"
    result = import_file(engine, "complaint", SAMPLES / "complaint_bad.csv", reject_file=rejects)
    assert (result.read, result.written, result.rejected) == (6, 1, 5)
    got = [(int(r["行号"]), r["列"]) for r in read_rejects(rejects)]
    assert got == [(3, "办结时间"), (4, "被投诉主体统一社会信用代码"), (5, "登记时间"), (6, "办结时间"),
                   (7, "来源渠道")]
    assert [r[0] for r in rows_of(engine, "complaint")] == ["TS2026111000001"]


def test_imp017_inspection_natural_key_and_explicit_ids(engine, tmp_path):
    import_samples(engine, tmp_path, ("office", "office_good.csv"), ("entity", "entity_good.csv"),
                   ("inspection", "inspection_good.csv"))
    first = rows_of(engine, "inspection")
    assert [r[0] for r in first] == [1, 2, 3, 4]
    src = pd.read_csv(SAMPLES / "inspection_good.csv", dtype=str, keep_default_na=False)
    src.loc[2, ["检查日期", "检查结果"]] = ["2026-10-20", "责令整改"]
    f = tmp_path / "insp.csv"
    src.to_csv(f, index=False)
    result = import_file(engine, "inspection", f, reject_file=tmp_path / "r.csv")
    assert (result.key, result.changed) == (("uscc", "kind", "planned_on"), 1)
    after = rows_of(engine, "inspection")
    assert len(after) == 4 and after[2][0] == first[2][0]
    assert (after[2].done_on, after[2].result) == (date(2026, 10, 20), "ordered_to_rectify")

    explicit = write_csv(tmp_path / "ids.csv", ["id", "uscc", "office_code", "kind", "planned_on"],
                         [["100", make_uscc("1", "310112", "MA1G0001"), "SJ101", "routine", "2026-01-05"],
                          ["100", make_uscc("1", "310112", "MA1G0002"), "SJ101", "routine", "2026-01-06"]])
    result = import_file(engine, "inspection", explicit, reject_file=tmp_path / "r2.csv")
    assert result.key == ("id",) and (result.written, result.rejected) == (1, 1)
    assert count(engine, "inspection") == 5
    result = import_file(engine, "inspection", SAMPLES / "inspection_good.csv",
                         reject_file=tmp_path / "r3.csv")
    assert count(engine, "inspection") == 5 and result.changed == 1  # back to the sample's values


def test_imp018_equipment_dates_and_coordinates(lite, tmp_path):
    import_samples(lite, tmp_path, ("entity", "entity_good.csv"))
    owner = make_uscc("1", "310112", "MA1G0007")
    header = ["equipment_code", "uscc", "kind", "installed_on", "street_code", "lon", "lat",
              "next_inspection_due", "status"]
    f = write_csv(tmp_path / "eq.csv", header, [
        ["E1", owner, "elevator", "2020-01-01", "吴泾镇", "", "", "2026-01-01", "in_use"],
        ["E2", owner, "elevator", "2020-01-01", "310112110000", "", "", "2019-01-01", "in_use"],
        ["E3", owner, "elevator", "2020-01-01", "310112110000", "121.456", "", "2026-01-01", "in_use"],
        ["E4", owner, "rocket", "2020-01-01", "310112110000", "", "", "", "in_use"],
    ])
    import_file(lite, "equipment", f, reject_file=tmp_path / "r.csv")
    got = [(int(r["行号"]), r["列"], r["原因"]) for r in read_rejects(tmp_path / "r.csv")]
    assert got[0][:2] == (3, "next_inspection_due")
    assert got[1] == (4, "lat", "经度、纬度须同时填写或同时留空")
    assert got[2][:2] == (5, "kind")
    [e1] = rows_of(lite, "equipment")
    assert e1.street_code == "310112110000"  # a street name is accepted for the code


def test_imp019_row_numbers_as_the_user_sees_them(lite, tmp_path):
    f = tmp_path / "rows.csv"
    lines = [",".join(ENTITY_HEADER),
             ",".join(entity_row(1)),
             "",  # a blank line (row 3) is skipped but still counted
             ",".join(entity_row(2, address='"沪闵路\n2号"')),  # a cell spanning two lines is one row
             ",".join(entity_row(3, established_on="2020-13-01")),
             ",".join([*entity_row(4), "extra"])]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_file(lite, "entity", f, reject_file=tmp_path / "r.csv")
    got = [(int(r["行号"]), r["列"]) for r in read_rejects(tmp_path / "r.csv")]
    assert got == [(5, "established_on"), (6, "（整行）")]
    assert (result.read, result.written) == (4, 2)
    with lite.connect() as conn:
        assert conn.execute(sa.select(schema.entity.c.address).where(
            schema.entity.c.uscc == uscc(2))).scalar_one() == "沪闵路\n2号"


def test_imp020_chinese_headers_and_labels_of_the_ui_are_accepted():
    from components.labels import ENUM_LABELS as UI

    main = {"entity", "licence", "equipment", "complaint", "case_file", "inspection", "office", "staff",
            "entity_change", "credit_list", "equipment_inspection", "food_sampling", "case_stage_event",
            "inspection_task"}
    for (table, column), labels in UI.items():
        if table in main:
            choices = rules_for(table).columns[column].choices
            for code, label in labels.items():
                assert choices[_norm_label(label)] == code, (table, column, label)
                assert choices[code.lower()] == code


def test_imp021_dates_in_every_accepted_shape():
    cells = pd.Series(["2026-11-23", "2026/11/23", "2026.11.23", "2026年11月23日", "20261123", "46349",
                       "2026-11-23 10:30", "2026/11/23 10:30:15", "2026年11月23日 10时30分",
                       "2026-11-23T10:30:15",
                       "2026-1-5", "2026-02-30", "23/11/2026", "2026-11", "明天", "1899-01-01"], dtype=str)
    got = parse_instants(cells)
    assert got.tolist()[:11] == [pd.Timestamp(x) for x in (
        "2026-11-23", "2026-11-23", "2026-11-23", "2026-11-23", "2026-11-23", "2026-11-23",
        "2026-11-23 10:30", "2026-11-23 10:30:15", "2026-11-23 10:30", "2026-11-23 10:30:15", "2026-01-05")]
    assert got.iloc[11:].isna().all()


def test_imp022_vectorised_uscc_check_agrees_with_the_contract():
    rng = random.Random(7)
    codes = []
    for _ in range(5000):
        code = make_uscc(rng.choice("123"), "310112", "".join(rng.choice(ALPHABET) for _ in range(8)))
        k = rng.randrange(18)
        codes += [code, code[:k] + rng.choice(string.digits + string.ascii_uppercase) + code[k + 1:],
                  "".join(rng.choice(ALPHABET) for _ in range(18))]
    codes += ["", "91310112", "９1310112MA1K000158", uscc(1).lower().upper()]
    fast = _uscc_valid_fast(np.array(codes, dtype=object))
    assert fast.tolist() == [is_valid_uscc(c) for c in codes]
    assert 5000 <= fast.sum() < len(codes)


def test_imp023_empty_store_gets_streets_first(sqlite_engine):
    result = import_file(sqlite_engine, "entity", SAMPLES / "entity_good.csv")
    assert result.written == 8 and count(sqlite_engine, "street") == 14


# --- command line ------------------------------------------------------------------------------------------

def test_imp024_cli_exit_codes_and_summary(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner = CliRunner()
    try:
        base = ["--database-url", url, "import"]
        good = runner.invoke(main, [*base, "entity", str(SAMPLES / "entity_good.csv")])
        assert good.exit_code == 0, good.output
        assert "读取 8 行，写入 8 行，拒绝 0 行" in good.output
        rejects = tmp_path / "bad.csv"
        bad = runner.invoke(main, ["--database-url", url, "import", "entity", str(SAMPLES / "entity_bad.csv"),
                                   "--reject-file", str(rejects)])
        assert bad.exit_code == 3, bad.output
        assert f"读取 14 行，写入 4 行，拒绝 10 行（见 {rejects}）" in bad.output
        assert len(read_rejects(rejects)) == 10
        aon = runner.invoke(main, ["--database-url", url, "import", "--all-or-nothing", "entity",
                                   str(SAMPLES / "entity_bad.csv"), "--reject-file", str(rejects)])
        assert aon.exit_code == 3 and "写入 0 行" in aon.output
        wrong = runner.invoke(main, [*base, "entity", str(SAMPLES / "licence_good.xlsx")])
        assert wrong.exit_code == 2 and "缺少必填列" in wrong.output
        nosuch = runner.invoke(main, [*base, "nosuch", str(SAMPLES / "entity_good.csv")])
        assert nosuch.exit_code == 2
    finally:
        store.dispose()


def test_imp025_samples_import_into_the_generated_district(small_store_url, tmp_path):
    import shutil

    copy = tmp_path / "small.sqlite"
    shutil.copy(sa.make_url(small_store_url).database, copy)
    engine = make_engine(f"sqlite:///{copy}")
    try:
        before = count(engine, "entity")
        results = import_samples(engine, tmp_path, ("entity", "entity_good.csv"),
                                 ("licence", "licence_good.xlsx"), ("complaint", "complaint_good.csv"),
                                 ("case_file", "case_file_good.csv"), ("inspection", "inspection_good.csv"))
        assert [r.rejected for r in results] == [0, 0, 0, 0, 0]
        assert count(engine, "entity") == before + 8
        again = import_file(engine, "complaint", SAMPLES / "complaint_good.csv")
        assert again.changed == 0
    finally:
        engine.dispose()
