"""组织效能体检 — the efficacy scorecard of each 市场监管所 (model 4, docs/models.md §4).

Five measures over the last 365 days up to the as-of date, each turned into a 0–100 sub-score on a
fixed standard (the floor scores 0, the ideal 100, linear between) and combined with fixed weights.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.models.features import Window, read_frame

WINDOW_DAYS = 365
CASE_LIMIT_DAYS = 90

#: measure → (floor that scores 0, ideal that scores 100, weight in the composite).
STANDARDS: dict[str, tuple[float, float, float]] = {
    "inspection_done_rate": (0.80, 1.00, 0.25),
    "complaint_ontime_rate": (0.90, 1.00, 0.25),
    "case_within_limit_rate": (0.80, 1.00, 0.20),
    "warning_response_minutes": (480.0, 30.0, 0.15),
    "satisfaction_rate": (0.70, 1.00, 0.15),
}


def _sub_score(values: pd.Series, floor: float, ideal: float) -> pd.Series:
    return (100 * (values - floor) / (ideal - floor)).clip(0, 100)


def _by_office(conn: sa.Connection, query: sa.Select) -> pd.DataFrame:
    return read_frame(conn, query).set_index("office_code")


def compute(conn: sa.Connection, as_of: date) -> pd.DataFrame:
    """The scorecard of every station: measures, their denominators, sub-scores, composite, rank."""
    w = Window(as_of)
    start, since, end = w.days(WINDOW_DAYS), w.since(WINDOW_DAYS), w.end
    offices = read_frame(conn, sa.select(s.office.c.code.label("office_code"), s.office.c.name)
                         .where(s.office.c.kind == "station")).set_index("office_code").sort_index()

    i = s.inspection.c
    insp = _by_office(conn, sa.select(
        i.office_code, sa.func.count().label("inspections_planned"),
        sa.func.sum(sa.case((sa.and_(i.done_on.is_not(None), i.done_on <= as_of), 1), else_=0))
        .label("inspections_done"),
    ).where(i.kind == "double_random", i.planned_on >= start, i.planned_on <= as_of).group_by(i.office_code))

    c = s.complaint.c
    comp = _by_office(conn, sa.select(
        c.office_code, sa.func.count().label("complaints_closed"),
        sa.func.sum(sa.case((c.closed_at <= c.due_at, 1), else_=0)).label("complaints_ontime"),
        sa.func.sum(sa.case((c.satisfied.is_not(None), 1), else_=0)).label("complaints_rated"),
        sa.func.sum(sa.case((c.satisfied.is_(True), 1), else_=0)).label("complaints_satisfied"),
    ).where(c.office_code.is_not(None), c.closed_at >= since, c.closed_at < end).group_by(c.office_code))

    # Cases closed in the window, and cases still open on the as-of date, are judged against the
    # 90-day limit; counting the open ones stops an office from looking good by not closing.
    k = s.case_file.c
    cases = read_frame(conn, sa.select(k.office_code, k.opened_on, k.closed_on).where(
        k.opened_on <= as_of,
        sa.or_(sa.and_(k.closed_on >= start, k.closed_on <= as_of),
               k.closed_on.is_(None), k.closed_on > as_of)))
    opened = pd.to_datetime(cases["opened_on"])
    closed = pd.to_datetime(cases["closed_on"]).where(lambda d: d <= pd.Timestamp(as_of))
    age = (closed.fillna(pd.Timestamp(as_of)) - opened).dt.days
    judged = closed.notna() | (age > CASE_LIMIT_DAYS)
    cases = cases.assign(judged=judged, within=closed.notna() & (age <= CASE_LIMIT_DAYS))
    case_tab = cases.groupby("office_code")[["judged", "within"]].sum().rename(
        columns={"judged": "cases_judged", "within": "cases_within_limit"})

    wr = s.warning.c
    warn = read_frame(conn, sa.select(wr.office_code, wr.raised_at, wr.handled_at).where(
        wr.office_code.is_not(None), wr.handled_at.is_not(None),
        wr.raised_at >= since, wr.raised_at < end, wr.handled_at < end))
    waited = pd.to_datetime(warn["handled_at"]) - pd.to_datetime(warn["raised_at"])
    warn = warn.assign(minutes=waited.dt.total_seconds() / 60)
    warn_tab = warn.groupby("office_code")["minutes"].agg(
        warnings_handled="size", warning_response_minutes="median")

    out = offices.join([insp, comp, case_tab, warn_tab])
    counts = ["inspections_planned", "inspections_done", "complaints_closed", "complaints_ontime",
              "complaints_rated", "complaints_satisfied", "cases_judged", "cases_within_limit",
              "warnings_handled"]
    out[counts] = out[counts].fillna(0).astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["inspection_done_rate"] = out["inspections_done"] / out["inspections_planned"].replace(0, np.nan)
        out["complaint_ontime_rate"] = out["complaints_ontime"] / out["complaints_closed"].replace(0, np.nan)
        out["case_within_limit_rate"] = out["cases_within_limit"] / out["cases_judged"].replace(0, np.nan)
        out["satisfaction_rate"] = out["complaints_satisfied"] / out["complaints_rated"].replace(0, np.nan)
    out["warning_response_minutes"] = out["warning_response_minutes"].astype("float64")

    composite = pd.Series(0.0, index=out.index)
    for measure, (floor, ideal, weight) in STANDARDS.items():
        sub = _sub_score(out[measure].astype("float64"), floor, ideal)
        # A station with nothing to measure in the window is neither rewarded nor punished:
        # it takes the district's mean sub-score for that measure.
        sub = sub.fillna(sub.mean() if sub.notna().any() else 100.0)
        out[f"{measure}_score"] = sub.round(1)
        composite += weight * sub
    out["composite"] = composite.round(1)
    out["rank"] = out["composite"].rank(ascending=False, method="min").astype("int64")
    return out.reset_index().sort_values(["rank", "office_code"]).reset_index(drop=True)
