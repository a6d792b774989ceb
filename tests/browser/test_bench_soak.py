"""``smartsup soak``: the growth verdicts it writes, and its in-page counters (overlapping callbacks,
rotations) in a real Chromium."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from dashboard.bench_soak import _INSTRUMENT_JS, _TAKE_JS, Sample, SoakResult, render_soak


def _result(heap: list[float], screens: int = 2, rotate_s: float = 30, errors=(), overlaps: int = 0):
    r = SoakResult(datetime(2026, 12, 7, 22), 1.0, screens, rotate_s, errors=list(errors))
    for i, h in enumerate(heap):  # a sample every 15 s: a rotation (2 × 30 s) is 4 samples
        r.samples.append(Sample(minute=(i + 1) * 0.25, path="/", heap_mb=h, dom_nodes=1000, listeners=10,
                                server_rss_mb=300, calls=5, call_ms_median=100.0,
                                overlaps=overlaps if i == 3 else 0, rotations=i // 4, console_errors=0,
                                refreshed_at=f"2026-12-07 22:0{i % 10}", refresh_s=4.0))
    return r


def test_growth_compares_the_second_rotation_with_the_last():
    flat = _result([30.0] * 4 + [20.0] * 4 + [20.0] * 8)
    assert flat.growth("heap_mb") == pytest.approx(0.0)
    leak = _result([30.0] * 4 + [20.0] * 4 + [21.0] * 4 + [25.0] * 4)
    assert leak.growth("heap_mb") == pytest.approx(0.25)
    assert leak.growth("server_rss_mb") == pytest.approx(0.0)
    text = render_soak(leak, "smartsup soak --hours 1", "soak.png")
    assert "| JS heap growth | +25.0 % | < 10 % | ❌ |" in text
    assert "| server RSS growth (all gunicorn processes) | +0.0 % | < 10 % | ✅ |" in text
    assert "![soak curves](soak.png)" in text


def test_too_short_a_run_gives_no_growth_verdict_and_errors_fail():
    short = _result([20.0] * 6, errors=["Uncaught TypeError: x"], overlaps=2)
    assert short.growth("heap_mb") is None
    text = render_soak(short, "smartsup soak", None)
    assert "not enough rotations" in text
    assert "| console errors | 1 | 0 | ❌ |" in text
    assert "| 2 | 0 | ❌ |" in text and "Uncaught TypeError" in text


def test_in_page_counters_see_an_overlap_and_a_rotation(browser):
    """Two calls for one output, the second sent before the first answered: one overlap; a call
    for another output beside them is not one. Back on the first path: one rotation of 2 screens."""
    context = browser.new_context()
    context.add_init_script(_INSTRUMENT_JS)

    def slow(route):
        time.sleep(0.4)
        route.fulfill(status=200, content_type="application/json", body="{}")

    context.route("http://soak.test/_dash-update-component", slow)
    context.route("http://soak.test/", lambda route: route.fulfill(status=200, content_type="text/html",
                                                                 body="<html><body>wall</body></html>"))
    page = context.new_page()
    try:
        page.goto("http://soak.test/")
        page.evaluate("""() => Promise.all([
            fetch("/_dash-update-component", {method: "POST", body: JSON.stringify({output: "a.children"})}),
            fetch("/_dash-update-component", {method: "POST", body: JSON.stringify({output: "a.children"})}),
            fetch("/_dash-update-component", {method: "POST", body: JSON.stringify({output: "b.figure"})}),
        ])""")
        page.evaluate("([a, b]) => { history.pushState({}, '', a); history.pushState({}, '', b); }",
                      ["/complaints", "/"])
        taken = page.evaluate(_TAKE_JS)
        assert taken["calls"] == 3 and len(taken["ms"]) == 3 and min(taken["ms"]) >= 300
        assert taken["overlaps"] == 1 and taken["overlapped"] == ["a.children"]
        assert taken["rotations"] == 1 and taken["screens"] == 2
        again = page.evaluate(_TAKE_JS)
        assert again["calls"] == 0 and again["overlaps"] == 0  # counters restart at each sample
    finally:
        context.close()
