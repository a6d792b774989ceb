"""综合查询 (/search): find entities by name, USCC, address or licence number."""

from __future__ import annotations

import re

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.api._base import Rows, check_choice, check_limit, check_scope, like_pattern, reading
from data_access.cache import memoized
from data_access.schema import ENUMS

#: How a result matched, best first (results are ordered by this, then by name).
MATCH_ORDER = ("uscc", "licence", "name_prefix", "name", "address")
_CODE = re.compile(r"^[0-9A-Z]{2,}$")


def _prefix(dialect: str, col: sa.ColumnElement, text: str) -> sa.ColumnElement:
    """``col`` starts with ``text``: an index range on SQLite (whose LIKE cannot use a BINARY
    index), LIKE on PostgreSQL (whose collation-aware ordering would make a range unsafe)."""
    if dialect == "sqlite":
        return sa.and_(col >= text, col < text + "\U0010ffff")
    return col.like(like_pattern(text)[1:], escape="\\")


@memoized
def search(q: str, limit: int = 50, scope: tuple[str, ...] | None = None, status: str | None = None) -> Rows:
    """Entities matching ``q``: a USCC (or its beginning), a licence number (or its beginning), a
    name beginning with or containing ``q``, or an address containing it. Columns: uscc, name,
    entity_type, status, address, street_code, street_name, matched (uscc / licence / name_prefix /
    name / address), best matches first. At most ``limit`` rows; ``truncated`` when more matched.

    Each kind of match stops reading once it has enough rows, so a common word costs little; a
    rare one scans the narrow ``search_key`` table once. An empty query gives no rows.
    """
    limit = check_limit(limit)
    check_choice(status, ENUMS[("entity", "status")], "status")
    text = (q or "").strip()
    e, lic = s.entity, s.licence
    cols = [e.c.uscc, e.c.name, e.c.entity_type, e.c.status, e.c.address, e.c.street_code]
    out_cols = [c.name for c in cols] + ["street_name", "matched"]
    with reading() as r:
        scope = check_scope(r, scope)
        if not text:
            return Rows(pd.DataFrame(columns=out_cols), False, limit)
        upper = text.upper()
        queries: list[tuple[str, sa.Select]] = []
        if _CODE.match(upper):
            queries.append(("uscc", sa.select(*cols).where(_prefix(r.dialect, e.c.uscc, upper))))
            queries.append(
                (
                    "licence",
                    sa.select(*cols)
                    .join(lic, lic.c.uscc == e.c.uscc)
                    .where(lic.c.licence_no.like(like_pattern(upper)[1:], escape="\\")),
                )
            )
        if r.dialect == "sqlite":
            # An index range on SQLite; on PostgreSQL it would be one more scan, and the
            # contains-scan below ranks prefix matches first anyway.
            queries.append(("name_prefix", sa.select(*cols).where(_prefix(r.dialect, e.c.name, text))))
        found: list[pd.DataFrame] = []
        seen: set[str] = set()

        def narrow(
            stmt: sa.Select, column: sa.ColumnElement, street: sa.ColumnElement, state: sa.ColumnElement
        ) -> sa.Select:
            if scope is not None:
                stmt = stmt.where(street.in_(scope))
            if status is not None:
                stmt = stmt.where(state == status)
            if seen:
                stmt = stmt.where(column.not_in(sorted(seen)))
            # SQLite: no ORDER BY, so a scan stops at the limit instead of sorting every match (its
            # rowid order is stable). PostgreSQL may start a scan anywhere (synchronised scans):
            # order by key there, a cheap top-N sort, so the same query gives the same rows.
            if r.dialect == "postgresql":
                stmt = stmt.order_by(column)
            return stmt.limit(limit + 1 - len(seen))

        def keep(f: pd.DataFrame, matched: pd.Series | str) -> None:
            if f.empty:
                return
            f["uscc"] = f["uscc"].astype(str).str.strip()
            f["matched"] = matched
            found.append(f)
            seen.update(f["uscc"])

        for matched, stmt in queries:
            if len(seen) <= limit:
                keep(r.frame(narrow(stmt, e.c.uscc, e.c.street_code, e.c.status)), matched)
        if len(seen) <= limit:
            # One scan of the narrow name+address table instead of two of the wide entity table.
            k = r.table("search_key")
            hits = sa.select(k.c.uscc).where(k.c.key.like(like_pattern(text), escape="\\"))
            sub = narrow(hits, k.c.uscc, k.c.street_code, k.c.status).subquery()
            f = r.frame(sa.select(*cols).join(sub, sub.c.uscc == e.c.uscc))
            names = f["name"].astype(str)
            kind = names.str.contains(text, case=False, regex=False).map({True: "name", False: "address"})
            keep(f, kind.where(~names.str.startswith(text), "name_prefix"))
        st = r.table("street_dim")
        names = dict(r.conn.execute(sa.select(st.c.code, st.c.name)).all())
    if not found:
        return Rows(pd.DataFrame(columns=out_cols), False, limit)
    hits = pd.concat(found, ignore_index=True)
    hits["_rank"] = hits["matched"].map(MATCH_ORDER.index)
    hits = hits.sort_values(["_rank", "name", "uscc"], kind="stable")
    truncated = len(hits) > limit
    hits = hits.head(limit).reset_index(drop=True)
    hits["street_name"] = hits["street_code"].map(names)
    return Rows(hits[out_cols], truncated, limit)
