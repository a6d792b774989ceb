"""Every mart of the read-optimised layer, in build order.

The cubes and state marts are data: ``CATALOGUE`` holds one ``Spec`` per mart (name, title, dimensions,
the SELECT of its source rows, measures, time column, topic, meaning) and ``define`` makes each.
The few marts of another shape (reference tables, the build facts, the entity dynamics computed in
Python) are written out.

Grains follow what the screens read (product.md §4): each cube has the dimensions a panel groups
or filters by, and ``street_code`` always, because the caller's scope is a set of streets. Events
without a street of their own take their entity's street. Counts are named ``n``/``n_*``,
money ``*_yuan`` (元), durations ``*_minutes``.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from data_access import schema as s
from data_access.marts import sqlx
from data_access.marts.core import (
    DAY_WINDOW_DAYS,
    BuildContext,
    Columns,
    Cube,
    Mart,
    cube,
    from_frame,
    insert_select,
    state,
)

GEODATA = Path(__file__).resolve().parent.parent / "geodata"
#: A metric CRS for the district (UTM 51N), for street areas.
METRIC_CRS = 32651

STR = sa.String(32)
CODE = sa.String(16)
STREET = ("street_code", sa.String(12))


def count(name: str = "n") -> tuple[str, sa.types.TypeEngine]:
    """A count measure column."""
    return (name, sa.BigInteger())


def amount(name: str) -> tuple[str, sa.types.TypeEngine]:
    """A summed amount or duration measure column."""
    return (name, sa.Float())


@lru_cache(maxsize=1)
def industry_sections() -> tuple[tuple[str, str, str, str], ...]:
    """GB/T 4754-2017 sections: (section, name, first division, last division)."""
    with (GEODATA / "industry_sections.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        lo, _, hi = r["divisions"].partition("-")
        out.append((r["section"], r["name"], lo.zfill(2), (hi or lo).zfill(2)))
    return tuple(out)


def section_of(division: sa.ColumnElement) -> sa.ColumnElement:
    """The GB/T 4754 section letter of a two-digit division code."""
    return sa.case(
        *((division.between(lo, hi), sec) for sec, _, lo, hi in industry_sections()), else_=sa.literal("?")
    )


def _day(ctx: BuildContext, col: sa.ColumnElement) -> sa.ColumnElement:
    return sqlx.day_of(ctx.dialect, col)


def _minutes(ctx: BuildContext, a: sa.ColumnElement, b: sa.ColumnElement) -> sa.ColumnElement:
    return sa.func.coalesce(sqlx.minutes_between(ctx.dialect, a, b), 0.0)


one = sa.literal(1)
E = s.entity
#: The count measure ``n`` that nearly every mart has.
N = count()


@dataclass(frozen=True)
class Spec:
    """One mart of the catalogue as data: a cube when its rows have a day (``time``, the source
    column the day derives from, or a ``frame`` of day rows), else a state mart counted as of D.

    ``source`` returns one row per event or object (see ``cube`` and ``state``); the other fields
    are those of ``cube`` and ``state``.
    """

    name: str
    title: str
    dims: Columns
    source: Callable[[BuildContext], sa.Select] | None
    measures: Columns = (N,)
    _: KW_ONLY
    doc: str
    time: sa.ColumnElement | None = None
    frame: Callable[[BuildContext], pd.DataFrame] | None = None
    month: bool = True
    rollup: bool = True
    day_days: int = DAY_WINDOW_DAYS
    topic: str | None = None

    @property
    def is_cube(self) -> bool:
        """Whether the mart is an aggregate over a date axis."""
        return self.time is not None or self.frame is not None


def define(spec: Spec) -> Cube | Mart:
    """The cube or state mart ``spec`` describes."""
    shared = {"dims": spec.dims, "measures": spec.measures, "source": spec.source, "topic": spec.topic}
    if not spec.is_cube:
        return state(spec.name, spec.title, spec.doc, **shared)
    time = spec.time
    return cube(
        spec.name,
        spec.title,
        spec.doc,
        **shared,
        time_col=None if time is None else lambda: time,
        frame=spec.frame,
        month=spec.month,
        day_days=spec.day_days,
        rollup=spec.rollup,
    )


# --- reference ---------------------------------------------------------------------------------


def _street_frame(ctx: BuildContext) -> pd.DataFrame:
    frame = pd.read_sql(sa.select(s.street), ctx.conn)
    geoms = gpd.GeoSeries([shapely.geometry.shape(json.loads(g)) for g in frame["geometry"]], crs=4326)
    frame["area_km2"] = (geoms.to_crs(METRIC_CRS).area / 1e6).round(3).to_numpy()
    return frame


def _build_info(ctx: BuildContext) -> pd.DataFrame:
    facts = {
        "as_of": ctx.as_of.isoformat(),
        "data_time": ctx.data_time.isoformat(sep=" "),
        "day_window_start": ctx.window_start.isoformat(),
        "day_window_days": str(DAY_WINDOW_DAYS),
    }
    for c in ctx.cubes.values():
        if c.day_days != DAY_WINDOW_DAYS:
            facts[f"day_window_start:{c.name}"] = ctx.cube_window_start(c).isoformat()
    return pd.DataFrame({"key": list(facts), "value": list(facts.values())})


build_info = Mart(
    "build_info",
    "版本信息",
    "这一版读优化层的事实：数据日期 D、数据时间、日粒度表覆盖的起始日（更早的零散日期直接读源表）。",
    (("key", sa.String(32)), ("value", sa.String(64))),
    from_frame(_build_info),
)

street_dim = Mart(
    "street_dim",
    "街镇",
    "14 个街镇：代码、名称、类型、中心点、面积（平方公里）、边界 GeoJSON。",
    (
        ("code", sa.String(12)),
        ("name", sa.String(32)),
        ("kind", STR),
        ("lon", sa.Float()),
        ("lat", sa.Float()),
        ("area_km2", sa.Float()),
        ("approximate", sa.Boolean()),
        ("geometry", sa.Text()),
    ),
    from_frame(_street_frame),
)

office_dim = Mart(
    "office_dim",
    "监管机构",
    "市场监管所、科室与执法队：代码、名称、类型、所在街镇。",
    (("code", CODE), ("name", sa.String(64)), ("kind", STR), ("street_code", sa.String(12))),
    insert_select(
        lambda ctx: sa.select(s.office.c.code, s.office.c.name, s.office.c.kind, s.office.c.street_code)
    ),
)

search_key = Mart(
    "search_key",
    "综合查询索引",
    "每个主体一行：名称与地址拼成的检索串（以 \\x01 分隔），综合查询在这张窄表上做包含匹配，"
    "比分别扫描主体表的名称和地址快近一半。",
    (("uscc", sa.CHAR(18)), ("street_code", sa.String(12)), ("status", STR), ("key", sa.Text())),
    insert_select(
        lambda ctx: sa.select(
            E.c.uscc, E.c.street_code, E.c.status, (E.c.name + "\x01" + E.c.address).label("key")
        )
    ),
)

# --- 登记许可 / 市场主体发展态势 ---------------------------------------------------------------

_ENTITY_DIMS = (STREET, ("entity_type", STR), ("section", sa.String(1)))


def _entity_stock(ctx: BuildContext) -> sa.Select:
    return sa.select(
        E.c.street_code,
        E.c.entity_type,
        section_of(E.c.industry_code).label("section"),
        E.c.status,
        one.label("n"),
        (sa.func.coalesce(E.c.registered_capital, 0) * 10_000).label("capital_yuan"),
    )


def _entity_reg(ctx: BuildContext) -> sa.Select:
    return sa.select(
        E.c.established_on.label("day"),
        E.c.street_code,
        E.c.entity_type,
        section_of(E.c.industry_code).label("section"),
        one.label("n"),
        (sa.func.coalesce(E.c.registered_capital, 0) * 10_000).label("capital_yuan"),
    )


def _entity_exit(ctx: BuildContext) -> sa.Select:
    return sa.select(
        E.c.status_changed_on.label("day"),
        E.c.street_code,
        E.c.entity_type,
        section_of(E.c.industry_code).label("section"),
        E.c.status,
        one.label("n"),
    ).where(E.c.status.in_(("cancelled", "revoked", "moved_out")))


def _entity_change(ctx: BuildContext) -> sa.Select:
    c = s.entity_change
    return sa.select(c.c.changed_on.label("day"), E.c.street_code, c.c.field, one.label("n")).join(
        E, E.c.uscc == c.c.uscc
    )


def _dynamics_frame(ctx: BuildContext) -> pd.DataFrame:
    """Monthly new, exits and month-end stock per street × type × section, over the last 5 years.

    Read from the month tables of the entity_reg and entity_exit cubes (all history, built just
    before), so the stock carried into the window counts every entity ever established.
    """
    keys = ["street_code", "entity_type", "section"]
    reg, gone = ctx.table("entity_reg_m"), ctx.table("entity_exit_m")
    new = pd.read_sql(sa.select(reg.c.month, *(reg.c[k] for k in keys), reg.c.n.label("new")), ctx.conn)
    exits = pd.read_sql(
        sa.select(gone.c.month, *(gone.c[k] for k in keys), sa.func.sum(gone.c.n).label("exits")).group_by(
            gone.c.month, *(gone.c[k] for k in keys)
        ),
        ctx.conn,
    )
    both = new.merge(exits, on=["month", *keys], how="outer").fillna({"new": 0, "exits": 0})
    both["month"] = pd.to_datetime(both["month"])
    first = pd.Timestamp(ctx.as_of.replace(day=1)) - pd.DateOffset(years=5)
    end = pd.Timestamp(ctx.as_of.replace(day=1))
    before = both[both["month"] < first].groupby(keys)[["new", "exits"]].sum()
    base = (before["new"] - before["exits"]).rename("base")
    inside = both[(both["month"] >= first) & (both["month"] <= end)]
    groups = both[keys].drop_duplicates()
    grid = groups.merge(pd.DataFrame({"month": pd.date_range(first, end, freq="MS")}), how="cross")
    full = grid.merge(inside, on=["month", *keys], how="left").fillna({"new": 0, "exits": 0})
    full = full.merge(base.reset_index(), on=keys, how="left").fillna({"base": 0})
    full = full.sort_values([*keys, "month"])
    g = full.groupby(keys)
    full["stock_end"] = full["base"] + g["new"].cumsum() - g["exits"].cumsum()
    full = full[(full["new"] > 0) | (full["exits"] > 0) | (full["stock_end"] > 0)].copy()
    full["net"] = full["new"] - full["exits"]
    full["month"] = full["month"].dt.date
    return full[["month", *keys, "new", "exits", "net", "stock_end"]].astype(
        {"new": "int64", "exits": "int64", "net": "int64", "stock_end": "int64"}
    )


topic_entity_dynamics = Mart(
    "topic_entity_dynamics",
    "市场主体发展态势（专题库）",
    "近 5 年每月、每街镇 × 类型 × 行业门类的新设数、退出数（注销/吊销/迁出）、净增数与月末存量。",
    (("month", sa.Date()), *_ENTITY_DIMS, count("new"), count("exits"), count("net"), count("stock_end")),
    from_frame(_dynamics_frame),
    reads_layer=True,
    dims=("street_code", "entity_type", "section"),
    measures=("new", "exits", "net", "stock_end"),
    time="month",
    topic="市场主体发展态势",
    indexes=(("month",),),
)


def _credit_list_state(ctx: BuildContext) -> sa.Select:
    c = s.credit_list
    current = sa.and_(
        c.c.listed_on <= ctx.as_of, sa.or_(c.c.removed_on.is_(None), c.c.removed_on > ctx.as_of)
    )
    return sa.select(
        E.c.street_code, c.c.list, E.c.entity_type, sqlx.flag(current).label("n_current"), one.label("n_ever")
    ).join(E, E.c.uscc == c.c.uscc)


def _credit_list_added(ctx: BuildContext) -> sa.Select:
    c = s.credit_list
    return sa.select(c.c.listed_on.label("day"), E.c.street_code, c.c.list, one.label("n")).join(
        E, E.c.uscc == c.c.uscc
    )


# --- licences, food, special equipment -----------------------------------------------------------


def _licence_stock(ctx: BuildContext) -> sa.Select:
    L = s.licence
    d = ctx.as_of
    band = sa.case(
        (L.c.status != "valid", "n/a"),
        (L.c.expires_on < d, "lapsed"),
        (L.c.expires_on < d + timedelta(days=30), "d30"),
        (L.c.expires_on < d + timedelta(days=90), "d90"),
        else_="ok",
    )
    return sa.select(E.c.street_code, L.c.kind, L.c.status, band.label("expiry"), one.label("n")).join(
        E, E.c.uscc == L.c.uscc
    )


def _licence_issued(ctx: BuildContext) -> sa.Select:
    L = s.licence
    return sa.select(L.c.issued_on.label("day"), E.c.street_code, L.c.kind, one.label("n")).join(
        E, E.c.uscc == L.c.uscc
    )


def _food_sampling(ctx: BuildContext) -> sa.Select:
    f = s.food_sampling
    failed = f.c.result == "fail"
    return sa.select(
        f.c.sampled_on.label("day"),
        E.c.street_code,
        f.c.food_category,
        f.c.result,
        one.label("n"),
        sqlx.flag(failed).label("n_fail"),
        sqlx.flag(sa.and_(failed, f.c.followed_up_on.is_not(None))).label("n_followed"),
    ).join(E, E.c.uscc == f.c.uscc)


def _equipment_stock(ctx: BuildContext) -> sa.Select:
    q = s.equipment
    d = ctx.as_of

    def years_ago(n: int) -> date:
        try:
            return d.replace(year=d.year - n)
        except ValueError:  # 29 February
            return d.replace(year=d.year - n, day=28)

    age = sa.case(
        (q.c.installed_on > years_ago(5), "0-5"),
        (q.c.installed_on > years_ago(10), "5-10"),
        (q.c.installed_on > years_ago(15), "10-15"),
        else_="15+",
    )
    due = sa.case(
        (q.c.next_inspection_due.is_(None), "none"),
        (q.c.next_inspection_due < d, "overdue"),
        (q.c.next_inspection_due < d + timedelta(days=30), "d30"),
        else_="ok",
    )
    return sa.select(
        q.c.street_code, q.c.kind, q.c.status, age.label("age_band"), due.label("due"), one.label("n")
    )


def _equipment_insp(ctx: BuildContext) -> sa.Select:
    i, q = s.equipment_inspection, s.equipment
    return sa.select(
        i.c.inspected_on.label("day"), q.c.street_code, q.c.kind, i.c.result, one.label("n")
    ).join(q, q.c.equipment_code == i.c.equipment_code)


# --- 综合监管 ----------------------------------------------------------------------------------


def _insp_planned(ctx: BuildContext) -> sa.Select:
    i = s.inspection
    return sa.select(
        i.c.planned_on.label("day"),
        E.c.street_code,
        i.c.office_code,
        i.c.kind,
        one.label("n"),
        sqlx.flag(i.c.done_on.is_not(None)).label("n_done"),
    ).join(E, E.c.uscc == i.c.uscc)


def _insp_done(ctx: BuildContext) -> sa.Select:
    i = s.inspection
    return (
        sa.select(
            i.c.done_on.label("day"),
            E.c.street_code,
            i.c.office_code,
            i.c.kind,
            sa.func.coalesce(i.c.result, "none").label("result"),
            one.label("n"),
        )
        .join(E, E.c.uscc == i.c.uscc)
        .where(i.c.done_on.is_not(None))
    )


def _insp_task(ctx: BuildContext) -> sa.Select:
    t, o = s.inspection_task, s.office
    return (
        sa.select(
            t.c.drawn_on.label("day"),
            o.c.street_code,
            t.c.office_code,
            t.c.kind,
            one.label("n"),
            t.c.planned_count.label("planned_count"),
        )
        .join(o, o.c.code == t.c.office_code)
        .where(t.c.drawn_on.is_not(None))
    )


# --- 投诉举报 ----------------------------------------------------------------------------------

_CMP_DIMS = (STREET, ("channel", STR), ("kind", STR), ("category", STR))


def _complaint_recv(ctx: BuildContext) -> sa.Select:
    c = s.complaint
    return sa.select(
        _day(ctx, c.c.received_at).label("day"),
        c.c.street_code,
        c.c.channel,
        c.c.kind,
        c.c.category,
        one.label("n"),
    )


def _complaint_closed(ctx: BuildContext) -> sa.Select:
    c = s.complaint
    return sa.select(
        _day(ctx, c.c.closed_at).label("day"),
        c.c.street_code,
        c.c.channel,
        c.c.kind,
        c.c.category,
        one.label("n"),
        sqlx.flag(c.c.closed_at <= c.c.due_at).label("n_ontime"),
        sqlx.flag(c.c.satisfied.is_not(None)).label("n_rated"),
        sqlx.flag(c.c.satisfied.is_(True)).label("n_satisfied"),
        sa.func.coalesce(c.c.amount_recovered, 0).label("recovered_yuan"),
        _minutes(ctx, c.c.received_at, c.c.closed_at).label("handling_minutes"),
    ).where(c.c.closed_at.is_not(None))


def _complaint_open(ctx: BuildContext) -> sa.Select:
    c = s.complaint
    overdue = sa.and_(c.c.due_at.is_not(None), c.c.due_at < sa.literal(ctx.data_time, sa.DateTime))
    return sa.select(
        c.c.street_code, c.c.status, c.c.category, sqlx.flag(overdue).label("n_overdue"), one.label("n")
    ).where(c.c.status.not_in(("closed", "rejected")))


def _complaint_entity(ctx: BuildContext) -> sa.Select:
    c = s.complaint
    return sa.select(
        _day(ctx, c.c.received_at).label("day"), c.c.street_code, c.c.uscc, c.c.category, one.label("n")
    ).where(c.c.uscc.is_not(None))


#: Hot words cover this many days up to D: the panels read recent periods, and tokenising five
#: years of summaries would cost the refresh more than the screens gain.
HOT_WORD_DAYS = DAY_WINDOW_DAYS
#: Words at day grain are many rows (day × street × word); whole months serve older periods.
HOT_WORD_DAY_DAYS = 92
_STOPWORDS = frozenset(
    "反映 举报 投诉 咨询 要求 消费者 商家 本人 我们 他们 对方 情况 问题 有关 相关 该店 该公司 公司 有限公司 "
    "上海 闵行区 闵行 一个 没有 已经 但是 因为 所以 之后 以后 现在 进行 存在 表示 认为 发现 希望 "
    # fillers of the summaries' sentences ("在附近一家…", "收到后…", "迟迟不予…"), not what people complain of
    "一家 附近 收到 迟迟 不予 理由 其中 一直 仍然 多次 至今 目前 随后 当时 此前 要求".split()
)
#: Terms jieba would cut in two (拼多多 → 拼 + 多多): kept whole, so the hot words name them.
_TERMS = ("拼多多", "饿了么", "七天无理由", "描述不符", "预付卡", "食品安全", "虚假宣传", "短斤缺两")


def _fetch(conn: sa.Connection, stmt: sa.Select) -> pd.DataFrame:
    """Rows of ``stmt`` through the raw driver cursor: for large text reads, several times faster
    than a SQLAlchemy result, whose per-row processing this read does not need."""
    compiled = stmt.compile(dialect=conn.dialect)
    params = compiled.params
    if conn.dialect.paramstyle in ("named", "pyformat"):
        args: object = params
    else:
        args = [params[k] for k in compiled.positiontup]
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(str(compiled), args)
        rows = cur.fetchall()
    finally:
        cur.close()
    names = [c.name for c in stmt.selected_columns]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pd.DataFrame({n: np.asarray(c, dtype=object) for n, c in zip(names, columns, strict=True)})


def _complaint_words(ctx: BuildContext, lo: date | None = None, hi: date | None = None) -> pd.DataFrame:
    """Words of complaint summaries per day × street (jieba), counted once per complaint.

    Each summary is first reduced to its skeleton — the complained entity's name and every digit
    removed — so the many summaries that differ only in names and amounts are tokenised once.
    ``[lo, hi)`` limits the days (an incremental refresh redoes only the touched ones).
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)
    for term in _TERMS:
        jieba.add_word(term)
    c = s.complaint
    since = ctx.as_of - timedelta(days=HOT_WORD_DAYS)
    skeleton = sa.func.replace(c.c.summary, sa.func.coalesce(E.c.name, ""), "")
    rows = _fetch(
        ctx.conn,
        sa.select(_day(ctx, c.c.received_at).label("day"), c.c.street_code, skeleton.label("text"))
        .select_from(c.outerjoin(E, E.c.uscc == c.c.uscc))
        .where(
            c.c.received_at >= sqlx.ts_bound(ctx.dialect, max(since, lo) if lo else since),
            c.c.received_at < sqlx.ts_bound(ctx.dialect, hi) if hi else sa.true(),
            c.c.summary.is_not(None),
        ),
    )
    empty = pd.DataFrame({"day": [], "street_code": [], "word": [], "n": []})
    if rows.empty:
        return empty
    raw_codes, raw_texts = pd.factorize(rows["text"].to_numpy(dtype=object))
    cleaned = pd.Series(raw_texts, dtype=object).str.replace(r"\d+", "", regex=True).to_numpy(dtype=object)
    text_codes, texts = pd.factorize(cleaned)
    words = [
        sorted({w for w in jieba.lcut(t, HMM=False) if len(w) >= 2 and w not in _STOPWORDS and w.isalpha()})
        for t in texts
    ]
    vocabulary = pd.DataFrame(
        {
            "code": np.repeat(np.arange(len(words)), [len(w) for w in words]),
            "word": [w for ws in words for w in ws],
        }
    )
    if vocabulary.empty:
        return empty
    rows["code"] = text_codes[raw_codes]
    per_text = rows.groupby(["day", "street_code", "code"], as_index=False).size()
    joined = per_text.merge(vocabulary, on="code")
    return (
        joined.groupby(["day", "street_code", "word"], as_index=False)["size"]
        .sum()
        .rename(columns={"size": "n"})
    )


# --- 执法办案 ----------------------------------------------------------------------------------

_CASE_DIMS = (STREET, ("office_code", CODE), ("cause", STR), ("source", STR))


def _case_rows(ctx: BuildContext, day: sa.ColumnElement, *measures: sa.ColumnElement) -> sa.Select:
    f = s.case_file
    return sa.select(
        day.label("day"), E.c.street_code, f.c.office_code, f.c.cause, f.c.source, *measures
    ).join(E, E.c.uscc == f.c.uscc)


def _case_opened(ctx: BuildContext) -> sa.Select:
    return _case_rows(
        ctx,
        s.case_file.c.opened_on,
        one.label("n"),
        sqlx.flag(s.case_file.c.transferred_to_police.is_(True)).label("n_police"),
    )


def _case_closed(ctx: BuildContext) -> sa.Select:
    f = s.case_file
    days = sqlx.minutes_between(ctx.dialect, f.c.opened_on, f.c.closed_on)
    return _case_rows(
        ctx,
        f.c.closed_on,
        one.label("n"),
        sqlx.flag(days <= 90 * 1440).label("n_within_90d"),
        sa.func.coalesce(days, 0.0).label("duration_minutes"),
    ).where(f.c.closed_on.is_not(None))


def _case_decided(ctx: BuildContext) -> sa.Select:
    return _case_rows(
        ctx,
        s.case_file.c.decided_on,
        one.label("n"),
        sa.func.coalesce(s.case_file.c.fine_amount, 0).label("fine_yuan"),
        sa.func.coalesce(s.case_file.c.confiscation_amount, 0).label("confiscation_yuan"),
    ).where(s.case_file.c.decided_on.is_not(None))


def _case_state(ctx: BuildContext) -> sa.Select:
    f = s.case_file
    d = ctx.as_of
    age = sa.case(
        (f.c.closed_on.is_not(None), "closed"),
        (f.c.opened_on < d - timedelta(days=90), "gt90"),
        (f.c.opened_on <= d - timedelta(days=60), "60_90"),
        else_="lt60",
    )
    return sa.select(
        E.c.street_code,
        f.c.office_code,
        f.c.cause,
        f.c.source,
        f.c.stage,
        age.label("age_band"),
        one.label("n"),
    ).join(E, E.c.uscc == f.c.uscc)


# --- 智能预警 ----------------------------------------------------------------------------------


def _warning_raised(ctx: BuildContext) -> sa.Select:
    w, r = s.warning, s.warning_rule
    return sa.select(
        _day(ctx, w.c.raised_at).label("day"),
        w.c.street_code,
        w.c.level,
        w.c.rule_id,
        r.c.theme,
        one.label("n"),
        sqlx.flag(w.c.handled_at.is_not(None)).label("n_handled"),
        _minutes(ctx, w.c.raised_at, w.c.handled_at).label("response_minutes"),
        sqlx.flag(w.c.closed_at.is_not(None)).label("n_closed"),
        _minutes(ctx, w.c.raised_at, w.c.closed_at).label("closure_minutes"),
    ).join(r, r.c.rule_id == w.c.rule_id)


def _warning_state(ctx: BuildContext) -> sa.Select:
    w, r = s.warning, s.warning_rule
    return sa.select(w.c.street_code, w.c.level, w.c.rule_id, r.c.theme, w.c.status, one.label("n")).join(
        r, r.c.rule_id == w.c.rule_id
    )


# --- 远程监控 ----------------------------------------------------------------------------------


def _device_stock(ctx: BuildContext) -> sa.Select:
    return sa.select(
        s.device.c.street_code,
        s.device.c.kind,
        sa.func.coalesce(s.device.c.venue_category, "none").label("venue_category"),
        s.device.c.status,
        one.label("n"),
    )


def _device_alarm(ctx: BuildContext) -> sa.Select:
    a, dv = s.device_alarm, s.device
    return sa.select(
        _day(ctx, a.c.at).label("day"),
        dv.c.street_code,
        dv.c.kind.label("device_kind"),
        sa.func.coalesce(dv.c.venue_category, "none").label("venue_category"),
        a.c.kind.label("alarm_kind"),
        one.label("n"),
        sqlx.flag(a.c.pushed_at.is_not(None)).label("n_pushed"),
        sqlx.flag(a.c.rectified_at.is_not(None)).label("n_rectified"),
        _minutes(ctx, a.c.at, a.c.pushed_at).label("push_minutes"),
        _minutes(ctx, a.c.at, a.c.rectified_at).label("rectify_minutes"),
    ).join(dv, dv.c.device_id == a.c.device_id)


# --- 应急指挥 ----------------------------------------------------------------------------------


def _incident_reported(ctx: BuildContext) -> sa.Select:
    i = s.incident
    resolved = i.c.resolved_at.is_not(None)
    return sa.select(
        _day(ctx, i.c.reported_at).label("day"),
        i.c.street_code,
        i.c.kind,
        i.c.level,
        one.label("n"),
        sqlx.flag(resolved).label("n_resolved"),
        _minutes(ctx, i.c.reported_at, i.c.resolved_at).label("resolve_minutes"),
    )


def _incident_state(ctx: BuildContext) -> sa.Select:
    return sa.select(
        s.incident.c.street_code, s.incident.c.kind, s.incident.c.level, s.incident.c.status, one.label("n")
    )


def _resource_state(ctx: BuildContext) -> sa.Select:
    return sa.select(
        s.office.c.street_code, s.resource.c.kind, s.resource.c.status, one.label("n")
    ).select_from(s.resource.outerjoin(s.office, s.office.c.code == s.resource.c.office_code))


def _dispatch(ctx: BuildContext) -> sa.Select:
    d, i, r = s.dispatch, s.incident, s.resource
    return (
        sa.select(
            _day(ctx, d.c.dispatched_at).label("day"),
            i.c.street_code,
            r.c.kind.label("resource_kind"),
            one.label("n"),
            sqlx.flag(d.c.arrived_at.is_not(None)).label("n_arrived"),
            _minutes(ctx, d.c.dispatched_at, d.c.arrived_at).label("arrive_minutes"),
        )
        .join(i, i.c.id == d.c.incident_id)
        .join(r, r.c.id == d.c.resource_id)
    )


# --- 互联网以网管网 ------------------------------------------------------------------------------


def _online_store_stock(ctx: BuildContext) -> sa.Select:
    return sa.select(
        E.c.street_code, s.online_store.c.platform, s.online_store.c.status, one.label("n")
    ).join(E, E.c.uscc == s.online_store.c.uscc)


def _online_store_opened(ctx: BuildContext) -> sa.Select:
    return sa.select(
        s.online_store.c.opened_on.label("day"), E.c.street_code, s.online_store.c.platform, one.label("n")
    ).join(E, E.c.uscc == s.online_store.c.uscc)


def _ad_hit(ctx: BuildContext) -> sa.Select:
    a = s.ad_hit
    return sa.select(
        _day(ctx, a.c.detected_at).label("day"),
        E.c.street_code,
        a.c.media,
        a.c.risk_level,
        a.c.status,
        one.label("n"),
        sqlx.flag(a.c.status == "handled").label("n_handled"),
        _minutes(ctx, a.c.detected_at, a.c.handled_at).label("handle_minutes"),
    ).select_from(a.outerjoin(E, E.c.uscc == a.c.uscc))


# --- 高质量发展态势 / 知识产权发展态势 -------------------------------------------------------------


def _honor(ctx: BuildContext, *, stock: bool) -> sa.Select:
    h = s.entity_honor
    cols = [E.c.street_code, section_of(E.c.industry_code).label("section"), h.c.kind, one.label("n")]
    if stock:
        return sa.select(*cols).join(E, E.c.uscc == h.c.uscc).where(E.c.status == "active")
    return sa.select(h.c.granted_on.label("day"), *cols).join(E, E.c.uscc == h.c.uscc)


def _honor_stock(ctx: BuildContext) -> sa.Select:
    return _honor(ctx, stock=True)


def _honor_granted(ctx: BuildContext) -> sa.Select:
    return _honor(ctx, stock=False)


def _ip(ctx: BuildContext, *, stock: bool) -> sa.Select:
    p = s.ip_right
    cols = [E.c.street_code, section_of(E.c.industry_code).label("section"), p.c.kind, one.label("n")]
    if stock:
        return sa.select(*cols).join(E, E.c.uscc == p.c.uscc)
    return sa.select(p.c.registered_on.label("day"), *cols).join(E, E.c.uscc == p.c.uscc)


def _ip_stock(ctx: BuildContext) -> sa.Select:
    return _ip(ctx, stock=True)


def _ip_registered(ctx: BuildContext) -> sa.Select:
    return _ip(ctx, stock=False)


#: Every cube and state mart of the catalogue, one row each, grouped by theme. The relative order
#: of the cubes, and of the state marts, is their build order.
# fmt: off
CATALOGUE: tuple[Spec, ...] = (
    # 登记许可 / 市场主体发展态势
    Spec("entity_stock", "市场主体存量", (*_ENTITY_DIMS, ("status", STR)), _entity_stock,
         (N, amount("capital_yuan")), topic="市场主体发展态势",
         doc="按街镇 × 类型 × 行业门类 × 状态统计的主体数与注册资本（当前）。"),
    Spec("entity_reg", "新设登记", _ENTITY_DIMS, _entity_reg, (N, amount("capital_yuan")),
         time=E.c.established_on, topic="市场主体发展态势",
         doc="按成立日期（established_on）统计的新设主体数与注册资本。"),
    Spec("entity_exit", "注销吊销与迁出", (*_ENTITY_DIMS, ("status", STR)), _entity_exit,
         time=E.c.status_changed_on, topic="市场主体发展态势",
         doc="状态为注销、吊销或迁出的主体，按状态变更日期（status_changed_on）统计。"),
    Spec("entity_change", "变更登记", (STREET, ("field", STR)), _entity_change,
         time=s.entity_change.c.changed_on, topic="市场主体发展态势",
         doc="按变更日期统计的变更登记事项（名称、地址、法定代表人、注册资本、股东、经营范围）。"),
    Spec("credit_list_state", "信用名录在列", (STREET, ("list", STR), ("entity_type", STR)),
         _credit_list_state, (count("n_current"), count("n_ever")), topic="企业信用风险分类",
         doc="经营异常名录、严重违法失信名单、联合惩戒名单：当前在列条目数与历史累计条目数。"),
    Spec("credit_list_added", "列入信用名录", (STREET, ("list", STR)), _credit_list_added,
         time=s.credit_list.c.listed_on, topic="企业信用风险分类",
         doc="按列入日期统计的列入经营异常名录、严重违法失信名单、联合惩戒名单的条目。"),
    # licences, food, special equipment
    Spec("licence_stock", "许可证存量", (STREET, ("kind", STR), ("status", STR), ("expiry", sa.String(8))),
         _licence_stock,
         doc="许可证按街镇 × 种类 × 状态 × 到期区间（已过期未更新 lapsed / 30 天内 / 90 天内 / ok）统计。"),
    Spec("licence_issued", "许可证发放", (STREET, ("kind", STR)), _licence_issued, time=s.licence.c.issued_on,
         doc="按发证日期统计的许可证。"),
    Spec("food_sampling", "食品抽检", (STREET, ("food_category", STR), ("result", STR)), _food_sampling,
         (N, count("n_fail"), count("n_followed")), time=s.food_sampling.c.sampled_on,
         doc="按抽样日期统计的抽检批次、不合格批次与已核查处置的不合格批次。"),
    Spec("equipment_stock", "特种设备存量",
         (STREET, ("kind", STR), ("status", STR), ("age_band", sa.String(8)), ("due", sa.String(8))),
         _equipment_stock,
         doc="特种设备按街镇 × 种类 × 状态 × 使用年限（0-5/5-10/10-15/15+ 年）"
             "× 下次检验（overdue 已超期 / d30 30 天内 / ok / none）统计。"),
    Spec("equipment_insp", "特种设备检验", (STREET, ("kind", STR), ("result", STR)), _equipment_insp,
         time=s.equipment_inspection.c.inspected_on, doc="按检验日期统计的特种设备定期检验及结论。"),
    # 综合监管
    Spec("insp_planned", "检查计划", (STREET, ("office_code", CODE), ("kind", STR)), _insp_planned,
         (N, count("n_done")), time=s.inspection.c.planned_on,
         doc="按计划日期（planned_on）统计的检查数与其中已完成数。"),
    Spec("insp_done", "检查完成", (STREET, ("office_code", CODE), ("kind", STR), ("result", STR)), _insp_done,
         time=s.inspection.c.done_on,
         doc="按完成日期（done_on）统计的检查数及检查结果（正常、未公示、无法联系、责令整改、立案）。"),
    Spec("insp_task", "检查任务", (STREET, ("office_code", CODE), ("kind", STR)), _insp_task,
         (N, count("planned_count")), time=s.inspection_task.c.drawn_on,
         doc="按抽取日期统计的检查任务数与计划检查户数（双随机、日常、专项）。"),
    # 投诉举报
    Spec("complaint_recv", "投诉举报受理", _CMP_DIMS, _complaint_recv, time=s.complaint.c.received_at,
         doc="按受理时间（received_at 的日期）统计的投诉、举报、咨询件数。"),
    Spec("complaint_closed", "投诉举报办结", _CMP_DIMS, _complaint_closed,
         (N, count("n_ontime"), count("n_rated"), count("n_satisfied"), amount("recovered_yuan"),
          amount("handling_minutes")),
         time=s.complaint.c.closed_at,
         doc="按办结时间（closed_at 的日期）统计的办结件数、按期办结数、参评数、满意数、"
             "为消费者挽回金额（元）与办理总时长（分钟）。"),
    Spec("complaint_open", "在办投诉举报", (STREET, ("status", STR), ("category", STR)), _complaint_open,
         (N, count("n_overdue")),
         doc="尚未办结（状态非办结、非不予受理）的投诉举报，及其中已超过办理期限的件数。"),
    Spec("complaint_entity", "被投诉主体", (STREET, ("uscc", sa.CHAR(18)), ("category", STR)),
         _complaint_entity, time=s.complaint.c.received_at, month=False, rollup=False,
         doc="按受理日期 × 被投诉主体 × 类别统计的件数（用于被投诉最多的主体排行）。"),
    Spec("complaint_word", "投诉热词", (STREET, ("word", sa.String(64))), None, frame=_complaint_words,
         rollup=False, day_days=HOT_WORD_DAY_DAYS,
         doc=f"近 {HOT_WORD_DAYS} 天投诉举报摘要中的词（jieba 分词，去掉主体名称、数字与常用词）"
             f"按受理日期 × 街镇统计的出现件数；日粒度只保留近 {HOT_WORD_DAY_DAYS} 天，更早按月。"),
    # 执法办案
    Spec("case_opened", "立案", _CASE_DIMS, _case_opened, (N, count("n_police")),
         time=s.case_file.c.opened_on,
         doc="按立案日期（opened_on）统计的案件数及其中移送公安（行刑衔接）数。"),
    Spec("case_closed", "结案", _CASE_DIMS, _case_closed,
         (N, count("n_within_90d"), amount("duration_minutes")), time=s.case_file.c.closed_on,
         doc="按结案日期（closed_on）统计的案件数、90 天内结案数与办案总时长（分钟）。"),
    Spec("case_decided", "处罚决定", _CASE_DIMS, _case_decided,
         (N, amount("fine_yuan"), amount("confiscation_yuan")), time=s.case_file.c.decided_on,
         doc="按决定日期（decided_on）统计的处罚决定数、罚款与没收金额（元）。"),
    Spec("case_state", "案件当前状态", (*_CASE_DIMS, ("stage", STR), ("age_band", sa.String(8))), _case_state,
         doc="每个案件的当前阶段与办理时长区间（closed 已结案；未结案按立案距今："
             "lt60 不足 60 天、60_90 临近 90 天时限、gt90 超过 90 天）。"),
    # 智能预警
    Spec("warning_raised", "预警发出", (STREET, ("level", STR), ("rule_id", STR), ("theme", STR)),
         _warning_raised,
         (N, count("n_handled"), amount("response_minutes"), count("n_closed"), amount("closure_minutes")),
         time=s.warning.c.raised_at,
         doc="按发出日期统计的预警数，及其中已响应（handled_at 不空）数与响应总时长、"
             "已办结数与办结总时长（分钟）。"),
    Spec("warning_state", "预警当前状态",
         (STREET, ("level", STR), ("rule_id", STR), ("theme", STR), ("status", STR)), _warning_state,
         doc="每条预警的当前状态（待派单、处置中、已办结、已核查）按街镇 × 等级 × 规则统计。"),
    # 远程监控
    Spec("device_stock", "感知设备", (STREET, ("kind", STR), ("venue_category", STR), ("status", STR)),
         _device_stock,
         doc="明厨亮灶摄像头、冷库传感器、电梯物联网、燃气传感器按街镇 × 种类 × 场所 × 状态统计。"),
    Spec("device_alarm", "设备告警",
         (STREET, ("device_kind", STR), ("venue_category", STR), ("alarm_kind", STR)), _device_alarm,
         (N, count("n_pushed"), count("n_rectified"), amount("push_minutes"), amount("rectify_minutes")),
         time=s.device_alarm.c.at,
         doc="按告警日期统计的 AI/物联网告警，及推送、整改数与推送、整改总时长（分钟）。"),
    # 应急指挥
    Spec("incident_reported", "突发事件", (STREET, ("kind", STR), ("level", sa.String(4))),
         _incident_reported, (N, count("n_resolved"), amount("resolve_minutes")),
         time=s.incident.c.reported_at, doc="按报告日期统计的突发事件，及已处置数与处置总时长（分钟）。"),
    Spec("incident_state", "突发事件当前状态",
         (STREET, ("kind", STR), ("level", sa.String(4)), ("status", STR)), _incident_state,
         doc="突发事件按街镇 × 类型 × 等级 × 当前状态统计。"),
    Spec("resource_state", "应急资源", (STREET, ("kind", STR), ("status", STR)), _resource_state,
         doc="执法队伍、车辆、专家、实验室、无人机按所属机构的街镇 × 种类 × 状态统计（局机关资源无街镇）。"),
    Spec("dispatch", "指挥调度", (STREET, ("resource_kind", STR)), _dispatch,
         (N, count("n_arrived"), amount("arrive_minutes")), time=s.dispatch.c.dispatched_at,
         doc="按派遣日期统计的调度次数、已到场次数与到场总时长（分钟）。"),
    # 互联网以网管网
    Spec("online_store_stock", "网店存量", (STREET, ("platform", STR), ("status", STR)), _online_store_stock,
         topic="互联网以网管网", doc="辖区主体在各电商平台开设的网店按街镇 × 平台 × 状态统计。"),
    Spec("online_store_opened", "网店开设", (STREET, ("platform", STR)), _online_store_opened,
         time=s.online_store.c.opened_on, topic="互联网以网管网", doc="按开设日期统计的网店数。"),
    Spec("ad_hit", "广告监测（互联网智能感知）",
         (STREET, ("media", STR), ("risk_level", STR), ("status", STR)), _ad_hit,
         (N, count("n_handled"), amount("handle_minutes")), time=s.ad_hit.c.detected_at,
         topic="互联网以网管网",
         doc="按发现日期统计的违法广告监测命中，按媒介 × 风险等级 × 处置状态，及处置总时长（分钟）。"),
    # 高质量发展态势 / 知识产权发展态势
    Spec("honor_stock", "高质量发展主体（在营）", (STREET, ("section", sa.String(1)), ("kind", STR)),
         _honor_stock, topic="高质量发展态势",
         doc="在营主体持有的高新技术企业、专精特新、品牌、质量奖、标准制定者认定数。"),
    Spec("honor_granted", "高质量发展认定", (STREET, ("section", sa.String(1)), ("kind", STR)),
         _honor_granted, time=s.entity_honor.c.granted_on, topic="高质量发展态势",
         doc="按认定日期统计的高新技术、专精特新、品牌、质量奖、标准制定认定。"),
    Spec("ip_stock", "知识产权存量", (STREET, ("section", sa.String(1)), ("kind", STR)), _ip_stock,
         topic="知识产权发展态势", doc="辖区主体持有的商标、发明/实用新型/外观设计专利、地理标志数。"),
    Spec("ip_registered", "知识产权登记", (STREET, ("section", sa.String(1)), ("kind", STR)), _ip_registered,
         time=s.ip_right.c.registered_on, topic="知识产权发展态势",
         doc="按注册（授权）日期统计的商标、专利、地理标志。"),

)
# fmt: on

_DEFINED = tuple(define(spec) for spec in CATALOGUE)
CUBES: dict[str, Cube] = {c.name: c for c in _DEFINED if isinstance(c, Cube)}

#: Marts that only need the source tables, in build order (cubes expand to day then month).
SOURCE_MARTS: tuple[Mart, ...] = (
    build_info,
    street_dim,
    office_dim,
    search_key,
    *(m for m in _DEFINED if isinstance(m, Mart)),
    *(m for c in CUBES.values() for m in (c.day, c.month) if m is not None),
    *(m for c in CUBES.values() for m in (c.day_streets, c.month_streets) if m is not None),
    topic_entity_dynamics,
)

# The marts of the last four screens (社会共治, 党建, 重大事项保障, 城运) live in their own module.
from data_access.marts import screens4 as _screens4  # noqa: E402

CUBES.update(_screens4.CUBES)
SOURCE_MARTS += _screens4.MARTS
