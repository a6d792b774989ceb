"""The five data models (数据模型, data.md §7), computed by the refresh from the theme libraries.

``compute_models(conn, as_of)`` returns one DataFrame per model; the methods, weights, thresholds and
measured distributions are documented in docs/models.md. Every model is a fixed, documented scoring
rule — no fitting, no quantile cuts — so a score means the same thing in every refresh and store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa

from data_access.models import capital, catering, credit, efficacy, facets
from data_access.models.features import Features


@dataclass(frozen=True)
class Model:
    """One model of the catalogue: ``id`` (the key in ``compute_models``), Chinese name, summary."""

    id: str
    name: str
    description: str


MODEL_CATALOGUE: list[Model] = [
    Model("credit_risk", "企业信用风险分类",
          "在业企业按名单、处罚、投诉、检查发现、变更、基础属性、许可状况七项加权计分"
          "（0–100，越高风险越大），按固定分界分为 A（低风险）/B（一般）/C（较高）/D（高风险）四类；"
          "列入严重违法失信名单的直接为 D 类。"),
    Model("catering_risk", "餐饮企业食品安全风险",
          "餐饮服务单位（餐饮业、单位食堂、明厨亮灶单位）的静态风险（业态、规模、经营品种，≤40 分）"
          "加动态风险（近一年检查、抽检、AI 告警、食品投诉、食品案件、许可，≤60 分），"
          "按风险分级管理办法分值区间评为 A/B/C/D 级。"),
    Model("entity_facets", "市场主体五官图",
          "每个在业主体的资质、监管、投诉、执法、信用五个维度，各 0–100 分（越高越好），"
          "一户一档以雷达图展示。"),
    Model("office_efficacy", "组织效能体检",
          "各市场监管所近 12 个月的双随机完成率、投诉按时办结率、案件 90 天内办结率、预警响应时长、满意率，"
          "按固定标准折算为 0–100 分后加权得综合分并排名。"),
    Model("capital_risk", "资本运作风险指标",
          "在业企业近一年频繁变更注册资本或股东、关联短命企业（同地址或同法定代表人一年内注销吊销）、"
          "集中登记地址等信号计分（0–100），并列出命中的风险标志。"),
]


def compute_models(conn: sa.Connection, as_of: date, *, features: Features | None = None
                   ) -> dict[str, pd.DataFrame]:
    """Run the five models as of ``as_of``; keys are the ``MODEL_CATALOGUE`` ids.

    ``features`` lets a caller that also computes the tag library share one set of reads.
    """
    f = features or Features(conn, as_of)
    credit_out = credit.compute(f)
    return {
        "credit_risk": credit_out,
        "catering_risk": catering.compute(f),
        "entity_facets": facets.compute(f, credit_out),
        "office_efficacy": efficacy.compute(conn, as_of),
        "capital_risk": capital.compute(f),
    }


def entity_facets_one(conn: sa.Connection, uscc: str, as_of: date) -> dict[str, float]:
    """The five facets of one entity (for 一户一档); an empty dict if it is not active on ``as_of``.

    Runs the same rules as the refresh restricted to one entity, so it agrees with
    ``compute_models(...)["entity_facets"]`` for that entity and costs a handful of indexed reads.
    """
    f = Features(conn, as_of, uscc=uscc)
    if f.entities.empty:
        return {}
    row = facets.compute(f, credit.compute(f)).iloc[0]
    return {name: float(row[name]) for name in facets.FACETS}
