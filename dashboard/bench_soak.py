"""Days, not minutes: one wall in headless Chromium for hours (``smartsup soak``; issue 13 §6).

The soak serves the app with gunicorn on the configured store, appends events with ``smartsup
simulate`` (which refreshes the read layer every ``refresh_every`` seconds), opens one wall —
``/?kiosk=1&refresh=10&rotate=30``, signed in by a wall token as a wall PC is — and samples every
``sample_s`` seconds:

* the page's JS heap after a forced garbage collection, its DOM nodes and event listeners
  (Chrome DevTools Protocol ``HeapProfiler.collectGarbage`` and ``Performance.getMetrics``): what
  the page keeps, not what it has not yet collected;
* the server's resident memory: every gunicorn process of this run (``/proc``);
* the wall's callbacks: how many answered, their median time, and **overlaps** — a callback sent
  for an output whose previous call had not answered yet (refreshes piling up);
* console errors and uncaught exceptions;
* the store's last refresh (its time and duration, from ``meta``).

Verdicts (the budget of issue 13): no console error; JS heap and server RSS grow by less than
10 % from the first full rotation to the last; no overlap. The table and the verdicts go between
the soak markers of ``docs/benchmarks.md``; the curves go to a PNG drawn by Plotly in the same
headless Chromium (the app already ships Plotly; no plotting library is added for a bench).
"""

from __future__ import annotations

import os
import shlex
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import click

from dashboard.browser import CHROMIUM_FLAGS

GROWTH_LIMIT = 0.10
VIEWPORT = {"width": 1920, "height": 1080}

#: Installed before the app's scripts: counts the wall's callbacks by output, and its rotations.
_INSTRUMENT_JS = """(() => {
  const s = window.__soak = {calls: 0, ms: [], overlaps: 0, overlapped: [], inflight: {},
                             first: null, navigations: 0, rotations: 0, screens: 0};
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    if (!url.includes("/_dash-update-component")) { return fetch0.apply(this, arguments); }
    let key = "?";
    try { key = JSON.parse(init.body).output; } catch (e) { /* not a callback body */ }
    if (s.inflight[key]) { s.overlaps += 1; if (s.overlapped.length < 5) { s.overlapped.push(key); } }
    s.inflight[key] = (s.inflight[key] || 0) + 1;
    const t0 = performance.now();
    const done = () => { s.inflight[key] -= 1; s.calls += 1; s.ms.push(performance.now() - t0); };
    return fetch0.apply(this, arguments).then((r) => { done(); return r; }, (e) => { done(); throw e; });
  };
  const push0 = history.pushState;
  history.pushState = function (state, title, url) {
    const path = new URL(url, location.href).pathname;
    if (s.first === null) { s.first = location.pathname; }
    s.navigations += 1;
    if (path === s.first) { s.rotations += 1; if (!s.screens) { s.screens = s.navigations; } }
    return push0.apply(this, arguments);
  };
})();"""

#: Read and reset the counters since the last sample.
_TAKE_JS = """() => {
  const s = window.__soak;
  if (!s) { return null; }
  const out = {calls: s.calls, ms: s.ms.splice(0), overlaps: s.overlaps, overlapped: s.overlapped.splice(0),
               rotations: s.rotations, screens: s.screens, path: location.pathname};
  s.calls = 0; s.overlaps = 0;
  return out;
}"""


@dataclass
class Sample:
    """One minute of the soak."""

    minute: float
    path: str
    heap_mb: float
    dom_nodes: int
    listeners: int
    server_rss_mb: float
    calls: int
    call_ms_median: float | None
    overlaps: int
    rotations: int
    console_errors: int
    refreshed_at: str | None
    refresh_s: float | None


@dataclass
class SoakResult:
    """What a soak measured."""

    started: datetime
    hours: float
    screens: int
    rotate_s: float
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    overlapped: list[str] = field(default_factory=list)
    refreshes: dict[str, float] = field(default_factory=dict)
    reloads: int = 0

    def window(self, first: bool) -> list[Sample]:
        """The samples of the first full rotation after the first one, or of the last rotation."""
        span = self.screens * self.rotate_s / 60
        if not self.samples or not span:
            return []
        if first:
            return [s for s in self.samples if span <= s.minute < 2 * span]
        end = self.samples[-1].minute
        return [s for s in self.samples if s.minute > end - span]

    def growth(self, attr: str) -> float | None:
        """Relative growth of ``attr`` from the second rotation's median to the last rotation's."""
        a, b = self.window(True), self.window(False)
        rotation_min = self.screens * self.rotate_s / 60
        if not a or not b or not self.screens or self.samples[-1].minute < 3 * rotation_min:
            return None
        base = statistics.median(getattr(s, attr) for s in a)
        return statistics.median(getattr(s, attr) for s in b) / base - 1 if base else None

    @property
    def overlaps(self) -> int:
        return sum(s.overlaps for s in self.samples)


def _rss_mb(marker: str) -> float:
    """Resident memory of every process whose command line holds ``marker`` (this run's gunicorn)."""
    total_kb = 0
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if marker not in cmd or "gunicorn" not in cmd:
                continue
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
                total_kb += next((int(x.split()[1]) for x in fh if x.startswith("VmRSS:")), 0)
        except (OSError, ValueError):
            continue  # the process ended between listing and reading
    return total_kb / 1024


def _last_refresh(engine) -> tuple[str | None, float | None]:
    from data_access.db import get_meta

    with engine.connect() as conn:
        at, seconds = get_meta(conn, "refreshed_at"), get_meta(conn, "refresh_seconds")
    return at, float(seconds) if seconds else None


def run_soak(settings, *, hours: float, sample_s: float = 60.0, refresh_s: int = 10, rotate_s: int = 30,
             refresh_every_s: float = 60.0, workers: int = 2,
             echo: Callable[[str], None] = print) -> SoakResult:
    """Serve, simulate, open one wall and sample it for ``hours``."""
    from playwright.sync_api import sync_playwright

    from dashboard.auth.accounts import issue_wall_token
    from dashboard.bench_load import gunicorn
    from data_access.db import make_engine

    env = {"SMARTSUP_DATABASE_URL": settings.effective_database_url,
           "SMARTSUP_DATA_DIR": str(settings.data_dir), "SMARTSUP_LOG_LEVEL": "WARNING"}
    engine = make_engine(settings.effective_database_url)
    token = issue_wall_token("bench-wall", engine)
    simulate = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "simulate", "--interval", "10",
         "--refresh-every", str(refresh_every_s)],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    result = SoakResult(datetime.now(), hours, 0, rotate_s)
    try:
        with gunicorn(env, workers=workers) as base, sync_playwright() as pw:
            marker = base.removeprefix("http://")
            browser = pw.chromium.launch(executable_path=str(settings.chromium_path), args=CHROMIUM_FLAGS)
            try:
                _watch(browser, base, token, result, engine, marker, simulate, hours=hours, sample_s=sample_s,
                       refresh_s=refresh_s, rotate_s=rotate_s, echo=echo)
            finally:
                browser.close()
    finally:
        simulate.terminate()
        try:
            simulate.wait(timeout=60)
        except subprocess.TimeoutExpired:
            simulate.kill()
        engine.dispose()
    return result


def _watch(browser, base: str, token: str, result: SoakResult, engine, marker: str, simulate, *,
           hours: float, sample_s: float, refresh_s: int, rotate_s: int, echo: Callable[[str], None]) -> None:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.add_init_script(_INSTRUMENT_JS)
    page = context.new_page()
    errors: list[str] = []
    lock = threading.Lock()

    def on_console(msg) -> None:
        if msg.type == "error":
            with lock:
                errors.append(msg.text[:300])

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {str(exc)[:300]}"))
    loads = {"n": 0}
    page.on("load", lambda _p: loads.__setitem__("n", loads["n"] + 1))
    page.goto(f"{base}/?wall_token={token}&refresh={refresh_s}&rotate={rotate_s}", wait_until="load",
              timeout=120_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    t0 = time.monotonic()
    end = t0 + hours * 3600
    seen = 0
    while time.monotonic() < end:
        time.sleep(max(0.0, t0 + (len(result.samples) + 1) * sample_s - time.monotonic()))
        if simulate.poll() is not None:
            tail = (simulate.stderr.read() or b"").decode(errors="replace")[-600:]
            raise RuntimeError("simulate 意外退出：" + tail)
        cdp.send("HeapProfiler.collectGarbage")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        taken = page.evaluate(_TAKE_JS) or {"calls": 0, "ms": [], "overlaps": 0, "overlapped": [],
                                            "rotations": 0, "path": "?"}
        at, seconds = _last_refresh(engine)
        if at and seconds is not None:
            result.refreshes[at] = seconds
        with lock:
            new_errors = errors[seen:]
            seen = len(errors)
        result.errors.extend(new_errors)
        result.overlapped.extend(taken["overlapped"])
        result.screens = taken.get("screens") or result.screens  # known after the first full rotation
        s = Sample(
            minute=(time.monotonic() - t0) / 60, path=taken["path"],
            heap_mb=metrics.get("JSHeapUsedSize", 0) / 2**20, dom_nodes=int(metrics.get("Nodes", 0)),
            listeners=int(metrics.get("JSEventListeners", 0)), server_rss_mb=_rss_mb(marker),
            calls=taken["calls"], call_ms_median=statistics.median(taken["ms"]) if taken["ms"] else None,
            overlaps=taken["overlaps"], rotations=taken["rotations"], console_errors=len(new_errors),
            refreshed_at=at, refresh_s=seconds)
        result.samples.append(s)
        echo(f"[浸泡] {s.minute:5.1f} 分 {s.path:<14} JS 堆 {s.heap_mb:6.1f} MB，DOM {s.dom_nodes:6d}，"
             f"服务端 {s.server_rss_mb:6.0f} MB，回调 {s.calls}（中位 {s.call_ms_median or 0:.0f} ms），"
             f"重叠 {s.overlaps}，轮播 {s.rotations} 圈，控制台错误 {len(new_errors)}")
    result.reloads = max(0, loads["n"] - 1)
    context.close()


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("✅" if ok else "❌")


def _under(growth: float | None) -> str:
    return _verdict(None if growth is None else growth < GROWTH_LIMIT)


def render_soak(result: SoakResult, command: str, plot_name: str | None) -> str:
    """The soak's section of ``docs/benchmarks.md``: verdicts, then a row per 10 minutes."""
    heap, rss = result.growth("heap_mb"), result.growth("server_rss_mb")
    nodes = result.growth("dom_nodes")
    refreshes = sorted(result.refreshes.items())
    ran = result.samples[-1].minute / 60 if result.samples else 0
    lines = [
        "## Soak: one wall for hours (`smartsup soak`)",
        "",
        f"Run {result.started:%Y-%m-%d %H:%M}, {ran:.2f} h of {result.hours:g} h asked; a wall of "
        f"{result.screens} screens rotating every {result.rotate_s} s, refreshing every 10 s, while "
        "`smartsup simulate` appended events and refreshed the read layer. Command:",
        "",
        f"    {command}",
        "",
        "Growth: median over the last rotation ÷ median over the second rotation (the first warms the "
        "caches), JS heap measured after a forced garbage collection.",
        "",
        "| check | figure | budget | |",
        "|---|---:|---|:---:|",
        f"| console errors | {len(result.errors)} | 0 | {_verdict(not result.errors)} |",
        f"| JS heap growth | {_pct(heap)} | < 10 % | {_under(heap)} |",
        f"| DOM nodes growth | {_pct(nodes)} | (watched) | {_under(nodes)} |",
        f"| server RSS growth (all gunicorn processes) | {_pct(rss)} | < 10 % | {_under(rss)} |",
        f"| overlapping callbacks (a call sent while the same output's last had not answered) | "
        f"{result.overlaps} | 0 | {_verdict(result.overlaps == 0)} |",
        f"| page reloads | {result.reloads} | (watched) | |",
        f"| read-layer refreshes seen | {len(refreshes)}, median "
        f"{statistics.median(s for _, s in refreshes) if refreshes else 0:.1f} s, max "
        f"{max((s for _, s in refreshes), default=0):.1f} s | | |",
        "",
    ]
    if result.errors:
        lines += ["Console errors (first five):", ""] + [f"- `{e}`" for e in result.errors[:5]] + [""]
    if result.overlapped:
        lines += ["Overlapping outputs (first five):", ""]
        lines += [f"- `{o[:120]}`" for o in result.overlapped[:5]] + [""]
    if plot_name:
        lines += [f"![soak curves]({plot_name})", ""]
    lines += ["| minute | screen | JS heap MB | DOM nodes | server RSS MB | calls | median ms | overlaps |",
              "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for s in result.samples:
        if round(s.minute) % 10 == 0 or s is result.samples[-1] or s is result.samples[0]:
            lines.append(f"| {s.minute:.0f} | {s.path} | {s.heap_mb:.1f} | {s.dom_nodes} "
                         f"| {s.server_rss_mb:.0f} | {s.calls} | {s.call_ms_median or 0:.0f} "
                         f"| {s.overlaps} |")
    return "\n".join(lines) + "\n"


def _pct(x: float | None) -> str:
    return "not enough rotations" if x is None else f"{x * 100:+.1f} %"


def plot_soak(result: SoakResult, png: Path, chromium_path: Path) -> None:
    """The curves as a PNG: a Plotly figure drawn in headless Chromium and screenshotted."""
    import plotly.graph_objects as go
    from playwright.sync_api import sync_playwright
    from plotly.subplots import make_subplots

    minutes = [s.minute for s in result.samples]
    fig = make_subplots(rows=2, cols=2, subplot_titles=("JS 堆（GC 后，MB）", "DOM 节点数",
                                                       "服务端常驻内存（全部 gunicorn 进程，MB）",
                                                       "大屏回调中位耗时与读优化层刷新用时（ms）"))
    fig.add_trace(go.Scatter(x=minutes, y=[s.heap_mb for s in result.samples], name="JS 堆"), 1, 1)
    fig.add_trace(go.Scatter(x=minutes, y=[s.dom_nodes for s in result.samples], name="DOM"), 1, 2)
    fig.add_trace(go.Scatter(x=minutes, y=[s.server_rss_mb for s in result.samples], name="RSS"), 2, 1)
    fig.add_trace(go.Scatter(x=minutes, y=[s.call_ms_median for s in result.samples], name="回调 ms"), 2, 2)
    fig.add_trace(go.Scatter(x=minutes, y=[(s.refresh_s or 0) * 1000 for s in result.samples],
                             name="刷新 ms", mode="markers"), 2, 2)
    fig.update_xaxes(title_text="分钟")
    fig.update_layout(width=1400, height=800, showlegend=False, template="plotly_white",
                      font={"family": "Noto Sans CJK SC, sans-serif", "size": 14},
                      title=f"浸泡测试 {result.started:%Y-%m-%d %H:%M}："
                            f"一块大屏 {result.samples[-1].minute / 60:.2f} 小时")
    html = png.with_suffix(".html")
    fig.write_html(html, include_plotlyjs=True, full_html=True)  # plotly.js inline: nothing fetched
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1420, "height": 820})
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.wait_for_selector(".main-svg")
            png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(png), full_page=True)
            browser.close()
    finally:
        html.unlink(missing_ok=True)


BEGIN, END = "<!-- smartsup soak: begin -->", "<!-- smartsup soak: end -->"


@click.command("soak")
@click.option("--hours", type=click.FloatRange(min=0.05), default=2.0, show_default=True,
              help="运行多少小时。")
@click.option("--sample-seconds", type=click.FloatRange(min=5), default=60.0, show_default=True,
              help="每隔多少秒采样一次。")
@click.option("--refresh", "refresh_s", type=click.IntRange(min=1), default=10, show_default=True,
              help="大屏刷新间隔（秒，即 ?refresh=）。")
@click.option("--rotate", "rotate_s", type=click.IntRange(min=5), default=30, show_default=True,
              help="大屏轮播间隔（秒，即 ?rotate=）。")
@click.option("--refresh-every", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="simulate 每隔多少秒重建读优化层。")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True, help="gunicorn 进程数。")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("docs/benchmarks.md"),
              show_default=True, help="写入的 Markdown 文件（只替换其中的浸泡测试一节）。")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=Path("docs/soak.png"),
              show_default=True, help="曲线图 PNG。")
@click.pass_context
def soak_command(ctx: click.Context, hours: float, sample_seconds: float, refresh_s: int, rotate_s: int,
                 refresh_every: float, workers: int, out: Path, plot: Path) -> None:
    """Soak: one wall in headless Chromium for HOURS while events are appended; memory, errors, overlaps."""
    from dashboard.bench import write_section

    settings = ctx.obj["settings"]
    if not Path(settings.chromium_path).exists():
        raise click.ClickException(
            f"找不到 Chromium（{settings.chromium_path}）：apt-get install -y chromium fonts-noto-cjk")
    args = sys.argv[sys.argv.index("soak") + 1:] if "soak" in sys.argv else []
    store_arg = ["--database-url", "URL"] if settings.database_url else ["--data-dir", "DIR"]
    command = shlex.join(["smartsup", *store_arg, "soak", *args])
    result = run_soak(settings, hours=hours, sample_s=sample_seconds, refresh_s=refresh_s, rotate_s=rotate_s,
                      refresh_every_s=refresh_every, workers=workers, echo=click.echo)
    if not result.samples:
        raise click.ClickException("没有采到样本：运行时间短于一个采样间隔")
    plot_soak(result, plot, settings.chromium_path)
    rel = os.path.relpath(plot, out.parent)
    write_section(out, render_soak(result, command, rel), BEGIN, END)
    click.echo(f"已写入 {out} 与 {plot}")
