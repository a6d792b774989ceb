"""Small reads for jurisdiction checks (a station user may see only their streets)."""

from __future__ import annotations

import sqlalchemy as sa

from data_access import schema
from data_access.api._base import check_uscc, reading


def entity_street(uscc: str) -> str | None:
    """The street code of the entity ``uscc`` (None when there is no such entity).

    Raises ``data_access.uscc.InvalidUSCC`` for a malformed code.
    """
    code = check_uscc(uscc)
    e = schema.entity
    with reading() as r:
        return r.conn.execute(sa.select(e.c.street_code).where(e.c.uscc == code)).scalar_one_or_none()
