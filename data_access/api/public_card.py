"""扫码查看 (/public/entity/<uscc>): an entity's public card, and the scan that opening it records.

Only what the credit-publicity system (国家企业信用信息公示系统) would show anyone: registration facts,
licences, the credit publicity lists the entity is on now, and its consumer commitments. Nothing
personal (no legal representative, no phone), nothing behind the jurisdiction rules, no case or
complaint detail. The card is read from the source tables (one entity, indexed on ``uscc``) and is
memoised like every read; ``record_scan`` is the one write, a ``qr_scan`` of kind ``public_card``.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.api._base import as_of, check_uscc, reading
from data_access.cache import memoized
from data_access.db import store

#: The entity columns the public card may show (never legal_rep_name / legal_rep_phone).
PUBLIC_ENTITY_COLUMNS = (
    "uscc",
    "name",
    "entity_type",
    "industry_code",
    "established_on",
    "status",
    "status_changed_on",
    "address",
    "street_code",
)
#: Credit lists published to the public (joint punishment lists are shared between agencies only).
PUBLIC_LISTS = ("abnormal_operation", "serious_illegal_dishonest")


@memoized
def public_card(uscc: str) -> dict | None:
    """The public card of one entity, or None if the store does not know it: ``entity`` (a dict of
    ``PUBLIC_ENTITY_COLUMNS`` plus ``street_name``), ``licences`` (licence_no, kind, issued_on,
    expires_on, status), ``credit_lists`` (list, listed_on, reason; entries not removed as of D),
    ``commitments`` (kind, since; in force at D) and ``as_of`` (D)."""
    code = check_uscc(uscc)
    e, st = s.entity, s.street
    with reading() as r:
        row = (
            r.conn.execute(
                sa.select(*(e.c[c] for c in PUBLIC_ENTITY_COLUMNS), st.c.name.label("street_name"))
                .select_from(e.outerjoin(st, st.c.code == e.c.street_code))
                .where(e.c.uscc == code)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        d = as_of(r)
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
        cl = s.credit_list
        lists = r.frame(
            sa.select(cl.c.list, cl.c.listed_on, cl.c.reason)
            .where(
                cl.c.uscc == code,
                cl.c.list.in_(PUBLIC_LISTS),
                cl.c.listed_on <= d,
                sa.or_(cl.c.removed_on.is_(None), cl.c.removed_on > d),
            )
            .order_by(cl.c.listed_on.desc())
        )
        c = s.commitment
        commitments = r.frame(
            sa.select(c.c.kind, c.c.since)
            .where(c.c.uscc == code, c.c.since <= d, sa.or_(c.c.revoked_on.is_(None), c.c.revoked_on > d))
            .order_by(c.c.since)
        )
    entity = dict(row)
    for k in ("established_on", "status_changed_on"):
        if entity[k] is not None and not isinstance(entity[k], date):
            entity[k] = pd.Timestamp(entity[k]).date()
    return {
        "entity": entity,
        "licences": lic,
        "credit_lists": lists,
        "commitments": commitments,
        "as_of": d,
    }


def record_scan(uscc: str, at: datetime | None = None) -> bool:
    """Record that the public card of ``uscc`` was opened (a ``qr_scan`` of kind ``public_card`` in
    the entity's street). Returns False, writing nothing, for an entity the store does not know.
    Not memoised: a write. The caller rate-limits (the route is public)."""
    code = check_uscc(uscc)
    at = (at or datetime.now()).replace(microsecond=0)
    q, e = s.qr_scan, s.entity
    for attempt in range(3):  # two workers may take the same next id: the loser tries again
        try:
            with store.engine.begin() as conn:
                street = conn.execute(sa.select(e.c.street_code).where(e.c.uscc == code)).scalar()
                if street is None:
                    return False
                next_id = (conn.execute(sa.select(sa.func.max(q.c.id))).scalar() or 0) + 1
                conn.execute(
                    sa.insert(q).values(
                        id=next_id,
                        kind="public_card",
                        uscc=code,
                        equipment_code=None,
                        street_code=street,
                        scanned_at=at,
                        rating=None,
                        reported_problem=False,
                    )
                )
            return True
        except sa.exc.IntegrityError:
            if attempt == 2:
                raise
    return False
