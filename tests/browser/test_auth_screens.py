"""Sign-in in Chromium (issue 10): the login form, lockout, logout, a wall token, and a station
user's 无权查看 on another street's entity file. Feature code ``aub``."""

from __future__ import annotations

import sqlalchemy as sa

from dashboard.auth import accounts
from data_access import schema
from data_access.db import make_engine
from tests.browser.browser_harness import BROWSER_PASSWORD, SETTLE_TIMEOUT_MS


def _fill(page, username: str, password: str) -> None:
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    with page.expect_navigation(timeout=SETTLE_TIMEOUT_MS):
        page.click("#login-submit")


def test_aub001_login_form_then_the_page_asked_for(visit):
    v = visit("/entities?kiosk=0", user=None, settle=False)
    page = v.page
    assert "/login?next=" in page.url and page.locator("#page-login").is_visible()
    _fill(page, "browser-analyst", "Not-the-password1")
    assert "/login" in page.url and "用户名或密码错误" in page.locator("#login-message").inner_text()
    _fill(page, "browser-analyst", BROWSER_PASSWORD)
    assert page.url.endswith("/entities?kiosk=0")
    page.wait_for_selector("#page-entities", timeout=SETTLE_TIMEOUT_MS)
    v.settle()
    assert "browser-analyst" in page.locator("#nav-user").inner_text()


def test_aub002_five_wrong_passwords_lock_the_account(visit):
    v = visit("/login", user=None, settle=False)
    page = v.page
    for _ in range(4):
        _fill(page, "browser-lockout", "Wrong-password-1")
        assert "用户名或密码错误" in page.locator("#login-message").inner_text()
    _fill(page, "browser-lockout", "Wrong-password-1")
    assert "已被锁定 15 分钟" in page.locator("#login-message").inner_text()
    _fill(page, "browser-lockout", BROWSER_PASSWORD)
    assert "/login" in page.url and "锁定" in page.locator("#login-message").inner_text()


def test_aub003_logout_ends_the_session(visit, app_url):
    v = visit("/_probe")
    page = v.page
    with page.expect_navigation(timeout=SETTLE_TIMEOUT_MS):
        page.click("#nav-logout")
    assert "/login" in page.url
    page.goto(app_url + "/_probe", wait_until="load")
    assert "/login?next=" in page.url


def test_aub004_station_user_gets_403_for_another_streets_entity(visit, app_url, station_scope,
                                                                  browser_store_url):
    _office, street = station_scope
    engine = make_engine(browser_store_url)
    e = schema.entity
    try:
        with engine.connect() as conn:
            foreign = conn.execute(sa.select(e.c.uscc).where(e.c.street_code != street).limit(1)).scalar_one()
            own = conn.execute(sa.select(e.c.uscc).where(e.c.street_code == street).limit(1)).scalar_one()
    finally:
        engine.dispose()
    v = visit(f"/entity/{own}", user="browser-station")
    assert v.page.locator("#page-entity").is_visible()
    v.assert_clean()
    v = visit(f"/entity/{foreign}", user="browser-station", settle=False)
    response = v.page.request.get(app_url + f"/entity/{foreign}")
    assert response.status == 403
    assert v.page.locator("#page-forbidden").is_visible()
    assert "无权查看" in v.page.locator("#page-forbidden").inner_text()
    # the district's users open the same file
    v = visit(f"/entity/{foreign}", user="browser-leader")
    assert v.page.locator("#page-entity").is_visible()


def test_aub005_wall_token_once_then_a_kiosk_session(visit, browser_store_url):
    engine = make_engine(browser_store_url)
    try:
        token = accounts.issue_wall_token("browser-wall", engine)
    finally:
        engine.dispose()
    v = visit(f"/_probe?wall_token={token}", user=None, viewport=(1920, 1080))
    assert "wall_token" not in v.page.url and "kiosk=1" in v.page.url
    assert v.page.locator("#page-probe").is_visible()
    v.assert_clean()
