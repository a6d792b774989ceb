"""一户一档 (/entity/<uscc>): one entity's whole file, personal data masked unless authorised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.api._base import check_limit, check_uscc, current_data_time, mask_name, mask_phone, reading
from data_access.cache import memoized
from data_access.marts import industry_sections

SECTION_NAMES = {sec: name for sec, name, *_ in industry_sections()}
SECTION_OF = {f"{d:02d}": sec for sec, _, lo, hi in industry_sections() for d in range(int(lo), int(hi) + 1)}
FACETS = ("qualification", "supervision", "complaint", "enforcement", "credit")


class EntityNotFound(LookupError):
    """No entity with this (valid) USCC in the store."""


@dataclass
class EntityFile:
    """Everything known about one entity. Frames are newest first; ``timeline_truncated`` says
    whether the timeline was cut at the requested limit."""

    uscc: str
    registration: dict[str, Any]
    licences: pd.DataFrame
    tags: pd.DataFrame
    credit: dict[str, Any] | None
    catering: dict[str, Any] | None
    capital_risk: dict[str, Any] | None
    facets: dict[str, float]
    credit_lists: pd.DataFrame
    changes: pd.DataFrame
    equipment: pd.DataFrame
    devices: pd.DataFrame
    online_stores: pd.DataFrame
    timeline: pd.DataFrame
    timeline_truncated: bool
    data_time: datetime | None
    masked: bool = True


def _one(r, table: sa.Table, uscc: str) -> dict[str, Any] | None:
    row = r.conn.execute(sa.select(table).where(table.c.uscc == uscc)).mappings().first()
    if row is None:
        return None
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items() if k != "uscc"}


def _timeline(r, uscc: str, limit: int) -> tuple[pd.DataFrame, bool]:
    """Events of every kind about the entity, newest first; ``limit`` per kind, then overall."""
    i, c, f, w, fs, eq, ei = (
        s.inspection,
        s.complaint,
        s.case_file,
        s.warning,
        s.food_sampling,
        s.equipment,
        s.equipment_inspection,
    )
    queries = [
        sa.select(
            sa.literal("inspection").label("kind"),
            sa.cast(i.c.id, sa.String).label("ref"),
            sa.func.coalesce(i.c.done_on, i.c.planned_on).label("at"),
            i.c.kind.label("title"),
            sa.func.coalesce(i.c.result, "planned").label("status"),
            i.c.office_code.label("office_code"),
        )
        .where(i.c.uscc == uscc)
        .order_by(sa.func.coalesce(i.c.done_on, i.c.planned_on).desc()),
        sa.select(
            sa.literal("complaint").label("kind"),
            c.c.id.label("ref"),
            c.c.received_at.label("at"),
            c.c.summary.label("title"),
            c.c.status.label("status"),
            c.c.office_code,
        )
        .where(c.c.uscc == uscc)
        .order_by(c.c.received_at.desc()),
        sa.select(
            sa.literal("case").label("kind"),
            f.c.case_no.label("ref"),
            f.c.opened_on.label("at"),
            f.c.cause.label("title"),
            f.c.stage.label("status"),
            f.c.office_code,
        )
        .where(f.c.uscc == uscc)
        .order_by(f.c.opened_on.desc()),
        sa.select(
            sa.literal("warning").label("kind"),
            w.c.id.label("ref"),
            w.c.raised_at.label("at"),
            w.c.title.label("title"),
            w.c.status.label("status"),
            w.c.office_code,
        )
        .where(w.c.uscc == uscc)
        .order_by(w.c.raised_at.desc()),
        sa.select(
            sa.literal("sampling").label("kind"),
            sa.cast(fs.c.id, sa.String).label("ref"),
            fs.c.sampled_on.label("at"),
            fs.c.food_category.label("title"),
            fs.c.result.label("status"),
            sa.null().label("office_code"),
        )
        .where(fs.c.uscc == uscc)
        .order_by(fs.c.sampled_on.desc()),
        sa.select(
            sa.literal("equipment_inspection").label("kind"),
            eq.c.equipment_code.label("ref"),
            ei.c.inspected_on.label("at"),
            eq.c.kind.label("title"),
            ei.c.result.label("status"),
            sa.null().label("office_code"),
        )
        .join(eq, eq.c.equipment_code == ei.c.equipment_code)
        .where(eq.c.uscc == uscc)
        .order_by(ei.c.inspected_on.desc()),
    ]
    frames = [r.frame(q.limit(limit + 1)) for q in queries]
    truncated = any(len(f) > limit for f in frames)
    frames = [f.iloc[:limit].astype(object) for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["kind", "ref", "at", "title", "status", "office_code"]), truncated
    out = pd.concat(frames, ignore_index=True)
    out["at"] = pd.to_datetime(out["at"].astype(str), format="mixed")
    out = out.sort_values(["at", "kind"], ascending=[False, True])
    truncated = truncated or len(out) > limit
    return out.head(limit).reset_index(drop=True), truncated


@memoized
def entity_file(uscc: str, unmasked: bool = False, timeline_limit: int = 500) -> EntityFile:
    """The whole file of one entity (一户一档).

    Registration (with street and industry names), licences, tags, credit class, catering risk,
    capital-risk flags, the five facets (五官图, 0–100), credit-list entries, registration changes,
    special equipment, monitoring devices, online stores, and a timeline of inspections,
    complaints, cases, warnings, samplings and equipment inspections. The legal representative's
    name and phone (and names in legal-representative changes) are masked unless ``unmasked``.

    Raises ``InvalidUSCC`` for a malformed code and ``EntityNotFound`` for an unknown one.
    """
    code = check_uscc(uscc)
    limit = check_limit(timeline_limit)
    e = s.entity
    with reading() as r:
        st = r.table("street_dim")
        reg = (
            r.conn.execute(
                sa.select(e, st.c.name.label("street_name"))
                .select_from(e.outerjoin(st, st.c.code == e.c.street_code))
                .where(e.c.uscc == code)
            )
            .mappings()
            .first()
        )
        if reg is None:
            raise EntityNotFound(f"库中没有统一社会信用代码为 {code} 的主体")
        reg = dict(reg)
        lic = r.frame(
            sa.select(
                s.licence.c.licence_no,
                s.licence.c.kind,
                s.licence.c.issued_on,
                s.licence.c.expires_on,
                s.licence.c.status,
            )
            .where(s.licence.c.uscc == code)
            .order_by(s.licence.c.issued_on.desc())
        )
        tg, cat = r.table("tag"), r.table("tag_catalogue")
        tags = r.frame(
            sa.select(cat.c.id.label("tag_id"), cat.c.name, cat.c.theme, cat.c.rule)
            .join(tg, tg.c.tag_id == cat.c.id)
            .where(tg.c.uscc == code)
            .order_by(cat.c.id)
        )
        credit = _one(r, r.table("model_credit_risk"), code)
        catering = _one(r, r.table("model_catering_risk"), code)
        capital = _one(r, r.table("model_capital_risk"), code)
        facets_row = _one(r, r.table("model_entity_facets"), code) or {}
        cl = s.credit_list
        lists = r.frame(
            sa.select(cl.c.list, cl.c.reason, cl.c.listed_on, cl.c.removed_on)
            .where(cl.c.uscc == code)
            .order_by(cl.c.listed_on.desc())
        )
        ch = s.entity_change
        changes = r.frame(
            sa.select(ch.c.changed_on, ch.c.field, ch.c.old_value, ch.c.new_value)
            .where(ch.c.uscc == code)
            .order_by(ch.c.changed_on.desc())
            .limit(limit)
        )
        eq = s.equipment
        equipment = r.frame(
            sa.select(
                eq.c.equipment_code, eq.c.kind, eq.c.installed_on, eq.c.next_inspection_due, eq.c.status
            )
            .where(eq.c.uscc == code)
            .order_by(eq.c.equipment_code)
        )
        dv = s.device
        devices = r.frame(
            sa.select(
                dv.c.device_id,
                dv.c.kind,
                dv.c.venue_category,
                dv.c.status,
                dv.c.last_seen_at,
                dv.c.stream_url,
            )
            .where(dv.c.uscc == code)
            .order_by(dv.c.device_id)
        )
        os_ = s.online_store
        stores = r.frame(
            sa.select(os_.c.id, os_.c.platform, os_.c.store_name, os_.c.opened_on, os_.c.status)
            .where(os_.c.uscc == code)
            .order_by(os_.c.opened_on.desc())
        )
        timeline, truncated = _timeline(r, code, limit)
        dt = current_data_time(r)
    reg["uscc"] = reg["uscc"].strip()
    reg["section"] = SECTION_OF.get(reg.get("industry_code") or "", "?")
    reg["section_name"] = SECTION_NAMES.get(reg["section"], "未知")
    if reg.get("registered_capital") is not None:
        reg["registered_capital"] = float(reg["registered_capital"])
    if not unmasked:
        reg["legal_rep_name"] = mask_name(reg.get("legal_rep_name"))
        reg["legal_rep_phone"] = mask_phone(reg.get("legal_rep_phone"))
        rep = changes["field"] == "legal_rep"
        changes.loc[rep, "old_value"] = changes.loc[rep, "old_value"].map(mask_name)
        changes.loc[rep, "new_value"] = changes.loc[rep, "new_value"].map(mask_name)
    facets = {k: float(facets_row[k]) for k in FACETS if facets_row.get(k) is not None}
    return EntityFile(
        code,
        reg,
        lic,
        tags,
        credit,
        catering,
        capital,
        facets,
        lists,
        changes,
        equipment,
        devices,
        stores,
        timeline,
        truncated,
        dt,
        masked=not unmasked,
    )
