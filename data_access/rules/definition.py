"""The declarative form of a warning rule: what the engine executes, stored as JSON in
``warning_rule.definition`` and validated before it is stored or run.

A definition names a source table (optionally joined to others), filters as
(column, operator from a fixed set, literal value or a reference), an optional EXISTS on a related
table, the subject it is about, and either the columns that identify one match (an event or state
rule: one match per source row) or a count with a threshold and a trailing window (a count rule:
one match per subject whose count reaches the threshold). Nothing here is ever passed to ``eval``
or pasted into SQL: every name is checked against the schema, every value is bound as a parameter
(see :mod:`data_access.rules.engine`).
"""

from __future__ import annotations

import json
import re
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from data_access import schema as s

#: Tables a rule may read: the source tables of the theme libraries (not the operations tables).
RULE_TABLES: dict[str, sa.Table] = {t.name: t for t in (
    s.entity, s.entity_change, s.licence, s.equipment, s.equipment_inspection, s.food_sampling,
    s.inspection, s.credit_list, s.complaint, s.case_file, s.device, s.device_reading,
    s.device_alarm, s.online_store, s.ad_hit, s.entity_honor, s.ip_right,
)}
Operator = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "is_null", "not_null"]
SubjectKind = Literal["entity", "equipment", "device", "complaint", "case", "address", "ad"]
Scalar = str | int | float | bool
#: Placeholders a title may use: the entity's name (or the street's when there is no entity), the
#: subject, the rule's name and, for count rules, the count.
TITLE_FIELDS = ("name", "subject", "rule", "count")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class RuleError(ValueError):
    """A rule definition that is not valid; the message is one Chinese sentence."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Ref(_Model):
    """The right-hand side of a comparison when it is not a literal: another column or the data
    time, plus ``days`` (negative: before). ``{"data_time": true, "days": -15}`` is "15 days before
    the data time"; ``{"column": "case_file.opened_on", "days": 90}`` is "90 days after opening"."""

    column: str | None = None
    data_time: bool = False
    days: float = Field(default=0, ge=-3660, le=3660)

    @model_validator(mode="after")
    def _one(self) -> Ref:
        if (self.column is None) == (not self.data_time):
            raise ValueError("ref needs exactly one of column or data_time")
        return self


class Filter(_Model):
    """``column op value`` or ``column op ref``; ``in``/``not_in`` take a list,
    ``is_null``/``not_null`` nothing."""

    column: str
    op: Operator
    value: Scalar | list[Scalar] | None = None
    ref: Ref | None = None

    @model_validator(mode="after")
    def _shape(self) -> Filter:
        if self.op in ("is_null", "not_null"):
            if self.value is not None or self.ref is not None:
                raise ValueError(f"{self.op} takes no value")
        elif self.op in ("in", "not_in"):
            if self.ref is not None or not isinstance(self.value, list) or not self.value:
                raise ValueError(f"{self.op} takes a non-empty list")
        elif (self.value is None) == (self.ref is None) or isinstance(self.value, list):
            raise ValueError(f"{self.op} takes one value or one ref")
        return self


class Join(_Model):
    """Join ``table`` on (column of an earlier table, column of ``table``) pairs."""

    table: str
    on: list[tuple[str, str]] = Field(min_length=1)
    outer: bool = False


class Exists(_Model):
    """Keep a row only if ``table`` has a row linked by (outer column, inner column) pairs that
    passes ``filters`` (columns of ``table`` written ``table.column``)."""

    table: str
    on: list[tuple[str, str]] = Field(min_length=1)
    filters: list[Filter] = []


class Count(_Model):
    """A count rule: subjects with at least ``threshold`` rows whose ``time`` lies in the trailing
    ``window_days`` up to the data time (no window: all rows)."""

    threshold: int = Field(ge=1, le=1_000_000)
    window_days: int | None = Field(default=None, ge=1, le=3660)


class RuleDefinition(_Model):
    """One rule's executable definition (version 1). Columns are written ``table.column``."""

    version: Literal[1] = 1
    source: str
    joins: list[Join] = []
    filters: list[Filter] = []
    any_of: list[list[Filter]] = Field(default=[], description="OR of AND-groups, ANDed with filters")
    exists: list[Exists] = []
    subject: str
    subject_kind: SubjectKind
    key: list[str] = Field(default=[], description="columns identifying one match; empty for count rules")
    time: str
    lookback_days: int | None = Field(
        default=None, ge=1, le=3660,
        description="event rules: rows this far back; count rules: only subjects with a row this far back")
    count: Count | None = None
    uscc: str | None = None
    street: str
    title: str = Field(min_length=1, max_length=120)

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        for name in _PLACEHOLDER.findall(v):
            if name not in TITLE_FIELDS:
                raise ValueError(f"unknown title placeholder {{{name}}}")
        if "{" in _PLACEHOLDER.sub("", v) or "}" in _PLACEHOLDER.sub("", v):
            raise ValueError("unbalanced brace in title")
        return v

    @model_validator(mode="after")
    def _names(self) -> RuleDefinition:
        scope = self.tables()
        for name in scope:
            if name not in RULE_TABLES:
                raise ValueError(f"table {name!r} is not a rule source")
        if len(set(scope)) != len(scope):
            raise ValueError("a table may appear once (source and joins)")
        for j in self.joins:
            for left, right in j.on:
                _col(left, scope[: scope.index(j.table)])
                _col(right if "." in right else f"{j.table}.{right}", [j.table])
        for f in [*self.filters, *(f for g in self.any_of for f in g)]:
            _check_filter(f, scope)
        for e in self.exists:
            if e.table not in RULE_TABLES:
                raise ValueError(f"table {e.table!r} is not a rule source")
            for outer, inner in e.on:
                _col(outer, scope)
                _col(inner if "." in inner else f"{e.table}.{inner}", [e.table])
            for f in e.filters:
                _check_filter(f, [e.table, *scope])
        for c in [self.subject, self.time, self.street, *self.key, *([self.uscc] if self.uscc else [])]:
            _col(c, scope)
        if self.count is None and not self.key:
            raise ValueError("an event rule needs key columns (or a count)")
        if self.count is not None and self.key:
            raise ValueError("a count rule has no key columns: the subject is its key")
        if self.count is not None and self.lookback_days and not (
                self.subject.startswith(f"{self.source}.") and self.time.startswith(f"{self.source}.")):
            raise ValueError("a count rule's lookback needs subject and time columns of its source table")
        return self

    def tables(self) -> list[str]:
        """The source and joined tables, in join order."""
        return [self.source, *(j.table for j in self.joins)]


def _col(ref: str, scope: list[str]) -> sa.Column:
    table, _, column = ref.partition(".")
    if not column or table not in scope:
        raise ValueError(f"column {ref!r} must be table.column of {', '.join(scope) or '—'}")
    t = RULE_TABLES[table]
    if column not in t.c:
        raise ValueError(f"unknown column {ref!r}")
    return t.c[column]


def _check_filter(f: Filter, scope: list[str]) -> None:
    col = _col(f.column, scope)
    table, column = f.column.split(".")
    if f.ref is not None:
        if f.ref.column is not None:
            other = _col(f.ref.column, scope)
            if f.ref.days and not _is_time(other):
                raise ValueError(f"days offset needs a date or time column: {f.ref.column}")
        if (f.ref.data_time or f.ref.days) and not _is_time(col):
            raise ValueError(f"{f.column} is not a date or time column")
        return
    if f.value is None:
        return
    values = f.value if isinstance(f.value, list) else [f.value]
    if _is_time(col):
        raise ValueError(f"{f.column} compares with the data time or a column (ref), not a literal")
    allowed = s.ENUMS.get((table, column))
    for v in values:
        if allowed is not None and v not in allowed:
            raise ValueError(f"{v!r} is not a value of {f.column} ({', '.join(allowed)})")
        if isinstance(col.type, (sa.Integer, sa.Float, sa.Numeric)) and (
                isinstance(v, bool) or not isinstance(v, (int, float))):
            raise ValueError(f"{f.column} takes numbers, not {v!r}")
        if isinstance(col.type, sa.Boolean) and not isinstance(v, bool):
            raise ValueError(f"{f.column} takes true/false, not {v!r}")
        if isinstance(col.type, sa.String) and not isinstance(v, str):
            raise ValueError(f"{f.column} takes text, not {v!r}")


def _is_time(col: sa.Column) -> bool:
    return isinstance(col.type, (sa.Date, sa.DateTime))


def parse_definition(value: str | dict | RuleDefinition) -> RuleDefinition:
    """A validated definition from JSON text, a dict or a definition; raises :class:`RuleError`."""
    if isinstance(value, RuleDefinition):
        return value
    try:
        data = json.loads(value) if isinstance(value, str) else value
        return RuleDefinition.model_validate(data)
    except json.JSONDecodeError as exc:
        raise RuleError(f"规则定义不是有效的 JSON：{exc.msg}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "定义"
        raise RuleError(f"规则定义无效（{where}）：{first['msg']}") from None


def dump_definition(defn: RuleDefinition) -> str:
    """Canonical JSON text of a definition (what ``warning_rule.definition`` stores)."""
    return json.dumps(defn.model_dump(mode="json", exclude_defaults=False), ensure_ascii=False,
                      separators=(",", ":"), sort_keys=True)
