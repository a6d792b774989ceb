"""Load exchange packages into a city store (``smartsup exchange import``).

Everything is checked before anything is written — schema version, the manifest's checksums and
sizes against every file, both JSON documents against the shipped schemas, the codes (district,
streets, USCC check digits, indicator ids), dates inside the period, CSV row counts — and one
package is written in one transaction, replacing that district's rows for that period. So a
broken or tampered package writes nothing, and importing the same package twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from jsonschema import Draft202012Validator
from sqlalchemy.engine import Engine

from data_access import schema
from data_access.exchange.format import (
    DATA,
    DATASETS,
    MANIFEST,
    READABLE_MAJOR,
    SHANGHAI_DISTRICTS,
    ExchangeError,
    PackageFiles,
    json_schema,
    parse_period,
    sha256,
)
from data_access.uscc import is_valid_uscc


@dataclass
class ImportOutcome:
    """What importing one package did: ``imported``, ``replaced`` (a newer package of the same
    district and period) or ``unchanged`` (this very package was already loaded)."""

    path: Path
    district_code: str
    district_name: str
    period: str
    status: str
    counts: dict[str, int] = field(default_factory=dict)


def _json(files: PackageFiles, name: str) -> Any:
    try:
        return json.loads(files.read(name).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExchangeError(f"{files.path.name} 中的 {name} 不是有效的 UTF-8 JSON（{exc}）") from None


def _conform(files: PackageFiles, name: str, doc: Any, schema_name: str) -> None:
    validator = Draft202012Validator(
        json_schema(schema_name), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    error = next(iter(sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "（根）"
        raise ExchangeError(f"{files.path.name} 中的 {name} 不符合交换格式 1.x：{where}：{error.message}")


def _check_version(files: PackageFiles, doc: Any, name: str) -> None:
    version = doc.get("schema_version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or version.split(".")[0] != READABLE_MAJOR:
        raise ExchangeError(
            f"{files.path.name} 的 {name} 格式版本为 {version!r}，本系统只能导入 {READABLE_MAJOR}.x 版"
        )


def _check_files(files: PackageFiles, manifest: dict) -> None:
    listed = {f["path"]: f for f in manifest["files"]}
    expected = {DATA, *(name for name, _ in DATASETS.values())}
    missing = sorted(expected - set(listed))
    if missing:
        raise ExchangeError(f"{files.path.name} 的清单缺少 {', '.join(missing)}")
    unlisted = sorted(set(files.names) - set(listed) - {MANIFEST})
    if unlisted:
        raise ExchangeError(f"{files.path.name} 含有清单之外的文件：{', '.join(unlisted)}")
    for name, entry in listed.items():
        data = files.read(name)
        if len(data) != entry["bytes"] or sha256(data) != entry["sha256"]:
            raise ExchangeError(f"{files.path.name} 已被改动或损坏：{name} 的 SHA-256 与清单不符，拒绝导入")


def _csv_rows(files: PackageFiles, name: str) -> int:
    try:
        text = files.read(name).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExchangeError(f"{files.path.name} 中的 {name} 不是 UTF-8 编码") from None
    return max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)


def _check_content(files: PackageFiles, manifest: dict, data: dict) -> None:
    """Agreement of manifest and data, codes, keys and dates — what a schema cannot say."""
    pkg = files.path.name
    code = manifest["district_code"]
    if code not in SHANGHAI_DISTRICTS:
        raise ExchangeError(f"{pkg} 的区代码 {code} 不是上海市的 16 个区之一")
    if manifest["district_name"] != SHANGHAI_DISTRICTS[code]:
        raise ExchangeError(
            f"{pkg} 的区名称 {manifest['district_name']} 与区代码 {code}（{SHANGHAI_DISTRICTS[code]}）不符"
        )
    same = {
        "schema_version": data["schema_version"],
        "district_code": data["district"]["code"],
        "district_name": data["district"]["name"],
        "period": data["period"],
        "data_time": data["data_time"],
    }
    for key, value in same.items():
        if manifest[key] != value:
            raise ExchangeError(f"{pkg} 的清单与 data.json 的 {key} 不一致")
    try:
        period = parse_period(manifest["period"]["label"])
    except ExchangeError as exc:
        raise ExchangeError(f"{pkg}：{exc}") from None
    if period.as_json() != manifest["period"]:
        raise ExchangeError(f"{pkg} 的期间 {period.label} 与其起止日期不符")
    streets = [s["code"] for s in data["streets"]]
    bad = [s for s in streets if not s.startswith(code)]
    if bad:
        raise ExchangeError(f"{pkg} 的街镇代码 {bad[0]} 不属于区 {code}")
    areas = {code, *streets}
    ids = {i["id"] for i in data["indicators"]}
    seen: set[tuple[str, str]] = set()
    for v in data["indicator_values"]:
        if v["indicator_id"] not in ids:
            raise ExchangeError(f"{pkg} 的指标值引用了目录中没有的指标 {v['indicator_id']}")
        if v["area_code"] not in areas:
            raise ExchangeError(f"{pkg} 的指标值引用了未知区域代码 {v['area_code']}")
        key = (v["indicator_id"], v["area_code"])
        if key in seen:
            raise ExchangeError(f"{pkg} 的指标值重复：{key[0]} @ {key[1]}")
        seen.add(key)
    lo, hi = period.start.isoformat(), period.end.isoformat()
    checks = {
        "credit_lists": ("record_id", None),
        "case_decisions": ("case_no", "decided_on"),
        "inspection_tasks": ("task_id", "drawn_on"),
        "inspection_results": ("inspection_id", "done_on"),
    }
    for dataset, (key, day) in checks.items():
        keys = [row[key] for row in data[dataset]]
        if len(keys) != len(set(keys)):
            raise ExchangeError(f"{pkg} 的 {dataset} 有重复的 {key}")
        for row in data[dataset]:
            if "uscc" in row and not is_valid_uscc(row["uscc"]):
                raise ExchangeError(f"{pkg} 的 {dataset} 含有校验位不对的统一社会信用代码 {row['uscc']}")
            if day and not lo <= row[day] < hi:
                raise ExchangeError(
                    f"{pkg} 的 {dataset} 中 {key}={row[key]} 的 {day} {row[day]} 不在期间 {period.label} 内"
                )
    rows = {f["path"]: f["rows"] for f in manifest["files"]}
    for dataset, (name, _) in DATASETS.items():
        if not rows[name] == len(data[dataset]) == _csv_rows(files, name):
            raise ExchangeError(f"{pkg} 的 {name} 行数与清单或 data.json 不一致")


def read_package(path: Path) -> tuple[dict, dict, str]:
    """The checked manifest, data and manifest SHA-256 of the package at ``path``."""
    with PackageFiles(path) as files:
        manifest_bytes = files.read(MANIFEST)
        manifest = _json(files, MANIFEST)
        _check_version(files, manifest, MANIFEST)
        _conform(files, MANIFEST, manifest, "manifest")
        _check_files(files, manifest)
        data = _json(files, DATA)
        _check_version(files, data, DATA)
        _conform(files, DATA, data, "data")
        _check_content(files, manifest, data)
    return manifest, data, sha256(manifest_bytes)


def _day(v: str | None) -> date | None:
    return None if v is None else date.fromisoformat(v)


_DATES = {"listed_on", "removed_on", "decided_on", "drawn_on", "planned_on", "done_on"}
_TABLES = {
    "indicator_values": schema.city_indicator_value,
    "credit_lists": schema.city_credit_list,
    "case_decisions": schema.city_case_decision,
    "inspection_tasks": schema.city_inspection_task,
    "inspection_results": schema.city_inspection_result,
}


def _write(conn: sa.Connection, manifest: dict, data: dict, digest: str) -> str:
    code, period = manifest["district_code"], manifest["period"]["label"]
    pkg = schema.city_package
    key = (pkg.c.district_code == code) & (pkg.c.period == period)
    old = conn.execute(sa.select(pkg.c.manifest_sha256, pkg.c.data_time).where(key)).first()
    data_time = datetime.fromisoformat(manifest["data_time"])
    if old is not None:
        if old.manifest_sha256 == digest:
            return "unchanged"
        if old.data_time > data_time:
            raise ExchangeError(
                f"库中已有 {code} {period} 更新的数据包（数据时间 {old.data_time:%Y-%m-%d %H:%M}），"
                f"未导入这个较旧的包（数据时间 {data_time:%Y-%m-%d %H:%M}）"
            )
        for t in schema.CITY_PACKAGE_TABLES:
            conn.execute(t.delete().where((t.c.district_code == code) & (t.c.period == period)))
        conn.execute(pkg.delete().where(key))
    conn.execute(
        pkg.insert().values(
            district_code=code,
            period=period,
            period_kind=manifest["period"]["kind"],
            period_start=_day(manifest["period"]["start"]),
            period_end=_day(manifest["period"]["end"]),
            district_name=manifest["district_name"],
            schema_version=manifest["schema_version"],
            data_time=data_time,
            generated_at=datetime.fromisoformat(manifest["generated_at"]),
            complete=manifest["complete"],
            manifest_sha256=digest,
            imported_at=datetime.now().replace(microsecond=0),
        )
    )
    st, ci = schema.city_street, schema.city_indicator
    conn.execute(st.delete().where(st.c.district_code == code))
    conn.execute(st.insert(), [{**s, "district_code": code} for s in data["streets"]])
    # the catalogue is shared by all districts: the newest package's wording wins
    ids = [i["id"] for i in data["indicators"]]
    conn.execute(ci.delete().where(ci.c.indicator_id.in_(ids)))
    conn.execute(
        ci.insert(),
        [{**{k: v for k, v in i.items() if k != "id"}, "indicator_id": i["id"]} for i in data["indicators"]],
    )
    for dataset, table in _TABLES.items():
        rows = [
            {
                **{k: (_day(v) if k in _DATES else v) for k, v in row.items()},
                "district_code": code,
                "period": period,
            }
            for row in data[dataset]
        ]
        if rows:
            conn.execute(table.insert(), rows)
    return "replaced" if old is not None else "imported"


def import_package(engine: Engine, path: Path) -> ImportOutcome:
    """Check the package at ``path`` and load it in one transaction; ``ExchangeError`` if refused."""
    manifest, data, digest = read_package(path)
    with engine.begin() as conn:
        status = _write(conn, manifest, data, digest)
    return ImportOutcome(
        path,
        manifest["district_code"],
        manifest["district_name"],
        manifest["period"]["label"],
        status,
        {k: len(data[k]) for k in DATASETS},
    )


def import_packages(engine: Engine, paths: Iterable[Path]) -> list[ImportOutcome | ExchangeError]:
    """Import each package on its own: a refused package is reported and leaves the others alone."""
    out: list[ImportOutcome | ExchangeError] = []
    for p in paths:
        try:
            out.append(import_package(engine, Path(p)))
        except ExchangeError as exc:
            out.append(exc)
    return out
