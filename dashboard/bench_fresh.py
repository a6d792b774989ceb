"""Freshness figures of ``smartsup bench``: how soon a new event reaches the read layer.

* the full rebuild of the read layer, and in the same run an incremental refresh after one minute
  of simulated events (``ingest.simulate.Simulator``, the writer of ``smartsup simulate``);
* event written → visible through the read API: a complaint is appended while a watcher
  (``data_access.refresh.watch``, what ``smartsup refresh --watch`` runs) polls the change log,
  and the time is taken until the complaints cube of the live version counts it, read as a
  screen reads it (``Reader.aggregate``). A wall with ``refresh=10`` adds up to its 10 s poll and
  its redraw on top (estimated below, not measured in a browser here).

Budget (issue #13, minhang scale): incremental ≤ 3 s; event → wall ≤ 15 s.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

INCREMENTAL_S = 3.0
EVENT_TO_WALL_S = 15.0
WALL_REFRESH_S = 10.0


@dataclass
class Freshness:
    """One backend's freshness figures."""

    label: str
    full_s: float = 0.0
    full_cpu_s: float = 0.0
    incremental_s: float = 0.0
    incremental_cpu_s: float = 0.0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)
    events: dict[str, int] = field(default_factory=dict)
    steps: list[tuple[str, float]] = field(default_factory=list)
    rebuilt: int = 0
    partial: int = 0
    carried: int = 0
    features_reused: int = 0
    visible_s: list[float] = field(default_factory=list)
    refreshes: list[float] = field(default_factory=list)


def measure_freshness(
    label: str, url: str, *, events: int = 5, now: Callable[[], datetime], echo: Callable[[str], None] = print
) -> Freshness:
    """Measure ``label``'s store at ``url`` (its read layer is rebuilt; events are appended to it)."""
    from data_access.db import bulk_insert, make_engine
    from data_access.marts import current_version, reader
    from data_access.refresh import refresh, watch
    from data_access.schema import complaint
    from ingest.simulate import Simulator

    engine = make_engine(url)
    out = Freshness(label)
    try:
        sim = Simulator(engine, seed=13)
        # settle: today's first events and a refresh (full when the data date moved or the change
        # triggers were not installed yet)
        sim.tick(now().replace(microsecond=0), 1.0)
        refresh(engine, progress=False)
        out.load = os.getloadavg()
        cpu = time.process_time()
        full = refresh(engine, progress=False, full=True)
        out.full_s, out.full_cpu_s = full.seconds, time.process_time() - cpu
        echo(f"{label}：全量刷新 {full.seconds:.1f} 秒")
        out.events = sim.tick(now().replace(microsecond=0), 1.0)
        cpu = time.process_time()
        inc = refresh(engine, progress=False)
        out.incremental_cpu_s = time.process_time() - cpu
        if inc.mode != "incremental":
            raise RuntimeError(f"增量刷新退回全量：{inc.full_reason}")
        out.incremental_s = inc.seconds
        out.steps = sorted(inc.step_seconds.items(), key=lambda kv: -kv[1])[:6]
        out.rebuilt, out.partial, out.carried = len(inc.rebuilt), len(inc.partial), len(inc.carried)
        out.features_reused = inc.features_reused
        echo(f"{label}：一分钟模拟事件后增量刷新 {inc.seconds:.2f} 秒（{inc.summary()}）")

        stop = threading.Event()
        watcher = threading.Thread(
            target=watch,
            args=(engine,),
            kwargs={"interval": 1.0, "stop": stop, "on_refresh": lambda r: out.refreshes.append(r.seconds)},
            daemon=True,
        )
        watcher.start()
        try:
            for _ in range(events):
                at = now().replace(microsecond=0)
                with engine.connect() as conn:
                    before = _today(reader(conn), at)
                    version = current_version(conn)
                frame = sim._complaints(at, 1)  # the simulator's own complaint rows
                with engine.begin() as conn:
                    bulk_insert(conn, complaint, frame)
                written = time.perf_counter()
                while time.perf_counter() - written < 120:
                    with engine.connect() as conn:
                        if current_version(conn) != version and _today(reader(conn), at) > before:
                            break
                    time.sleep(0.05)
                out.visible_s.append(time.perf_counter() - written)
                echo(f"{label}：事件写入 → 读接口可见 {out.visible_s[-1]:.2f} 秒")
                time.sleep(1.0)
        finally:
            stop.set()
            watcher.join(timeout=300)
    finally:
        engine.dispose()
    return out


def _today(r, at: datetime) -> int:
    frame = r.aggregate("complaint_recv", ["n"], start=at.date(), end=at.date() + timedelta(days=1))
    return int(frame["n"].iloc[0]) if len(frame) else 0


def _ok(ok: bool) -> str:
    return "✅" if ok else "❌"


def render_freshness(results: list[Freshness], command: str, started: datetime) -> list[str]:
    """The "Freshness" section of docs/benchmarks.md."""
    lines = [
        "## Freshness",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} by `{command}` (`dashboard/bench_fresh.py`). *Full*: "
        "`smartsup refresh --full`; *incremental*: the refresh after one minute of simulated events "
        "(the writer of `smartsup simulate`), in the same run; *event → API*: a complaint appended "
        "while `smartsup refresh --watch --interval 1` runs, until the live version's complaints cube "
        "counts it (median of the events). *Event → wall* is that plus a wall's `refresh=10` poll "
        "(10 s at worst, 5 s on average) plus its redraw — an estimate, not measured in Chromium. "
        "*CPU*: this process's CPU time (all threads; on SQLite the database work is in it, on "
        "PostgreSQL the server's share is not) — the figure that stays meaningful when the shared "
        "machine is loaded and wall times swell.",
        "",
        "| store | full rebuild | incremental after 1 min of events | marts rebuilt / by day / carried "
        "| slowest steps of the incremental (s) | event → API, median (max) | event → wall, worst case "
        "| load average at the start |",
        "|---|---:|---:|---|---|---:|---:|---|",
    ]
    for f in results:
        med = statistics.median(f.visible_s) if f.visible_s else float("nan")
        worst = (max(f.visible_s) if f.visible_s else float("nan")) + WALL_REFRESH_S + 1.0
        steps = ", ".join(f"{k} {v:.2f}" for k, v in f.steps)
        inc_ok = _ok(f.incremental_s <= INCREMENTAL_S)
        top = max(f.visible_s or [float("nan")])
        lines.append(
            f"| {f.label} | {f.full_s:.1f} s ({f.full_cpu_s:.1f} s CPU) "
            f"| **{f.incremental_s:.2f} s** {inc_ok} ({f.incremental_cpu_s:.2f} s CPU) "
            f"| {f.rebuilt} / {f.partial} / {f.carried} ({f.features_reused} model feature frames kept) "
            f"| {steps} | {med:.2f} s "
            f"({top:.2f} s) | ≤ {worst:.1f} s {_ok(worst <= EVENT_TO_WALL_S)} "
            f"| {' / '.join(f'{x:.1f}' for x in f.load)} |"
        )
    lines.append("")
    return lines


BEGIN, END = "<!-- smartsup bench freshness: begin -->", "<!-- smartsup bench freshness: end -->"


def write_freshness(out: Path, text: str) -> None:
    """Put ``text`` between the freshness markers of ``out`` (appended when it has none yet)."""
    section = f"{BEGIN}\n{text.rstrip()}\n{END}\n"
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + section if old else section
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(new, encoding="utf-8")
