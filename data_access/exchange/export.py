"""Write a district's exchange package for one period (``smartsup exchange export``)."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import indicators as lib
from data_access import marts, schema
from data_access.api._base import current_data_time
from data_access.exchange.format import (
    DATA,
    DATASETS,
    MANIFEST,
    PACKAGE_KIND,
    SCHEMA_VERSION,
    SHANGHAI_DISTRICTS,
    ExchangeError,
    Period,
    sha256,
)
from data_access.marts import ReadLayerMissing

#: Fixed timestamp of every zip member, so the zip's bytes depend only on the content.
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


@dataclass
class ExportResult:
    """What ``export_package`` wrote."""

    path: Path
    district_code: str
    period: Period
    data_time: datetime
    counts: dict[str, int]
    complete: bool


def _money(v: object) -> float | None:
    return None if v is None else round(float(v), 2)


def _day(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)[:10]


def _plain(v: object) -> object:
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, float) and pd.isna(v):
        return None
    return v


def _indicator_values(
    r: marts.Reader, period: Period, district_code: str, streets: list[str]
) -> tuple[list[dict], list[dict]]:
    """The catalogue and every indicator's value for the district and each street.

    State indicators are read as of the data time, period indicators over the period. A street
    missing from a breakdown had nothing to count: 0 for a sum, null for a ratio (no denominator).
    """
    catalogue = [
        {
            "id": i.id,
            "name": i.name,
            "definition": i.definition,
            "unit": i.unit,
            "value_type": i.value_type,
            "kind": i.kind,
            "theme": i.theme,
            "core": i.core,
        }
        for i in lib.CATALOGUE
    ]
    state = [i.id for i in lib.CATALOGUE if i.kind == "state"]
    period_ids = [i.id for i in lib.CATALOGUE if i.kind == "period"]
    span = {"start": period.start, "end": period.end}
    totals = pd.concat([lib.evaluate(r, state), lib.evaluate(r, period_ids, **span)])
    by_street = pd.concat(
        [
            lib.evaluate(r, state, by=("street_code",)),
            lib.evaluate(r, period_ids, by=("street_code",), **span),
        ]
    )
    total = dict(zip(totals["indicator_id"], totals["value"], strict=True))
    per = {
        (s, i): v for s, i, v in by_street[["street_code", "indicator_id", "value"]].itertuples(index=False)
    }
    values: list[dict] = []
    for ind in lib.CATALOGUE:

        def shown(v: object, ind: lib.Indicator = ind) -> float | int | None:
            if v is None or pd.isna(v):
                return None
            return int(round(float(v))) if ind.value_type == "count" else float(v)

        values.append({"indicator_id": ind.id, "area_code": district_code, "value": shown(total.get(ind.id))})
        for s in streets:
            v = per.get((s, ind.id), 0.0 if ind.den is None else None)
            values.append({"indicator_id": ind.id, "area_code": s, "value": shown(v)})
    return catalogue, values


def _lists(conn: sa.Connection, period: Period) -> dict[str, list[dict]]:
    """The published lists of the period, with entity names and no personal data."""
    e, cl, cf, o = schema.entity, schema.credit_list, schema.case_file, schema.office
    task, insp = schema.inspection_task, schema.inspection
    lo, hi = period.start, period.end
    credit = conn.execute(
        sa.select(cl.c.id, cl.c.uscc, e.c.name, cl.c.list, cl.c.reason, cl.c.listed_on, cl.c.removed_on)
        .join(e, e.c.uscc == cl.c.uscc)
        # in force at some time of the period
        .where(cl.c.listed_on < hi, sa.or_(cl.c.removed_on.is_(None), cl.c.removed_on >= lo))
        .order_by(cl.c.id)
    ).all()
    cases = conn.execute(
        sa.select(
            cf.c.case_no,
            cf.c.uscc,
            e.c.name,
            cf.c.cause,
            cf.c.law_article,
            cf.c.decided_on,
            cf.c.fine_amount,
            cf.c.confiscation_amount,
            o.c.name.label("office_name"),
        )
        .join(e, e.c.uscc == cf.c.uscc)
        .join(o, o.c.code == cf.c.office_code)
        .where(cf.c.decided_on >= lo, cf.c.decided_on < hi)
        .order_by(cf.c.decided_on, cf.c.case_no)
    ).all()
    tasks = conn.execute(
        sa.select(
            task.c.task_id,
            task.c.name,
            o.c.name.label("office_name"),
            task.c.planned_count,
            task.c.drawn_on,
            task.c.seed,
        )
        .join(o, o.c.code == task.c.office_code)
        .where(task.c.kind == "double_random", task.c.drawn_on >= lo, task.c.drawn_on < hi)
        .order_by(task.c.drawn_on, task.c.task_id)
    ).all()
    results = conn.execute(
        sa.select(
            insp.c.id, insp.c.task_id, insp.c.uscc, e.c.name, insp.c.planned_on, insp.c.done_on, insp.c.result
        )
        .join(e, e.c.uscc == insp.c.uscc)
        .where(insp.c.kind == "double_random", insp.c.done_on >= lo, insp.c.done_on < hi)
        .order_by(insp.c.done_on, insp.c.id)
    ).all()
    return {
        "credit_lists": [
            {
                "record_id": str(i),
                "uscc": u,
                "entity_name": n,
                "list": li,
                "reason": rs,
                "listed_on": _day(a),
                "removed_on": _day(b),
            }
            for i, u, n, li, rs, a, b in credit
        ],
        "case_decisions": [
            {
                "case_no": c,
                "uscc": u,
                "entity_name": n,
                "cause": ca,
                "law_article": la,
                "decided_on": _day(d),
                "fine_amount": _money(f),
                "confiscation_amount": _money(cf_),
                "office_name": on,
            }
            for c, u, n, ca, la, d, f, cf_, on in cases
        ],
        "inspection_tasks": [
            {
                "task_id": t,
                "name": n,
                "office_name": on,
                "planned_count": int(pc),
                "drawn_on": _day(d),
                "seed": sd,
            }
            for t, n, on, pc, d, sd in tasks
        ],
        "inspection_results": [
            {
                "inspection_id": str(i),
                "task_id": t,
                "uscc": u,
                "entity_name": n,
                "planned_on": _day(p),
                "done_on": _day(d),
                "result": res,
            }
            for i, t, u, n, p, d, res in results
        ],
    }


def _csv(rows: list[dict], columns: tuple[str, ...]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for row in rows:
        cells = []
        for c in columns:
            v = _plain(row.get(c))
            cells.append("" if v is None else ("true" if v is True else "false" if v is False else v))
        w.writerow(cells)
    return buf.getvalue().encode("utf-8-sig")


def build_content(
    engine: Engine, period: Period, district_code: str, district_name: str
) -> tuple[dict[str, Any], datetime]:
    """``data.json``'s content for ``period`` read from ``engine``'s store, and the data time."""
    if district_code not in SHANGHAI_DISTRICTS:
        raise ExchangeError(f"区代码 {district_code} 不是上海市的 16 个区之一")
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # one snapshot for the marts and the source tables
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            try:
                r = marts.reader(conn)
            except ReadLayerMissing as exc:
                raise ExchangeError(str(exc)) from None
            dt = current_data_time(r)
            if dt is None:
                raise ExchangeError("库中没有数据，无法导出")
            if period.start > dt.date():
                raise ExchangeError(f"期间 {period.label} 在数据时间 {dt:%Y-%m-%d} 之后，没有可导出的数据")
            st = schema.street
            streets = [
                {"code": c, "name": n, "kind": k}
                for c, n, k in conn.execute(sa.select(st.c.code, st.c.name, st.c.kind).order_by(st.c.code))
            ]
            foreign = [s["code"] for s in streets if not s["code"].startswith(district_code)]
            if foreign:
                raise ExchangeError(
                    f"街镇代码 {foreign[0]} 不属于区 {district_code}：请检查 SMARTSUP_DISTRICT_CODE"
                )
            catalogue, values = _indicator_values(r, period, district_code, [s["code"] for s in streets])
            lists = _lists(conn, period)
    content = {
        "schema_version": SCHEMA_VERSION,
        "district": {"code": district_code, "name": district_name},
        "period": period.as_json(),
        "data_time": dt.isoformat(timespec="seconds"),
        "streets": streets,
        "indicators": catalogue,
        "indicator_values": values,
        **lists,
    }
    return content, dt


def write_package(content: dict[str, Any], out_dir: Path, *, generator: str = "smartsup") -> Path:
    """Write ``content`` (``data.json``'s document) as ``<out_dir>/<district>_<period>.zip`` with its
    CSVs and manifest; replaces an older package of the same name.

    The zip is written beside its final name and renamed into place, so a reader never sees half a
    package and a failure (full disk) leaves nothing behind.
    """
    files: dict[str, bytes] = {DATA: json.dumps(content, ensure_ascii=False, indent=1).encode("utf-8")}
    rows = {DATA: sum(len(content[k]) for k in DATASETS)}
    for key, (name, columns) in DATASETS.items():
        files[name] = _csv(content[key], columns)
        rows[name] = len(content[key])
    period = content["period"]
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "package": PACKAGE_KIND,
        "district_code": content["district"]["code"],
        "district_name": content["district"]["name"],
        "period": period,
        "data_time": content["data_time"],
        "complete": period["end"] <= content["data_time"][:10],
        "generated_at": datetime.now().isoformat(timespec="seconds"),
        "generator": generator,
        "files": [
            {"path": n, "sha256": sha256(b), "bytes": len(b), "rows": rows[n]} for n, b in files.items()
        ],
    }
    files = {MANIFEST: json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"), **files}
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{manifest['district_code']}_{period['label']}.zip"
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; a package is meant to be read by others
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def export_package(
    engine: Engine,
    period: Period,
    out_dir: Path,
    *,
    district_code: str = "310112",
    district_name: str = "闵行区",
    generator: str = "smartsup",
) -> ExportResult:
    """Read the period's content from ``engine``'s store and write its package into ``out_dir``."""
    content, dt = build_content(engine, period, district_code, district_name)
    path = write_package(content, out_dir, generator=generator)
    counts = {k: len(content[k]) for k in DATASETS}
    return ExportResult(path, district_code, period, dt, counts, period.end <= dt.date())
