"""The indicator library (指标库, data.md §6): every number on a screen or in a report.

An indicator is a sum (or a ratio of two sums) over one mart of the read layer: ``num`` and the
optional ``den`` are measures, ``where`` fixes dimensions for both, a measure's own ``where``
narrows it further. Indicators over a cube are *period* indicators (evaluated over a half-open
period ``[start, end)`` of dates); the others are *state* indicators, as of the data time D.
The ``dimensions`` an indicator may be broken down by are the mart's dimensions it does not fix.

``standard_values`` computes the district value of every indicator for the standard periods
(today, this week, this month, this year, the previous of each, the same period last year); the
refresh stores them, so the wall and ``smartsup indicators`` read them without computing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from data_access.marts import CUBES, MARTS, Reader, Sum, add_months
from data_access.schema import ENUMS

#: How a value is read: a count (integer), a rate (fraction in [0, 1]), money (元), minutes.
VALUE_TYPES = ("count", "rate", "money", "duration", "amount")


@dataclass(frozen=True)
class Indicator:
    """One indicator: identity, meaning for people, and its computation over a mart."""

    id: str
    name: str
    definition: str
    unit: str
    theme: str
    source: str
    num: Sum
    den: Sum | None = None
    where: Mapping[str, object] = field(default_factory=dict)
    value_type: str = "count"
    core: bool = False

    @property
    def kind(self) -> str:
        """``period`` for indicators over a time axis, ``state`` for those as of the data time."""
        return "period" if self.source in CUBES else "state"

    @property
    def grain(self) -> str:
        """The finest grain the indicator can be read at."""
        if self.kind == "period":
            return "日（任意半开期间 [开始, 结束) 汇总）"
        return "截至数据时间的状态"

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Dimensions the indicator may be broken down by (plus time buckets for period ones)."""
        dims = CUBES[self.source].dim_names if self.kind == "period" else MARTS[self.source].dims
        fixed = (
            set(self.where) | set(self.num.where or {}) | set((self.den.where if self.den else None) or {})
        )
        free = tuple(d for d in dims if d not in fixed and d != "uscc")
        return (*free, "day", "month", "year") if self.kind == "period" else free


def _not(table_col: tuple[str, str], *excluded: str) -> tuple[str, ...]:
    return tuple(v for v in ENUMS[table_col] if v not in excluded)


def _count(
    id_: str,
    name: str,
    definition: str,
    unit: str,
    theme: str,
    source: str,
    column: str = "n",
    *,
    where: Mapping[str, object] | None = None,
    value_type: str = "count",
    core: bool = False,
) -> Indicator:
    return Indicator(
        id_, name, definition, unit, theme, source, Sum(column), None, dict(where or {}), value_type, core
    )


def _ratio(
    id_: str,
    name: str,
    definition: str,
    theme: str,
    source: str,
    num: Sum,
    den: Sum,
    *,
    where: Mapping[str, object] | None = None,
    unit: str = "比例",
    value_type: str = "rate",
    core: bool = False,
) -> Indicator:
    return Indicator(
        id_, name, definition, unit, theme, source, num, den, dict(where or {}), value_type, core
    )


ACTIVE_NOT_RETIRED = _not(("device", "status"), "retired")
OPEN_WARNING = ("pending", "handling")
OPEN_INCIDENT = _not(("incident", "status"), "resolved", "closed")
PROBLEM_RESULTS = _not(("inspection", "result"), "normal")
OPEN_CASE_BANDS = ("lt60", "60_90", "gt90")

T_ENT, T_CREDIT, T_CMP, T_CASE, T_WARN, T_MON, T_SAFE, T_SUP, T_EMG, T_ONLINE, T_QUAL, T_IP = (
    "主体信息",
    "信用监管",
    "投诉举报",
    "稽查办案",
    "智能预警",
    "远程监控",
    "三品一特",
    "综合监管",
    "应急指挥",
    "网络监管",
    "高质量发展",
    "知识产权",
)

CATALOGUE: tuple[Indicator, ...] = (
    # --- core (data.md §6), ids and meanings fixed -----------------------------------------------
    _count(
        "entity.active_total",
        "在营市场主体",
        "状态为在营（active）的市场主体数。",
        "户",
        T_ENT,
        "entity_stock",
        where={"status": "active"},
        core=True,
    ),
    _count(
        "entity.active_enterprise",
        "在营企业",
        "状态为在营、类型为企业的市场主体数。",
        "户",
        T_ENT,
        "entity_stock",
        where={"status": "active", "entity_type": "enterprise"},
        core=True,
    ),
    _count(
        "entity.active_individual",
        "在营个体工商户",
        "状态为在营、类型为个体工商户的市场主体数。",
        "户",
        T_ENT,
        "entity_stock",
        where={"status": "active", "entity_type": "individual"},
        core=True,
    ),
    _count(
        "entity.new_registrations",
        "新设市场主体",
        "成立日期（established_on）在期间内的市场主体数。",
        "户",
        T_ENT,
        "entity_reg",
        core=True,
    ),
    _count(
        "entity.deregistrations",
        "注销吊销市场主体",
        "状态为注销或吊销、且状态变更日期在期间内的市场主体数。",
        "户",
        T_ENT,
        "entity_exit",
        where={"status": ("cancelled", "revoked")},
        core=True,
    ),
    *(
        _ratio(
            f"credit.class_share.{c}",
            f"{c} 类企业占比",
            f"在营企业中信用风险分类为 {c} 类的比例。",
            T_CREDIT,
            "credit_class",
            Sum("n", {"risk_class": c}),
            Sum("n"),
            where={"entity_type": "enterprise"},
            core=True,
        )
        for c in "ABCD"
    ),
    _count(
        "complaint.received",
        "受理投诉举报",
        "受理时间（received_at）在期间内的投诉、举报、咨询件数。",
        "件",
        T_CMP,
        "complaint_recv",
        core=True,
    ),
    _ratio(
        "complaint.ontime_rate",
        "按期办结率",
        "办结时间在期间内的件中，办结时间不晚于办理期限（due_at）的比例。",
        T_CMP,
        "complaint_closed",
        Sum("n_ontime"),
        Sum("n"),
        core=True,
    ),
    _ratio(
        "complaint.satisfaction_rate",
        "满意率",
        "办结时间在期间内且有满意度评价的件中，评价为满意的比例。",
        T_CMP,
        "complaint_closed",
        Sum("n_satisfied"),
        Sum("n_rated"),
        core=True,
    ),
    _count(
        "case.opened",
        "立案数",
        "立案日期（opened_on）在期间内的案件数。",
        "件",
        T_CASE,
        "case_opened",
        core=True,
    ),
    _count(
        "case.closed",
        "结案数",
        "结案日期（closed_on）在期间内的案件数。",
        "件",
        T_CASE,
        "case_closed",
        core=True,
    ),
    _count(
        "case.fines_total",
        "罚款金额",
        "处罚决定日期（decided_on）在期间内的案件罚款金额合计。",
        "元",
        T_CASE,
        "case_decided",
        "fine_yuan",
        value_type="money",
        core=True,
    ),
    _count(
        "case.overdue_open",
        "超期未结案件",
        "尚未结案、且立案日期早于数据日期 90 天以上的案件数。",
        "件",
        T_CASE,
        "case_state",
        where={"age_band": "gt90"},
        core=True,
    ),
    *(
        _count(
            f"warning.open.{lv}",
            f"未办结{label}预警",
            f"等级为{label}、状态为待派单或处置中的预警数。",
            "条",
            T_WARN,
            "warning_state",
            where={"level": lv, "status": OPEN_WARNING},
            core=True,
        )
        for lv, label in (("red", "红色"), ("orange", "橙色"), ("yellow", "黄色"), ("blue", "蓝色"))
    ),
    _ratio(
        "device.online_rate",
        "设备在线率",
        "状态为在线的感知设备占全部未退役设备的比例。",
        T_MON,
        "device_stock",
        Sum("n", {"status": "online"}),
        Sum("n"),
        where={"status": ACTIVE_NOT_RETIRED},
        core=True,
    ),
    _count(
        "device.kitchen_cameras",
        "明厨亮灶摄像头",
        "种类为明厨亮灶摄像头（kitchen_camera）的设备数。",
        "路",
        T_MON,
        "device_stock",
        where={"kind": "kitchen_camera"},
        core=True,
    ),
    _count(
        "equipment.elevators",
        "在用电梯",
        "种类为电梯、状态为在用的特种设备数。",
        "台",
        T_SAFE,
        "equipment_stock",
        where={"kind": "elevator", "status": "in_use"},
        core=True,
    ),
    _count(
        "equipment.overdue_inspection",
        "超期未检特种设备",
        "在用、且下次检验日期早于数据日期的特种设备数。",
        "台",
        T_SAFE,
        "equipment_stock",
        where={"status": "in_use", "due": "overdue"},
        core=True,
    ),
    _count(
        "incident.open",
        "未处置突发事件",
        "状态不是已处置、已关闭的突发事件数。",
        "起",
        T_EMG,
        "incident_state",
        where={"status": OPEN_INCIDENT},
        core=True,
    ),
    _ratio(
        "inspection.done_rate",
        "双随机检查完成率",
        "计划日期在期间内的双随机检查中，已完成（done_on 不空）的比例。",
        T_SUP,
        "insp_planned",
        Sum("n_done"),
        Sum("n"),
        where={"kind": "double_random"},
        core=True,
    ),
    _ratio(
        "inspection.problem_rate",
        "问题发现率",
        "完成日期在期间内的检查中，结果不是“正常”的比例。",
        T_SUP,
        "insp_done",
        Sum("n", {"result": PROBLEM_RESULTS}),
        Sum("n"),
        core=True,
    ),
    # --- 主体信息 ---------------------------------------------------------------------------------
    _count(
        "entity.active_cooperative",
        "在营农民专业合作社",
        "状态为在营、类型为农民专业合作社的市场主体数。",
        "户",
        T_ENT,
        "entity_stock",
        where={"status": "active", "entity_type": "cooperative"},
    ),
    _count(
        "entity.active_branch",
        "在营分支机构",
        "状态为在营、类型为分支机构的市场主体数。",
        "户",
        T_ENT,
        "entity_stock",
        where={"status": "active", "entity_type": "branch"},
    ),
    _count(
        "entity.active_capital",
        "在营主体注册资本",
        "在营市场主体注册资本合计（万元折算为元）。",
        "元",
        T_ENT,
        "entity_stock",
        "capital_yuan",
        where={"status": "active"},
        value_type="money",
    ),
    _count(
        "entity.new_enterprises",
        "新设企业",
        "成立日期在期间内的企业数。",
        "户",
        T_ENT,
        "entity_reg",
        where={"entity_type": "enterprise"},
    ),
    _count(
        "entity.new_individuals",
        "新设个体工商户",
        "成立日期在期间内的个体工商户数。",
        "户",
        T_ENT,
        "entity_reg",
        where={"entity_type": "individual"},
    ),
    _count(
        "entity.new_capital",
        "新设主体注册资本",
        "成立日期在期间内的市场主体注册资本合计（元）。",
        "元",
        T_ENT,
        "entity_reg",
        "capital_yuan",
        value_type="money",
    ),
    _count(
        "entity.exits",
        "退出市场主体",
        "状态为注销、吊销或迁出、且状态变更日期在期间内的市场主体数。",
        "户",
        T_ENT,
        "entity_exit",
    ),
    _count("entity.changes", "变更登记", "变更日期在期间内的变更登记事项数。", "项", T_ENT, "entity_change"),
    _count(
        "entity.abnormal_listed",
        "经营异常名录在列",
        "数据日期时仍在经营异常名录中的条目数。",
        "户",
        T_CREDIT,
        "credit_list_state",
        "n_current",
        where={"list": "abnormal_operation"},
    ),
    _count(
        "entity.serious_dishonest",
        "严重违法失信名单在列",
        "数据日期时仍在严重违法失信名单中的条目数。",
        "户",
        T_CREDIT,
        "credit_list_state",
        "n_current",
        where={"list": "serious_illegal_dishonest"},
    ),
    _count(
        "entity.joint_punishment",
        "联合惩戒名单在列",
        "数据日期时仍在联合惩戒名单中的条目数。",
        "户",
        T_CREDIT,
        "credit_list_state",
        "n_current",
        where={"list": "joint_punishment"},
    ),
    _count(
        "credit.abnormal_added",
        "新列入经营异常名录",
        "列入日期在期间内的经营异常名录条目数。",
        "户",
        T_CREDIT,
        "credit_list_added",
        where={"list": "abnormal_operation"},
    ),
    _count(
        "credit.classified",
        "已分类在营主体",
        "有信用风险分类结果的在营市场主体数。",
        "户",
        T_CREDIT,
        "credit_class",
        where={"risk_class": ("A", "B", "C", "D")},
    ),
    # --- 三品一特 ---------------------------------------------------------------------------------
    _count(
        "licence.food_business_valid",
        "有效食品经营许可证",
        "种类为食品经营、状态为有效的许可证数。",
        "张",
        T_SAFE,
        "licence_stock",
        where={"kind": "food_business", "status": "valid"},
    ),
    _count(
        "licence.food_production_valid",
        "有效食品生产许可证",
        "种类为食品生产、状态为有效的许可证数。",
        "张",
        T_SAFE,
        "licence_stock",
        where={"kind": "food_production", "status": "valid"},
    ),
    _count(
        "licence.drug_retail_valid",
        "有效药品零售许可证",
        "种类为药品零售、状态为有效的许可证数。",
        "张",
        T_SAFE,
        "licence_stock",
        where={"kind": "drug_retail", "status": "valid"},
    ),
    _count(
        "licence.cosmetics_valid",
        "有效化妆品许可证",
        "种类为化妆品、状态为有效的许可证数。",
        "张",
        T_SAFE,
        "licence_stock",
        where={"kind": "cosmetics", "status": "valid"},
    ),
    _count(
        "licence.medical_device_valid",
        "有效医疗器械许可证",
        "种类为医疗器械、状态为有效的许可证数。",
        "张",
        T_SAFE,
        "licence_stock",
        where={"kind": "medical_device", "status": "valid"},
    ),
    _count(
        "licence.expiring_30d",
        "30 天内到期许可证",
        "状态为有效、到期日在数据日期起 30 天内的许可证数。",
        "张",
        T_SAFE,
        "licence_stock",
        where={"status": "valid", "expiry": "d30"},
    ),
    _count("licence.issued", "发放许可证", "发证日期在期间内的许可证数。", "张", T_SAFE, "licence_issued"),
    _count(
        "sampling.batches",
        "食品抽检批次",
        "抽样日期在期间内的食品抽检批次。",
        "批次",
        T_SAFE,
        "food_sampling",
    ),
    _ratio(
        "sampling.pass_rate",
        "抽检合格率",
        "抽样日期在期间内的抽检批次中结果为合格的比例。",
        T_SAFE,
        "food_sampling",
        Sum("n", {"result": "pass"}),
        Sum("n"),
    ),
    _count(
        "sampling.failed",
        "抽检不合格批次",
        "抽样日期在期间内、结果为不合格的批次。",
        "批次",
        T_SAFE,
        "food_sampling",
        "n_fail",
    ),
    _ratio(
        "sampling.followup_rate",
        "不合格核查处置率",
        "抽样日期在期间内的不合格批次中，已完成核查处置的比例。",
        T_SAFE,
        "food_sampling",
        Sum("n_followed"),
        Sum("n_fail"),
    ),
    *(
        _ratio(
            f"catering.grade_share.{g}",
            f"餐饮 {g} 级占比",
            f"在营餐饮主体中食品安全风险等级为 {g} 级的比例。",
            T_SAFE,
            "catering_grade",
            Sum("n", {"risk_grade": g}),
            Sum("n"),
        )
        for g in "ABCD"
    ),
    _count(
        "equipment.in_use",
        "在用特种设备",
        "状态为在用的特种设备数。",
        "台",
        T_SAFE,
        "equipment_stock",
        where={"status": "in_use"},
    ),
    _count(
        "equipment.elevators_over_15y",
        "使用 15 年以上电梯",
        "在用电梯中安装日期距数据日期满 15 年的台数。",
        "台",
        T_SAFE,
        "equipment_stock",
        where={"kind": "elevator", "status": "in_use", "age_band": "15+"},
    ),
    _count(
        "equipment.due_30d",
        "30 天内到期待检设备",
        "在用、下次检验日期在数据日期起 30 天内的特种设备数。",
        "台",
        T_SAFE,
        "equipment_stock",
        where={"status": "in_use", "due": "d30"},
    ),
    _count(
        "equipment.inspections",
        "特种设备检验",
        "检验日期在期间内的特种设备检验次数。",
        "次",
        T_SAFE,
        "equipment_insp",
    ),
    _ratio(
        "equipment.inspection_pass_rate",
        "特种设备检验合格率",
        "检验日期在期间内的检验中结论为合格的比例。",
        T_SAFE,
        "equipment_insp",
        Sum("n", {"result": "pass"}),
        Sum("n"),
    ),
    # --- 综合监管 ---------------------------------------------------------------------------------
    _count("inspection.planned", "计划检查", "计划日期在期间内的各类检查数。", "户次", T_SUP, "insp_planned"),
    _count(
        "inspection.double_random_planned",
        "双随机计划检查",
        "计划日期在期间内的双随机检查数。",
        "户次",
        T_SUP,
        "insp_planned",
        where={"kind": "double_random"},
    ),
    _count("inspection.done", "完成检查", "完成日期在期间内的各类检查数。", "户次", T_SUP, "insp_done"),
    _count(
        "inspection.problems",
        "发现问题",
        "完成日期在期间内、结果不是“正常”的检查数。",
        "户次",
        T_SUP,
        "insp_done",
        where={"result": PROBLEM_RESULTS},
    ),
    _count(
        "inspection.case_opened",
        "检查后立案",
        "完成日期在期间内、结果为立案查处的检查数。",
        "户次",
        T_SUP,
        "insp_done",
        where={"result": "case_opened"},
    ),
    _count("inspection.tasks", "检查任务", "抽取日期在期间内的检查任务数。", "个", T_SUP, "insp_task"),
    # --- 投诉举报 ---------------------------------------------------------------------------------
    _count(
        "complaint.complaints",
        "投诉",
        "受理时间在期间内、类型为投诉的件数。",
        "件",
        T_CMP,
        "complaint_recv",
        where={"kind": "complaint"},
    ),
    _count(
        "complaint.reports",
        "举报",
        "受理时间在期间内、类型为举报的件数。",
        "件",
        T_CMP,
        "complaint_recv",
        where={"kind": "report"},
    ),
    _count(
        "complaint.consultations",
        "咨询",
        "受理时间在期间内、类型为咨询的件数。",
        "件",
        T_CMP,
        "complaint_recv",
        where={"kind": "consultation"},
    ),
    _count(
        "complaint.online_shopping",
        "网购投诉举报",
        "受理时间在期间内、类别为网络购物的件数。",
        "件",
        T_CMP,
        "complaint_recv",
        where={"category": "online_shopping"},
    ),
    _count(
        "complaint.food",
        "食品投诉举报",
        "受理时间在期间内、类别为食品的件数。",
        "件",
        T_CMP,
        "complaint_recv",
        where={"category": "food"},
    ),
    _count("complaint.closed", "办结投诉举报", "办结时间在期间内的件数。", "件", T_CMP, "complaint_closed"),
    _count(
        "complaint.recovered_amount",
        "为消费者挽回经济损失",
        "办结时间在期间内的件中为消费者挽回的金额合计。",
        "元",
        T_CMP,
        "complaint_closed",
        "recovered_yuan",
        value_type="money",
    ),
    _ratio(
        "complaint.avg_handling_minutes",
        "平均办理时长",
        "办结时间在期间内的件从受理到办结的平均时长。",
        T_CMP,
        "complaint_closed",
        Sum("handling_minutes"),
        Sum("n"),
        unit="分钟",
        value_type="duration",
    ),
    _count(
        "complaint.open",
        "在办投诉举报",
        "状态尚未办结（非办结、非不予受理）的件数。",
        "件",
        T_CMP,
        "complaint_open",
    ),
    _count(
        "complaint.open_overdue",
        "超期在办投诉举报",
        "尚未办结且已超过办理期限（due_at 早于数据时间）的件数。",
        "件",
        T_CMP,
        "complaint_open",
        "n_overdue",
    ),
    # --- 稽查办案 ---------------------------------------------------------------------------------
    _count(
        "case.open",
        "在办案件",
        "尚未结案的案件数。",
        "件",
        T_CASE,
        "case_state",
        where={"age_band": OPEN_CASE_BANDS},
    ),
    _count(
        "case.approaching_limit",
        "临近时限案件",
        "尚未结案、立案已满 60 天且未超过 90 天的案件数。",
        "件",
        T_CASE,
        "case_state",
        where={"age_band": "60_90"},
    ),
    _count("case.decisions", "处罚决定", "处罚决定日期在期间内的案件数。", "件", T_CASE, "case_decided"),
    _count(
        "case.confiscation_total",
        "没收金额",
        "处罚决定日期在期间内的案件没收违法所得与非法财物金额合计。",
        "元",
        T_CASE,
        "case_decided",
        "confiscation_yuan",
        value_type="money",
    ),
    _count(
        "case.transferred_to_police",
        "移送公安",
        "立案日期在期间内、已移送公安机关（行刑衔接）的案件数。",
        "件",
        T_CASE,
        "case_opened",
        "n_police",
    ),
    _ratio(
        "case.closed_within_90d_rate",
        "90 天内结案率",
        "结案日期在期间内的案件中，自立案起 90 天内结案的比例。",
        T_CASE,
        "case_closed",
        Sum("n_within_90d"),
        Sum("n"),
    ),
    _ratio(
        "case.avg_duration_minutes",
        "平均办案时长",
        "结案日期在期间内的案件从立案到结案的平均时长。",
        T_CASE,
        "case_closed",
        Sum("duration_minutes"),
        Sum("n"),
        unit="分钟",
        value_type="duration",
    ),
    # --- 智能预警 ---------------------------------------------------------------------------------
    _count("warning.raised", "发出预警", "发出时间在期间内的预警数。", "条", T_WARN, "warning_raised"),
    _count(
        "warning.open_total",
        "未办结预警",
        "状态为待派单或处置中的预警数。",
        "条",
        T_WARN,
        "warning_state",
        where={"status": OPEN_WARNING},
    ),
    _ratio(
        "warning.closure_rate",
        "预警办结率",
        "发出时间在期间内的预警中已办结的比例。",
        T_WARN,
        "warning_raised",
        Sum("n_closed"),
        Sum("n"),
    ),
    _ratio(
        "warning.avg_response_minutes",
        "预警平均响应时长",
        "发出时间在期间内且已响应的预警，从发出到响应的平均时长。",
        T_WARN,
        "warning_raised",
        Sum("response_minutes"),
        Sum("n_handled"),
        unit="分钟",
        value_type="duration",
    ),
    _ratio(
        "warning.avg_closure_minutes",
        "预警平均办结时长",
        "发出时间在期间内且已办结的预警，从发出到办结的平均时长。",
        T_WARN,
        "warning_raised",
        Sum("closure_minutes"),
        Sum("n_closed"),
        unit="分钟",
        value_type="duration",
    ),
    # --- 远程监控 ---------------------------------------------------------------------------------
    _count(
        "device.total",
        "感知设备",
        "未退役的感知设备数（摄像头、冷库传感器、电梯物联网、燃气传感器）。",
        "台",
        T_MON,
        "device_stock",
        where={"status": ACTIVE_NOT_RETIRED},
    ),
    _count(
        "device.online",
        "在线设备",
        "状态为在线的感知设备数。",
        "台",
        T_MON,
        "device_stock",
        where={"status": "online"},
    ),
    _ratio(
        "device.kitchen_online_rate",
        "明厨亮灶在线率",
        "未退役的明厨亮灶摄像头中在线的比例。",
        T_MON,
        "device_stock",
        Sum("n", {"status": "online"}),
        Sum("n"),
        where={"kind": "kitchen_camera", "status": ACTIVE_NOT_RETIRED},
    ),
    _count(
        "device.cold_storage_sensors",
        "冷库温度传感器",
        "未退役的冷库温度传感器数。",
        "台",
        T_MON,
        "device_stock",
        where={"kind": "cold_storage_sensor", "status": ACTIVE_NOT_RETIRED},
    ),
    _count(
        "device.elevator_iot",
        "电梯物联网终端",
        "未退役的电梯物联网终端数。",
        "台",
        T_MON,
        "device_stock",
        where={"kind": "elevator_iot", "status": ACTIVE_NOT_RETIRED},
    ),
    _count("alarm.raised", "设备告警", "告警时间在期间内的 AI 与物联网告警数。", "条", T_MON, "device_alarm"),
    _ratio(
        "alarm.push_rate",
        "告警推送率",
        "告警时间在期间内的告警中已推送给主体的比例。",
        T_MON,
        "device_alarm",
        Sum("n_pushed"),
        Sum("n"),
    ),
    _ratio(
        "alarm.rectify_rate",
        "告警整改率",
        "告警时间在期间内的告警中已整改的比例。",
        T_MON,
        "device_alarm",
        Sum("n_rectified"),
        Sum("n"),
    ),
    _ratio(
        "alarm.avg_rectify_minutes",
        "告警平均整改时长",
        "告警时间在期间内且已整改的告警，从告警到整改的平均时长。",
        T_MON,
        "device_alarm",
        Sum("rectify_minutes"),
        Sum("n_rectified"),
        unit="分钟",
        value_type="duration",
    ),
    # --- 应急指挥 ---------------------------------------------------------------------------------
    _count(
        "incident.reported", "突发事件", "报告时间在期间内的突发事件数。", "起", T_EMG, "incident_reported"
    ),
    _count(
        "incident.open_major",
        "未处置重大突发事件",
        "等级为 I 级或 II 级、尚未处置完毕的突发事件数。",
        "起",
        T_EMG,
        "incident_state",
        where={"status": OPEN_INCIDENT, "level": ("I", "II")},
    ),
    _ratio(
        "incident.avg_resolve_minutes",
        "突发事件平均处置时长",
        "报告时间在期间内且已处置的事件，从报告到处置的平均时长。",
        T_EMG,
        "incident_reported",
        Sum("resolve_minutes"),
        Sum("n_resolved"),
        unit="分钟",
        value_type="duration",
    ),
    _count(
        "resource.available",
        "可调度应急资源",
        "状态为可用的应急队伍、车辆、专家、实验室与无人机数。",
        "个",
        T_EMG,
        "resource_state",
        where={"status": "available"},
    ),
    _count("dispatch.count", "调度次数", "派遣时间在期间内的调度次数。", "次", T_EMG, "dispatch"),
    _ratio(
        "dispatch.avg_arrive_minutes",
        "平均到场时长",
        "派遣时间在期间内且已到场的调度，从派遣到到场的平均时长。",
        T_EMG,
        "dispatch",
        Sum("arrive_minutes"),
        Sum("n_arrived"),
        unit="分钟",
        value_type="duration",
    ),
    # --- 网络监管 / 高质量发展 / 知识产权 ------------------------------------------------------------
    _count(
        "online.stores_active",
        "在营网店",
        "辖区主体开设、状态为经营中的网店数。",
        "家",
        T_ONLINE,
        "online_store_stock",
        where={"status": "active"},
    ),
    _count(
        "online.ad_hits", "广告监测命中", "发现时间在期间内的违法广告监测命中数。", "条", T_ONLINE, "ad_hit"
    ),
    _count(
        "online.ad_hits_high",
        "高风险广告命中",
        "发现时间在期间内、风险等级为高的广告监测命中数。",
        "条",
        T_ONLINE,
        "ad_hit",
        where={"risk_level": "high"},
    ),
    _ratio(
        "online.ad_handled_rate",
        "广告命中处置率",
        "发现时间在期间内的广告监测命中中已处置的比例。",
        T_ONLINE,
        "ad_hit",
        Sum("n_handled"),
        Sum("n"),
    ),
    _count(
        "quality.high_tech",
        "高新技术企业",
        "在营主体持有的高新技术企业认定数。",
        "家",
        T_QUAL,
        "honor_stock",
        where={"kind": "high_tech"},
    ),
    _count(
        "quality.specialized_new",
        "专精特新企业",
        "在营主体持有的专精特新认定数。",
        "家",
        T_QUAL,
        "honor_stock",
        where={"kind": "specialized_new"},
    ),
    _count(
        "quality.honors_granted",
        "新增质量品牌认定",
        "认定日期在期间内的高新技术、专精特新、品牌、质量奖、标准制定认定数。",
        "项",
        T_QUAL,
        "honor_granted",
    ),
    _count(
        "ip.trademarks",
        "有效商标",
        "辖区主体持有的注册商标数。",
        "件",
        T_IP,
        "ip_stock",
        where={"kind": "trademark"},
    ),
    _count(
        "ip.invention_patents",
        "发明专利",
        "辖区主体持有的发明专利数。",
        "件",
        T_IP,
        "ip_stock",
        where={"kind": "patent_invention"},
    ),
    _count(
        "ip.geo_indications",
        "地理标志",
        "辖区主体持有的地理标志数。",
        "件",
        T_IP,
        "ip_stock",
        where={"kind": "geo_indication"},
    ),
    _count(
        "ip.registered",
        "新增知识产权",
        "注册（授权）日期在期间内的商标、专利与地理标志数。",
        "件",
        T_IP,
        "ip_registered",
    ),
)

from data_access import indicators_screens4 as _screens4  # noqa: E402  (the last four screens)

CATALOGUE = (*CATALOGUE, *_screens4.catalogue(_count, _ratio))
INDICATORS: dict[str, Indicator] = {i.id: i for i in CATALOGUE}
CORE_IDS: tuple[str, ...] = tuple(i.id for i in CATALOGUE if i.core)


def get(indicator_id: str) -> Indicator:
    """The indicator with this id; ``KeyError`` with the id when unknown."""
    try:
        return INDICATORS[indicator_id]
    except KeyError:
        raise KeyError(f"未知指标：{indicator_id}") from None


def catalogue_frame() -> pd.DataFrame:
    """The catalogue as a table: id, name, definition, unit, grain, dimensions, theme, kind, core."""
    return pd.DataFrame(
        [
            {
                "id": i.id,
                "name": i.name,
                "definition": i.definition,
                "unit": i.unit,
                "grain": i.grain,
                "dimensions": ", ".join(i.dimensions),
                "theme": i.theme,
                "kind": i.kind,
                "value_type": i.value_type,
                "source": i.source,
                "core": i.core,
            }
            for i in CATALOGUE
        ]
    )


# --- evaluation -----------------------------------------------------------------------------------


def _merged(s: Sum, where: Mapping[str, object]) -> Sum:
    return Sum(s.column, {**where, **(s.where or {})} or None)


def _finish(ind: Indicator, num: np.ndarray, den: np.ndarray | None) -> np.ndarray:
    if ind.den is None:
        return num.round() if ind.value_type == "count" else num
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def evaluate(
    r: Reader,
    ids: Iterable[str],
    *,
    start: date | None = None,
    end: date | None = None,
    scope: Sequence[str] | None = None,
    by: Sequence[str] = (),
    where: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Values of indicators ``ids`` over ``[start, end)`` (ignored by state indicators).

    ``by`` breaks the values down by dimensions every chosen indicator allows; ``where`` filters
    on such dimensions. Returns a long frame ``[*by, indicator_id, value]`` with float values
    (counts are whole numbers; a ratio with an empty denominator is NaN). Indicators over the
    same mart are computed by one query.
    """
    inds = [get(i) for i in ids]
    by = tuple(by)
    extra = dict(where or {})
    for ind in inds:
        bad = [d for d in (*by, *extra) if d not in ind.dimensions]
        if bad:
            raise ValueError(
                f"指标 {ind.id} 不能按 {', '.join(bad)} 分解；可用维度：{', '.join(ind.dimensions)}"
            )
        if ind.kind == "period" and (start is None or end is None):
            raise ValueError(f"期间指标 {ind.id} 需要给出期间 start/end")
    groups: dict[str, list[Indicator]] = {}
    for ind in inds:
        groups.setdefault(ind.source, []).append(ind)
    keys: list[pd.DataFrame] = []
    id_parts: list[np.ndarray] = []
    value_parts: list[np.ndarray] = []
    for source, members in groups.items():
        measures: dict[str, Sum] = {}
        for k, ind in enumerate(members):
            measures[f"m{k}n"] = _merged(ind.num, ind.where)
            if ind.den is not None:
                measures[f"m{k}d"] = _merged(ind.den, ind.where)
        period = {"start": start, "end": end} if source in CUBES else {}
        agg = r.aggregate(source, measures, by=by, where=extra, scope=scope, **period)
        for k, ind in enumerate(members):
            den = agg[f"m{k}d"].to_numpy(float) if ind.den is not None else None
            value_parts.append(_finish(ind, agg[f"m{k}n"].to_numpy(float), den))
            id_parts.append(np.full(len(agg), ind.id, dtype=object))
            if by:
                keys.append(agg[list(by)])
    if not value_parts:
        return pd.DataFrame(columns=[*by, "indicator_id", "value"])
    out = pd.concat(keys, ignore_index=True) if by else pd.DataFrame(index=range(sum(map(len, value_parts))))
    out["indicator_id"] = np.concatenate(id_parts)
    out["value"] = np.concatenate(value_parts).astype(float)
    return out


def value(
    r: Reader,
    indicator_id: str,
    *,
    start: date | None = None,
    end: date | None = None,
    scope: Sequence[str] | None = None,
) -> float | int | None:
    """The single value of one indicator (None for a ratio with an empty denominator)."""
    v = evaluate(r, [indicator_id], start=start, end=end, scope=scope)["value"].iloc[0]
    if pd.isna(v):
        return None
    return int(v) if get(indicator_id).value_type == "count" else float(v)


def shift_year(d: date, years: int) -> date:
    """The same day ``years`` years later (28 February for a 29 February without a match)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def standard_periods(as_of: date) -> dict[str, tuple[date, date]]:
    """The named half-open periods relative to D: today, this week (ISO), month, year, their
    predecessors, and the same span last year (to D) for year-over-year comparisons."""
    d = as_of
    week = d - timedelta(days=d.weekday())
    month = d.replace(day=1)
    year = d.replace(month=1, day=1)
    return {
        "today": (d, d + timedelta(days=1)),
        "yesterday": (d - timedelta(days=1), d),
        "week": (week, week + timedelta(days=7)),
        "last_week": (week - timedelta(days=7), week),
        "month": (month, add_months(month, 1)),
        "last_month": (add_months(month, -1), month),
        "year": (year, shift_year(year, 1)),
        "last_year": (shift_year(year, -1), year),
        "month_last_year": (shift_year(month, -1), shift_year(add_months(month, 1), -1)),
        "mtd_last_year": (shift_year(month, -1), shift_year(d + timedelta(days=1), -1)),
        "ytd_last_year": (shift_year(year, -1), shift_year(d + timedelta(days=1), -1)),
    }


def standard_values(r: Reader, as_of: date, ids: Iterable[str] | None = None) -> pd.DataFrame:
    """District values of every indicator (or of ``ids``): state ones once (``period = state``),
    period ones for each standard period. Columns: indicator_id, period, start, end, value."""
    chosen = None if ids is None else set(ids)
    state_ids = [i.id for i in CATALOGUE if i.kind == "state" and (chosen is None or i.id in chosen)]
    period_ids = [i.id for i in CATALOGUE if i.kind == "period" and (chosen is None or i.id in chosen)]
    frames = [evaluate(r, state_ids).assign(period="state", start=None, end=None)]
    for key, (lo, hi) in standard_periods(as_of).items():
        frames.append(evaluate(r, period_ids, start=lo, end=hi).assign(period=key, start=lo, end=hi))
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out[["indicator_id", "period", "start", "end", "value"]]


def catalogue_markdown() -> str:
    """The catalogue as a markdown document (docs/indicators.md is generated from it)."""
    lines = [
        "# 指标库 — indicator catalogue",
        "",
        "Generated from `data_access/indicators.py` by",
        "`smartsup indicators --markdown > docs/indicators.md`; a test fails when the two disagree.",
        "",
        "Every number on a screen or in a report is one of these. ★ marks the core indicators of",
        "data.md §6, whose ids and meanings are fixed. *State* indicators are counted as of the data",
        "time D; *period* indicators over a half-open period [start, end) of dates. Rates are",
        "fractions in [0, 1] (unit 比例), money in 元, durations in minutes (分钟), counts whole",
        "numbers. *Dimensions* are what an indicator may be broken down by or filtered on (streets",
        "are the caller's scope); *source* is the cube or mart it is summed from.",
        f"{len(CATALOGUE)} indicators.",
        "",
    ]
    themes: dict[str, list[Indicator]] = {}
    for ind in CATALOGUE:
        themes.setdefault(ind.theme, []).append(ind)
    for theme, members in themes.items():
        lines += [
            f"## {theme}",
            "",
            "| id | 名称 | 定义 | 单位 | 类型 | 维度 | 来源 |",
            "|---|---|---|---|---|---|---|",
        ]
        for i in members:
            kind = "期间" if i.kind == "period" else "状态"
            title = CUBES[i.source].title if i.kind == "period" else MARTS[i.source].title
            source = f"`{i.source}`（{title}）"
            star = "★ " if i.core else ""
            lines.append(
                f"| {star}`{i.id}` | {i.name} | {i.definition} | {i.unit} | {kind} | "
                f"{', '.join(i.dimensions)} | {source} |"
            )
        lines.append("")
    return "\n".join(lines)
