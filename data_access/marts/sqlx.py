"""Small SQL expressions that mean the same on SQLite and PostgreSQL.

SQLite keeps DATE as ``YYYY-MM-DD`` text and TIMESTAMP as ``YYYY-MM-DD HH:MM:SS[.ffffff]`` text, so
date arithmetic goes through ``julianday``; PostgreSQL has real types. Every mart and read query
builds its date logic from these helpers so the two backends return identical numbers.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement


def day_of(dialect: str, ts: ColumnElement) -> ColumnElement:
    """The calendar date of a TIMESTAMP (or DATE) column, typed as DATE."""
    if dialect == "sqlite":
        return sa.type_coerce(sa.func.date(ts), sa.Date)
    return sa.cast(ts, sa.Date)


def month_of(dialect: str, day: ColumnElement) -> ColumnElement:
    """The first day of the month of a DATE (or TIMESTAMP) expression, typed as DATE."""
    if dialect == "sqlite":
        return sa.type_coerce(sa.func.date(day, "start of month"), sa.Date)
    return sa.cast(sa.func.date_trunc("month", day), sa.Date)


def minutes_between(dialect: str, start: ColumnElement, end: ColumnElement) -> ColumnElement:
    """Minutes from ``start`` to ``end`` (TIMESTAMP or DATE), as a float; NULL if either is NULL."""
    if dialect == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 1440.0
    return sa.extract("epoch", sa.cast(end, sa.DateTime) - sa.cast(start, sa.DateTime)) / 60.0


def flag(condition: ColumnElement) -> ColumnElement:
    """1 where ``condition`` holds, else 0 (a NULL condition counts as 0), for SUMs of counts."""
    return sa.case((condition, 1), else_=0)


def ts_bound(dialect: str, day: date) -> ColumnElement:
    """A literal that compares correctly with a TIMESTAMP column at midnight of ``day``.

    On SQLite a timestamp is text, and rows written by different drivers may or may not carry
    ``.ffffff``; the bare ``YYYY-MM-DD`` string sorts before every time of that day in both forms,
    which is exactly the half-open bound a period needs.
    """
    if dialect == "sqlite":
        return sa.literal(day.isoformat(), sa.String)
    return sa.literal(datetime(day.year, day.month, day.day), sa.DateTime)


def year_of(dialect: str, day: ColumnElement) -> ColumnElement:
    """1 January of the year of a DATE expression, typed as DATE."""
    if dialect == "sqlite":
        return sa.type_coerce(sa.func.date(day, "start of year"), sa.Date)
    return sa.cast(sa.func.date_trunc("year", day), sa.Date)


def instant_bound(dialect: str, instant: datetime) -> ColumnElement:
    """A literal for comparing a TIMESTAMP column with ``instant`` on either backend."""
    if dialect == "sqlite":
        return sa.literal(instant.isoformat(sep=" "), sa.String)
    return sa.literal(instant, sa.DateTime)
