"""``smartsup bench`` on the small district: every screen's answers from the marts equal the answers
computed from the raw tables, and the report replaces only its own section of the benchmarks file."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import bench
from data_access import cache
from data_access.db import store
from tests.test_refresh import refreshed_copy


@pytest.fixture(scope="module")
def small_result(tmp_path_factory, small_store_url):
    url = refreshed_copy(tmp_path_factory, small_store_url)
    lines: list[str] = []
    try:
        result = bench.bench_backend(
            "SQLite", url, reps=1, raw_reps=1, do_refresh=False, only=None, echo=lines.append
        )
    finally:
        cache.reset()
        store.dispose()
    return result, lines


def test_every_screen_is_measured_and_equals_its_raw_answers(small_result):
    result, lines = small_result
    names = [s.screen for s in result.screens]
    assert len(names) == len(set(names)) >= 15
    for s in result.screens:
        assert s.equal, f"{s.screen}: marts and raw tables disagree on {s.mismatches}"
        assert len(s.cold) == 1 and len(s.raw) == 1 and len(s.warm) == 3
        assert all(v > 0 for v in s.cold + s.raw + s.warm)
    assert result.rss_mb is not None and 50 < result.rss_mb < 4000
    assert any("worker RSS" in line for line in lines)


def test_same_compares_frames_and_nested_values():
    import pandas as pd

    a = pd.DataFrame({"x": [1.0, 2.0], "data_time": ["t1", "t1"]})
    b = pd.DataFrame({"x": [1.0, 2.0], "data_time": ["t2", "t2"]})
    assert bench.same(a, b)  # the data time is not part of the answer
    assert not bench.same(a, b.assign(x=[1.0, 2.5]))
    assert bench.same({"k": [1.0, a]}, {"k": [1.0 + 1e-12, b]})
    assert not bench.same({"k": 1}, {"k": 1, "j": 2})
    assert bench.same(float("nan"), float("nan"))


def test_report_replaces_only_its_own_section(tmp_path: Path, small_result):
    result, _ = small_result
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\n## Weekly PDF\n\nmeasured by hand\n", encoding="utf-8")
    from datetime import datetime

    started = datetime(2026, 11, 23, 8, 0)
    text = bench.render([result], "smartsup --data-dir DIR bench", started, (0.5, 0.4, 0.3))
    bench.write_section(out, text)
    first = out.read_text(encoding="utf-8")
    assert first.index(bench.BEGIN) < first.index("## Weekly PDF") and "measured by hand" in first
    assert "| 总览 / |" in first and "smartsup --data-dir DIR bench" in first
    bench.write_section(out, text.replace("0.5 / 0.4", "1.5 / 0.4"))
    second = out.read_text(encoding="utf-8")
    assert second.count(bench.BEGIN) == 1 and second.count("## Weekly PDF") == 1
    assert "1.5 / 0.4 / 0.3" in second and "0.5 / 0.4 / 0.3" not in second


def test_freshness_figures_on_the_small_store(tmp_path: Path, tmp_path_factory, small_store_url):
    import shutil
    from datetime import timedelta

    import sqlalchemy as sa

    from dashboard.bench_fresh import BEGIN, END, measure_freshness, render_freshness, write_freshness
    from data_access.db import make_engine
    from data_access.freshness import data_time

    path = tmp_path / "store.sqlite"
    shutil.copy(sa.make_url(refreshed_copy(tmp_path_factory, small_store_url)).database, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with engine.connect() as conn:
        start = data_time(conn)
    engine.dispose()
    clock = iter(start + timedelta(minutes=1 + i) for i in range(100))  # same data date, moving on
    result = measure_freshness("SQLite", url, events=2, now=lambda: next(clock), echo=lambda _: None)
    assert result.full_s > 0 and 0 < result.incremental_s
    assert result.carried > 100 and result.partial > 0  # incremental, not a disguised full rebuild
    assert len(result.visible_s) == 2 and all(0 < s < 60 for s in result.visible_s)
    assert result.refreshes  # the watcher made the events visible
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nkept\n", encoding="utf-8")
    write_freshness(out, "\n".join(render_freshness([result], "smartsup bench --freshness-only", start)))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nkept\n") and BEGIN in text and END in text
    assert "## Freshness" in text and "| SQLite |" in text
