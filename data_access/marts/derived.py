"""Marts built from the tag library and the models (data.md §7), stored with the rest of a version.

``data_access.tags`` and ``data_access.models`` are called once per refresh; their frames are kept
in the build context so the several tables each produces are written from one computation.
``indicator_value`` stores the indicator library's standard values over the version being built;
the library reads the marts, so it is handed in by the refresh rather than imported here.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.db import bulk_insert
from data_access.marts.catalog import STR, STREET, N, Spec, define, section_of
from data_access.marts.core import BuildContext, Mart, from_frame
from data_access.marts.query import Reader

E = s.entity
MODEL_KEYS = ("credit_risk", "catering_risk", "entity_facets", "office_efficacy", "capital_risk")


def compute_derived(
    conn: sa.Connection, as_of: date, *, reuse: dict[str, tuple[object, frozenset[str]]] | None = None
) -> dict[str, object]:
    """Run the models and the tag library as of ``as_of``, sharing one set of feature reads.

    Returns ``{"models": {key: frame}, "tags": (tags, catalogue), "features": {name: (value,
    tables)}}``. The refresh runs this in a thread of its own while the SQL marts are built, and
    hands the result over through the build context (``extra["derived"]``, a future).

    ``reuse`` holds feature frames of a previous run over the same store and as-of date whose
    source tables did not change since (see ``feature_tables``): they are taken as they are
    instead of being read again. Every feature is read upfront, each with the source tables its
    SQL names recorded, so the next incremental refresh knows which ones it may keep.
    """
    from data_access import tags
    from data_access.models import compute_models
    from data_access.models.features import Features

    features = Features(conn, as_of)
    kept = _read_features(conn, features, reuse or {})
    models = compute_models(conn, as_of, features=features)
    missing = [k for k in MODEL_KEYS if k not in models]
    if missing:
        raise RuntimeError(f"models.compute_models 缺少输出：{', '.join(missing)}")
    frame = tags.compute_tags(conn, as_of, models=models, features=features)
    frame = frame[["uscc", "tag_id"]].drop_duplicates()
    counts = frame.groupby("tag_id").size()
    catalogue = pd.DataFrame(
        [{"id": t.id, "name": t.name, "rule": t.rule, "theme": t.theme} for t in tags.TAG_CATALOGUE]
    )
    catalogue["n"] = catalogue["id"].map(counts).fillna(0).astype("int64")
    return {
        "models": {k: _storable(models[k]) for k in MODEL_KEYS},
        "tags": (frame, catalogue),
        "features": kept,
    }


_FROM = re.compile(r'\b(?:FROM|JOIN)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)


def _read_features(
    conn: sa.Connection, features: object, reuse: dict[str, tuple[object, frozenset[str]]]
) -> dict[str, tuple[object, frozenset[str]]]:
    """Fill every cached feature of ``features``: from ``reuse`` where given, else by its reads,
    recording the source tables each one's SQL names. A feature that reads another one (only the
    entity spine is read that way) also depends on that one's tables."""
    from functools import cached_property

    from data_access.models.features import Features

    sources = {t.name for t in s.SOURCE_TABLES}
    names = [n for n, v in vars(Features).items() if isinstance(v, cached_property)]
    out: dict[str, tuple[object, frozenset[str]]] = {}
    seen: set[str] = set()

    def listen(_conn, _cursor, statement, *_args) -> None:
        seen.update(m for m in _FROM.findall(statement) if m in sources)

    for name in ("_spine", *[n for n in names if n != "_spine"]):
        if name in reuse:
            features.__dict__[name] = reuse[name][0]
            out[name] = reuse[name]
            continue
        seen.clear()
        sa.event.listen(conn, "before_cursor_execute", listen)
        try:
            value = getattr(features, name)
        finally:
            sa.event.remove(conn, "before_cursor_execute", listen)
        tables = set(seen) | (set(out["_spine"][1]) if name != "_spine" and "_spine" in out else set())
        # a feature whose reads were not seen is never kept (as if it read every table)
        out[name] = (value, frozenset(tables or sources))
    return out


def _compute(ctx: BuildContext) -> None:
    pending = ctx.extra.pop("derived", None)
    ctx.extra.update(pending.result() if pending is not None else compute_derived(ctx.conn, ctx.as_of))


def tag_frames(ctx: BuildContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(tags, catalogue)`` for this build: computed once, then reused by the tag marts."""
    if "tags" not in ctx.extra:
        _compute(ctx)
    return ctx.extra["tags"]


def model_frames(ctx: BuildContext) -> dict[str, pd.DataFrame]:
    """The five model outputs for this build, computed once."""
    if "models" not in ctx.extra:
        _compute(ctx)
    return ctx.extra["models"]


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose list-valued cells (e.g. capital-risk flags) are joined into text."""
    out = frame.reset_index(drop=True).copy()
    for c in out.columns:
        if out[c].dtype == object and out[c].map(lambda v: isinstance(v, (list, tuple, set))).any():
            out[c] = out[c].map(lambda v: "，".join(map(str, v)) if isinstance(v, (list, tuple, set)) else v)
    return out


tag = Mart(
    "tag",
    "标签库：主体标签",
    "每个主体命中的标签（uscc, tag_id）。",
    (("uscc", sa.CHAR(18)), ("tag_id", sa.String(64))),
    from_frame(lambda ctx: tag_frames(ctx)[0]),
    indexes=(("uscc",), ("tag_id",)),
)

tag_catalogue = Mart(
    "tag_catalogue",
    "标签库：标签目录",
    "标签的编号、名称、规则、主题与命中主体数。",
    (
        ("id", sa.String(64)),
        ("name", sa.String(64)),
        ("rule", sa.Text()),
        ("theme", sa.String(32)),
        ("n", sa.BigInteger()),
    ),
    from_frame(lambda ctx: tag_frames(ctx)[1]),
)


def _tag_count(ctx: BuildContext) -> sa.Select:
    t = ctx.table("tag")
    return sa.select(E.c.street_code, t.c.tag_id, sa.literal(1).label("n")).join(E, E.c.uscc == t.c.uscc)


tag_count = define(
    Spec(
        "tag_count",
        "标签命中数",
        (STREET, ("tag_id", sa.String(64))),
        _tag_count,
        doc="每个标签按街镇统计的命中主体数。",
    )
)


def _build_model(key: str):
    def build(ctx: BuildContext, t: sa.Table) -> None:
        bulk_insert(ctx.conn, t, model_frames(ctx)[key])

    return build


MODEL_MARTS: tuple[Mart, ...] = tuple(
    Mart(
        f"model_{key}",
        title,
        doc,
        None,
        _build_model(key),
        indexes=((index,),),
        topic="企业信用风险分类" if key == "credit_risk" else None,
    )
    for key, title, doc, index in (
        ("credit_risk", "企业信用风险分类（模型）", "每个企业的信用风险评分与分类 A/B/C/D。", "uscc"),
        ("catering_risk", "餐饮企业食品安全风险（模型）", "每个餐饮主体的风险评分与等级 A/B/C/D。", "uscc"),
        (
            "entity_facets",
            "市场主体五官图（模型）",
            "每个主体的资质、监管、投诉、执法、信用五项得分（0–100）。",
            "uscc",
        ),
        ("office_efficacy", "组织效能体检（模型）", "每个机构的效能指标、综合得分与排名。", "office_code"),
        ("capital_risk", "资本运作风险（模型）", "资本运作风险评分与风险标记。", "uscc"),
    )
)


def _credit_class(ctx: BuildContext) -> sa.Select:
    m = ctx.table("model_credit_risk")
    return (
        sa.select(
            E.c.street_code,
            E.c.entity_type,
            section_of(E.c.industry_code).label("section"),
            sa.func.coalesce(m.c.risk_class, "none").label("risk_class"),
            sa.literal(1).label("n"),
            sa.func.coalesce(m.c.score, 0.0).label("score_sum"),
        )
        .select_from(E.outerjoin(m, m.c.uscc == E.c.uscc))
        .where(E.c.status == "active")
    )


credit_class = define(
    Spec(
        "credit_class",
        "企业信用风险分类（专题库）",
        (STREET, ("entity_type", STR), ("section", sa.String(1)), ("risk_class", sa.String(8))),
        _credit_class,
        (N, ("score_sum", sa.Float())),
        topic="企业信用风险分类",
        doc="在营主体按街镇 × 类型 × 行业门类 × 信用风险分类统计（none 表示模型未分类），及评分合计。",
    )
)


def _catering_grade(ctx: BuildContext) -> sa.Select:
    m = ctx.table("model_catering_risk")
    return (
        sa.select(E.c.street_code, m.c.risk_grade, sa.literal(1).label("n"))
        .join(E, E.c.uscc == m.c.uscc)
        .where(E.c.status == "active")
    )


catering_grade = define(
    Spec(
        "catering_grade",
        "餐饮风险等级分布",
        (STREET, ("risk_grade", sa.String(8))),
        _catering_grade,
        doc="在营餐饮主体按街镇 × 食品安全风险等级统计。",
    )
)


#: The key under which the refresh hands the indicator library's ``standard_values`` to the build.
#: The library reads the marts, so the marts cannot import it: the one who builds both passes it in.
STANDARD_VALUES = "standard_values"


def _indicator_values(ctx: BuildContext) -> pd.DataFrame:
    if STANDARD_VALUES not in ctx.extra:
        raise RuntimeError(f"indicator_value：构建方须在 ctx.extra[{STANDARD_VALUES!r}] 给出标准值的计算")
    return ctx.extra[STANDARD_VALUES](Reader.for_build(ctx), ctx.as_of)


indicator_value = Mart(
    "indicator_value",
    "指标库：指标值",
    "每个指标的全区值：状态指标截至数据时间（period = state），"
    "期间指标按标准期间（今天、本周、本月、本年及其上期、去年同期）。",
    (
        ("indicator_id", sa.String(64)),
        ("period", sa.String(16)),
        ("start", sa.Date()),
        ("end", sa.Date()),
        ("value", sa.Float()),
    ),
    from_frame(_indicator_values),
    indexes=(("indicator_id",),),
)

DERIVED_MARTS: tuple[Mart, ...] = (tag, tag_catalogue, tag_count, *MODEL_MARTS, credit_class, catering_grade)
