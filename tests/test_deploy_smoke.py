"""The production topology, served for real: nginx (deploy/nginx-smartsup.conf) in front of gunicorn
(deploy/gunicorn.conf.py) with two workers, on a refreshed small district in PostgreSQL, with the
Redis cache — checked over HTTP.

- every screen route answers 200 through nginx, and ``/_dash-layout`` works;
- each screen's layout is built server-side (Dash's routing callback) and has its ``page-<slug>`` root;
- static files come pre-compressed from disk (nginx), never from a worker;
- the cache is shared: a read computed by one worker is a cache hit in the other, which never
  computed it — seen in the workers' JSON access lines (pid, cache hits and misses per request);
- ``smartsup refresh`` (another process) is seen by every worker: all of them answer with the new data;
- ``/metrics`` sums both workers.

Sign-in comes later (identity): every request of these tests goes through ``SmokeClient``, whose
``sign_in`` is the one place to add the login step.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_access import schema
from tests.conftest import REDIS_URL, SMALL_SEED, SMALL_UNTIL, _pg_store

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("deploy_smoke")]

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
WORKERS = 2
ROUTING = ".._pages_content.children..._pages_store.data.."


#: The account the smoke signs in with (an administrator: every screen, /audit included).
SMOKE_USER, SMOKE_PASSWORD = "smoke-admin", "Smoke-test-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args[0]} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} not up after {seconds} s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Served:
    """The running topology: nginx's and gunicorn's addresses, the workers' log, the store."""

    nginx: str
    gunicorn: str
    log: Path
    engine: sa.Engine
    env: dict[str, str]

    def access_lines(self) -> list[dict]:
        """The workers' structured access lines so far."""
        out = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{") and '"smartsup.access"' in line:
                out.append(json.loads(line))
        return out


class SmokeClient:
    """HTTP through one cookie jar; ``sign_in`` is where the login step goes once sign-in exists."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.sign_in()

    def sign_in(self) -> None:
        """Through the real login form, as a browser would: its CSRF token, then the password."""
        status, _, page = self.request("/login")
        assert status == 200, status
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        fields = {"csrf_token": token, "username": SMOKE_USER, "password": SMOKE_PASSWORD, "next": "/"}
        form = urllib.parse.urlencode(fields).encode()
        req = urllib.request.Request(self.base + "/login", data=form,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        with self.opener.open(req, timeout=60) as r:
            assert r.status == 200 and "/login" not in r.url, r.url  # followed the redirect to /

    def request(self, path: str, *, body: dict | None = None, headers: dict | None = None):
        """(status, headers, bytes) of one request on a fresh connection."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base + path,
            data=data,
            headers={**({"Content-Type": "application/json"} if body is not None else {}), **(headers or {})},
        )
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def layout_of(self, path: str, search: str = "") -> tuple[int, bytes]:
        """Dash's routing callback for ``path``: the screen's layout as the browser would get it."""
        status, _, body = self.request(
            "/_dash-update-component",
            body={
                "output": ROUTING,
                "outputs": [
                    {"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"},
                ],
                "inputs": [
                    {"id": "_pages_location", "property": "pathname", "value": path},
                    {"id": "_pages_location", "property": "search", "value": search},
                ],
                "changedPropIds": ["_pages_location.pathname"],
                "state": [{"id": "app-config", "property": "data", "value": {}}],
            },
            headers={"Referer": self.base + path},
        )
        return status, body


def _find(node, key: str):
    """The first value of ``key`` anywhere in a JSON tree."""
    if isinstance(node, dict):
        if key in node:
            return node[key]
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            found = _find(child, key)
            if found is not None:
                return found
    return None


def _nginx_conf(tmp: Path, port: int, upstream: int, static_root: Path) -> Path:
    site = (DEPLOY / "nginx-smartsup.conf").read_text(encoding="utf-8")
    site = site.replace("server 127.0.0.1:8050", f"server 127.0.0.1:{upstream}")
    site = site.replace("    listen 80;\n", f"    listen 127.0.0.1:{port};\n").replace(
        "    listen [::]:80;\n", ""
    )
    site = site.replace("/var/lib/smartsup/static", str(static_root))
    assert f"127.0.0.1:{port}" in site and str(static_root) in site, "the shipped site changed shape"
    (tmp / "site.conf").write_text(site, encoding="utf-8")
    main = tmp / "nginx.conf"
    main.write_text(
        f"""
user root;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
""",
        encoding="utf-8",
    )
    return main


@pytest.fixture(scope="module")
def district() -> Iterator[sa.Engine]:
    """The small district in a PostgreSQL schema of its own, refreshed (this module writes to it)."""
    from dashboard.auth.accounts import add_user
    from data_access.refresh import refresh
    from ingest.generate import generate

    for engine in _pg_store():
        generate(engine, scale="small", seed=SMALL_SEED, until=SMALL_UNTIL, progress=False)
        refresh(engine, progress=False)
        add_user(SMOKE_USER, "admin", password=SMOKE_PASSWORD, engine=engine)
        yield engine


@pytest.fixture(scope="module")
def served(district, tmp_path_factory) -> Iterator[Served]:
    from dashboard.app import ASSETS_DIR, create_app
    from dashboard.settings import Settings
    from dashboard.static_export import export_static

    tmp = tmp_path_factory.mktemp("deploy")
    url = district.url.render_as_string(hide_password=False)
    env = {
        "PATH": "/usr/sbin:/usr/bin:/bin",
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "TZ": "Asia/Shanghai",
        "PYTHONPATH": str(ROOT),
        "SMARTSUP_DATABASE_URL": url,
        "SMARTSUP_REDIS_URL": REDIS_URL,
        "SMARTSUP_DATA_DIR": str(tmp / "data"),
        "SMARTSUP_LOG_FORMAT": "json",
        "SMARTSUP_PROXY_COUNT": "1",
        "SMARTSUP_METRICS_ALLOW": "127.0.0.1,::1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
    }
    # what `smartsup static export` does at install time (gzip only: CI time)
    export_static(
        create_app(Settings(database_url=url, data_dir=tmp / "export", cache_type="null")),
        tmp / "static",
        ASSETS_DIR,
        encodings=("gz",),
    )
    app_port, web_port = _free_port(), _free_port()
    log = tmp / "gunicorn.log"
    with log.open("wb") as out:
        gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(DEPLOY / "gunicorn.conf.py"),
                "-b",
                f"127.0.0.1:{app_port}",
                "-w",
                str(WORKERS),
            ],
            cwd=tmp,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    nginx_log = tmp / "error.log"
    nginx_log.touch()
    nginx = None
    try:
        _wait(f"http://127.0.0.1:{app_port}/health", 90, gunicorn, log)
        conf = _nginx_conf(tmp, web_port, app_port, tmp / "static")
        check = subprocess.run(
            [shutil.which("nginx") or "/usr/sbin/nginx", "-t", "-c", str(conf)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen(
            [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(f"http://127.0.0.1:{web_port}/health", 20, nginx, nginx_log)
        yield Served(f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{app_port}", log, district, env)
    finally:
        if nginx is not None:
            _stop(nginx)
        _stop(gunicorn)


def _spread(
    client: SmokeClient, served: Served, path: str, since: int, want_pids: int = WORKERS, rounds: int = 30
) -> tuple[list[bytes], list[dict]]:
    """Send ``path``'s layout request in concurrent pairs (fresh connections) until ``want_pids``
    workers have answered it; returns the bodies and the access lines after index ``since``."""
    bodies: list[bytes] = []
    with ThreadPoolExecutor(WORKERS) as pool:
        for _ in range(rounds):
            for status, body in pool.map(lambda _: client.layout_of(path), range(WORKERS)):
                assert status == 200
                bodies.append(body)
            time.sleep(0.2)  # let the log lines land
            lines = [
                x
                for x in served.access_lines()[since:]
                if x["route"] == "/_dash-update-component" and x["screen"] == path.strip("/")
            ]
            if len({x["pid"] for x in lines}) >= want_pids:
                return bodies, lines
    raise AssertionError(f"only one worker answered {rounds * WORKERS} requests")


# The cache test runs first: no worker has read anything yet.
def test_dep001_cache_is_shared_across_workers(served):
    direct = SmokeClient(served.gunicorn)  # straight to gunicorn: each request its own connection
    status, _ = direct.layout_of("/indicators")
    assert status == 200
    time.sleep(0.3)
    (cold,) = [x for x in served.access_lines() if x["route"] == "/_dash-update-component"]
    assert cold["cache_misses"] >= 1, cold
    _, lines = _spread(direct, served, "/indicators", since=0)
    other = [x for x in lines if x["pid"] != cold["pid"]]
    assert other, lines
    # the other worker never computed this read: its hit came from Redis
    summary = [(x["pid"], x["cache_hits"], x["cache_misses"], x["ms"]) for x in [cold, *lines]]
    assert other[0]["cache_hits"] >= 1 and other[0]["cache_misses"] == 0, summary


def _screen_paths(client: SmokeClient, served: Served) -> list[tuple[str, str]]:
    """(slug, path) of every screen, from the shell's ``data-pages`` in ``/_dash-layout``, plus one
    entity's file (the only route with a template)."""
    status, headers, body = client.request("/_dash-layout")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    pages = json.loads(_find(json.loads(body), "data-pages"))
    with served.engine.connect() as conn:
        uscc = conn.execute(
            sa.select(schema.entity.c.uscc).order_by(schema.entity.c.uscc).limit(1)
        ).scalar_one()
    return sorted({(p["slug"], p["path"]) for p in pages} | {("entity", f"/entity/{uscc}")})


def test_dep002_every_screen_route_answers_through_nginx(served):
    client = SmokeClient(served.nginx)
    screens = _screen_paths(client, served)
    paths = [p for _, p in screens]
    assert {"/", "/complaints", "/indicators", "/reports"} <= set(paths) and len(paths) >= 15
    for path in paths:
        status, headers, body = client.request(path)
        assert status == 200, path
        assert "智慧监管·云中心" in body.decode("utf-8"), path
        status, layout = client.layout_of(path, "?q=七宝" if path == "/search" else "")
        assert status == 200, (path, layout[:300])
        assert re.search(rb'"id":\s*"page-[a-z-]+"', layout), (path, layout[:300])


def test_dep003_static_files_come_precompressed_from_nginx(served):
    client = SmokeClient(served.nginx)
    _, _, index = client.request("/")
    scripts = re.findall(r'src="(/_dash-component-suites/[^"]+)"', index.decode())
    assert scripts
    before = len(served.access_lines())
    for path in ["/assets/app.css", scripts[0].split("?")[0]]:
        status, headers, body = client.request(path, headers={"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip", path
        assert body[:2] == b"\x1f\x8b"
    time.sleep(0.2)
    assert not [x for x in served.access_lines()[before:] if x["path"].startswith(("/assets", "/_dash-comp"))]


def test_dep004_a_refresh_is_seen_by_every_worker(served):
    client = SmokeClient(served.gunicorn)
    _, before = client.layout_of("/indicators")
    c = schema.complaint
    with served.engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(c).order_by(c.c.id).limit(7))]
        newest = conn.execute(sa.select(sa.func.max(c.c.received_at))).scalar_one()
        for i, row in enumerate(rows):
            at = newest + timedelta(minutes=5 + i)
            row.update(
                id=f"SMOKE{i:04d}",
                received_at=at,
                status="received",
                closed_at=None,
                satisfied=None,
                due_at=at + timedelta(days=7),
            )
        conn.execute(c.insert(), rows)
    since = len(served.access_lines())
    refresh = subprocess.run(
        [sys.executable, "-m", "dashboard", "refresh", "--quiet"],
        cwd=ROOT,
        env=served.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert refresh.returncode == 0, refresh.stderr[-2000:]
    time.sleep(1.2)  # a worker re-reads the data version at most once a second
    bodies, lines = _spread(client, served, "/indicators", since=since)
    assert len({x["pid"] for x in lines}) == WORKERS
    assert all(b == bodies[0] for b in bodies) and bodies[0] != before
    status, _, health = client.request("/health")
    assert json.loads(health)["data_version"] >= 2


def test_dep005_metrics_sum_every_worker(served):
    client = SmokeClient(served.nginx)
    status, headers, body = client.request("/metrics")
    assert status == 200, body[:200]
    text = body.decode()
    assert "smartsup_http_request_duration_seconds_count{" in text
    assert 'screen="indicators"' in text
    hits = sum(float(v) for v in re.findall(r'smartsup_cache_requests_total\{outcome="hit"\} (\S+)', text))
    assert hits >= 2
    assert re.search(r"^smartsup_data_version \d", text, re.M)
    status, _, _ = client.request("/metrics", headers={"X-Forwarded-For": "10.9.9.9"})
    assert status == 200  # nginx appends the real client; a forged first hop changes nothing


def browser_sign_in(context, base: str) -> None:
    """The login form in ``context``: its session cookie then serves every page of the context."""
    page = context.new_page()
    page.goto(base + "/login", wait_until="load", timeout=60_000)
    page.fill("#login-username", SMOKE_USER)
    page.fill("#login-password", SMOKE_PASSWORD)
    with page.expect_navigation(timeout=60_000):
        page.click("#login-submit")
    assert "/login" not in page.url, page.url
    page.close()


#: The screens Chromium draws through the topology: the wall's start screen, an analyst screen with
#: grids and maps, and one entity's file. Every screen is drawn in-process by tests/browser/ already;
#: here the point is the served path (nginx's static files, two workers, Redis), and each screen
#: costs seconds of CI time.
BROWSER_SCREENS = ("overview", "complaints", "entity")


def _capture(fn, failure: list[BaseException]) -> None:
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 — handed to the test's thread, which raises it
        failure.append(exc)


@pytest.mark.browser
def test_dep006_screens_in_chromium_through_nginx(served):
    """Screens drawn by headless Chromium through nginx and both workers: no console error, no
    failed request or callback, nothing fetched from outside, the static files from nginx."""
    from playwright.sync_api import sync_playwright

    from dashboard.browser import CHROMIUM_FLAGS
    from dashboard.settings import get_settings
    from tests.browser.browser_harness import Visit

    screens = [
        (slug, path)
        for slug, path in _screen_paths(SmokeClient(served.nginx), served)
        if slug in BROWSER_SCREENS
    ]
    assert len(screens) == len(BROWSER_SCREENS)
    before = len(served.access_lines())
    problems: list[str] = []

    def draw() -> None:
        with sync_playwright() as pw:
            chromium = str(get_settings().chromium_path)
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            try:
                context = browser.new_context(
                    viewport={"width": 1920, "height": 1080},
                    locale="zh-CN",
                    timezone_id="Asia/Shanghai",
                    reduced_motion="reduce",
                )
                browser_sign_in(context, served.nginx)
                for slug, path in screens:
                    page = context.new_page()
                    v = Visit(
                        page=page,
                        url=served.nginx + path + ("?kiosk=1" if slug == "overview" else ""),
                        origin=served.nginx,
                    )
                    v.attach()
                    page.goto(v.url, wait_until="load", timeout=60_000)
                    v.settle(timeout_ms=60_000)
                    if page.locator(f"#page-{slug}").count() != 1:
                        problems.append(f"{path}: no #page-{slug}")
                    problems.extend(f"{path}: {p}" for p in v.problems())
                    page.close()
            finally:
                browser.close()

    # in a thread of its own: a worker that already ran tests/browser/ holds a Playwright (and its event
    # loop) in the main thread, and a second sync Playwright refuses to start beside it there
    failure: list[BaseException] = []
    thread = threading.Thread(target=lambda: _capture(draw, failure))
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    assert not problems, "\n".join(problems)
    served_by_app = {x["path"] for x in served.access_lines()[before:]}
    assert not {p for p in served_by_app if p.startswith("/assets/") and not p.endswith(".map")}
    # the browser's callbacks went through nginx to the app; which worker accepts a kept-alive
    # connection is the kernel's choice (one worker may take them all), so that every worker answers
    # is shown by _spread's concurrent fresh connections in the cache tests, not here
    callbacks = [x for x in served.access_lines()[before:] if x["route"] == "/_dash-update-component"]
    assert len(callbacks) >= len(screens)
