"""The exchange package format, version 1.0: names, periods, datasets, checksums, reading.

A package is one zip file (``<district>_<period>.zip``) holding

- ``manifest.json`` — schema version, district, period, data time, and every other file with its
  SHA-256, size and row count (``schema/manifest-1.0.schema.json``);
- ``data.json`` — the whole content (``schema/data-1.0.schema.json``); it is what the city imports;
- one CSV per dataset with the same rows (UTF-8 with a BOM, so Excel opens the Chinese text), for
  people and tools that want tables.

A zip rather than a directory because a package crosses the intranet's file exchange (前置机) as one
file that is either there whole or not at all; the import also accepts the unpacked directory.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1.0"
#: Schema versions this code can import (a major version change is incompatible by definition).
READABLE_MAJOR = "1"
PACKAGE_KIND = "smartsup-city-exchange"
MANIFEST = "manifest.json"
DATA = "data.json"
#: A package larger than this (uncompressed) is refused before anything is read from it.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024

#: The sixteen districts of Shanghai (GB/T 2260): the "16" of "1+16".
SHANGHAI_DISTRICTS: dict[str, str] = {
    "310101": "黄浦区",
    "310104": "徐汇区",
    "310105": "长宁区",
    "310106": "静安区",
    "310107": "普陀区",
    "310109": "虹口区",
    "310110": "杨浦区",
    "310112": "闵行区",
    "310113": "宝山区",
    "310114": "嘉定区",
    "310115": "浦东新区",
    "310116": "金山区",
    "310117": "松江区",
    "310118": "青浦区",
    "310120": "奉贤区",
    "310151": "崇明区",
}

#: Dataset → (CSV file, columns). The JSON arrays of ``data.json`` carry the same keys.
DATASETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "streets": ("streets.csv", ("code", "name", "kind")),
    "indicators": (
        "indicators.csv",
        ("id", "name", "definition", "unit", "value_type", "kind", "theme", "core"),
    ),
    "indicator_values": ("indicator_values.csv", ("indicator_id", "area_code", "value")),
    "credit_lists": (
        "credit_lists.csv",
        ("record_id", "uscc", "entity_name", "list", "reason", "listed_on", "removed_on"),
    ),
    "case_decisions": (
        "case_decisions.csv",
        (
            "case_no",
            "uscc",
            "entity_name",
            "cause",
            "law_article",
            "decided_on",
            "fine_amount",
            "confiscation_amount",
            "office_name",
        ),
    ),
    "inspection_tasks": (
        "inspection_tasks.csv",
        ("task_id", "name", "office_name", "planned_count", "drawn_on", "seed"),
    ),
    "inspection_results": (
        "inspection_results.csv",
        ("inspection_id", "task_id", "uscc", "entity_name", "planned_on", "done_on", "result"),
    ),
}


class ExchangeError(Exception):
    """A package cannot be written or is refused; the message is one Chinese sentence for the user."""


@dataclass(frozen=True)
class Period:
    """A calendar month (``2026-11``) or ISO week (``2026-W47``) as a half-open date interval."""

    label: str
    kind: str
    start: date
    end: date

    def as_json(self) -> dict[str, str]:
        """The period as it appears in the manifest and in ``data.json``."""
        return {
            "label": self.label,
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_period(text: str) -> Period:
    """``YYYY-MM`` → that month, ``YYYY-Www`` → that ISO week; ``ExchangeError`` otherwise."""
    text = text.strip()
    if m := _MONTH.match(text):
        y, mo = int(m[1]), int(m[2])
        if 1 <= mo <= 12:
            start = date(y, mo, 1)
            end = date(y + (mo == 12), mo % 12 + 1, 1)
            return Period(text, "month", start, end)
    if m := _WEEK.match(text):
        try:
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            pass
        else:
            return Period(text, "week", start, start + timedelta(days=7))
    raise ExchangeError(f"期间格式不对：{text!r}；应为 YYYY-MM（月）或 YYYY-Www（ISO 周，如 2026-W47）")


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


@cache
def json_schema(name: str) -> dict[str, Any]:
    """The shipped JSON Schema ``manifest`` or ``data`` of the current version."""
    text = (
        resources.files("data_access.exchange")
        .joinpath(f"schema/{name}-{SCHEMA_VERSION}.schema.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


class PackageFiles:
    """The files of a package, from a zip or an unpacked directory, read by name only.

    Names must be plain file names (no directories, no ``..``), so a crafted zip cannot point the
    import anywhere else; the total size is checked before anything is read.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self.names = sorted(p.name for p in path.iterdir() if p.is_file())
            total = sum((path / n).stat().st_size for n in self.names)
        elif path.is_file():
            try:
                self._zip = zipfile.ZipFile(path)
                infos = self._zip.infolist()
            except (zipfile.BadZipFile, OSError) as exc:
                raise ExchangeError(f"{path.name} 不是有效的 zip 数据包（{exc}）") from None
            self.names = sorted(i.filename for i in infos)
            total = sum(i.file_size for i in infos)
        else:
            raise ExchangeError(f"找不到数据包：{path}")
        bad = [n for n in self.names if "/" in n or "\\" in n or n.startswith(".")]
        if bad:
            raise ExchangeError(f"{path.name} 含有不允许的文件名：{', '.join(bad[:3])}")
        if total > MAX_UNPACKED_BYTES:
            raise ExchangeError(f"{path.name} 解压后超过 {MAX_UNPACKED_BYTES // 2**20} MB，拒绝导入")

    def read(self, name: str) -> bytes:
        """The bytes of file ``name``; ``ExchangeError`` when missing or unreadable."""
        if name not in self.names:
            raise ExchangeError(f"{self.path.name} 缺少文件 {name}")
        try:
            if self._zip is not None:
                return self._zip.read(name)
            return (self.path / name).read_bytes()
        except Exception as exc:  # BadZipFile (CRC), zlib.error, OSError: all mean a damaged file
            raise ExchangeError(f"{self.path.name} 中的 {name} 已损坏，无法读取（{exc}）") from None

    def close(self) -> None:
        """Release the zip file."""
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> PackageFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
