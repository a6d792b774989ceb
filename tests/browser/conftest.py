"""Browser test fixtures: the app on the small store in a background thread, and headless Chromium.

Reusable by every screen's tests::

    from tests.browser.browser_harness import MODES, REGISTERED_PAGES

    def test_xyz001_loads(visit):
        v = visit("/complaints?kiosk=1", viewport=(1920, 1080), screenshot="complaints-wall")
        v.assert_clean()         # no console/page errors, failed requests, callback errors, off-origin URLs
        assert v.page.locator("#page-complaints").is_visible()

``visit`` loads a path in a fresh browser context (reduced motion by default, so screenshots do
not catch a counter mid-roll), waits for Dash to settle (no pending callbacks, network idle) and
returns a ``browser_harness.Visit`` with the console errors, failed requests, Dash callback errors
and every requested URL; district maps count as drawn once ``assets/mapfit.js`` has fitted them
(``data-map-ready``). The app also serves ``/_probe`` (``probe_page.py``), a screen whose data a
test controls through the ``probe`` fixture. Every test in this folder is marked ``browser`` and
``xdist_group("browser")`` (one app, one Chromium per worker).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from dashboard.browser import CHROMIUM_FLAGS, serving
from dashboard.settings import Settings, get_settings
from tests.browser.browser_harness import (
    BROWSER_ACCOUNTS,
    BROWSER_PASSWORD,
    BROWSER_USER,
    SETTLE_TIMEOUT_MS,
    Visit,
    sign_in,
)

HERE = Path(__file__).resolve().parent
PROBE_PAGE = "tests.browser.probe_page"


def pytest_itemcollected(item: pytest.Item) -> None:
    # marked as each item is collected, i.e. before xdist turns the group into the node id
    item.add_marker(pytest.mark.browser)
    item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser_store_url(small_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The store the browser tests' app reads: a copy of the small district, refreshed (read layer built)."""
    from data_access.db import make_engine
    from data_access.refresh import refresh

    source = Path(sa.make_url(small_store_url).database)
    copy = tmp_path_factory.mktemp("browser-store") / "store.sqlite"
    shutil.copyfile(source, copy)
    url = f"sqlite:///{copy}"
    engine = make_engine(url)
    try:
        refresh(engine, progress=False)
        _add_accounts(engine)
    finally:
        engine.dispose()
    return url


def station_office(engine: sa.Engine) -> tuple[str, str]:
    """(office code, street code) of the first 市场监管所 of the store: the station account's office."""
    from data_access import schema

    o = schema.office
    with engine.connect() as conn:
        row = conn.execute(sa.select(o.c.code, o.c.street_code)
                           .where(o.c.kind == "station", o.c.street_code.is_not(None))
                           .order_by(o.c.code).limit(1)).one()
    return row.code, row.street_code


def _add_accounts(engine: sa.Engine) -> None:
    from dashboard.auth import accounts

    office, _street = station_office(engine)
    for username, role in BROWSER_ACCOUNTS.items():
        accounts.add_user(username, role, password=BROWSER_PASSWORD, display_name=username,
                          office=office if role == "station" else None, engine=engine)


@pytest.fixture(scope="session")
def station_scope(browser_store_url: str) -> tuple[str, str]:
    """(office code, street code) of the browser station account."""
    from data_access.db import make_engine

    engine = make_engine(browser_store_url)
    try:
        return station_office(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def app_url(browser_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app served from a background thread on a free loopback port."""
    from dashboard.app import create_app

    # every browser signs in from 127.0.0.1: the per-address login limit would trip on the suite
    settings = Settings(database_url=browser_store_url, data_dir=tmp_path_factory.mktemp("app-data"),
                        cache_type="simple", login_rate_limit="600 per minute")
    app = create_app(settings, extra_pages=[PROBE_PAGE])
    with serving(app) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """The system Chromium, headless."""
    chromium = get_settings().chromium_path
    if not Path(chromium).exists():
        pytest.fail(f"Chromium not found at {chromium}: apt-get install -y chromium fonts-noto-cjk")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def signed_in(browser: Browser, app_url: str) -> Callable[[str], dict]:
    """``signed_in(username)`` → the storage state of a session of that browser account (signed in
    through the login form once per session and account; ``BROWSER_USER`` by default)."""
    states: dict[str, dict] = {}

    def _state(username: str = BROWSER_USER) -> dict:
        if username not in states:
            states[username] = sign_in(browser, app_url, username, BROWSER_PASSWORD)
        return states[username]

    return _state


@pytest.fixture
def visit(browser: Browser, app_url: str, signed_in) -> Iterator[Callable[..., Visit]]:
    """Load a path of the app in a fresh, signed-in browser context and wait for Dash to settle
    (``user=`` another browser account, ``user=None`` for no session)."""
    contexts: list[BrowserContext] = []

    def _visit(path: str, *, viewport: tuple[int, int] = (1366, 768), screenshot: str | None = None,
               reduced_motion: bool = True, settle: bool = True, user: str | None = BROWSER_USER) -> Visit:
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN",
            timezone_id="Asia/Shanghai", reduced_motion="reduce" if reduced_motion else "no-preference",
            storage_state=signed_in(user) if user else None,
        )
        contexts.append(context)
        v = Visit(page=context.new_page(), url=app_url + path, origin=app_url)
        v.attach()
        v.page.goto(v.url, wait_until="load", timeout=SETTLE_TIMEOUT_MS)
        if settle:
            v.settle()
        if screenshot:
            v.shot(screenshot)
        return v

    yield _visit
    for context in contexts:
        context.close()


@pytest.fixture
def probe(app_url: str):
    """The probe screen at ``/_probe`` (tests/browser/probe_page.py), reset to healthy data."""
    import importlib

    module = importlib.import_module(PROBE_PAGE)
    module.reset()
    yield module
    module.reset()
