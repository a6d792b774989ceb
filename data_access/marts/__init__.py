"""The read-optimised layer's tables: marts, cubes, the five topic libraries, tags, models, indicators.

``MARTS`` lists every table in build order; ``CUBES`` the additive aggregates over a date axis.
``reader(conn)`` gives a :class:`~data_access.marts.query.Reader` over the live version.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from data_access.marts.catalog import CUBES, SOURCE_MARTS, industry_sections
from data_access.marts.core import (
    VERSION_KEY,
    BuildContext,
    Cube,
    Mart,
    ReadLayerMissing,
    current_version,
    parse_table_name,
    table_name,
)
from data_access.marts.derived import DERIVED_MARTS, indicator_value
from data_access.marts.query import Reader, Sum, add_months, raw_mode, raw_reads, split_period

MARTS: dict[str, Mart] = {m.name: m for m in (*SOURCE_MARTS, *DERIVED_MARTS, indicator_value)}
#: Marts that read only the source tables (never another read table): safe to build in any order.
SOURCE_NAMES: frozenset[str] = frozenset(m.name for m in SOURCE_MARTS if not m.reads_layer)

#: The five topic libraries (专题库, data.md §5) and the marts that make each of them up.
TOPICS: dict[str, tuple[str, ...]] = {}
for _m in MARTS.values():
    if _m.topic:
        TOPICS.setdefault(_m.topic, ())
        TOPICS[_m.topic] += (_m.name,)
del _m


def reader(conn: sa.Connection, version: int | None = None) -> Reader:
    """A reader over ``version`` (default: the live one); raises ``ReadLayerMissing`` if none."""
    v = current_version(conn) if version is None else version
    if v is None:
        raise ReadLayerMissing("读优化层尚未建立：请先运行 smartsup refresh")
    return Reader(conn, v, MARTS, CUBES, raw=raw_mode())


def signature() -> str:
    """A fingerprint of the marts' names and columns: a changed layout needs a refresh."""
    h = hashlib.sha256()
    for m in MARTS.values():
        h.update(m.name.encode())
        for name, typ in m.columns or ():
            h.update(f"{name}:{typ!r}".encode())
    return h.hexdigest()[:16]


__all__ = [
    "CUBES",
    "MARTS",
    "TOPICS",
    "VERSION_KEY",
    "BuildContext",
    "Cube",
    "Mart",
    "ReadLayerMissing",
    "Reader",
    "SOURCE_NAMES",
    "Sum",
    "add_months",
    "raw_reads",
    "current_version",
    "industry_sections",
    "parse_table_name",
    "reader",
    "signature",
    "split_period",
    "table_name",
]
