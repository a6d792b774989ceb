"""Many walls at once: replay wall screen loads against gunicorn and time them (issue: many walls,
one build).

``measure_load`` starts ``gunicorn dashboard.wsgi:server`` with ``workers`` workers on the
configured store and cache (Redis when ``SMARTSUP_REDIS_URL`` is set, so every worker shares the
built screens), loads each wall screen once to warm it, then lets ``clients`` concurrent clients
replay wall screen loads — the one request that builds a whole screen, Dash Pages' router callback
with ``?kiosk=1`` — for ``seconds``, each client moving through the playlist like a wall rotating.
Responses are asked for compressed, as a browser does, and read without decoding (the client should
not compete with the server for the two cores more than it must). Reported: loads, errors, loads per
second, and the latency p50/p95/max.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

#: The wall screens a load replays (the playlist of the app, minus none: every wall screen).
DEFAULT_SCREENS = ("/", "/complaints", "/warnings", "/emergency", "/entities", "/supervision", "/monitoring",
                   "/safety", "/online", "/cases", "/efficacy", "/analysis")
BUDGET_P95_S = 1.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def router_body(path: str, search: str = "?kiosk=1") -> dict[str, Any]:
    """The body of the request a browser sends to build a page: Dash Pages' router callback."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "state": [{"id": "app-config", "property": "data", "value": {"tile_url": None, "video_hosts": []}}],
        "changedPropIds": ["_pages_location.pathname"],
    }


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2) -> Iterator[str]:
    """A gunicorn serving the app with ``env`` (``SMARTSUP_*``) on a free local port; yields its URL."""
    port = _free_port()
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--timeout", "120", "--log-level", "warning", "dashboard.wsgi:server"]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                detail = (proc.stderr.read() or b"").decode(errors="replace")[-800:]
                raise RuntimeError("gunicorn 未能启动：" + detail)
            try:
                if requests.get(base + "/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            raise RuntimeError("gunicorn 120 秒内未就绪")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def signed_in_session(base: str, token: str | None) -> requests.Session:
    """A client session able to call the app (the one place a load test signs in): a wall display,
    signed in by its token as a wall PC is, holding the session cookie the app then sets."""
    session = requests.Session()
    if token is not None:
        r = session.get(base + "/", params={"wall_token": token, "kiosk": "1"}, timeout=60)
        if not session.cookies:
            raise RuntimeError(f"大屏令牌登录失败（HTTP {r.status_code}）")
    session.headers.update({"Accept-Encoding": "br, gzip", "Content-Type": "application/json"})
    return session


def load_once(session: requests.Session, base: str, path: str) -> tuple[float, bool, int]:
    """One screen load: seconds, success, compressed bytes."""
    started = time.perf_counter()
    try:
        r = session.post(base + "/_dash-update-component", json=router_body(path), stream=True, timeout=60)
        body = r.raw.read(decode_content=False)
        ok = r.status_code == 200 and len(body) > 0
    except requests.RequestException:
        return time.perf_counter() - started, False, 0
    return time.perf_counter() - started, ok, len(body)


@dataclass
class LoadResult:
    """What a load replay measured."""

    clients: int
    workers: int
    seconds: float
    screens: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    bytes: int = 0

    @property
    def loads(self) -> int:
        """Successful loads."""
        return len(self.latencies)

    def pct(self, q: float) -> float:
        """The ``q`` quantile of the latencies, in seconds."""
        if not self.latencies:
            return float("nan")
        values = sorted(self.latencies)
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

    @property
    def per_second(self) -> float:
        """Successful loads per second."""
        return self.loads / self.seconds if self.seconds else 0.0


def replay(base: str, paths: Sequence[str], clients: int, seconds: float,
           token: str | None = None) -> LoadResult:
    """``clients`` threads each loading ``paths`` in turn (from a different start) for ``seconds``."""
    result = LoadResult(clients, 0, seconds)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        session = signed_in_session(base, token)
        i = n
        while time.monotonic() < stop:
            took, ok, size = load_once(session, base, paths[i % len(paths)])
            i += 1
            with lock:
                if ok:
                    result.latencies.append(took)
                    result.bytes += size
                else:
                    result.errors += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - began
    return result


def measure_load(env: dict[str, str], *, clients: int = 100, workers: int = 2, seconds: float = 60.0,
                 paths: Sequence[str] = DEFAULT_SCREENS, token: str | None = None, echo=print) -> LoadResult:
    """Start gunicorn, warm every screen once, replay ``clients`` concurrent walls for ``seconds``
    (signed in with the wall ``token``)."""
    with gunicorn(env, workers) as base:
        warm = signed_in_session(base, token)
        for path in paths:
            took, ok, size = load_once(warm, base, path)
            echo(f"  预热 {path}: {took:.2f} s {'✓' if ok else '✗'} {size / 1024:.0f} KB")
        result = replay(base, paths, clients, seconds, token)
        result.workers, result.screens = workers, len(paths)
    return result


def render_load(result: LoadResult, command: str) -> list[str]:
    """The Markdown lines of a load replay for docs/benchmarks.md."""
    ok = result.errors == 0 and result.pct(0.95) <= BUDGET_P95_S
    mean_kb = result.bytes / max(result.loads, 1) / 1024
    return [
        "### Many walls: wall screen loads under concurrency",
        "",
        f"`{command}` — {result.clients} concurrent clients replaying `?kiosk=1` loads of "
        f"{result.screens} screens on gunicorn with {result.workers} workers "
        f"for {result.seconds:.0f} s.",
        "",
        "| loads | errors | loads/s | p50 | p95 | max | mean response (compressed) "
        "| budget p95 ≤ 1 s, 0 errors |",
        "|---|---|---|---|---|---|---|---|",
        f"| {result.loads} | {result.errors} | {result.per_second:.1f} | {result.pct(0.5):.2f} s | "
        f"{result.pct(0.95):.2f} s | {max(result.latencies, default=float('nan')):.2f} s | "
        f"{mean_kb:.0f} KB | "
        f"{'✅' if ok else '❌'} |",
        "",
    ]


__all__ = ["LoadResult", "gunicorn", "load_once", "measure_load", "render_load", "replay", "router_body"]
