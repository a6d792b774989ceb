"""The tag library (标签库, data.md §7): rule-defined tags on active market entities.

``TAG_CATALOGUE`` lists every tag with its rule in plain words (shown in the UI and in docs/tags.md);
``compute_tags(conn, as_of)`` assigns them. Each rule is a vectorised set operation over the
per-entity features of ``data_access.models.features``, so the whole library costs one pass of
aggregated reads; 重点监管 uses the credit and catering models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data_access.models import catering, credit
from data_access.models.catering import canteens
from data_access.models.features import CLUSTER_MIN_ENTITIES, Features

#: 高频被投诉: complaints and reports in the last 90 days (docs/tags.md explains the choice).
FREQUENT_COMPLAINTS_90D = 3
LICENCE_EXPIRY_DAYS = 30


@dataclass(frozen=True)
class Tag:
    """One tag: ``id`` (stable code), Chinese ``name``, the ``rule`` in plain words, ``theme``."""

    id: str
    name: str
    rule: str
    theme: str


TAG_CATALOGUE: list[Tag] = [
    Tag("new_3m", "新设三个月内", "成立日期在数据日期前三个月内（含当日）的在业主体。", "登记许可"),
    Tag("licence_expiring", "许可即将到期",
        f"持有有效许可证，且至少一张将在 {LICENCE_EXPIRY_DAYS} 天内（含）到期。", "登记许可"),
    Tag("clustered_address", "集中登记地址",
        f"同一登记地址上有 {CLUSTER_MIN_ENTITIES} 户及以上在业主体（含本户）。", "登记许可"),
    Tag("catering", "餐饮服务单位",
        "餐饮业（GB/T 4754 大类 62）、装有明厨亮灶摄像头或开办单位食堂的在业主体"
        "（即餐饮风险模型的评级对象）。",
        "食品安全"),
    Tag("cold_chain", "冷链经营",
        "名下有在用的冷库温度传感器，或名称含“冷链、冷藏、冷冻、冻品、冷库”。", "食品安全"),
    Tag("school_canteen", "学校食堂",
        "名下有场所类别为学校食堂的明厨亮灶摄像头，或为持有效食品经营许可证的教育机构（大类 83）。",
        "食品安全"),
    Tag("elderly_canteen", "养老机构食堂",
        "名下有场所类别为养老机构食堂的明厨亮灶摄像头，或为持有效食品经营许可证、名称含养老/敬老/老年/长者/"
        "护理院/福利院的社会工作机构（大类 85）。", "食品安全"),
    Tag("sampling_failed_12m", "近一年抽检不合格", "近 365 天内有食品抽检结果为不合格。", "食品安全"),
    Tag("special_equipment_user", "特种设备使用单位", "名下有在用的特种设备（电梯、锅炉、压力容器等）。",
        "特种设备"),
    Tag("equipment_overdue", "特种设备超期未检", "名下有在用特种设备的下次检验日期早于数据日期。",
        "特种设备"),
    Tag("online", "网络经营", "在电商或外卖平台有在营网店。", "网络监管"),
    Tag("abnormal_operation", "经营异常名录", "数据日期当天在经营异常名录中（列入且未移出）。", "综合监管"),
    Tag("serious_illegal", "严重违法失信", "数据日期当天在严重违法失信名单中（列入且未移出）。", "综合监管"),
    Tag("joint_punishment", "联合惩戒对象", "数据日期当天在联合惩戒名单中（列入且未移出）。", "综合监管"),
    Tag("key_supervision", "重点监管",
        "企业信用风险分类为 C 类或 D 类，或餐饮食品安全风险等级为 C 级或 D 级。", "综合监管"),
    Tag("frequent_complaints", "高频被投诉",
        f"近 90 天内被投诉、举报 {FREQUENT_COMPLAINTS_90D} 件及以上（不含咨询）。", "投诉举报"),
    Tag("penalised_12m", "近一年被立案查处", "近 365 天内有立案的行政处罚案件。", "执法办案"),
]

TAG_IDS = tuple(t.id for t in TAG_CATALOGUE)


def _rules(f: Features, models: dict[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    """Each tag's members as a boolean mask over the active entities ``f.index``."""
    ent = f.entities
    dev = f.aligned("devices")
    lists = f.aligned("lists")
    lic = f.aligned("licences")
    equip = f.aligned("equipment")
    credit_risk = models["credit_risk"]
    catering_risk = models["catering_risk"]
    units = canteens(f)

    def where(frame: pd.DataFrame, column: str, threshold: float = 1) -> np.ndarray:
        return (frame[column] >= threshold).to_numpy()

    return {
        "new_3m": (ent["age_band"] == 0).to_numpy(),
        "licence_expiring": where(lic, "expiring"),
        "clustered_address": where(f.aligned("address_clusters"), "n"),
        "catering": f.mask(catering_risk["uscc"]),
        "cold_chain": where(dev, "cold_storage_sensor") | where(ent, "cold_chain_name"),
        "school_canteen": units["school_canteen"],
        "elderly_canteen": units["elderly_canteen"],
        "sampling_failed_12m": where(f.aligned("samplings"), "failed"),
        "special_equipment_user": where(equip, "in_use"),
        "equipment_overdue": where(equip, "overdue"),
        "online": where(f.aligned("online_stores"), "stores"),
        "abnormal_operation": where(lists, "abnormal_operation"),
        "serious_illegal": where(lists, "serious_illegal_dishonest"),
        "joint_punishment": where(lists, "joint_punishment"),
        "key_supervision": f.mask(pd.concat([
            credit_risk.loc[credit_risk["risk_class"].isin(["C", "D"]), "uscc"],
            catering_risk.loc[catering_risk["risk_grade"].isin(["C", "D"]), "uscc"]])),
        "frequent_complaints": where(f.aligned("complaints"), "n90", FREQUENT_COMPLAINTS_90D),
        "penalised_12m": where(f.aligned("cases"), "cases_12m"),
    }


def compute_tags(conn: sa.Connection, as_of: date, *, models: dict[str, pd.DataFrame] | None = None,
                 features: Features | None = None) -> pd.DataFrame:
    """Tags of the active entities on ``as_of``: one row per entity × tag, columns ``uscc, tag_id``.

    Pass the ``models`` (and the ``features`` they were computed from) when the caller already ran
    ``compute_models`` for the same date, so nothing is read or scored twice.
    """
    f = features or Features(conn, as_of)
    if models is None:
        models = {"credit_risk": credit.compute(f), "catering_risk": catering.compute(f)}
    codes = f.index.to_numpy()
    frames = [pd.DataFrame({"uscc": codes[mask], "tag_id": tag_id})
              for tag_id, mask in _rules(f, models).items()]
    out = pd.concat(frames, ignore_index=True)
    return out.astype({"uscc": "string", "tag_id": "string"})


def tag_counts(tags: pd.DataFrame) -> pd.DataFrame:
    """Entities per tag in catalogue order: ``tag_id, name, theme, rule, count`` (zeros kept)."""
    counts = tags.groupby("tag_id").size()
    return pd.DataFrame({
        "tag_id": [t.id for t in TAG_CATALOGUE],
        "name": [t.name for t in TAG_CATALOGUE],
        "theme": [t.theme for t in TAG_CATALOGUE],
        "rule": [t.rule for t in TAG_CATALOGUE],
        "count": [int(counts.get(t.id, 0)) for t in TAG_CATALOGUE],
    })
