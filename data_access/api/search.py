"""综合查询 (/search): find entities by name, USCC, address or licence number."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.api._base import Rows, check_choice, check_limit, check_scope, like_pattern, reading
from data_access.cache import memoized
from data_access.schema import ENUMS

#: How a result matched, best first (results are ordered by this, then by name).
MATCH_ORDER = ("uscc", "licence", "name_prefix", "name", "address")


@memoized
def search(q: str, limit: int = 50, scope: tuple[str, ...] | None = None, status: str | None = None) -> Rows:
    """Entities matching ``q``: an exact or prefix USCC, a licence number (prefix), or text in the
    name or the address. Columns: uscc, name, entity_type, status, address, street_code,
    street_name, matched (uscc / licence / name_prefix / name / address). At most ``limit`` rows;
    ``truncated`` when more matched. An empty query gives no rows."""
    limit = check_limit(limit)
    check_choice(status, ENUMS[("entity", "status")], "status")
    text = (q or "").strip()
    e, lic = s.entity, s.licence
    cols = [e.c.uscc, e.c.name, e.c.entity_type, e.c.status, e.c.address, e.c.street_code]
    with reading() as r:
        scope = check_scope(r, scope)
        st = r.table("street_dim")
        empty = pd.DataFrame(columns=[c.name for c in cols] + ["street_name", "matched"])
        if not text:
            return Rows(empty, False, limit)
        upper = text.upper()
        pattern = like_pattern(text)
        prefix = like_pattern(text)[1:]
        queries = [
            ("uscc", sa.select(*cols).where(e.c.uscc.like(like_pattern(upper)[1:], escape="\\"))),
            (
                "licence",
                sa.select(*cols)
                .join(lic, lic.c.uscc == e.c.uscc)
                .where(lic.c.licence_no.like(like_pattern(upper)[1:], escape="\\")),
            ),
            ("name_prefix", sa.select(*cols).where(e.c.name.like(prefix, escape="\\"))),
            ("name", sa.select(*cols).where(e.c.name.like(pattern, escape="\\"))),
            ("address", sa.select(*cols).where(e.c.address.like(pattern, escape="\\"))),
        ]
        frames = []
        for matched, stmt in queries:
            if scope is not None:
                stmt = stmt.where(e.c.street_code.in_(scope))
            if status is not None:
                stmt = stmt.where(e.c.status == status)
            f = r.frame(stmt.order_by(e.c.name, e.c.uscc).limit(limit + 1))
            frames.append(f.assign(matched=matched))
        names = dict(r.conn.execute(sa.select(st.c.code, st.c.name)).all())
    hits = pd.concat([f.astype(object) for f in frames if not f.empty] or [empty], ignore_index=True)
    hits["uscc"] = hits["uscc"].astype(str).str.strip()
    hits = hits.drop_duplicates("uscc", keep="first")
    truncated = len(hits) > limit or any(len(f) > limit for f in frames)
    hits = hits.head(limit).reset_index(drop=True)
    hits["street_name"] = hits["street_code"].map(names)
    return Rows(hits[[c.name for c in cols] + ["street_name", "matched"]], truncated, limit)
