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
}


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
)
