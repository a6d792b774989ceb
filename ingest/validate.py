"""Validation of imported rows (data.md §4): header aliases, value parsing and per-table rules.

Everything here is pure: the importer hands in the street geometry and a function that says which
foreign-key values already exist in the database, so the rules can be tested without a store.
Validation runs a column at a time over pandas Series, so a 100k-row file costs a few dozen vectorised
passes rather than 100k Python loops; only the USCC check digits run per distinct value.

The rules are derived from ``data_access.schema`` (types, NOT NULL, lengths, foreign keys) and
``schema.ENUMS``; what the schema cannot say (cross-field order, status-dependent dates, natural keys)
is declared in the tables below, each rule once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from shapely.geometry import shape

from data_access import schema
from data_access.uscc import ALPHABET, TYPE_CHAR, InvalidUSCC, validate_uscc

# --- header aliases (the one place that knows how a government export names our columns) -----------

#: table ("*" = any table) → column → the headers accepted for it. The first Chinese header of a column
#: is also its label in messages. English schema names are always accepted (case-insensitive).
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "*": {
        "uscc": ("统一社会信用代码", "社会信用代码", "信用代码"),
        "name": ("名称",),
        "street_code": ("街镇代码", "所属街镇代码", "街道代码", "街镇编码", "所属街镇", "街镇"),
        "lon": ("经度",),
        "lat": ("纬度",),
        "status": ("状态",),
        "kind": ("类型", "种类", "类别"),
        "office_code": ("单位代码", "所属单位代码", "市场监管所代码", "所属市场监管所"),
        "address": ("地址", "住所"),
        "id": ("编号",),
        "summary": ("摘要", "内容"),
        "staff_id": ("执法人员编号", "人员编号"),
        "task_id": ("任务编号",),
    },
    "office": {
        "code": ("单位代码", "代码"),
        "name": ("单位名称", "名称"),
        "kind": ("单位类型", "类型"),
    },
    "staff": {
        "id": ("人员编号", "编号"),
        "name": ("姓名",),
        "role": ("岗位", "角色"),
        "certified": ("是否持证", "持证"),
    },
    "entity": {
        "name": ("主体名称", "企业名称", "名称"),
        "entity_type": ("主体类型", "市场主体类型", "企业类型", "类型"),
        "industry_code": ("行业代码", "国民经济行业代码", "所属行业代码"),
        "registered_capital": ("注册资本(万元)", "注册资本"),
        "established_on": ("成立日期", "设立日期"),
        "status": ("登记状态", "经营状态", "状态"),
        "status_changed_on": ("状态变更日期", "注(吊)销日期", "注销日期"),
        "address": ("住所", "地址", "经营场所"),
        "legal_rep_name": ("法定代表人", "法定代表人姓名", "经营者", "负责人"),
        "legal_rep_phone": ("联系电话", "法定代表人电话"),
    },
    "licence": {
        "licence_no": ("许可证编号", "许可证号"),
        "kind": ("许可类别", "许可证类型", "许可类型", "类型"),
        "issued_on": ("发证日期", "签发日期"),
        "expires_on": ("有效期至", "有效期截止日期", "截止日期"),
        "status": ("许可状态", "状态"),
    },
    "equipment": {
        "equipment_code": ("设备代码", "设备注册代码", "设备编号"),
        "uscc": ("使用单位统一社会信用代码", "使用单位信用代码", "统一社会信用代码"),
        "kind": ("设备种类", "设备类别", "种类"),
        "installed_on": ("安装日期", "投用日期"),
        "next_inspection_due": ("下次检验日期",),
        "status": ("设备状态", "使用状态", "状态"),
    },
    "complaint": {
        "id": ("工单编号", "投诉编号", "编号"),
        "channel": ("来源渠道", "诉求渠道", "渠道"),
        "kind": ("诉求类型", "类型"),
        "category": ("问题类别", "投诉类别", "类别"),
        "received_at": ("登记时间", "接收时间", "收到时间"),
        "uscc": ("被投诉主体统一社会信用代码", "被投诉方统一社会信用代码", "统一社会信用代码"),
        "office_code": ("承办单位代码", "承办单位"),
        "summary": ("诉求内容", "内容摘要", "摘要"),
        "complainant_name": ("诉求人", "投诉人", "投诉人姓名"),
        "complainant_phone": ("诉求人电话", "投诉人电话", "联系电话"),
        "status": ("办理状态", "状态"),
        "due_at": ("办结时限", "应办结时间"),
        "closed_at": ("办结时间",),
        "satisfied": ("是否满意",),
        "amount_recovered": ("挽回经济损失(元)", "挽回经济损失"),
    },
    "case_file": {
        "case_no": ("案件编号", "案号"),
        "uscc": ("当事人统一社会信用代码", "统一社会信用代码"),
        "office_code": ("办案单位代码", "承办单位代码", "办案单位"),
        "source": ("案件来源", "来源"),
        "cause": ("案由", "违法类型"),
        "law_article": ("违反条款", "法律依据"),
        "opened_on": ("立案日期",),
        "stage": ("办理阶段", "案件阶段", "阶段"),
        "decided_on": ("处罚决定日期", "决定日期"),
        "closed_on": ("结案日期",),
        "fine_amount": ("罚款金额(元)", "罚款金额", "罚款"),
        "confiscation_amount": ("没收金额(元)", "没收违法所得(元)", "没收金额"),
        "transferred_to_police": ("是否移送公安", "移送公安"),
    },
    "case_stage_event": {
        "case_no": ("案件编号", "案号"),
        "stage": ("阶段", "办理阶段"),
        "at": ("时间", "发生时间"),
    },
    "inspection": {
        "id": ("检查编号", "编号"),
        "uscc": ("检查对象统一社会信用代码", "统一社会信用代码"),
        "office_code": ("检查单位代码", "实施单位代码", "检查单位"),
        "staff_id": ("检查人员编号", "执法人员编号"),
        "kind": ("检查类型", "检查方式", "类型"),
        "planned_on": ("计划检查日期", "计划日期"),
        "done_on": ("检查日期", "实施日期", "完成日期"),
        "result": ("检查结果", "结果"),
    },
    "qr_scan": {
        "id": ("扫码编号", "编号"),
        "kind": ("扫码类型", "类型"),
        "uscc": ("被扫主体统一社会信用代码", "统一社会信用代码"),
        "equipment_code": ("设备代码", "电梯注册代码", "设备注册代码"),
        "scanned_at": ("扫码时间",),
        "rating": ("评分", "评价星级"),
        "reported_problem": ("是否反映问题", "反映问题"),
    },
    "self_inspection": {
        "id": ("自查编号", "编号"),
        "done_on": ("自查日期",),
        "kind": ("自查类型", "类型"),
        "items": ("检查项数", "自查项目数"),
        "problems": ("问题项数", "发现问题数"),
        "rectified_on": ("整改完成日期", "整改日期"),
    },
    "association": {
        "id": ("协会编号", "编号"),
        "name": ("协会名称", "名称"),
        "industry_code": ("行业代码",),
        "members": ("会员单位数", "会员数"),
    },
    "mediation": {
        "id": ("调解编号", "编号"),
        "association_id": ("调解协会编号", "协会编号"),
        "uscc": ("被诉主体统一社会信用代码", "统一社会信用代码"),
        "category": ("纠纷类别", "问题类别", "类别"),
        "received_on": ("受理日期",),
        "closed_on": ("办结日期", "结案日期"),
        "result": ("调解结果", "结果"),
        "amount": ("挽回金额(元)", "挽回经济损失(元)", "挽回金额"),
    },
    "commitment": {
        "id": ("承诺编号", "编号"),
        "kind": ("承诺类型", "类型"),
        "since": ("承诺日期", "起始日期"),
        "revoked_on": ("撤销日期", "退出日期"),
    },
    "party_org": {
        "id": ("党组织编号", "编号"),
        "name": ("党组织名称", "名称"),
        "kind": ("党组织类型", "类型"),
        "uscc": ("所在企业统一社会信用代码", "统一社会信用代码"),
        "members": ("党员人数", "党员数"),
        "established_on": ("成立日期", "组建日期"),
    },
    "party_org_member": {
        "org_id": ("党组织编号",),
        "uscc": ("覆盖企业统一社会信用代码", "统一社会信用代码"),
        "joined_on": ("纳入日期", "覆盖日期"),
    },
    "party_activity": {
        "id": ("活动编号", "编号"),
        "org_id": ("党组织编号",),
        "held_on": ("活动日期",),
        "kind": ("活动类型", "类型"),
        "participants": ("参加人数", "参加人次"),
    },
    "assurance_mission": {
        "id": ("任务编号", "编号"),
        "name": ("任务名称", "名称"),
        "starts_on": ("开始日期",),
        "ends_on": ("结束日期",),
        "venue": ("主场馆", "场馆"),
        "venue_lon": ("场馆经度",),
        "venue_lat": ("场馆纬度",),
    },
    "assurance_site": {
        "id": ("点位编号", "编号"),
        "mission_id": ("任务编号",),
        "uscc": ("点位主体统一社会信用代码", "统一社会信用代码"),
        "kind": ("点位类型", "类型"),
        "risk_tier": ("风险等级",),
        "patrol_interval_hours": ("巡查间隔(小时)", "巡查频次(小时)", "巡查间隔"),
    },
    "assurance_patrol": {
        "id": ("巡查编号", "编号"),
        "site_id": ("点位编号",),
        "at": ("巡查时间",),
        "staff_id": ("巡查人员编号", "执法人员编号"),
        "result": ("巡查结果", "结果"),
        "rapid_tests": ("快检批次",),
        "rapid_fails": ("快检不合格批次",),
    },
    "city_work_order": {
        "id": ("工单编号", "编号"),
        "source": ("工单来源", "来源"),
        "source_id": ("来源编号", "源记录编号"),
        "category": ("事项类别", "类别"),
        "title": ("工单标题", "标题"),
        "created_at": ("生成时间", "创建时间"),
        "pushed_at": ("推送时间",),
        "accepted_at": ("受理时间", "签收时间"),
        "closed_at": ("办结时间",),
        "due_at": ("办理时限", "应办结时间"),
        "status": ("工单状态", "状态"),
    },
    "device": {
        "device_id": ("设备编号",),
        "venue_category": ("场所类别",),
        "installed_on": ("安装日期",),
        "stream_url": ("视频流地址",),
        "last_seen_at": ("最后在线时间",),
    },
}

#: Chinese labels (and common variants) accepted for enumeration codes. English codes are always
#: accepted, case-insensitively.
ENUM_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("office", "kind"): {"市场监管所": "station", "科室": "department", "机关科室": "department",
                         "执法大队": "brigade"},
    ("staff", "role"): {"执法": "enforcement", "执法人员": "enforcement", "检查员": "inspector",
                        "检查人员": "inspector", "管理": "manager", "管理人员": "manager"},
    ("entity", "entity_type"): {"企业": "enterprise", "个体工商户": "individual", "个体": "individual",
                                "农民专业合作社": "cooperative", "合作社": "cooperative",
                                "分支机构": "branch", "分公司": "branch"},
    ("entity", "status"): {"存续": "active", "在业": "active", "开业": "active", "吊销": "revoked",
                           "已吊销": "revoked", "注销": "cancelled", "已注销": "cancelled",
                           "迁出": "moved_out", "已迁出": "moved_out"},
    ("entity_change", "field"): {"名称": "name", "住所": "address", "地址": "address",
                                 "法定代表人": "legal_rep", "注册资本": "registered_capital",
                                 "股东": "shareholder", "经营范围": "scope"},
    ("licence", "kind"): {"食品经营许可": "food_business", "食品经营": "food_business",
                          "食品生产许可": "food_production", "食品生产": "food_production",
                          "药品零售许可": "drug_retail", "药品零售": "drug_retail",
                          "医疗器械经营许可": "medical_device", "医疗器械": "medical_device",
                          "化妆品生产许可": "cosmetics", "化妆品": "cosmetics",
                          "工业产品生产许可": "industrial_product", "工业产品": "industrial_product"},
    ("licence", "status"): {"有效": "valid", "过期": "expired", "已过期": "expired", "吊销": "revoked",
                            "已吊销": "revoked", "注销": "cancelled", "已注销": "cancelled"},
    ("equipment", "kind"): {"电梯": "elevator", "锅炉": "boiler", "压力容器": "pressure_vessel",
                            "起重机械": "lifting", "场(厂)内专用机动车辆": "in_plant_vehicle",
                            "场内专用机动车辆": "in_plant_vehicle", "大型游乐设施": "amusement",
                            "客运索道": "passenger_ropeway"},
    ("equipment", "status"): {"在用": "in_use", "停用": "suspended", "报废": "scrapped"},
    ("equipment_inspection", "result"): {"合格": "pass", "不合格": "fail", "整改后合格": "rectify"},
    ("food_sampling", "result"): {"合格": "pass", "不合格": "fail"},
    ("credit_list", "list"): {"经营异常名录": "abnormal_operation",
                              "严重违法失信名单": "serious_illegal_dishonest",
                              "严重违法失信": "serious_illegal_dishonest",
                              "联合惩戒名单": "joint_punishment", "联合惩戒": "joint_punishment"},
    ("complaint", "channel"): {"12345市民热线": "12345", "12315平台": "12315", "12348热线": "12348",
                               "12319热线": "12319", "12328热线": "12328", "网络": "web", "网站": "web",
                               "来信": "letter", "信件": "letter"},
    ("complaint", "kind"): {"投诉": "complaint", "举报": "report", "咨询": "consultation"},
    ("complaint", "category"): {"食品": "food", "药品": "drug", "化妆品": "cosmetics",
                                "医疗器械": "medical_device", "特种设备": "special_equipment",
                                "价格": "pricing", "价格收费": "pricing", "广告": "advertising",
                                "产品质量": "product_quality", "合同": "contract",
                                "合同格式条款": "contract", "网络购物": "online_shopping",
                                "网购": "online_shopping", "许可": "licence", "登记许可": "licence",
                                "其他": "other"},
    ("complaint", "status"): {"登记": "received", "已登记": "received", "受理": "accepted",
                              "已受理": "accepted", "办理中": "in_progress", "处理中": "in_progress",
                              "办结": "closed", "已办结": "closed", "不予受理": "rejected"},
    ("case_file", "source"): {"监督检查": "inspection", "检查": "inspection", "投诉举报": "complaint",
                              "移送": "referral", "移送转办": "referral", "其他部门移送": "referral",
                              "网络监测": "online_monitoring", "非现场监管": "non_site"},
    ("case_file", "cause"): {"食品安全": "food_safety", "产品质量": "product_quality", "价格": "pricing",
                             "价格违法": "pricing", "广告": "advertising", "虚假广告": "advertising",
                             "无照经营": "unlicensed", "无证经营": "unlicensed",
                             "无照无证经营": "unlicensed", "商标": "trademark", "商标侵权": "trademark",
                             "特种设备": "special_equipment", "消费者权益": "consumer_rights",
                             "侵害消费者权益": "consumer_rights", "其他": "other"},
    ("case_file", "stage"): {"立案": "opened", "调查取证": "investigation", "调查": "investigation",
                             "法制审核": "legal_review", "事先告知": "prior_notice", "告知": "prior_notice",
                             "听证": "hearing", "处罚决定": "decision", "决定": "decision",
                             "送达": "served", "执行": "executed", "结案": "closed"},
    ("inspection", "kind"): {"双随机": "double_random", "双随机一公开": "double_random",
                             "双随机抽查": "double_random", "投诉核查": "complaint_triggered",
                             "日常检查": "routine", "日常": "routine", "专项检查": "special",
                             "专项": "special", "投诉举报检查": "complaint_triggered",
                             "非现场检查": "non_site", "非现场": "non_site"},
    ("inspection", "result"): {"正常": "normal", "未发现问题": "normal", "未公示": "not_publicized",
                               "未按规定公示": "not_publicized", "无法联系": "unreachable",
                               "通过登记的住所无法联系": "unreachable",
                               "通过登记住所无法联系": "unreachable",
                               "责令整改": "ordered_to_rectify", "立案查处": "case_opened",
                               "已立案": "case_opened"},
    ("device", "status"): {"在线": "online", "离线": "offline", "故障": "fault", "停用": "retired",
                           "已停用": "retired"},
    ("qr_scan", "kind"): {"电梯码": "elevator_code", "扫码评价": "catering_review",
                          "扫码评价(餐饮)": "catering_review", "餐饮评价": "catering_review",
                          "扫码查价": "price_check", "扫码投诉": "complaint_qr",
                          "扫码查看主体": "public_card",
                          "扫码查看": "public_card"},
    ("self_inspection", "kind"): {"食品安全自查": "food_safety", "食品安全": "food_safety",
                                  "特种设备自查": "special_equipment", "特种设备": "special_equipment",
                                  "药品化妆品自查": "drug_cosmetics", "药品化妆品": "drug_cosmetics",
                                  "产品质量自查": "product_quality", "产品质量": "product_quality",
                                  "明码标价自查": "price_publicity", "明码标价": "price_publicity"},
    ("mediation", "result"): {"调解成功": "agreed", "成功": "agreed", "达成协议": "agreed",
                              "调解不成": "failed", "调解失败": "failed", "失败": "failed",
                              "撤回": "withdrawn", "撤诉": "withdrawn"},
    ("commitment", "kind"): {"放心消费承诺": "assured_consumption", "放心消费": "assured_consumption",
                             "线下无理由退货承诺": "no_reason_return", "线下无理由退货": "no_reason_return",
                             "无理由退货": "no_reason_return"},
    ("party_org", "kind"): {"局机关党组织": "bureau", "机关": "bureau",
                            "非公企业党组织": "two_new_enterprise",
                            "非公企业": "two_new_enterprise", "社会组织党组织": "two_new_social",
                            "社会组织": "two_new_social", "联合党组织": "joint", "联合党支部": "joint",
                            "联合": "joint"},
    ("party_activity", "kind"): {"三会一课": "branch_meeting", "党课": "party_lecture",
                                 "主题党日": "theme_day",
                                 "志愿服务": "volunteer", "学习教育": "study"},
    ("assurance_site", "kind"): {"场馆": "venue", "接待酒店": "hotel", "酒店": "hotel", "供餐厨房": "kitchen",
                                 "厨房": "kitchen", "食材供应商": "supplier", "供应商": "supplier"},
    ("assurance_site", "risk_tier"): {"高": "high", "高风险": "high", "中": "medium", "中风险": "medium",
                                      "低": "low", "低风险": "low"},
    ("assurance_patrol", "result"): {"正常": "normal", "未发现问题": "normal", "发现问题": "problem",
                                     "异常": "problem"},
    ("city_work_order", "source"): {"AI告警": "ai_alarm", "ai告警": "ai_alarm", "智能预警": "warning",
                                    "预警": "warning", "12345诉求": "complaint", "12345": "complaint",
                                    "投诉": "complaint", "突发事件": "incident"},
    ("city_work_order", "status"): {"已生成": "created", "生成": "created", "已推送": "pushed",
                                    "推送": "pushed",
                                    "已受理": "accepted", "受理": "accepted", "已签收": "accepted",
                                    "已办结": "closed", "办结": "closed", "已退回": "returned",
                                    "退回": "returned"},
    ("warning", "level"): {"红": "red", "红色": "red", "橙": "orange", "橙色": "orange",
                           "黄": "yellow", "黄色": "yellow", "蓝": "blue", "蓝色": "blue"},
}

#: Columns whose allowed values are listed under another ``ENUMS`` key.
_ENUM_KEY_OF = {("case_stage_event", "stage"): ("case_file", "stage")}
#: Columns that take the Chinese labels of another column.
_LABELS_OF = {("case_stage_event", "stage"): ("case_file", "stage"),
              ("mediation", "category"): ("complaint", "category"),
              ("warning_rule", "level"): ("warning", "level"),
              ("inspection_task", "kind"): ("inspection", "kind")}

_BOOL_WORDS = {
    "true": True, "false": False, "1": True, "0": False, "y": True, "n": False, "yes": True, "no": False,
    "t": True, "f": False, "是": True, "否": False, "满意": True, "不满意": False, "已移送": True,
    "未移送": False,
}

# --- rules the schema cannot express ------------------------------------------------------------

#: Key used for the upsert when a file has no ``id`` column (our integer ids mean nothing to an
#: export): an existing row with the same natural key is updated, otherwise a new id is assigned.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "inspection": ("uscc", "kind", "planned_on"),
    "entity_change": ("uscc", "changed_on", "field"),
    "equipment_inspection": ("equipment_code", "inspected_on"),
    "food_sampling": ("uscc", "sampled_on", "food_category"),
    "credit_list": ("uscc", "list", "listed_on"),
    "device_alarm": ("device_id", "at", "kind"),
    "entity_honor": ("uscc", "kind", "granted_on"),
    "qr_scan": ("scanned_at", "kind", "street_code"),
    "self_inspection": ("uscc", "done_on", "kind"),
    "association": ("name",),
    "mediation": ("received_on", "street_code", "uscc"),
    "commitment": ("uscc", "kind", "since"),
    "party_org": ("name", "kind"),
    "party_activity": ("org_id", "held_on", "kind"),
    "assurance_mission": ("name",),
    "assurance_site": ("mission_id", "uscc", "kind"),
    "assurance_patrol": ("site_id", "at"),
}

#: (earlier, later) column pairs: when both are given, later must not precede earlier.
ORDER_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "entity": (("established_on", "status_changed_on"),),
    "licence": (("issued_on", "expires_on"),),
    "equipment": (("installed_on", "next_inspection_due"),),
    "food_sampling": (("sampled_on", "followed_up_on"),),
    "credit_list": (("listed_on", "removed_on"),),
    "complaint": (("received_at", "closed_at"), ("received_at", "due_at")),
    "case_file": (("opened_on", "decided_on"), ("opened_on", "closed_on"), ("decided_on", "closed_on")),
    "device_alarm": (("at", "pushed_at"), ("at", "rectified_at"), ("pushed_at", "rectified_at")),
    "warning": (("raised_at", "handled_at"), ("raised_at", "closed_at")),
    "incident": (("reported_at", "resolved_at"),),
    "dispatch": (("dispatched_at", "arrived_at"), ("arrived_at", "finished_at"),
                 ("dispatched_at", "finished_at")),
    "ad_hit": (("detected_at", "handled_at"),),
    "self_inspection": (("done_on", "rectified_on"),),
    "mediation": (("received_on", "closed_on"),),
    "commitment": (("since", "revoked_on"),),
    "assurance_mission": (("starts_on", "ends_on"),),
    "city_work_order": (("created_at", "pushed_at"), ("pushed_at", "accepted_at"),
                        ("accepted_at", "closed_at"), ("created_at", "closed_at"), ("created_at", "due_at")),
}

#: Numeric columns that must not be negative besides money (every Numeric column of the schema is money).
_NON_NEGATIVE = {
    ("inspection_task", "planned_count"), ("association", "members"), ("party_org", "members"),
    ("self_inspection", "items"), ("self_inspection", "problems"), ("party_activity", "participants"),
    ("assurance_site", "patrol_interval_hours"), ("assurance_patrol", "rapid_tests"),
    ("assurance_patrol", "rapid_fails"),
}

#: Within this distance (degrees, ≈ 30 m) of its street's polygon a point still counts as inside:
#: exports round coordinates, and the approximate polygons share edges exactly.
EDGE_TOLERANCE_DEG = 0.0003

_INT32 = 2**31 - 1
_DATE_FORMATS = "2026-11-23、2026/11/23、2026年11月23日、20261123 或 Excel 日期"


class Problems:
    """Problems found so far: one record per (row, column, reason); rows are numbered as in the file."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, column: str, reason: str | pd.Series, values: pd.Series) -> None:
        """Record ``reason`` for the rows where ``mask`` is true (``values`` are the cells shown).

        A per-row ``reason`` Series needs to cover only the masked rows, so callers build the text for
        the few bad rows rather than for the whole file.
        """
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        rows = mask.index[mask.to_numpy()]
        why = reason.reindex(rows).to_numpy() if isinstance(reason, pd.Series) else reason
        self._parts.append(pd.DataFrame({
            "row": rows, "column": column,
            "value": values.reindex(rows).astype(object).where(lambda v: v.notna(), "").astype(str),
            "reason": why,
        }).reset_index(drop=True))

    def extend(self, other: Problems) -> None:
        """Take over ``other``'s records."""
        self._parts.extend(other._parts)

    def frame(self) -> pd.DataFrame:
        """All records, in file order."""
        if not self._parts:
            return pd.DataFrame({"row": pd.Series(dtype="int64"), "column": pd.Series(dtype=str),
                                 "value": pd.Series(dtype=str), "reason": pd.Series(dtype=str)})
        return pd.concat(self._parts, ignore_index=True).sort_values("row", kind="stable")

    def rows(self) -> set[int]:
        """Row numbers with at least one problem."""
        return {int(r) for part in self._parts for r in part["row"]}


@dataclass(frozen=True)
class ColumnRule:
    """How one column of one table is parsed and checked."""

    name: str
    label: str
    kind: str  # uscc, enum, date, instant, int, float, money, bool, industry, text
    required: bool
    max_len: int | None
    choices: dict[str, str] | None
    blank_default: bool | None
    fk: tuple[str, str] | None
    non_negative: bool
    allowed: tuple[str, ...] | None = None  # enumeration values as shown in messages: 企业(enterprise)


@dataclass(frozen=True)
class TableRules:
    """Everything validation needs to know about one table."""

    table: sa.Table
    columns: dict[str, ColumnRule]
    primary_key: tuple[str, ...]
    natural_key: tuple[str, ...] | None
    orders: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        """The table name."""
        return self.table.name

    def label(self, column: str) -> str:
        """The Chinese label of ``column`` for messages."""
        rule = self.columns.get(column)
        return rule.label if rule else column

    def key_for(self, header: Iterable[str]) -> tuple[str, ...]:
        """The upsert key of a file with these (canonical) columns."""
        if self.natural_key and not set(self.primary_key) <= set(header):
            return self.natural_key
        return self.primary_key

    def required_columns(self, header: Iterable[str]) -> list[str]:
        """Columns a file must carry; the ``id`` of a natural-key table may be left to the importer."""
        key = self.key_for(header)
        needed = [c.name for c in self.columns.values() if c.required]
        if key != self.primary_key:
            needed = [c for c in needed if c not in self.primary_key]
        return needed


def _label(table: str, column: str) -> str:
    for scope in (table, "*"):
        names = ALIASES.get(scope, {}).get(column)
        if names:
            return names[0]
    return column


#: Allowed values of every enumeration column, including those sharing another column's list.
ENUMS_OF: dict[tuple[str, str], tuple[str, ...]] = {
    **schema.ENUMS, **{k: schema.ENUMS[v] for k, v in _ENUM_KEY_OF.items()},
}


def _norm_label(v: str) -> str:
    """Case, full-width brackets and spaces do not matter when matching an enumeration value."""
    return re.sub(r"\s+", "", v.replace("（", "(").replace("）", ")")).lower()


def _kind(table: sa.Table, col: sa.Column) -> str:
    if (table.name, col.name) in ENUMS_OF:
        return "enum"
    if table.name == "entity" and col.name == "industry_code":
        return "industry"
    t = col.type
    if col.name == "uscc":
        return "uscc"
    if isinstance(t, sa.DateTime):
        return "instant"
    if isinstance(t, sa.Date):
        return "date"
    if isinstance(t, sa.Boolean):
        return "bool"
    if isinstance(t, sa.Integer):
        return "int"
    if isinstance(t, sa.Numeric) and not isinstance(t, sa.Float):
        return "money"
    if isinstance(t, sa.Float):
        return "float"
    return "text"


@cache
def rules_for(table_name: str) -> TableRules:
    """The validation rules of ``table_name``, derived from the schema and the tables above."""
    table = schema.metadata.tables[table_name]
    columns: dict[str, ColumnRule] = {}
    for col in table.columns:
        kind = _kind(table, col)
        choices = allowed = None
        if kind == "enum":
            codes = ENUMS_OF[(table.name, col.name)]
            labels = ENUM_LABELS.get(_LABELS_OF.get((table.name, col.name), (table.name, col.name)), {})
            choices = {c.lower(): c for c in codes}
            choices.update({_norm_label(k): v for k, v in labels.items() if v in codes})
            first_label: dict[str, str] = {}
            for label, code in labels.items():
                first_label.setdefault(code, label)
            allowed = tuple(f"{first_label[c]}({c})" if c in first_label else c for c in codes)
        blank_default = None
        if col.server_default is not None and isinstance(col.type, sa.Boolean):
            blank_default = isinstance(col.server_default.arg, sa.sql.elements.True_)
        fk = next(((fk.column.table.name, fk.column.name) for fk in col.foreign_keys), None)
        columns[col.name] = ColumnRule(
            name=col.name, label=_label(table.name, col.name), kind=kind,
            required=not col.nullable and col.server_default is None,
            max_len=getattr(col.type, "length", None) if kind in ("text", "industry") else None,
            choices=choices, blank_default=blank_default, fk=fk,
            non_negative=kind == "money" or (table.name, col.name) in _NON_NEGATIVE, allowed=allowed,
        )
    return TableRules(
        table=table, columns=columns, primary_key=tuple(c.name for c in table.primary_key),
        natural_key=NATURAL_KEYS.get(table.name), orders=ORDER_RULES.get(table.name, ()),
    )


# --- headers ----------------------------------------------------------------------------------------

def _norm_header(h: str) -> str:
    h = h.replace("\ufeff", "").replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", h)


def map_headers(rules: TableRules, headers: list[str]) -> dict[int, str]:
    """Map file column positions to schema columns; unknown headers are left out."""
    lookup: dict[str, str] = {c.lower(): c for c in rules.columns}
    for scope in ("*", rules.name):  # table-specific aliases win over generic ones
        for col, names in ALIASES.get(scope, {}).items():
            if col in rules.columns:
                lookup.update({_norm_header(n): col for n in names})
    out: dict[int, str] = {}
    for i, h in enumerate(headers):
        n = _norm_header(h)
        col = lookup.get(n) or lookup.get(n.lower()) or lookup.get(re.sub(r"\(.*\)$", "", n))
        if col:
            out[i] = col
    return out


# --- value parsing ----------------------------------------------------------------------------------

_YMD = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?:\.(?P<frac>\d{1,6}))?)?)?$"
)


_ISO = r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"


def parse_instants(s: pd.Series) -> pd.Series:
    """Parse non-blank cells to ``datetime64``; NaT where a cell is not a recognisable date or instant.

    Accepts 2026-11-23, 2026/11/23, 2026.11.23, 2026年11月23日, 20261123, each optionally followed by
    a time (10:30, 10:30:15, 10时30分), ISO 8601 with ``T``, and Excel serial day numbers.
    """
    # Exports repeat dates heavily, so each distinct text is parsed once.
    uniq = pd.Series(s.unique(), dtype=str)
    parsed = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[us]")
    iso = uniq.str.fullmatch(_ISO)
    if iso.any():
        parsed[iso] = pd.to_datetime(uniq[iso], format="ISO8601", errors="coerce").astype("datetime64[us]")
    rest = uniq[~iso]
    if not rest.empty:
        parsed[~iso] = _parse_loose(rest)
    parsed = parsed.where(parsed.dt.year.between(1900, 2100))
    return pd.Series(parsed.to_numpy()[pd.Index(uniq).get_indexer(s)], index=s.index)


def _parse_loose(s: pd.Series) -> pd.Series:
    t = (s.str.replace("年", "-", regex=False).str.replace("月", "-", regex=False)
          .str.replace("日", " ", regex=False).str.replace("时", ":", regex=False)
          .str.replace("分", ":", regex=False).str.replace("秒", "", regex=False)
          .str.replace("：", ":", regex=False)
          .str.replace(r"\s+", " ", regex=True).str.strip().str.rstrip(":"))
    t = t.str.replace(r"^(\d{4})[./](\d{1,2})[./](\d{1,2})", r"\1-\2-\3", regex=True)
    t = t.str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
    parts = t.str.extract(_YMD)
    num = parts.drop(columns="frac").apply(pd.to_numeric, errors="coerce")
    frac = parts["frac"].fillna("").str.ljust(6, "0")
    num["us"] = pd.to_numeric(frac, errors="coerce").fillna(0)
    num[["hour", "minute", "second"]] = num[["hour", "minute", "second"]].fillna(0)
    ok = num["year"].between(1900, 2100) & num["month"].notna()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    if ok.any():
        out[ok] = pd.to_datetime(num[ok], errors="coerce").astype("datetime64[us]")
    serial = pd.to_numeric(s.where(s.str.fullmatch(r"\d{5}(\.\d+)?")), errors="coerce")
    is_serial = serial.between(10_000, 99_999)
    if is_serial.any():
        # Excel's day 0 is 1899-12-30 (its 1900 leap-year bug makes 12-31 wrong for every modern date).
        days = serial[is_serial]
        out[is_serial] = (pd.Timestamp("1899-12-30")
                          + pd.to_timedelta((days * 86_400).round(), unit="s")).astype("datetime64[us]")
    return out


def _parse_numbers(s: pd.Series) -> pd.Series:
    out = pd.to_numeric(s, errors="coerce").astype("float64")
    odd = out.isna()
    if odd.any():  # thousands separators and currency signs, only where a plain parse failed
        out[odd] = pd.to_numeric(s[odd].str.replace(r"[,，\s¥￥]", "", regex=True), errors="coerce")
    return out.where(np.isfinite(out))


_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
_LUT31 = np.full(256, -1)
_LUT31[[ord(ch) for ch in ALPHABET]] = np.arange(len(ALPHABET))
_LUT36 = np.full(256, -1)
_LUT36[[ord(ch) for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"]] = np.arange(36)


def _uscc_valid_fast(codes: np.ndarray) -> np.ndarray:
    """Which codes pass every check of ``validate_uscc``, computed on arrays.

    The same rules as ``data_access.uscc`` (character classes, GB 11714 and GB 32100 check characters)
    without a Python call per code; a code this rejects is re-checked by ``validate_uscc`` for its reason,
    so this path may only ever be stricter, never more lenient (tests compare the two).
    """
    ok = np.array([len(c) == 18 and c.isascii() for c in codes], dtype=bool)
    if not ok.any():
        return ok
    b = np.frombuffer("".join(codes[ok]).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    v31, v36 = _LUT31[b], _LUT36[b]
    good = (v31 >= 0).all(axis=1) & (v31[:, 2:8] < 10).all(axis=1)
    org = 11 - (v36[:, 8:16] * _ORG_WEIGHTS).sum(axis=1) % 11
    org_char = np.where(org == 10, ord("X"), np.where(org == 11, ord("0"), ord("0") + org % 10))
    good &= b[:, 16] == org_char
    check = 31 - (v31[:, :17] * _USCC_WEIGHTS).sum(axis=1) % 31
    good &= v31[:, 17] == np.where(check == 31, 0, check)
    ok[ok] = good
    return ok


def _check_uscc(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalised codes and, per cell, the reason it fails (empty string when valid)."""
    norm = s.str.strip().str.upper()
    fast = _uscc_valid_fast(norm.to_numpy(dtype=object))
    reasons = pd.Series("", index=s.index, dtype=str)
    for i in np.flatnonzero(~fast):
        try:
            validate_uscc(s.iat[i])
        except InvalidUSCC as exc:
            reasons.iat[i] = str(exc)
    return norm, reasons


# --- streets ----------------------------------------------------------------------------------------

class Streets:
    """The district's streets as loaded from the ``street`` table: codes, names, centres and polygons."""

    def __init__(self, rows: pd.DataFrame) -> None:
        self.names = dict(zip(rows["code"].astype(str), rows["name"].astype(str), strict=True))
        self.by_name = {n: c for c, n in self.names.items()}
        self.centre = {c: (float(x), float(y))
                       for c, x, y in zip(rows["code"].astype(str), rows["lon"], rows["lat"], strict=True)}
        self.polygons = {c: shape(json.loads(g)) for c, g in zip(rows["code"].astype(str), rows["geometry"],
                                                                 strict=True)}
        for g in self.polygons.values():
            shapely.prepare(g)

    def normalise(self, s: pd.Series) -> pd.Series:
        """Street codes for cells holding a code or a street name (unknown values are kept as they are)."""
        return s.map(lambda v: v if v in self.names else self.by_name.get(v, v))

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The code of the street containing each point (None outside the district)."""
        out = np.full(len(lon), None, dtype=object)
        for code, poly in self.polygons.items():
            free = out == None  # noqa: E711 -- elementwise comparison on an object array
            if not free.any():
                break
            hit = np.zeros(len(lon), dtype=bool)
            hit[free] = shapely.contains_xy(poly, lon[free], lat[free])
            out[hit] = code
        return out

    def near(self, code: str, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Whether each point lies within the edge tolerance of street ``code``'s polygon."""
        return shapely.dwithin(self.polygons[code], shapely.points(lon, lat), EDGE_TOLERANCE_DEG)


# --- row checks -------------------------------------------------------------------------------------

def check_rows(raw: pd.DataFrame, rules: TableRules,
               streets: Streets) -> tuple[pd.DataFrame, Problems]:
    """Parse and check every cell and every within-row rule of ``raw``.

    ``raw`` has schema column names, stripped string cells ('' for blank) and the file's row numbers as
    index. Returns the typed frame (same index; blank cells as nulls; coordinates filled from the street
    centre where they were left blank) and the problems found.
    """
    p = Problems()
    typed = pd.DataFrame(index=raw.index)
    for name in raw.columns:
        typed[name] = _check_column(raw[name], rules.columns[name], p, streets)
    _check_orders(typed, raw, rules, p)
    extra = _EXTRA_RULES.get(rules.name)
    if extra:
        extra(typed, raw, rules, p)
    if {"lon", "lat"} <= set(rules.columns):
        _check_coordinates(typed, raw, rules, p, streets)
    return typed, p


def _check_column(s: pd.Series, rule: ColumnRule, p: Problems, streets: Streets) -> pd.Series:
    blank = s == ""
    if rule.required:
        p.add(blank, rule.name, "必填项为空", s)
    given = s[~blank]
    kind = rule.kind
    if kind == "text":
        if rule.fk == ("street", "code"):
            given = streets.normalise(given)
        p.add(given.str.contains("\x00", regex=False), rule.name, "含有无法存储的空字符（\\x00）", s)
        if rule.max_len:
            n = given.str.len()
            long_ = n > rule.max_len
            p.add(long_, rule.name, "长度 " + n[long_].astype(str) + f" 超过上限 {rule.max_len}", s)
        out = given
    elif kind == "uscc":
        out, why = _check_uscc(given)
        p.add(why != "", rule.name, why, s)
        out = out.where(why == "")
    elif kind == "industry":
        uniq = pd.Series(given.unique(), dtype=str)
        division = uniq.str.extract(r"^[A-Ta-t]?(\d{2})\d{0,2}$")[0]
        division = division.where(pd.to_numeric(division, errors="coerce").between(1, 97))
        out = given.map(dict(zip(uniq, division, strict=True)))
        p.add(out.isna(), rule.name, "行业代码应为 GB/T 4754 的两位大类代码（01–97）", s)
    elif kind == "enum":
        choices = rule.choices or {}
        out = given.map(choices)
        odd = out.isna()
        if odd.any():
            out[odd] = given[odd].map(_norm_label).map(choices)
        allowed = "、".join(rule.allowed or ())
        p.add(out.isna(), rule.name, f"不在允许的取值内（可用：{allowed}）", s)
    elif kind in ("date", "instant"):
        out = parse_instants(given)
        p.add(out.isna(), rule.name, f"无法识别的{'日期' if kind == 'date' else '时间'}"
              f"（可用格式：{_DATE_FORMATS}）", s)
        if kind == "date":
            out = out.dt.normalize()
    elif kind == "bool":
        out = given.str.lower().map(_BOOL_WORDS)
        p.add(out.isna(), rule.name, "应为 是/否（或 true/false、1/0）", s)
    else:
        out = _parse_numbers(given)
        p.add(out.isna(), rule.name, "不是数字", s)
        if kind == "int":
            bad = out.notna() & ((out != out.round()) | (out.abs() > _INT32))
            p.add(bad, rule.name, "应为整数", s)
            out = out.where(~bad).astype("Int64")
        if rule.non_negative:
            p.add(out < 0, rule.name, "不得为负数", s)
        if kind == "money":
            p.add(out.abs() >= 1e14, rule.name, "金额超出可存储范围", s)
            out = out.round(2)
    full = out.reindex(s.index)
    if rule.blank_default is not None:
        full = full.astype(object).where(full.notna(), rule.blank_default)
    return full


def _fmt(v: object) -> str:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else v.strftime("%Y-%m-%d %H:%M:%S")
    return str(v)


def _check_orders(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems) -> None:
    for earlier, later in rules.orders:
        if earlier not in typed or later not in typed:
            continue
        a, b = typed[earlier], typed[later]
        bad = a.notna() & b.notna() & (b < a)
        if bad.any():
            reason = f"{rules.label(later)}早于{rules.label(earlier)}（" + a[bad].map(_fmt) + "）"
            p.add(bad, later, reason, raw[later])


def _require_when(typed: pd.DataFrame, raw: pd.DataFrame, p: Problems, when: pd.Series, column: str,
                  reason: str) -> None:
    if column in typed:
        p.add(when & typed[column].isna() & (raw[column] == ""), column, reason, raw[column])
    elif when.any():
        p.add(when, column, reason, pd.Series("", index=typed.index))


def _entity_rules(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems) -> None:
    if "status" in typed:
        ended = typed["status"].isin(["revoked", "cancelled", "moved_out"])
        _require_when(typed, raw, p, ended, "status_changed_on", "状态为吊销、注销或迁出时须填写状态变更日期")
    if "uscc" in typed and "entity_type" in typed:
        code = typed["uscc"].astype(object).fillna("")
        expected = typed["entity_type"].map(TYPE_CHAR)
        # Only codes issued by market regulation (authority 9) encode the entity type in character 2.
        bad = (code.str[0] == "9") & expected.notna() & (code.str[1] != expected) & (code.str.len() == 18)
        p.add(bad, "entity_type", "主体类型与统一社会信用代码第 2 位不符", raw["entity_type"])


def _complaint_rules(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems) -> None:
    if "status" not in typed:
        return
    _require_when(typed, raw, p, typed["status"] == "closed", "closed_at", "状态为已办结时须填写办结时间")
    if "closed_at" in typed:
        open_ = typed["status"].isin(["received", "accepted", "in_progress"]) & typed["closed_at"].notna()
        p.add(open_, "closed_at", "未办结的投诉不应有办结时间", raw["closed_at"])


def _case_rules(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems) -> None:
    if "stage" not in typed:
        return
    _require_when(typed, raw, p, typed["stage"] == "closed", "closed_on", "阶段为结案时须填写结案日期")
    if "closed_on" in typed:
        early = typed["stage"].notna() & (typed["stage"] != "closed") & typed["closed_on"].notna()
        p.add(early, "closed_on", "阶段不是结案却填写了结案日期", raw["closed_on"])


def _inspection_rules(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems) -> None:
    if "result" in typed:
        _require_when(typed, raw, p, typed["result"].notna(), "done_on", "有检查结果时须填写检查日期")


def _qr_scan_rules(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems) -> None:
    if "rating" in typed:
        r = typed["rating"]
        p.add(r.notna() & ~r.between(1, 5), "rating", "评分应为 1–5 的整数", raw["rating"])
    if "kind" in typed:
        _require_when(typed, raw, p, typed["kind"] == "elevator_code", "equipment_code",
                      "电梯码扫码须填写设备代码")


def _self_inspection_rules(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems) -> None:
    if "items" in typed and "problems" in typed:
        bad = typed["items"].notna() & typed["problems"].notna() & (typed["problems"] > typed["items"])
        p.add(bad, "problems", "问题项数多于检查项数", raw["problems"])
    if "problems" in typed and "rectified_on" in typed:
        bad = (typed["problems"] == 0) & typed["rectified_on"].notna()
        p.add(bad, "rectified_on", "未发现问题却填写了整改完成日期", raw["rectified_on"])


def _mediation_rules(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems) -> None:
    if "closed_on" in typed:
        _require_when(typed, raw, p, typed["closed_on"].notna(), "result", "已办结的调解须填写调解结果")
    if "result" in typed:
        _require_when(typed, raw, p, typed["result"].notna(), "closed_on", "有调解结果时须填写办结日期")


def _party_org_rules(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems) -> None:
    if "kind" in typed:
        _require_when(typed, raw, p, typed["kind"] == "two_new_enterprise", "uscc",
                      "非公企业党组织须填写所在企业的统一社会信用代码")


def _assurance_site_rules(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems) -> None:
    if "patrol_interval_hours" in typed:
        h = typed["patrol_interval_hours"]
        p.add(h.notna() & ~h.between(1, 168), "patrol_interval_hours", "巡查间隔应为 1–168 小时",
              raw["patrol_interval_hours"])


def _work_order_rules(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems) -> None:
    if "status" in typed:
        st = typed["status"]
        _require_when(typed, raw, p, st == "closed", "closed_at", "状态为已办结时须填写办结时间")
        _require_when(typed, raw, p, st.isin(["accepted", "closed"]), "accepted_at",
                      "已受理的工单须填写受理时间")
        _require_when(typed, raw, p, st.isin(["pushed", "accepted", "closed", "returned"]), "pushed_at",
                      "已推送的工单须填写推送时间")
        if "closed_at" in typed:
            p.add(st.notna() & (st != "closed") & typed["closed_at"].notna(), "closed_at",
                  "状态不是已办结却填写了办结时间", raw["closed_at"])
    if "source" in typed and "source_id" in typed:
        k = typed[["source", "source_id"]]
        dup = k.notna().all(axis=1) & k.duplicated(keep="first")
        p.add(dup, "source_id", "同一来源记录已有工单（来源与来源编号重复）", raw["source_id"])


_EXTRA_RULES: dict[str, Callable[[pd.DataFrame, pd.DataFrame, TableRules, Problems], None]] = {
    "entity": _entity_rules,
    "complaint": _complaint_rules,
    "case_file": _case_rules,
    "inspection": _inspection_rules,
    "qr_scan": _qr_scan_rules,
    "self_inspection": _self_inspection_rules,
    "mediation": _mediation_rules,
    "party_org": _party_org_rules,
    "assurance_site": _assurance_site_rules,
    "city_work_order": _work_order_rules,
}


def raw_or_blank(raw: pd.DataFrame, column: str) -> pd.Series:
    """The raw cells of ``column``, or blanks when the file has no such column."""
    return raw[column] if column in raw else pd.Series("", index=raw.index, dtype=str)


def _check_coordinates(typed: pd.DataFrame, raw: pd.DataFrame, rules: TableRules, p: Problems,
                       streets: Streets) -> None:
    has_street = "street_code" in rules.columns
    lon = typed["lon"] if "lon" in typed else pd.Series(np.nan, index=typed.index)
    lat = typed["lat"] if "lat" in typed else pd.Series(np.nan, index=typed.index)
    shown = raw_or_blank(raw, "lon")
    half = "经度、纬度须同时填写或同时留空"
    p.add(lon.isna() & lat.notna() & (shown == ""), "lon", half, shown)
    p.add(lat.isna() & lon.notna() & (raw_or_blank(raw, "lat") == ""), "lat", half, raw_or_blank(raw, "lat"))
    both = lon.notna() & lat.notna()
    if both.any():
        x, y = lon[both].to_numpy(float), lat[both].to_numpy(float)
        found = pd.Series(streets.locate(x, y), index=lon.index[both])

        def where(mask: pd.Series) -> pd.Series:
            idx = mask[mask].index
            return "坐标（" + lon[idx].astype(str) + ", " + lat[idx].astype(str) + "）"

        outside_text = "不在闵行区范围内（应为 WGS-84 经纬度）"
        if has_street and "street_code" in typed:
            stated = typed.loc[both, "street_code"]
            mismatch = stated.isin(streets.names) & (found != stated)
            for code in stated[mismatch].unique():
                sel = mismatch & (stated == code)
                idx = sel[sel].index
                mismatch[idx] = ~streets.near(code, lon[idx].to_numpy(float), lat[idx].to_numpy(float))
            outside = mismatch & found.isna()
            p.add(outside, "lon", where(outside) + outside_text, shown)
            elsewhere = mismatch & found.notna()
            reason = (where(elsewhere) + "位于" + found[elsewhere].map(streets.names) + "，与所填街镇"
                      + stated[elsewhere].map(streets.names) + "不符")
            p.add(elsewhere, "lon", reason, shown)
        else:
            outside = found.isna()
            p.add(outside, "lon", where(outside) + outside_text, shown)
    if has_street and "street_code" in typed:
        fill = lon.isna() & lat.isna() & typed["street_code"].isin(streets.names)
        code = typed["street_code"]
        typed["lon"] = lon.where(~fill, code.map({c: xy[0] for c, xy in streets.centre.items()}))
        typed["lat"] = lat.where(~fill, code.map({c: xy[1] for c, xy in streets.centre.items()}))


# --- whole-file checks --------------------------------------------------------------------------------

def check_duplicates(typed: pd.DataFrame, key: tuple[str, ...], rules: TableRules, raw: pd.DataFrame,
                     p: Problems) -> None:
    """Reject every later row whose key repeats an earlier row's key (the first one is kept)."""
    if not set(key) <= set(typed.columns):
        return
    k = typed[list(key)]
    k = k[k.notna().all(axis=1)]
    dup = k.duplicated(keep="first")
    if not dup.any():
        return
    firsts = k[~dup].reset_index(names="first_row")
    later = k[dup].reset_index(names="row").merge(firsts, on=list(key), how="left").set_index("row")
    labels = "、".join(rules.label(c) for c in key)
    reason = "与第 " + later["first_row"].astype(str) + f" 行的{labels}重复"
    mask = pd.Series(typed.index.isin(later.index), index=typed.index)
    p.add(mask, key[0], reason.reindex(typed.index), raw[key[0]])


def check_foreign_keys(typed: pd.DataFrame, rules: TableRules, raw: pd.DataFrame, p: Problems,
                       existing: Callable[[str, str, list], set], streets: Streets) -> None:
    """Reject rows whose foreign keys point nowhere.

    ``existing(table, column, values)`` returns the subset of ``values`` present in the database.
    """
    for name in typed.columns:
        rule = rules.columns[name]
        if rule.fk is None:
            continue
        ref_table, ref_col = rule.fk
        values = typed[name].dropna()
        if values.empty:
            continue
        # Plain Python values: database drivers do not bind numpy integers (integer keys: org_id, …).
        wanted = [v.item() if isinstance(v, np.generic) else v for v in values.unique()]
        if ref_table == "street":
            known = set(streets.names) & set(wanted)
        else:
            known = existing(ref_table, ref_col, wanted)
        missing = ~values.isin(known)
        if missing.any():
            p.add(missing.reindex(typed.index, fill_value=False), name,
                  f"在{_REF_LABEL.get(ref_table, ref_table)}中不存在", raw[name])


_REF_LABEL = {
    "street": "街镇表（street）", "entity": "市场主体库（entity）", "office": "单位表（office）",
    "staff": "人员表（staff）", "equipment": "特种设备库（equipment）",
    "inspection_task": "检查任务表（inspection_task）", "case_file": "案件库（case_file）",
    "device": "设备表（device）", "warning_rule": "预警规则表（warning_rule）",
    "incident": "事件表（incident）", "resource": "资源表（resource）",
    "association": "行业协会表（association）", "party_org": "党组织表（party_org）",
    "assurance_mission": "保障任务表（assurance_mission）", "assurance_site": "保障点位表（assurance_site）",
}
