"""Chinese labels of every stored enumeration value, industry sections and units — in one place.

The store keeps English codes (``data_access.schema.ENUMS``); screens, exports and the weekly
report show these labels. ``tests/test_components.py`` fails when a code in ``ENUMS`` has no label
here, so a new enumeration value cannot reach the screen untranslated.
"""

from __future__ import annotations

from collections.abc import Iterable

ENUM_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("street", "kind"): {"subdistrict": "街道", "town": "镇", "industrial_zone": "工业区"},
    ("office", "kind"): {"station": "市场监管所", "department": "机关科室", "brigade": "执法大队"},
    ("staff", "role"): {"enforcement": "执法人员", "inspector": "检查人员", "manager": "管理人员"},
    ("entity", "entity_type"): {
        "enterprise": "企业", "individual": "个体工商户", "cooperative": "农民专业合作社",
        "branch": "分支机构",
    },
    ("entity", "status"): {"active": "存续", "revoked": "吊销", "cancelled": "注销", "moved_out": "迁出"},
    ("entity_change", "field"): {
        "name": "名称", "address": "住所", "legal_rep": "法定代表人", "registered_capital": "注册资本",
        "shareholder": "股东", "scope": "经营范围",
    },
    ("licence", "kind"): {
        "food_business": "食品经营许可", "food_production": "食品生产许可", "drug_retail": "药品零售许可",
        "medical_device": "医疗器械经营许可", "cosmetics": "化妆品生产许可",
        "industrial_product": "工业产品生产许可",
    },
    ("licence", "status"): {"valid": "有效", "expired": "已过期", "revoked": "已吊销", "cancelled": "已注销"},
    ("equipment", "kind"): {
        "elevator": "电梯", "boiler": "锅炉", "pressure_vessel": "压力容器", "lifting": "起重机械",
        "in_plant_vehicle": "场（厂）内专用机动车辆", "amusement": "大型游乐设施",
        "passenger_ropeway": "客运索道",
    },
    ("equipment", "status"): {"in_use": "在用", "suspended": "停用", "scrapped": "报废"},
    ("equipment_inspection", "result"): {"pass": "合格", "fail": "不合格", "rectify": "整改后合格"},
    ("food_sampling", "result"): {"pass": "合格", "fail": "不合格"},
    ("inspection_task", "kind"): {
        "double_random": "双随机抽查", "routine": "日常检查", "special": "专项检查",
    },
    ("inspection", "kind"): {
        "double_random": "双随机抽查", "routine": "日常检查", "special": "专项检查",
        "complaint_triggered": "投诉核查", "non_site": "非现场检查",
    },
    ("inspection", "result"): {
        "normal": "未发现问题", "not_publicized": "未按规定公示", "unreachable": "通过登记住所无法联系",
        "ordered_to_rectify": "责令整改", "case_opened": "立案查处",
    },
    ("credit_list", "list"): {
        "abnormal_operation": "经营异常名录", "serious_illegal_dishonest": "严重违法失信名单",
        "joint_punishment": "联合惩戒名单",
    },
    ("complaint", "channel"): {
        "12345": "12345市民热线", "12315": "12315平台", "12348": "12348热线", "12319": "12319热线",
        "12328": "12328热线", "web": "网络", "letter": "来信",
    },
    ("complaint", "kind"): {"complaint": "投诉", "report": "举报", "consultation": "咨询"},
    ("complaint", "category"): {
        "food": "食品", "drug": "药品", "cosmetics": "化妆品", "medical_device": "医疗器械",
        "special_equipment": "特种设备", "pricing": "价格收费", "advertising": "广告",
        "product_quality": "产品质量", "contract": "合同格式条款", "online_shopping": "网络购物",
        "licence": "登记许可", "other": "其他",
    },
    ("complaint", "status"): {
        "received": "已登记", "accepted": "已受理", "in_progress": "办理中", "closed": "已办结",
        "rejected": "不予受理",
    },
    ("case_file", "source"): {
        "inspection": "监督检查", "complaint": "投诉举报", "referral": "移送转办",
        "online_monitoring": "网络监测", "non_site": "非现场监管",
    },
    ("case_file", "cause"): {
        "food_safety": "食品安全", "product_quality": "产品质量", "pricing": "价格违法",
        "advertising": "虚假广告", "unlicensed": "无照无证经营", "trademark": "商标侵权",
        "special_equipment": "特种设备", "consumer_rights": "侵害消费者权益", "other": "其他",
    },
    ("case_file", "stage"): {
        "opened": "立案", "investigation": "调查取证", "legal_review": "法制审核",
        "prior_notice": "事先告知", "hearing": "听证", "decision": "处罚决定", "served": "送达",
        "executed": "执行", "closed": "结案",
    },
    ("device", "kind"): {
        "kitchen_camera": "明厨亮灶摄像头", "cold_storage_sensor": "冷库温度传感器",
        "elevator_iot": "电梯物联网终端", "gas_sensor": "燃气报警器",
    },
    ("device", "venue_category"): {
        "school_canteen": "学校食堂", "rural_banquet": "农村集体聚餐点", "large_restaurant": "大型餐馆",
        "central_kitchen": "中央厨房", "elderly_canteen": "养老机构食堂", "hospital_canteen": "医院食堂",
        "other": "其他",
    },
    ("device", "status"): {"online": "在线", "offline": "离线", "fault": "故障", "retired": "已停用"},
    ("device_alarm", "kind"): {
        "no_hat": "未戴厨师帽", "no_mask": "未戴口罩", "smoking": "抽烟", "phone": "玩手机",
        "rodent": "鼠患", "foreign_object": "异物", "over_temperature": "温度超限",
        "entrapment": "电梯困人", "offline": "设备离线",
    },
    ("warning_rule", "level"): {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"},
    ("warning", "level"): {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"},
    ("warning", "status"): {
        "pending": "待派单", "handling": "处置中", "closed": "已办结", "verified": "已核查",
    },
    ("incident", "kind"): {
        "food_poisoning": "食物中毒", "elevator_entrapment": "电梯困人", "equipment_accident": "特种设备事故",
        "mass_complaint": "群体性投诉", "product_safety": "产品安全事件", "public_opinion": "舆情事件",
    },
    ("incident", "level"): {
        "I": "Ⅰ级（特别重大）", "II": "Ⅱ级（重大）", "III": "Ⅲ级（较大）", "IV": "Ⅳ级（一般）",
    },
    ("incident", "status"): {
        "reported": "已接报", "dispatched": "已调度", "on_site": "已到场", "resolved": "已处置",
        "closed": "已关闭",
    },
    ("resource", "kind"): {
        "enforcement_team": "执法队伍", "vehicle": "执法车辆", "expert": "专家", "lab": "检测实验室",
        "drone": "无人机",
    },
    ("resource", "status"): {"available": "可调度", "busy": "执行任务中", "off_duty": "休整"},
    ("entity_honor", "kind"): {
        "high_tech": "高新技术企业", "specialized_new": "专精特新企业", "brand": "品牌企业",
        "quality_award": "质量奖", "standard_setter": "标准制定单位",
    },
    ("ip_right", "kind"): {
        "trademark": "商标", "patent_invention": "发明专利", "patent_utility": "实用新型专利",
        "patent_design": "外观设计专利", "geo_indication": "地理标志",
    },
    ("online_store", "platform"): {
        "taobao": "淘宝", "jd": "京东", "pinduoduo": "拼多多", "meituan": "美团", "eleme": "饿了么",
        "douyin": "抖音", "own_site": "自建网站", "other": "其他平台",
    },
    ("online_store", "status"): {"active": "经营中", "closed": "已关闭"},
    ("ad_hit", "risk_level"): {"high": "高风险", "medium": "中风险", "low": "低风险"},
    ("ad_hit", "status"): {"pushed": "已推送", "handling": "处置中", "handled": "已处置"},
    # --- 社会共治, 党建, 重大事项保障, 城运 ---
    ("qr_scan", "kind"): {
        "elevator_code": "电梯码", "catering_review": "扫码评价（餐饮）", "price_check": "扫码查价",
        "complaint_qr": "扫码投诉", "public_card": "扫码查看主体",
    },
    ("self_inspection", "kind"): {
        "food_safety": "食品安全自查", "special_equipment": "特种设备自查",
        "drug_cosmetics": "药品化妆品自查", "product_quality": "产品质量自查",
        "price_publicity": "明码标价自查",
    },
    ("mediation", "result"): {"agreed": "调解成功", "failed": "调解不成", "withdrawn": "撤回"},
    ("commitment", "kind"): {
        "assured_consumption": "放心消费承诺", "no_reason_return": "线下无理由退货承诺",
    },
    ("party_org", "kind"): {
        "bureau": "局机关党组织", "two_new_enterprise": "非公企业党组织",
        "two_new_social": "社会组织党组织", "joint": "联合党组织",
    },
    ("party_activity", "kind"): {
        "branch_meeting": "三会一课", "party_lecture": "党课", "theme_day": "主题党日",
        "volunteer": "志愿服务", "study": "学习教育",
    },
    ("assurance_site", "kind"): {
        "venue": "场馆", "hotel": "接待酒店", "kitchen": "供餐厨房", "supplier": "食材供应商",
    },
    ("assurance_site", "risk_tier"): {"high": "高风险", "medium": "中风险", "low": "低风险"},
    ("assurance_patrol", "result"): {"normal": "正常", "problem": "发现问题"},
    ("city_work_order", "source"): {
        "ai_alarm": "AI告警", "warning": "智能预警", "complaint": "12345诉求", "incident": "突发事件",
    },
    ("city_work_order", "status"): {
        "created": "已生成", "pushed": "已推送", "accepted": "已受理", "closed": "已办结",
        "returned": "已退回",
    },
}

ENUM_LABELS[("mediation", "category")] = ENUM_LABELS[("complaint", "category")]

#: The product's name, in the title bar, the tabs, the login page and the report.
PRODUCT_NAME = "智慧监管·云中心"

#: GB/T 4754-2017 sections (门类) A–T and their two-digit division ranges (大类).
INDUSTRY_SECTIONS: dict[str, tuple[str, int, int]] = {
    "A": ("农、林、牧、渔业", 1, 5),
    "B": ("采矿业", 6, 12),
    "C": ("制造业", 13, 43),
    "D": ("电力、热力、燃气及水生产和供应业", 44, 46),
    "E": ("建筑业", 47, 50),
    "F": ("批发和零售业", 51, 52),
    "G": ("交通运输、仓储和邮政业", 53, 60),
    "H": ("住宿和餐饮业", 61, 62),
    "I": ("信息传输、软件和信息技术服务业", 63, 65),
    "J": ("金融业", 66, 69),
    "K": ("房地产业", 70, 70),
    "L": ("租赁和商务服务业", 71, 72),
    "M": ("科学研究和技术服务业", 73, 75),
    "N": ("水利、环境和公共设施管理业", 76, 79),
    "O": ("居民服务、修理和其他服务业", 80, 82),
    "P": ("教育", 83, 83),
    "Q": ("卫生和社会工作", 84, 85),
    "R": ("文化、体育和娱乐业", 86, 90),
    "S": ("公共管理、社会保障和社会组织", 91, 96),
    "T": ("国际组织", 97, 97),
}

#: Source tables (the theme libraries and operational tables of data.md §2), for status pages.
TABLE_LABELS: dict[str, str] = {
    "street": "街镇", "office": "监管所/科室", "staff": "执法检查人员", "entity": "市场主体",
    "entity_change": "主体变更记录", "licence": "许可证", "equipment": "特种设备",
    "equipment_inspection": "特种设备检验", "food_sampling": "食品抽检", "inspection_task": "检查任务",
    "inspection": "检查记录", "credit_list": "信用名单", "complaint": "投诉举报", "case_file": "案件",
    "case_stage_event": "案件环节记录", "device": "监控设备", "device_reading": "设备读数",
    "device_alarm": "设备告警", "warning_rule": "预警规则", "warning": "预警", "incident": "突发事件",
    "resource": "应急资源", "dispatch": "调度记录", "entity_honor": "主体荣誉", "ip_right": "知识产权",
    "online_store": "网店", "ad_hit": "广告监测线索",
    "qr_scan": "扫码记录", "self_inspection": "企业自查", "association": "行业协会",
    "mediation": "消费纠纷调解", "commitment": "放心消费承诺", "party_org": "党组织",
    "party_org_member": "党组织覆盖企业",
    "party_activity": "党组织活动", "assurance_mission": "保障任务", "assurance_site": "保障点位",
    "assurance_patrol": "保障巡查", "city_work_order": "城运工单",
}

#: Credit risk classes (企业信用风险分类) and catering food-safety risk grades.
GRADE_LABELS: dict[str, str] = {"A": "A类（低风险）", "B": "B类（一般风险）", "C": "C类（较高风险）",
                                "D": "D类（高风险）"}

#: Preset analysis periods of the filter bar (relative to the data time).
PERIOD_LABELS: dict[str, str] = {
    "today": "今日", "week": "本周", "month": "本月", "quarter": "本季度", "year": "本年",
    "last12m": "近12个月",
}


def label(table: str, column: str, code: object) -> str:
    """The Chinese label of an enumeration ``code`` of ``table.column`` (the code itself if unknown)."""
    if code is None:
        return "—"
    return ENUM_LABELS.get((table, column), {}).get(str(code), str(code))


def options(table: str, column: str, codes: Iterable[str] | None = None) -> list[dict[str, str]]:
    """Dropdown options ``[{label, value}]`` of an enumeration (all of its codes by default)."""
    mapping = ENUM_LABELS.get((table, column), {})
    return [{"label": mapping.get(c, c), "value": c} for c in (codes if codes is not None else mapping)]


def industry_section(division: object) -> str | None:
    """The GB/T 4754 section letter (``"C"``) of a two-digit division code (``"13"``), or None."""
    try:
        n = int(str(division)[:2])
    except ValueError:
        return None
    for letter, (_, low, high) in INDUSTRY_SECTIONS.items():
        if low <= n <= high:
            return letter
    return None


def industry_section_name(section: str) -> str:
    """The Chinese name of a GB/T 4754 section letter (the letter itself if unknown)."""
    entry = INDUSTRY_SECTIONS.get(section)
    return entry[0] if entry else section


#: The menu that 社会共治 and 党建 share (both are about society taking part in supervision).
MENU_COGOV_PARTY = "共治与党建"

#: The sources feeding the store, as the wall names a late one (``data_access.api.sources.SOURCES``).
SOURCE_LABELS: dict[str, str] = {
    "complaints": "投诉举报", "alarms": "设备告警", "warnings": "预警", "incidents": "突发事件",
    "readings": "设备读数", "registrations": "主体登记",
}
