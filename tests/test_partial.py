"""Partial periods are marked (issue 13 §4): the current month/day of a trend is drawn distinctly and
labelled, never read as a drop."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from components import charts_cases, charts_complaints, charts_entities, charts_overview
from components.figures import bar, trend
from components.partial import infer_grain, is_partial, mark_partial, mark_trend, partial_label

MONTHS = list(pd.date_range("2025-12-01", "2026-11-01", freq="MS"))
AS_OF = datetime(2026, 11, 20, 21, 23)


def _annotations(fig):
    return [a.text for a in fig.layout.annotations]


def test_par001_is_partial_and_labels():
    assert is_partial(pd.Timestamp("2026-11-01"), AS_OF, "month")
    assert not is_partial(pd.Timestamp("2026-10-01"), AS_OF, "month")
    # a period closed at midnight on the 1st is complete
    assert not is_partial(pd.Timestamp("2026-11-01"), datetime(2026, 12, 1), "month")
    assert not is_partial(pd.Timestamp("2026-11-01"), None, "month")
    assert is_partial(pd.Timestamp("2026-11-20"), AS_OF, "day")
    assert partial_label("month", AS_OF) == "本月至今（截至11月20日）"
    assert partial_label("month", datetime(2026, 11, 21)) == "本月至今（截至11月20日）"
    assert partial_label("day", AS_OF) == "今日至今（截至21:23）"
    assert infer_grain(MONTHS) == "month"
    assert infer_grain(list(pd.date_range("2026-11-01", periods=5, freq="D"))) == "day"
    assert infer_grain([pd.Timestamp("2025-01-01"), pd.Timestamp("2026-01-01")]) == "year"


def test_par002_bar_last_period_hatched_and_lighter():
    fig = bar(MONTHS, list(range(12)), theme="dark", mode="wall")
    mark_partial(fig, MONTHS, AS_OF)
    marker = fig.data[0].marker
    assert list(marker.pattern.shape) == [""] * 11 + ["/"]
    assert list(marker.opacity)[-1] < 1 and list(marker.opacity)[0] == 1
    assert _annotations(fig) == ["本月至今（截至11月20日）"]


def test_par003_line_last_period_shaded_data_untouched():
    fig = trend(MONTHS, list(range(100, 112)), previous=list(range(90, 102)), name="受理量",
                previous_name="去年同期", unit="件", theme="dark", mode="wall")
    data_before = [t.to_plotly_json() for t in fig.data]
    mark_partial(fig, MONTHS, AS_OF)
    assert [t.to_plotly_json() for t in fig.data] == data_before
    (band,) = fig.layout.shapes
    assert pd.Timestamp(band.x0) < MONTHS[-1] < pd.Timestamp(band.x1)
    assert pd.Timestamp(band.x0) > MONTHS[-2]
    assert _annotations(fig) == ["本月至今（截至11月20日）"]


def test_par004_complete_period_unchanged():
    fig = bar(MONTHS, list(range(12)), theme="dark", mode="wall")
    before = fig.to_plotly_json()
    mark_partial(fig, MONTHS, datetime(2026, 12, 1))
    assert fig.to_plotly_json() == before
    mark_trend(fig, pd.DataFrame({"month": MONTHS}), "month")   # no as-of recorded: nothing marked
    assert fig.to_plotly_json() == before


def _stamped(frame: pd.DataFrame) -> pd.DataFrame:
    frame.attrs["as_of"] = AS_OF
    return frame


@pytest.mark.parametrize("mode", ["wall", "analyst"])
def test_par005_trend_charts_mark_their_last_month(mode):
    cases = _stamped(pd.DataFrame({"month": MONTHS, "opened": range(12), "closed": range(12),
                                   "decisions": range(12), "fines_yuan": [1.0] * 12,
                                   "confiscation_yuan": [0.0] * 12}))
    regs = _stamped(pd.DataFrame({"month": MONTHS, "new": range(12), "deregistered": range(12),
                                  "net": [0] * 12}))
    comp = _stamped(pd.DataFrame({"period": MONTHS, "n": range(12), "n_last_year": range(12),
                                  "yoy": [0.1] * 12}))
    figs = [
        charts_overview.case_trend_chart(cases, theme="dark", mode=mode),
        charts_entities.registration_trend_chart(regs, selected_month="2026-11", theme="dark", mode=mode),
        charts_complaints.trend_chart(comp, selected_month="2026-03", theme="dark", mode=mode),
        charts_cases.trend_chart(cases, theme="dark", mode=mode),
    ]
    for fig in figs:
        assert "本月至今（截至11月20日）" in _annotations(fig)
        # every trace keeps per-point arrays of its own length (clicks carry the right month)
        for t in fig.data:
            if t.customdata is not None and t.x is not None:
                assert len(t.customdata) == len(t.x)


def test_par006_read_api_records_as_of(tmp_path_factory, small_store_url):
    from data_access import cache
    from data_access.api import cases, complaints
    from data_access.db import store
    from tests.test_refresh import refreshed_copy

    store.configure(refreshed_copy(tmp_path_factory, small_store_url))
    cache.reset()
    try:
        now = complaints.complaint_trend(date(2025, 12, 1), date(2026, 11, 21))
        assert now.attrs["as_of"].date() == date(2026, 11, 20)   # the data time, inside the last day
        past = cases.case_trend(date(2025, 1, 1), date(2025, 7, 1))
        assert past.attrs["as_of"] == datetime(2025, 7, 1)       # a closed period: its end
        assert not is_partial(past["month"].iloc[-1], past.attrs["as_of"], "month")
    finally:
        store.dispose()
        cache.reset()
