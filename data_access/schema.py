"""The store's schema: the seven theme libraries and the operational tables (data.md §2).

Table and column names are a contract shared by the generator, the importer, the read API,
the tests and the city-platform exchange. Add columns and tables freely; never rename these.

Enumerations are stored as English codes (the ``ENUMS`` mapping below is the single list of
allowed values, used by the importer's validation and by the generator); the UI shows the Chinese
labels from ``components.labels``.

Instants are stored as naive ``TIMESTAMP`` in Asia/Shanghai local time, dates as ``DATE``.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

USCC = sa.CHAR(18)
MONEY = sa.Numeric(16, 2)

ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("street", "kind"): ("subdistrict", "town", "industrial_zone"),
    ("office", "kind"): ("station", "department", "brigade"),
    ("staff", "role"): ("enforcement", "inspector", "manager"),
    ("entity", "entity_type"): ("enterprise", "individual", "cooperative", "branch"),
    ("entity", "status"): ("active", "revoked", "cancelled", "moved_out"),
    ("entity_change", "field"): (
        "name", "address", "legal_rep", "registered_capital", "shareholder", "scope",
    ),
    ("licence", "kind"): (
        "food_business", "food_production", "drug_retail", "medical_device", "cosmetics",
        "industrial_product",
    ),
    ("licence", "status"): ("valid", "expired", "revoked", "cancelled"),
    ("equipment", "kind"): (
        "elevator", "boiler", "pressure_vessel", "lifting", "in_plant_vehicle", "amusement",
        "passenger_ropeway",
    ),
    ("equipment", "status"): ("in_use", "suspended", "scrapped"),
    ("equipment_inspection", "result"): ("pass", "fail", "rectify"),
    ("food_sampling", "result"): ("pass", "fail"),
    ("inspection_task", "kind"): ("double_random", "routine", "special"),
    ("inspection", "kind"): (
        "double_random", "routine", "special", "complaint_triggered", "non_site",
    ),
    ("inspection", "result"): (
        "normal", "not_publicized", "unreachable", "ordered_to_rectify", "case_opened",
    ),
    ("credit_list", "list"): (
        "abnormal_operation", "serious_illegal_dishonest", "joint_punishment",
    ),
    ("complaint", "channel"): ("12345", "12315", "12348", "12319", "12328", "web", "letter"),
    ("complaint", "kind"): ("complaint", "report", "consultation"),
    ("complaint", "category"): (
        "food", "drug", "cosmetics", "medical_device", "special_equipment", "pricing",
        "advertising", "product_quality", "contract", "online_shopping", "licence", "other",
    ),
    ("complaint", "status"): ("received", "accepted", "in_progress", "closed", "rejected"),
    ("case_file", "source"): (
        "inspection", "complaint", "referral", "online_monitoring", "non_site",
    ),
    ("case_file", "cause"): (
        "food_safety", "product_quality", "pricing", "advertising", "unlicensed", "trademark",
        "special_equipment", "consumer_rights", "other",
    ),
    ("case_file", "stage"): (
        "opened", "investigation", "legal_review", "prior_notice", "hearing", "decision",
        "served", "executed", "closed",
    ),
    ("device", "kind"): ("kitchen_camera", "cold_storage_sensor", "elevator_iot", "gas_sensor"),
    ("device", "venue_category"): (
        "school_canteen", "rural_banquet", "large_restaurant", "central_kitchen",
        "elderly_canteen", "hospital_canteen", "other",
    ),
    ("device", "status"): ("online", "offline", "fault", "retired"),
    ("device_alarm", "kind"): (
        "no_hat", "no_mask", "smoking", "phone", "rodent", "foreign_object", "over_temperature",
        "entrapment", "offline",
    ),
    ("warning_rule", "level"): ("red", "orange", "yellow", "blue"),
    ("warning", "level"): ("red", "orange", "yellow", "blue"),
    ("warning", "status"): ("pending", "handling", "closed", "verified"),
    ("incident", "kind"): (
        "food_poisoning", "elevator_entrapment", "equipment_accident", "mass_complaint",
        "product_safety", "public_opinion",
    ),
    ("incident", "level"): ("I", "II", "III", "IV"),
    ("incident", "status"): ("reported", "dispatched", "on_site", "resolved", "closed"),
    ("resource", "kind"): ("enforcement_team", "vehicle", "expert", "lab", "drone"),
    ("resource", "status"): ("available", "busy", "off_duty"),
    ("entity_honor", "kind"): (
        "high_tech", "specialized_new", "brand", "quality_award", "standard_setter",
    ),
    ("ip_right", "kind"): (
        "trademark", "patent_invention", "patent_utility", "patent_design", "geo_indication",
    ),
    ("online_store", "platform"): (
        "taobao", "jd", "pinduoduo", "meituan", "eleme", "douyin", "own_site", "other",
    ),
    ("online_store", "status"): ("active", "closed"),
    ("ad_hit", "risk_level"): ("high", "medium", "low"),
    ("ad_hit", "status"): ("pushed", "handling", "handled"),
    # --- 社会共治, 党建, 重大事项保障, 城运 (data.md §8; docs/screens-data.md) ---
    ("qr_scan", "kind"): ("elevator_code", "catering_review", "price_check", "complaint_qr", "public_card"),
    ("self_inspection", "kind"): (
        "food_safety", "special_equipment", "drug_cosmetics", "product_quality", "price_publicity",
    ),
    ("mediation", "result"): ("agreed", "failed", "withdrawn"),
    ("commitment", "kind"): ("assured_consumption", "no_reason_return"),
    ("party_org", "kind"): ("bureau", "two_new_enterprise", "two_new_social", "joint"),
    ("party_activity", "kind"): ("branch_meeting", "party_lecture", "theme_day", "volunteer", "study"),
    ("assurance_site", "kind"): ("venue", "hotel", "kitchen", "supplier"),
    ("assurance_site", "risk_tier"): ("high", "medium", "low"),
    ("assurance_patrol", "result"): ("normal", "problem"),
    ("city_work_order", "source"): ("ai_alarm", "warning", "complaint", "incident"),
    ("city_work_order", "status"): ("created", "pushed", "accepted", "closed", "returned"),
}
#: A mediation's subject uses the complaint categories.
ENUMS[("mediation", "category")] = ENUMS[("complaint", "category")]


def _enum(table: str, column: str) -> sa.String:
    """A short string column whose allowed values are listed in ``ENUMS`` (checked on import)."""
    width = max(len(v) for v in ENUMS[(table, column)])
    return sa.String(max(width, 8))


# --- reference -------------------------------------------------------------------------------

street = sa.Table(
    "street", metadata,
    sa.Column("code", sa.String(12), primary_key=True),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("kind", _enum("street", "kind"), nullable=False),
    sa.Column("geometry", sa.Text, nullable=False, comment="GeoJSON geometry, WGS-84"),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("approximate", sa.Boolean, nullable=False, server_default=sa.true(),
              comment="true while the polygon is the Voronoi approximation"),
)

office = sa.Table(
    "office", metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("kind", _enum("office", "kind"), nullable=False),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=True),
)

staff = sa.Table(
    "staff", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("office_code", sa.String(16), sa.ForeignKey("office.code"), nullable=False),
    sa.Column("role", _enum("staff", "role"), nullable=False),
    sa.Column("certified", sa.Boolean, nullable=False),
)

# --- 登记许可 ---------------------------------------------------------------------------------

entity = sa.Table(
    "entity", metadata,
    sa.Column("uscc", USCC, primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("entity_type", _enum("entity", "entity_type"), nullable=False),
    sa.Column("industry_code", sa.String(2), nullable=False, comment="GB/T 4754 division"),
    sa.Column("registered_capital", MONEY, nullable=True, comment="万元; null for individuals"),
    sa.Column("established_on", sa.Date, nullable=False),
    sa.Column("status", _enum("entity", "status"), nullable=False),
    sa.Column("status_changed_on", sa.Date, nullable=True),
    sa.Column("address", sa.String(256), nullable=False),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=False),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("legal_rep_name", sa.String(64), nullable=True, comment="personal data"),
    sa.Column("legal_rep_phone", sa.String(32), nullable=True, comment="personal data"),
    sa.Index(None, "status", "entity_type"),
    sa.Index(None, "street_code", "status"),
    sa.Index(None, "established_on"),
    sa.Index(None, "status_changed_on"),
    sa.Index(None, "name"),
    sa.Index(None, "address"),
)

entity_change = sa.Table(
    "entity_change", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("changed_on", sa.Date, nullable=False),
    sa.Column("field", _enum("entity_change", "field"), nullable=False),
    sa.Column("old_value", sa.String(256), nullable=True),
    sa.Column("new_value", sa.String(256), nullable=True),
    sa.Index(None, "uscc"),
    sa.Index(None, "changed_on"),
)

licence = sa.Table(
    "licence", metadata,
    sa.Column("licence_no", sa.String(32), primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("kind", _enum("licence", "kind"), nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False),
    sa.Column("status", _enum("licence", "status"), nullable=False),
    sa.Index(None, "uscc"),
    sa.Index(None, "kind", "status"),
    sa.Index(None, "expires_on"),
)

# --- 特种设备 ---------------------------------------------------------------------------------

equipment = sa.Table(
    "equipment", metadata,
    sa.Column("equipment_code", sa.String(32), primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("kind", _enum("equipment", "kind"), nullable=False),
    sa.Column("installed_on", sa.Date, nullable=False),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=False),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("next_inspection_due", sa.Date, nullable=True),
    sa.Column("status", _enum("equipment", "status"), nullable=False),
    sa.Index(None, "uscc"),
    sa.Index(None, "kind", "status"),
    sa.Index(None, "street_code"),
)

equipment_inspection = sa.Table(
    "equipment_inspection", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("equipment_code", sa.String(32), sa.ForeignKey("equipment.equipment_code"),
              nullable=False),
    sa.Column("inspected_on", sa.Date, nullable=False),
    sa.Column("result", _enum("equipment_inspection", "result"), nullable=False),
    sa.Index(None, "equipment_code"),
    sa.Index(None, "inspected_on"),
)

# --- 食品安全 ---------------------------------------------------------------------------------

food_sampling = sa.Table(
    "food_sampling", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("sampled_on", sa.Date, nullable=False),
    sa.Column("food_category", sa.String(32), nullable=False),
    sa.Column("result", _enum("food_sampling", "result"), nullable=False),
    sa.Column("hazard", sa.String(64), nullable=True),
    sa.Column("followed_up_on", sa.Date, nullable=True),
    sa.Index(None, "uscc"),
    sa.Index(None, "sampled_on"),
)

# --- 综合监管 ---------------------------------------------------------------------------------

inspection_task = sa.Table(
    "inspection_task", metadata,
    sa.Column("task_id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("office_code", sa.String(16), sa.ForeignKey("office.code"), nullable=False),
    sa.Column("kind", _enum("inspection_task", "kind"), nullable=False),
    sa.Column("planned_count", sa.Integer, nullable=False),
    sa.Column("drawn_on", sa.Date, nullable=True),
    sa.Column("seed", sa.String(64), nullable=True, comment="published seed of the random draw"),
    sa.Column("params", sa.Text, nullable=True,
              comment="JSON: the draw's inputs and record (filter, ratios, population, pool, pairs)"),
)

inspection = sa.Table(
    "inspection", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("task_id", sa.String(32), sa.ForeignKey("inspection_task.task_id"), nullable=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("office_code", sa.String(16), sa.ForeignKey("office.code"), nullable=False),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
    sa.Column("kind", _enum("inspection", "kind"), nullable=False),
    sa.Column("planned_on", sa.Date, nullable=False),
    sa.Column("done_on", sa.Date, nullable=True),
    sa.Column("result", _enum("inspection", "result"), nullable=True),
    sa.Column("second_staff_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=True,
              comment="the second inspector of a 双随机 pair (staff_id leads)"),
    sa.Index(None, "uscc"),
    sa.Index(None, "planned_on"),
    sa.Index(None, "done_on"),
    sa.Index(None, "task_id"),
)

credit_list = sa.Table(
    "credit_list", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("list", _enum("credit_list", "list"), nullable=False),
    sa.Column("reason", sa.String(256), nullable=True),
    sa.Column("listed_on", sa.Date, nullable=False),
    sa.Column("removed_on", sa.Date, nullable=True),
    sa.Index(None, "uscc"),
    sa.Index(None, "list", "removed_on"),
)

# --- 投诉举报 ---------------------------------------------------------------------------------

complaint = sa.Table(
    "complaint", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("channel", _enum("complaint", "channel"), nullable=False),
    sa.Column("kind", _enum("complaint", "kind"), nullable=False),
    sa.Column("category", _enum("complaint", "category"), nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=True),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=False),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("office_code", sa.String(16), sa.ForeignKey("office.code"), nullable=True),
    sa.Column("summary", sa.Text, nullable=True),
    sa.Column("complainant_name", sa.String(64), nullable=True, comment="personal data"),
    sa.Column("complainant_phone", sa.String(32), nullable=True, comment="personal data"),
    sa.Column("status", _enum("complaint", "status"), nullable=False),
    sa.Column("due_at", sa.DateTime, nullable=True),
    sa.Column("closed_at", sa.DateTime, nullable=True),
    sa.Column("satisfied", sa.Boolean, nullable=True),
    sa.Column("amount_recovered", MONEY, nullable=True, comment="元"),
    sa.Index(None, "received_at"),
    sa.Index(None, "closed_at"),
    sa.Index(None, "uscc"),
    sa.Index(None, "street_code", "received_at"),
)

# --- 执法办案 ---------------------------------------------------------------------------------

case_file = sa.Table(
    "case_file", metadata,
    sa.Column("case_no", sa.String(40), primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("office_code", sa.String(16), sa.ForeignKey("office.code"), nullable=False),
    sa.Column("source", _enum("case_file", "source"), nullable=False),
    sa.Column("cause", _enum("case_file", "cause"), nullable=False),
    sa.Column("law_article", sa.String(128), nullable=True),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("stage", _enum("case_file", "stage"), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=True),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Column("fine_amount", MONEY, nullable=True, comment="元"),
    sa.Column("confiscation_amount", MONEY, nullable=True, comment="元"),
    sa.Column("transferred_to_police", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index(None, "uscc"),
    sa.Index(None, "opened_on"),
    sa.Index(None, "closed_on"),
    sa.Index(None, "decided_on"),
)

case_stage_event = sa.Table(
    "case_stage_event", metadata,
    sa.Column("case_no", sa.String(40), sa.ForeignKey("case_file.case_no"), primary_key=True),
    sa.Column("stage", _enum("case_file", "stage"), primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
)

# --- 远程监控 ---------------------------------------------------------------------------------

device = sa.Table(
    "device", metadata,
    sa.Column("device_id", sa.String(32), primary_key=True),
    sa.Column("kind", _enum("device", "kind"), nullable=False),
    sa.Column("venue_category", _enum("device", "venue_category"), nullable=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=True),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=False),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("installed_on", sa.Date, nullable=False),
    sa.Column("stream_url", sa.String(256), nullable=True),
    sa.Column("status", _enum("device", "status"), nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=True),
    sa.Index(None, "kind", "status"),
    sa.Index(None, "uscc"),
)

device_reading = sa.Table(
    "device_reading", metadata,
    sa.Column("device_id", sa.String(32), sa.ForeignKey("device.device_id"), primary_key=True),
    sa.Column("at", sa.DateTime, primary_key=True),
    sa.Column("metric", sa.String(16), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Index(None, "at"),
)

device_alarm = sa.Table(
    "device_alarm", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("device_id", sa.String(32), sa.ForeignKey("device.device_id"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("kind", _enum("device_alarm", "kind"), nullable=False),
    sa.Column("pushed_at", sa.DateTime, nullable=True),
    sa.Column("rectified_at", sa.DateTime, nullable=True),
    sa.Index(None, "at"),
    sa.Index(None, "device_id"),
)

# --- 智能预警 ---------------------------------------------------------------------------------

warning_rule = sa.Table(
    "warning_rule", metadata,
    sa.Column("rule_id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("theme", sa.String(32), nullable=False),
    sa.Column("level", _enum("warning_rule", "level"), nullable=False),
    sa.Column("condition", sa.Text, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("definition", sa.Text, nullable=True,
              comment="JSON: the executable definition (data_access.rules.RuleDefinition)"),
    sa.Column("updated_at", sa.DateTime, nullable=True),
    sa.Column("updated_by", sa.String(64), nullable=True),
)

warning = sa.Table(
    "warning", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("rule_id", sa.String(32), sa.ForeignKey("warning_rule.rule_id"), nullable=False),
    sa.Column("level", _enum("warning", "level"), nullable=False),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=True),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=False),
    sa.Column("raised_at", sa.DateTime, nullable=False),
    sa.Column("title", sa.String(256), nullable=False),
    sa.Column("status", _enum("warning", "status"), nullable=False),
    sa.Column("office_code", sa.String(16), sa.ForeignKey("office.code"), nullable=True),
    sa.Column("handled_at", sa.DateTime, nullable=True),
    sa.Column("closed_at", sa.DateTime, nullable=True),
    sa.Column("subject", sa.String(128), nullable=True,
              comment="what the rule matched (uscc, equipment code, device id, …); null for generated rows"),
    sa.Column("deadline_at", sa.DateTime, nullable=True, comment="handling deadline, by level"),
    sa.Column("verified_at", sa.DateTime, nullable=True),
    sa.Index(None, "status", "level"),
    sa.Index(None, "raised_at"),
    sa.Index(None, "uscc"),
    sa.Index(None, "rule_id", "status"),
)

# No foreign key to ``warning``: ``smartsup generate`` truncates the source tables, which
# PostgreSQL refuses for a table other tables reference; the generator clears these itself.
warning_event = sa.Table(
    "warning_event", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("warning_id", sa.String(32), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("from_status", sa.String(8), nullable=True),
    sa.Column("to_status", sa.String(8), nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("office_code", sa.String(16), nullable=True, comment="office assigned by this step"),
    sa.Index(None, "warning_id"),
    sa.Index(None, "at"),
    comment="one row per workflow transition of a warning (data.md §8)",
)

warning_match = sa.Table(
    "warning_match", metadata,
    sa.Column("rule_id", sa.String(32), primary_key=True),
    sa.Column("match_key", sa.String(200), primary_key=True),
    sa.Column("subject", sa.String(128), nullable=False),
    sa.Column("matched_at", sa.DateTime, nullable=False),
    sa.Column("warning_id", sa.String(32), nullable=True, comment="the warning raised or already open"),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Index(None, "rule_id", "subject"),
    comment="the rule engine's ledger: every match it has seen, so a match raises at most once",
)

# --- 应急指挥 ---------------------------------------------------------------------------------

incident = sa.Table(
    "incident", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", _enum("incident", "kind"), nullable=False),
    sa.Column("level", _enum("incident", "level"), nullable=False),
    sa.Column("reported_at", sa.DateTime, nullable=False),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=False),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=True),
    sa.Column("status", _enum("incident", "status"), nullable=False),
    sa.Column("resolved_at", sa.DateTime, nullable=True),
    sa.Column("summary", sa.Text, nullable=True),
    sa.Index(None, "status"),
    sa.Index(None, "reported_at"),
)

resource = sa.Table(
    "resource", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", _enum("resource", "kind"), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("office_code", sa.String(16), sa.ForeignKey("office.code"), nullable=True),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("status", _enum("resource", "status"), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=True),
)

dispatch = sa.Table(
    "dispatch", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("incident_id", sa.String(32), sa.ForeignKey("incident.id"), nullable=False),
    sa.Column("resource_id", sa.String(32), sa.ForeignKey("resource.id"), nullable=False),
    sa.Column("dispatched_at", sa.DateTime, nullable=False),
    sa.Column("arrived_at", sa.DateTime, nullable=True),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("dispatched_by", sa.String(64), nullable=True),
    sa.Index(None, "incident_id"),
)

# --- topic-library sources (高质量发展, 知识产权, 互联网以网管网) -------------------------------

entity_honor = sa.Table(
    "entity_honor", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("kind", _enum("entity_honor", "kind"), nullable=False),
    sa.Column("granted_on", sa.Date, nullable=False),
    sa.Index(None, "uscc"),
)

ip_right = sa.Table(
    "ip_right", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("kind", _enum("ip_right", "kind"), nullable=False),
    sa.Column("registered_on", sa.Date, nullable=False),
    sa.Index(None, "uscc"),
    sa.Index(None, "registered_on"),
)

online_store = sa.Table(
    "online_store", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("platform", _enum("online_store", "platform"), nullable=False),
    sa.Column("store_name", sa.String(128), nullable=False),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("status", _enum("online_store", "status"), nullable=False),
    sa.Index(None, "uscc"),
)

ad_hit = sa.Table(
    "ad_hit", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=True),
    sa.Column("detected_at", sa.DateTime, nullable=False),
    sa.Column("media", sa.String(32), nullable=False),
    sa.Column("risk_level", _enum("ad_hit", "risk_level"), nullable=False),
    sa.Column("status", _enum("ad_hit", "status"), nullable=False),
    sa.Column("handled_at", sa.DateTime, nullable=True),
    sa.Index(None, "detected_at"),
)

# --- 社会共治 (/co-governance) -----------------------------------------------------------------

qr_scan = sa.Table(
    "qr_scan", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", _enum("qr_scan", "kind"), nullable=False),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=True,
              comment="the entity scanned (an elevator's user unit for elevator codes)"),
    sa.Column("equipment_code", sa.String(32), sa.ForeignKey("equipment.equipment_code"), nullable=True),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=False),
    sa.Column("scanned_at", sa.DateTime, nullable=False),
    sa.Column("rating", sa.SmallInteger, nullable=True, comment="1-5; null when not rated"),
    sa.Column("reported_problem", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index(None, "scanned_at"),
    sa.Index(None, "uscc"),
)

self_inspection = sa.Table(
    "self_inspection", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("done_on", sa.Date, nullable=False),
    sa.Column("kind", _enum("self_inspection", "kind"), nullable=False),
    sa.Column("items", sa.Integer, nullable=False, comment="items checked"),
    sa.Column("problems", sa.Integer, nullable=False, comment="items found wanting"),
    sa.Column("rectified_on", sa.Date, nullable=True, comment="all problems rectified on"),
    sa.Index(None, "done_on"),
    sa.Index(None, "uscc"),
)

association = sa.Table(
    "association", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("industry_code", sa.String(2), nullable=True, comment="GB/T 4754 division; null = all"),
    sa.Column("members", sa.Integer, nullable=False, comment="member units"),
)

mediation = sa.Table(
    "mediation", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("association_id", sa.Integer, sa.ForeignKey("association.id"), nullable=True,
              comment="null = 区消保委 (consumer rights protection committee)"),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=True, comment="the business"),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=False),
    sa.Column("category", _enum("mediation", "category"), nullable=True),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Column("result", _enum("mediation", "result"), nullable=True, comment="null while open"),
    sa.Column("amount", MONEY, nullable=True, comment="元 recovered for the consumer"),
    sa.Index(None, "received_on"),
    sa.Index(None, "closed_on"),
)

commitment = sa.Table(
    "commitment", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("kind", _enum("commitment", "kind"), nullable=False),
    sa.Column("since", sa.Date, nullable=False),
    sa.Column("revoked_on", sa.Date, nullable=True),
    sa.Index(None, "uscc"),
)

# --- 党建 (/party-building) ---------------------------------------------------------------------

party_org = sa.Table(
    "party_org", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("kind", _enum("party_org", "kind"), nullable=False),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=True,
              comment="null for branches of the bureau's departments"),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=True,
              comment="the enterprise of a single-enterprise organisation"),
    sa.Column("office_code", sa.String(16), sa.ForeignKey("office.code"), nullable=True,
              comment="the bureau unit of a bureau branch"),
    sa.Column("members", sa.Integer, nullable=False, comment="party members"),
    sa.Column("established_on", sa.Date, nullable=False),
)

party_org_member = sa.Table(
    "party_org_member", metadata,
    sa.Column("org_id", sa.Integer, sa.ForeignKey("party_org.id"), primary_key=True),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), primary_key=True),
    sa.Column("joined_on", sa.Date, nullable=True),
    sa.Index(None, "uscc"),
    comment="enterprises an organisation covers: its own for a single one, several for a joint one",
)

party_activity = sa.Table(
    "party_activity", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("org_id", sa.Integer, sa.ForeignKey("party_org.id"), nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("kind", _enum("party_activity", "kind"), nullable=False),
    sa.Column("participants", sa.Integer, nullable=False),
    sa.Index(None, "held_on"),
    sa.Index(None, "org_id"),
)

# --- 重大事项保障 (/major-events) ----------------------------------------------------------------

assurance_mission = sa.Table(
    "assurance_mission", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("venue", sa.String(128), nullable=True),
    sa.Column("venue_lon", sa.Float, nullable=True, comment="WGS-84; the venue may lie outside the district"),
    sa.Column("venue_lat", sa.Float, nullable=True),
)

assurance_site = sa.Table(
    "assurance_site", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("mission_id", sa.Integer, sa.ForeignKey("assurance_mission.id"), nullable=False),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=False),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=False),
    sa.Column("kind", _enum("assurance_site", "kind"), nullable=False),
    sa.Column("risk_tier", _enum("assurance_site", "risk_tier"), nullable=False),
    sa.Column("patrol_interval_hours", sa.Integer, nullable=False, comment="high 2, medium 4, low 24"),
    sa.Index(None, "mission_id"),
)

assurance_patrol = sa.Table(
    "assurance_patrol", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("assurance_site.id"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
    sa.Column("result", _enum("assurance_patrol", "result"), nullable=False),
    sa.Column("rapid_tests", sa.Integer, nullable=False, server_default="0",
              comment="food rapid tests (快检) done on the patrol"),
    sa.Column("rapid_fails", sa.Integer, nullable=False, server_default="0"),
    sa.Index(None, "site_id", "at"),
    sa.Index(None, "at"),
)

# --- 城运 (/city-ops) ---------------------------------------------------------------------------

city_work_order = sa.Table(
    "city_work_order", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("source", _enum("city_work_order", "source"), nullable=False),
    sa.Column("source_id", sa.String(40), nullable=False,
              comment="id of the alarm/warning/complaint/incident"),
    sa.Column("category", sa.String(32), nullable=True,
              comment="the source's kind: alarm kind, warning level, complaint category, incident kind"),
    sa.Column("uscc", USCC, sa.ForeignKey("entity.uscc"), nullable=True),
    sa.Column("street_code", sa.String(12), sa.ForeignKey("street.code"), nullable=False),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("title", sa.String(256), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("pushed_at", sa.DateTime, nullable=True, comment="pushed to the district 城运中心"),
    sa.Column("accepted_at", sa.DateTime, nullable=True),
    sa.Column("closed_at", sa.DateTime, nullable=True),
    sa.Column("due_at", sa.DateTime, nullable=True, comment="handling time limit"),
    sa.Column("status", _enum("city_work_order", "status"), nullable=False),
    sa.UniqueConstraint("source", "source_id"),
    sa.Index(None, "created_at"),
    sa.Index(None, "closed_at"),
    sa.Index(None, "status"),
)

# --- city exchange ("1+16"): what a city store receives from the districts ----------------------
# Loaded only by ``smartsup exchange import`` (data_access/exchange, docs/exchange.md); one package
# is one (district_code, period) and its rows are replaced as a whole. Not source tables: the
# generator and the refresh never touch them.

city_package = sa.Table(
    "city_package", metadata,
    sa.Column("district_code", sa.String(6), primary_key=True),
    sa.Column("period", sa.String(8), primary_key=True, comment="2026-11 or 2026-W47"),
    sa.Column("period_kind", sa.String(8), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False, comment="exclusive"),
    sa.Column("district_name", sa.String(32), nullable=False),
    sa.Column("schema_version", sa.String(16), nullable=False),
    sa.Column("data_time", sa.DateTime, nullable=False),
    sa.Column("generated_at", sa.DateTime, nullable=False),
    sa.Column("complete", sa.Boolean, nullable=False),
    sa.Column("manifest_sha256", sa.CHAR(64), nullable=False, comment="identifies the package imported"),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    comment="one row per exchange package loaded into this city store",
)

city_street = sa.Table(
    "city_street", metadata,
    sa.Column("code", sa.String(12), primary_key=True),
    sa.Column("district_code", sa.String(6), nullable=False),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Index(None, "district_code"),
)

city_indicator = sa.Table(
    "city_indicator", metadata,
    sa.Column("indicator_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("definition", sa.Text, nullable=False),
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("value_type", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("theme", sa.String(32), nullable=False),
    sa.Column("core", sa.Boolean, nullable=False),
)


def _city_table(name: str, key: tuple[sa.Column, ...], *columns: sa.Column | sa.Index) -> sa.Table:
    """A table of one package's rows: (district_code, period) + its own key, tied to the package."""
    return sa.Table(
        name, metadata,
        sa.Column("district_code", sa.String(6), primary_key=True),
        sa.Column("period", sa.String(8), primary_key=True),
        *key, *columns,
        sa.ForeignKeyConstraint(["district_code", "period"],
                                ["city_package.district_code", "city_package.period"]),
    )


city_indicator_value = _city_table(
    "city_indicator_value",
    (sa.Column("indicator_id", sa.String(64), primary_key=True),
     sa.Column("area_code", sa.String(12), primary_key=True, comment="6 digits: district; 12: street")),
    sa.Column("value", sa.Float, nullable=True),
    sa.Index(None, "period", "indicator_id"),
)

city_credit_list = _city_table(
    "city_credit_list",
    (sa.Column("record_id", sa.String(32), primary_key=True),),
    sa.Column("uscc", USCC, nullable=False),
    sa.Column("entity_name", sa.String(128), nullable=False),
    sa.Column("list", _enum("credit_list", "list"), nullable=False),
    sa.Column("reason", sa.String(256), nullable=True),
    sa.Column("listed_on", sa.Date, nullable=False),
    sa.Column("removed_on", sa.Date, nullable=True),
)

city_case_decision = _city_table(
    "city_case_decision",
    (sa.Column("case_no", sa.String(40), primary_key=True),),
    sa.Column("uscc", USCC, nullable=False),
    sa.Column("entity_name", sa.String(128), nullable=False),
    sa.Column("cause", _enum("case_file", "cause"), nullable=False),
    sa.Column("law_article", sa.String(128), nullable=True),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("fine_amount", MONEY, nullable=True, comment="元"),
    sa.Column("confiscation_amount", MONEY, nullable=True, comment="元"),
    sa.Column("office_name", sa.String(64), nullable=False),
)

city_inspection_task = _city_table(
    "city_inspection_task",
    (sa.Column("task_id", sa.String(32), primary_key=True),),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("office_name", sa.String(64), nullable=False),
    sa.Column("planned_count", sa.Integer, nullable=False),
    sa.Column("drawn_on", sa.Date, nullable=False),
    sa.Column("seed", sa.String(64), nullable=True),
)

city_inspection_result = _city_table(
    "city_inspection_result",
    (sa.Column("inspection_id", sa.String(32), primary_key=True),),
    sa.Column("task_id", sa.String(32), nullable=True),
    sa.Column("uscc", USCC, nullable=False),
    sa.Column("entity_name", sa.String(128), nullable=False),
    sa.Column("planned_on", sa.Date, nullable=False),
    sa.Column("done_on", sa.Date, nullable=False),
    sa.Column("result", _enum("inspection", "result"), nullable=False),
)

#: The tables of one package's rows (children of ``city_package``), in load order.
CITY_PACKAGE_TABLES: tuple[sa.Table, ...] = (
    city_indicator_value, city_credit_list, city_case_decision, city_inspection_task,
    city_inspection_result,
)

# --- identity (data.md §8; not source data: never generated, imported or truncated) ---------------

#: Roles of product.md §6; what each may do is ``dashboard.auth.permissions``.
ROLES: tuple[str, ...] = ("leader", "analyst", "station", "duty", "admin", "wall")

#: Actions of the audit log (data.md §8); the writes of the operations screens add theirs here.
AUDIT_ACTIONS: tuple[str, ...] = (
    "login", "login_failed", "logout", "view_entity", "export", "unmask", "import", "user_admin",
    "dispatch", "warning_transition", "rule_change", "draw",
)

# "user" is reserved on PostgreSQL, hence app_user. office_code carries no foreign key on purpose:
# ``smartsup generate`` truncates office with the other source tables, and accounts must survive it
# (the CLI checks the code when an account is created).
app_user = sa.Table(
    "app_user", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("role", sa.String(8), nullable=False),
    sa.Column("office_code", sa.String(16), nullable=True,
              comment="station staff: their 市场监管所, whose street_code is their jurisdiction"),
    sa.Column("password_hash", sa.String(255), nullable=True, comment="argon2id; null for wall accounts"),
    sa.Column("wall_token_hash", sa.String(64), nullable=True, unique=True,
              comment="sha256 of the wall display's token; null = no valid token"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime, nullable=True),
    sa.Column("last_login_at", sa.DateTime, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    comment="accounts of the web app (identity); role in ROLES",
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("username", sa.String(64), nullable=True, comment="as typed for login_failed"),
    sa.Column("role", sa.String(8), nullable=True),
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("target", sa.String(256), nullable=True),
    sa.Column("detail", sa.JSON, nullable=True),
    sa.Column("ip", sa.String(45), nullable=True),
    sa.Index(None, "at"),
    sa.Index(None, "username", "at"),
    comment="append-only: who did or viewed what (可追溯、可问责); action in AUDIT_ACTIONS",
)

# --- bookkeeping ----------------------------------------------------------------------------

meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=True),
    comment="store facts: generator scale and seed, data version of the read layer",
)

#: Source tables in an order where every foreign key points to an earlier table.
SOURCE_TABLES: tuple[sa.Table, ...] = (
    street, office, staff, entity, entity_change, licence, equipment, equipment_inspection,
    food_sampling, inspection_task, inspection, credit_list, complaint, case_file,
    case_stage_event, device, device_reading, device_alarm, warning_rule, warning, incident,
    resource, dispatch, entity_honor, ip_right, online_store, ad_hit,
    qr_scan, self_inspection, association, mediation, commitment, party_org, party_org_member,
    party_activity, assurance_mission, assurance_site, assurance_patrol, city_work_order,
)
