"""Validated import of real exports (CSV or XLSX) into a source table (data.md §4).

``import_file`` reads the file (UTF-8 with or without BOM, GB18030 or UTF-16 CSV, or the first sheet of
an XLSX), maps its headers (schema names or the Chinese aliases in ``ingest.validate.ALIASES``), checks
every row (``ingest.validate``), writes the problems to a reject CSV and upserts the valid rows on the
table's key in one transaction. A row with any problem is never written, not even in part.

The upsert goes through a temporary table: the valid rows are bulk-loaded into it (COPY on PostgreSQL)
and merged with one ``INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE`` that only touches rows whose
values differ, so re-importing a file changes nothing and the row count of the merge is exactly the
number of rows inserted or changed. Columns absent from the file are left as they are on update;
blank coordinates are filled with the street's centre and written like any other value.

Upsert keys: the primary key; for tables with a surrogate integer id (inspection, credit_list, …) a
file without an ``id`` column is matched on the natural key in ``ingest.validate.NATURAL_KEYS``;
case_stage_event and device_reading use their composite primary keys.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from tqdm import tqdm

from data_access import schema
from data_access.db import bulk_insert, set_meta
from ingest.geography import load_streets
from ingest.validate import (
    Problems,
    Streets,
    TableRules,
    check_duplicates,
    check_foreign_keys,
    check_rows,
    map_headers,
    rules_for,
)

log = logging.getLogger(__name__)

#: Tables a user may import into. ``street`` is excluded: its polygons come from
#: ``smartsup boundaries import``, and every other table's coordinates are checked against them.
IMPORTABLE: tuple[str, ...] = tuple(t.name for t in schema.SOURCE_TABLES if t.name != "street")

_CHUNK_ROWS = 25_000
_IN_CHUNK = 5_000
_PROGRESS_MIN_ROWS = 10_000
#: The reject file's column entry for a problem of the whole row.
WHOLE_ROW = "（整行）"
_REJECT_HEADER = ("文件", "行号", "列", "值", "原因")
# Cells that spreadsheet programs would evaluate as a formula when the reject file is opened.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ImportError_(Exception):  # noqa: N801 -- the trailing underscore keeps it apart from the builtin
    """A problem with the whole file (unreadable, unknown encoding or table, required columns missing)."""


@dataclass
class ImportResult:
    """What an import did."""

    table: str
    path: Path
    read: int = 0
    written: int = 0
    rejected: int = 0
    changed: int = 0
    problems: int = 0
    reject_file: Path | None = None
    all_or_nothing: bool = False
    encoding: str | None = None
    key: tuple[str, ...] = ()
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line in Chinese for the command line."""
        line = f"读取 {self.read} 行，写入 {self.written} 行，拒绝 {self.rejected} 行"
        if self.rejected:
            line += f"（见 {self.reject_file}）"
        if self.all_or_nothing and self.rejected:
            line += "；因指定了全部或全不（--all-or-nothing），未写入任何行"
        elif self.written:
            line += f"；其中新增或变更 {self.changed} 行"
        return line


def import_file(engine: Engine, table: str, path: str | Path, *, reject_file: str | Path | None = None,
                all_or_nothing: bool = False, encoding: str | None = None,
                progress: bool = False) -> ImportResult:
    """Validate ``path`` and upsert its valid rows into ``table``; see the module docstring.

    ``reject_file`` defaults to ``<file stem>.rejects.csv`` beside the input and is written only when
    rows are rejected (UTF-8 with BOM, one line per problem). Raises ``ImportError_`` for problems of
    the whole file. Sets meta ``imported_at`` when rows were written.
    """
    started = time.perf_counter()
    if table not in IMPORTABLE:
        raise ImportError_(f"不支持导入表 {table}；可导入：{', '.join(IMPORTABLE)}")
    path = Path(path)
    rules = rules_for(table)
    headers, grid, used_encoding = read_table_file(path, encoding=encoding, sheet=table)
    result = ImportResult(table=table, path=path, all_or_nothing=all_or_nothing, encoding=used_encoding)
    raw, result.ignored_columns, long_rows = _frame(rules, headers, grid)
    if result.ignored_columns:
        log.warning("%s：忽略无法识别的列 %s", path.name, "、".join(result.ignored_columns))
    result.key = rules.key_for(raw.columns)
    result.read = len(raw)

    streets = _load_streets(engine)
    with engine.connect() as conn:
        typed, problems = _validate(raw, rules, streets, result.key, long_rows, progress,
                                    lambda t, c, v: _existing(conn, t, c, v))
    bad_rows = problems.rows()
    found = problems.frame()
    result.rejected, result.problems = len(bad_rows), len(found)
    if result.rejected:
        result.reject_file = Path(reject_file) if reject_file else path.with_name(f"{path.stem}.rejects.csv")
        _write_rejects(result.reject_file, path.name, found, rules, headers)
    good = typed.drop(index=list(bad_rows))
    if not good.empty and not (all_or_nothing and result.rejected):
        result.changed = _write(engine, rules, good, result.key, progress)
        result.written = len(good)
    result.seconds = time.perf_counter() - started
    log.info("导入 %s → %s：%s（%.1f 秒）", path.name, table, result.summary(), result.seconds)
    return result


# --- reading ------------------------------------------------------------------------------------------

def read_table_file(path: Path, *, encoding: str | None = None,
                    sheet: str | None = None) -> tuple[list[str], pd.DataFrame, str | None]:
    """Header and data rows of a CSV or XLSX file, plus the CSV encoding used.

    The rows come as a frame of stripped text ('' for blank) with positional columns (wider than the
    header when some row has extra fields) and the row numbers the user sees (header = 1) as index.
    CSV encoding is detected when not given: a BOM decides, otherwise UTF-8 is tried and then GB18030.
    For XLSX the sheet named ``sheet`` is read if there is one, else the first sheet.
    """
    if not path.is_file():
        raise ImportError_(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        grid, used = _read_xlsx(path, sheet), None
    elif suffix == ".xls":
        raise ImportError_("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入")
    else:
        text, used = _decode(path.read_bytes(), encoding, path.name)
        grid = _read_csv_text(text, path.name)
    if grid.empty:
        raise ImportError_(f"{path.name} 是空文件")
    grid = grid.apply(lambda col: col.str.strip())
    grid.index = pd.RangeIndex(1, len(grid) + 1)
    header = grid.iloc[0].tolist()
    while header and not header[-1]:
        header.pop()
    return header, grid.iloc[1:], used


def _read_csv_text(text: str, name: str) -> pd.DataFrame:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    if not text.strip():
        return pd.DataFrame()
    try:
        return pd.read_csv(io.StringIO(text), header=None, dtype=str, na_filter=False, sep=delimiter,
                           skip_blank_lines=False, engine="c")
    except pd.errors.ParserError:
        pass  # some row is longer than the first: read it the slow way and report that row
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportError_(f"{name} 不是有效的 CSV 文件：{exc}") from exc
    width = max(len(r) for r in records)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in records], dtype=str)


def _decode(data: bytes, encoding: str | None, name: str) -> tuple[str, str]:
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise ImportError_(f"未知的编码：{encoding}（常用：utf-8、gb18030）") from exc
        try:
            return data.decode(encoding).lstrip("\ufeff"), encoding
        except UnicodeDecodeError as exc:
            raise ImportError_(f"{name} 无法按 {encoding} 解码（第 {exc.start} 字节附近）；"
                               "可去掉 --encoding 让程序自动识别") from exc
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    for candidate in ("utf-8", "gb18030"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise ImportError_(f"无法识别 {name} 的编码（既不是 UTF-8 也不是 GB18030），请用 --encoding 指定")


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d") if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _read_xlsx(path: Path, sheet: str | None) -> pd.DataFrame:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or mislabelled file
        raise ImportError_(f"{path.name} 不是可读取的 XLSX 文件：{exc}") from exc
    try:
        ws = wb[sheet] if sheet in wb.sheetnames else wb.worksheets[0]
        rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)


def _frame(rules: TableRules, headers: list[str],
           grid: pd.DataFrame) -> tuple[pd.DataFrame, list[str], dict[int, tuple[int, int]]]:
    """The raw frame (schema columns, index = row number as seen in the file) and the header checks."""
    mapping = map_headers(rules, headers)
    seen: dict[str, str] = {}
    for i, col in mapping.items():
        if col in seen:
            raise ImportError_(f"列「{seen[col]}」和「{headers[i]}」都对应 {col}，请删去其中一列")
        seen[col] = headers[i]
    ignored = [h for i, h in enumerate(headers) if i not in mapping and h]
    missing = [c for c in rules.required_columns(seen) if c not in seen]
    if missing:
        names = "、".join(f"{c}（{rules.label(c)}）" for c in missing)
        raise ImportError_(f"缺少必填列：{names}")
    filled = grid != ""
    # Blank lines are dropped, but the numbering goes on, so later rows keep the number the user sees.
    grid = grid[filled.any(axis=1)]
    width = len(headers)
    long_rows: dict[int, tuple[int, int]] = {}
    if grid.shape[1] > width:
        extra = filled.loc[grid.index].iloc[:, width:]
        for n, row in extra[extra.any(axis=1)].iterrows():
            long_rows[int(n)] = (width + int(np.flatnonzero(row.to_numpy())[-1]) + 1, width)
    raw = grid[list(mapping)].set_axis(list(mapping.values()), axis=1)
    raw.index.name = "row"
    return raw, ignored, long_rows


# --- validation ---------------------------------------------------------------------------------------

def _load_streets(engine: Engine) -> Streets:
    t = schema.street
    query = sa.select(t.c.code, t.c.name, t.c.lon, t.c.lat, t.c.geometry)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    if not rows:
        # Every store needs the street table to check codes and points; a freshly initialised one
        # gets the shipped (approximate) polygons, exactly what the generator would write.
        with engine.begin() as conn:
            n = load_streets(conn)
            rows = conn.execute(query).all()
        log.info("库中没有街镇数据，已写入内置的 %d 个街镇近似边界", n)
    return Streets(pd.DataFrame(rows, columns=["code", "name", "lon", "lat", "geometry"]))


def _existing(conn: sa.Connection, table: str, column: str, values: list) -> set:
    col = schema.metadata.tables[table].c[column]
    found: set = set()
    for start in range(0, len(values), _IN_CHUNK):
        chunk = values[start:start + _IN_CHUNK]
        found.update(conn.execute(sa.select(col).where(col.in_(chunk)).distinct()).scalars())
    return {str(v).strip() if isinstance(v, str) else v for v in found}


def _validate(raw: pd.DataFrame, rules: TableRules, streets: Streets, key: tuple[str, ...],
              long_rows: dict[int, tuple[int, int]], progress: bool,
              existing: Callable[[str, str, list], set]) -> tuple[pd.DataFrame, Problems]:
    problems = Problems()
    parts = []
    with tqdm(total=len(raw), unit="行", desc=f"校验 {rules.name}", leave=False,
              disable=not progress or len(raw) < _PROGRESS_MIN_ROWS) as bar:
        for start in range(0, len(raw), _CHUNK_ROWS):
            chunk = raw.iloc[start:start + _CHUNK_ROWS]
            typed, p = check_rows(chunk, rules, streets)
            parts.append(typed)
            problems.extend(p)
            bar.update(len(chunk))
    typed = pd.concat(parts) if parts else pd.DataFrame(index=raw.index)
    if long_rows:
        over = pd.Series(False, index=raw.index)
        over[list(long_rows)] = True
        reason = pd.Series({n: f"本行有 {w} 个字段，多于表头的 {width} 列（是否有未加引号的逗号？）"
                            for n, (w, width) in long_rows.items()})
        problems.add(over, WHOLE_ROW, reason.reindex(raw.index), pd.Series("", index=raw.index))
    check_duplicates(typed, key, rules, raw, problems)
    check_foreign_keys(typed, rules, raw, problems, existing, streets)
    return typed, problems


# --- reject file --------------------------------------------------------------------------------------

def _safe_cell(v: str) -> str:
    """Quote a cell that a spreadsheet would otherwise run as a formula (the stored data is untouched)."""
    if v.startswith(_FORMULA_START):
        try:
            float(v)
        except ValueError:
            return "'" + v
    return v


def _write_rejects(target: Path, source_name: str, problems: pd.DataFrame, rules: TableRules,
                   headers: list[str]) -> None:
    shown = {col: headers[i] for i, col in map_headers(rules, headers).items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(_REJECT_HEADER)
        for rec in problems.itertuples(index=False):
            w.writerow((source_name, int(rec.row), shown.get(rec.column, rec.column),
                        _safe_cell(str(rec.value)[:200]), rec.reason))


# --- writing ------------------------------------------------------------------------------------------

def _write(engine: Engine, rules: TableRules, good: pd.DataFrame, key: tuple[str, ...],
           progress: bool) -> int:
    """Upsert ``good`` in one transaction; returns the number of rows inserted or changed."""
    table = rules.table
    tmp = sa.Table(f"_import_{table.name}", sa.MetaData(),
                   *[sa.Column(c.name, c.type) for c in table.columns], prefixes=["TEMPORARY"])
    with engine.begin() as conn:
        if key != rules.primary_key:
            good = _assign_ids(conn, rules, good, key)
        cols = [c.name for c in table.columns if c.name in good.columns]
        # pysqlite runs DDL outside the transaction, so a failed import on SQLite can leave the
        # temporary table on its pooled connection; PostgreSQL rolls it back with everything else.
        tmp.drop(conn, checkfirst=True)
        tmp.create(conn)
        with tqdm(total=len(good), unit="行", desc=f"写入 {table.name}", leave=False,
                  disable=not progress or len(good) < _PROGRESS_MIN_ROWS) as bar:
            for start in range(0, len(good), _CHUNK_ROWS):
                bar.update(bulk_insert(conn, tmp, good.iloc[start:start + _CHUNK_ROWS][cols]))
        # Without preserve_rowcount SQLAlchemy reports -1 for INSERT … SELECT on psycopg.
        changed = conn.execute(_merge(conn, table, tmp, cols),
                               execution_options={"preserve_rowcount": True}).rowcount
        tmp.drop(conn)
        set_meta(conn, {"imported_at": datetime.now().isoformat(timespec="seconds")})
    return changed


def _merge(conn: sa.Connection, table: sa.Table, tmp: sa.Table, cols: list[str]) -> sa.Executable:
    pk = [c.name for c in table.primary_key]
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    # SQLite needs a WHERE in the SELECT, or it parses ON CONFLICT as a join constraint.
    stmt = insert(table).from_select(cols, sa.select(*[tmp.c[c] for c in cols]).where(sa.true()))
    update = [c for c in cols if c not in pk]
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=pk)
    return stmt.on_conflict_do_update(
        index_elements=pk,
        set_={c: stmt.excluded[c] for c in update},
        where=sa.or_(*[table.c[c].is_distinct_from(stmt.excluded[c]) for c in update]),
    )


def _key_text(v: object) -> str:
    if isinstance(v, datetime | pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.strftime("%Y-%m-%d 00:00:00.000000")
    return str(v)


def _assign_ids(conn: sa.Connection, rules: TableRules, good: pd.DataFrame,
                key: tuple[str, ...]) -> pd.DataFrame:
    """Give each row the id of the existing row with the same natural key, or a new id."""
    table = rules.table
    first = table.c[key[0]]
    wanted = [_db_value(v) for v in good[key[0]].unique()]
    known: dict[tuple[str, ...], int] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        q = (sa.select(*[table.c[c] for c in key], table.c.id)
             .where(first.in_(wanted[start:start + _IN_CHUNK])).order_by(table.c.id.desc()))
        for *k, id_ in conn.execute(q):
            known[tuple(_key_text(v) for v in k)] = id_  # descending, so the smallest id wins
    texts = good[list(key)].astype(object).apply(lambda r: tuple(_key_text(v) for v in r), axis=1)
    ids = texts.map(known)
    new = ids.isna()
    next_id = (conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1
    ids[new] = range(next_id, next_id + int(new.sum()))
    out = good.copy()
    out["id"] = ids.astype("Int64")
    return out


def _db_value(v: object) -> object:
    if isinstance(v, np.generic):  # drivers do not bind numpy integers (natural keys led by an int id)
        return v.item()
    return v.to_pydatetime() if isinstance(v, pd.Timestamp) else v
