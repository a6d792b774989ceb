"""效能评价 (/efficacy): the per-office scorecard (组织效能体检), composite and ranking, radar, trend."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from data_access.api._base import check_period, month_buckets, ratio, reading, stamp_as_of
from data_access.cache import memoized

#: The five scorecard dimensions (0–100 each) drawn on an office's radar.
RADAR = (
    "inspection_done_rate_score",
    "complaint_ontime_rate_score",
    "case_within_limit_rate_score",
    "warning_response_minutes_score",
    "satisfaction_rate_score",
)


@memoized
def office_scorecard() -> pd.DataFrame:
    """Every office's efficacy scorecard as computed by the 组织效能体检 model at the last refresh:
    office_code, name, the model's metric columns (raw rates and their 0–100 scores), composite,
    rank — best first."""
    with reading() as r:
        t = r.table("model_office_efficacy")
        f = r.frame(sa.select(t))
    sort = [c for c in ("rank", "office_code") if c in f]
    return f.sort_values(sort).reset_index(drop=True)


@memoized
def office_radar(office_code: str) -> pd.DataFrame:
    """One office's radar: dimension (the five score columns), score (0–100), district_mean.
    Raises ``LookupError`` for an office without a scorecard."""
    card = office_scorecard()
    row = card[card["office_code"] == office_code]
    if row.empty:
        raise LookupError(f"没有机构 {office_code} 的效能评价")
    dims = [d for d in RADAR if d in card]
    return pd.DataFrame(
        {
            "dimension": dims,
            "score": [float(row.iloc[0][d]) for d in dims],
            "district_mean": [float(card[d].mean()) for d in dims],
        }
    )


@memoized
def office_trend(office_code: str, start: date, end: date) -> pd.DataFrame:
    """Monthly efficacy of one office over ``[start, end)``: month, inspection_done_rate (of
    double-random inspections planned that month), case_within_90d_rate (cases closed that month),
    and — for a 市场监管所, whose area is one street — complaint_ontime_rate and
    warning_avg_response_minutes of its street."""
    start, end = check_period(start, end)
    with reading() as r:
        o = r.table("office_dim")
        office = r.conn.execute(sa.select(o.c.code, o.c.street_code).where(o.c.code == office_code)).first()
        if office is None:
            raise LookupError(f"没有机构 {office_code}")
        kw = {"start": start, "end": end, "by": ("month",)}
        insp = r.aggregate(
            "insp_planned", ["n", "n_done"], where={"office_code": office_code, "kind": "double_random"}, **kw
        )
        case = r.aggregate(
            "case_closed", {"closed": "n", "within": "n_within_90d"}, where={"office_code": office_code}, **kw
        )
        out = pd.DataFrame({"month": month_buckets(start, end)})
        out = out.merge(insp, on="month", how="left").merge(case, on="month", how="left")
        out["inspection_done_rate"] = ratio(out["n_done"].fillna(0), out["n"].fillna(0))
        out["case_within_90d_rate"] = ratio(out["within"].fillna(0), out["closed"].fillna(0))
        cols = ["month", "inspection_done_rate", "case_within_90d_rate"]
        if office.street_code:
            scope = (office.street_code,)
            cmp = r.aggregate("complaint_closed", {"c": "n", "ok": "n_ontime"}, scope=scope, **kw)
            warn = r.aggregate(
                "warning_raised", {"h": "n_handled", "m": "response_minutes"}, scope=scope, **kw
            )
            out = out.merge(cmp, on="month", how="left").merge(warn, on="month", how="left")
            out["complaint_ontime_rate"] = ratio(out["ok"].fillna(0), out["c"].fillna(0))
            out["warning_avg_response_minutes"] = ratio(out["m"].fillna(0), out["h"].fillna(0))
            cols += ["complaint_ontime_rate", "warning_avg_response_minutes"]
    return stamp_as_of(out[cols], end)
