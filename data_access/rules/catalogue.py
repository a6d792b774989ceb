"""The 16 rules of the catalogue (R01–R16): ids, names, themes, levels and readable conditions as
the synthetic district has always carried them, each with its executable definition.

``ensure_catalogue`` writes a definition for every catalogue rule of the store that has none
(a generated store, or rules imported without one), and the whole catalogue into an empty
``warning_rule`` table (a store filled only by imports).
"""

from __future__ import annotations

from dataclasses import dataclass

from data_access.rules.definition import RuleDefinition, parse_definition

AI_KINDS = ["no_hat", "no_mask", "smoking", "phone", "rodent", "foreign_object"]


def _entity_join(src: str, outer: bool = False) -> dict:
    return {"table": "entity", "on": [[f"{src}.uscc", "uscc"]], "outer": outer}


@dataclass(frozen=True)
class CatalogueRule:
    """One rule of the catalogue: its row of ``warning_rule`` and its definition."""

    rule_id: str
    name: str
    theme: str
    level: str
    condition: str
    definition: RuleDefinition


def _rule(rule_id, name, theme, level, condition, **definition) -> CatalogueRule:
    return CatalogueRule(rule_id, name, theme, level, condition, parse_definition(definition))


_VALID_LICENCE = {
    "table": "licence", "on": [["credit_list.uscc", "uscc"]],
    "filters": [{"column": "licence.status", "op": "eq", "value": "valid"}],
}

CATALOGUE: tuple[CatalogueRule, ...] = (
    _rule("R01", "食品抽检不合格", "食品安全", "orange",
          "food_sampling.result = 'fail' → 结果回传后预警（主体）",
          source="food_sampling", joins=[_entity_join("food_sampling")],
          filters=[{"column": "food_sampling.result", "op": "eq", "value": "fail"}],
          subject="food_sampling.uscc", subject_kind="entity", key=["food_sampling.id"],
          time="food_sampling.sampled_on", lookback_days=60,
          uscc="food_sampling.uscc", street="entity.street_code", title="{name}：{rule}"),
    _rule("R02", "投诉短期激增", "投诉举报", "orange",
          "count(complaint where uscc = X and received_at within 30 days) >= 5",
          source="complaint", filters=[{"column": "complaint.uscc", "op": "not_null"}],
          subject="complaint.uscc", subject_kind="entity", time="complaint.received_at",
          count={"threshold": 5, "window_days": 30},
          uscc="complaint.uscc", street="complaint.street_code", title="{name}：{rule}（近30天{count}件）"),
    _rule("R03", "特种设备超期未检", "特种设备", "yellow",
          "equipment.status = 'in_use' and next_inspection_due < today",
          source="equipment",
          filters=[{"column": "equipment.status", "op": "eq", "value": "in_use"},
                   {"column": "equipment.next_inspection_due", "op": "lt", "ref": {"data_time": True}}],
          subject="equipment.equipment_code", subject_kind="equipment",
          key=["equipment.equipment_code", "equipment.next_inspection_due"],
          time="equipment.next_inspection_due",
          uscc="equipment.uscc", street="equipment.street_code", title="{subject}：{rule}"),
    _rule("R04", "冷库温度超标", "远程监控", "red",
          "device_reading.metric = 'temperature' and value > -15 (冷库传感器)",
          source="device_reading",
          joins=[{"table": "device", "on": [["device_reading.device_id", "device_id"]]}],
          filters=[{"column": "device.kind", "op": "eq", "value": "cold_storage_sensor"},
                   {"column": "device_reading.metric", "op": "eq", "value": "temperature"},
                   {"column": "device_reading.value", "op": "gt", "value": -15}],
          subject="device.device_id", subject_kind="device",
          key=["device_reading.device_id", "device_reading.at"],
          time="device_reading.at", lookback_days=2,
          uscc="device.uscc", street="device.street_code", title="{name}：{rule}（{subject}）"),
    _rule("R05", "后厨AI违规频发", "远程监控", "yellow",
          "count(device_alarm where device = X and kind in "
          "(no_hat, no_mask, smoking, phone, rodent, foreign_object) within 7 days) >= 3",
          source="device_alarm",
          joins=[{"table": "device", "on": [["device_alarm.device_id", "device_id"]]}],
          filters=[{"column": "device_alarm.kind", "op": "in", "value": AI_KINDS}],
          subject="device.device_id", subject_kind="device", time="device_alarm.at",
          count={"threshold": 3, "window_days": 7},
          uscc="device.uscc", street="device.street_code", title="{name}：{rule}（近7天{count}次）"),
    _rule("R06", "食品经营许可证即将到期", "登记许可", "blue",
          "licence.kind = 'food_business' and licence.status = 'valid' and expires_on - today <= 30",
          source="licence", joins=[_entity_join("licence")],
          filters=[{"column": "licence.kind", "op": "eq", "value": "food_business"},
                   {"column": "licence.status", "op": "eq", "value": "valid"},
                   {"column": "entity.status", "op": "eq", "value": "active"},
                   {"column": "licence.expires_on", "op": "le", "ref": {"data_time": True, "days": 30}}],
          subject="licence.uscc", subject_kind="entity", key=["licence.licence_no", "licence.expires_on"],
          time="licence.expires_on",
          uscc="licence.uscc", street="entity.street_code", title="{name}：{rule}"),
    _rule("R07", "严重违法失信主体持证经营", "信用监管", "red",
          "credit_list.list = 'serious_illegal_dishonest' and removed_on is null and exists valid licence",
          source="credit_list", joins=[_entity_join("credit_list")],
          filters=[{"column": "credit_list.list", "op": "eq", "value": "serious_illegal_dishonest"},
                   {"column": "credit_list.removed_on", "op": "is_null"},
                   {"column": "entity.status", "op": "eq", "value": "active"}],
          exists=[_VALID_LICENCE],
          subject="credit_list.uscc", subject_kind="entity", key=["credit_list.id"],
          time="credit_list.listed_on",
          uscc="credit_list.uscc", street="entity.street_code", title="{name}：{rule}"),
    _rule("R08", "电梯困人", "特种设备", "red", "device_alarm.kind = 'entrapment'",
          source="device_alarm",
          joins=[{"table": "device", "on": [["device_alarm.device_id", "device_id"]]}],
          filters=[{"column": "device_alarm.kind", "op": "eq", "value": "entrapment"}],
          subject="device.device_id", subject_kind="device", key=["device_alarm.id"],
          time="device_alarm.at", lookback_days=30,
          uscc="device.uscc", street="device.street_code", title="{name}：{rule}（{subject}）"),
    _rule("R09", "监控设备离线超24小时", "远程监控", "blue",
          "device.status in (offline, fault) and now - last_seen_at > 24h",
          source="device",
          filters=[{"column": "device.status", "op": "in", "value": ["offline", "fault"]},
                   {"column": "device.last_seen_at", "op": "lt", "ref": {"data_time": True, "days": -1}}],
          subject="device.device_id", subject_kind="device",
          key=["device.device_id", "device.last_seen_at"], time="device.last_seen_at",
          uscc="device.uscc", street="device.street_code", title="{subject}：{rule}"),
    _rule("R10", "投诉举报逾期未办结", "投诉举报", "orange",
          "complaint.closed_at > due_at or (closed_at is null and now > due_at)",
          source="complaint",
          filters=[{"column": "complaint.due_at", "op": "not_null"}],
          any_of=[[{"column": "complaint.closed_at", "op": "gt", "ref": {"column": "complaint.due_at"}}],
                  [{"column": "complaint.closed_at", "op": "is_null"},
                   {"column": "complaint.due_at", "op": "lt", "ref": {"data_time": True}}]],
          subject="complaint.id", subject_kind="complaint", key=["complaint.id"],
          time="complaint.received_at", lookback_days=90,
          uscc="complaint.uscc", street="complaint.street_code", title="{name}：{rule}"),
    _rule("R11", "案件办理超90天", "执法办案", "yellow",
          "case_file.closed_on is null and today - opened_on > 90, or closed_on - opened_on > 90",
          source="case_file", joins=[_entity_join("case_file")],
          any_of=[[{"column": "case_file.closed_on", "op": "is_null"},
                   {"column": "case_file.opened_on", "op": "lt", "ref": {"data_time": True, "days": -90}}],
                  [{"column": "case_file.closed_on", "op": "gt",
                    "ref": {"column": "case_file.opened_on", "days": 90}}]],
          subject="case_file.case_no", subject_kind="case", key=["case_file.case_no"],
          time="case_file.opened_on", lookback_days=365,
          uscc="case_file.uscc", street="entity.street_code", title="{subject}：{rule}"),
    _rule("R12", "集中登记地址异常", "登记许可", "blue",
          "count(entity where address = A and status = 'active') >= 20",
          source="entity", filters=[{"column": "entity.status", "op": "eq", "value": "active"}],
          subject="entity.address", subject_kind="address", time="entity.established_on",
          count={"threshold": 20}, lookback_days=90,
          street="entity.street_code", title="{subject}：{rule}（{count}户）"),
    _rule("R13", "违法广告高风险线索", "网络监管", "orange", "ad_hit.risk_level = 'high'",
          source="ad_hit", joins=[_entity_join("ad_hit")],
          filters=[{"column": "ad_hit.risk_level", "op": "eq", "value": "high"}],
          subject="ad_hit.uscc", subject_kind="entity", key=["ad_hit.id"],
          time="ad_hit.detected_at", lookback_days=30,
          uscc="ad_hit.uscc", street="entity.street_code", title="{name}：{rule}"),
    _rule("R14", "经营异常主体仍持有效许可", "信用监管", "yellow",
          "credit_list.list = 'abnormal_operation' and removed_on is null and exists valid licence",
          source="credit_list", joins=[_entity_join("credit_list")],
          filters=[{"column": "credit_list.list", "op": "eq", "value": "abnormal_operation"},
                   {"column": "credit_list.removed_on", "op": "is_null"},
                   {"column": "entity.status", "op": "eq", "value": "active"}],
          exists=[_VALID_LICENCE],
          subject="credit_list.uscc", subject_kind="entity", key=["credit_list.id"],
          time="credit_list.listed_on",
          uscc="credit_list.uscc", street="entity.street_code", title="{name}：{rule}"),
    _rule("R15", "群体性投诉", "投诉举报", "red",
          "count(complaint where uscc = X and received_at within 7 days) >= 10",
          source="complaint", filters=[{"column": "complaint.uscc", "op": "not_null"}],
          subject="complaint.uscc", subject_kind="entity", time="complaint.received_at",
          count={"threshold": 10, "window_days": 7},
          uscc="complaint.uscc", street="complaint.street_code", title="{name}：{rule}（近7天{count}件）"),
    _rule("R16", "不合格食品核查处置超期", "食品安全", "orange",
          "food_sampling.result = 'fail' and followed_up_on is null and today - sampled_on > 15",
          source="food_sampling", joins=[_entity_join("food_sampling")],
          filters=[{"column": "food_sampling.result", "op": "eq", "value": "fail"},
                   {"column": "food_sampling.followed_up_on", "op": "is_null"},
                   {"column": "food_sampling.sampled_on", "op": "lt",
                    "ref": {"data_time": True, "days": -15}}],
          subject="food_sampling.uscc", subject_kind="entity", key=["food_sampling.id"],
          time="food_sampling.sampled_on", lookback_days=120,
          uscc="food_sampling.uscc", street="entity.street_code", title="{name}：{rule}"),
)

BY_ID: dict[str, CatalogueRule] = {r.rule_id: r for r in CATALOGUE}
