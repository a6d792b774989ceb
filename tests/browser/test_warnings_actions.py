"""预警处置 in headless Chromium: a duty user clicks a warning in the grid of /warnings, sees its
steps as buttons (``data-action="transition"``) and closes it; the step is stored once with the user
and an audit row. Screenshot at 1366×768."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from data_access import schema as s
from tests.browser.browser_harness import SETTLE_TIMEOUT_MS

_DONE_JS = "() => (document.querySelector('#warnings-act-message') || {}).textContent?.includes('已办结')"


@pytest.fixture
def engine(browser_store_url):
    eng = sa.create_engine(browser_store_url)
    yield eng
    eng.dispose()


def test_wac101_duty_closes_a_warning_in_the_browser(visit, engine):
    v = visit("/warnings", user="browser-duty")
    page = v.page
    cell = page.locator('#warnings-grid .ag-row .ag-cell[col-id="title"]').first
    cell.wait_for(state="visible", timeout=SETTLE_TIMEOUT_MS)
    row_id = cell.locator("xpath=..").get_attribute("row-id")
    cell.click()
    button = page.locator(f'button[data-action="transition"][data-to="closed"][data-warning="{row_id}"]')
    button.wait_for(state="visible", timeout=SETTLE_TIMEOUT_MS)
    page.locator("#warnings-act-note").fill("浏览器测试办结")
    button.scroll_into_view_if_needed()
    v.shot("warnings-actions-1366")
    button.click()
    page.wait_for_function(_DONE_JS, timeout=SETTLE_TIMEOUT_MS)
    v.settle()
    v.shot("warnings-actions-done-1366")
    v.assert_clean()
    with engine.connect() as conn:
        events = conn.execute(
            sa.select(s.warning_event.c.to_status, s.warning_event.c.username, s.warning_event.c.note).where(
                s.warning_event.c.warning_id == row_id
            )
        ).all()
        audit = conn.execute(
            sa.select(s.audit_log.c.username).where(
                s.audit_log.c.action == "warning_transition", s.audit_log.c.target == row_id
            )
        ).all()
    assert [tuple(e) for e in events] == [("closed", "browser-duty", "浏览器测试办结")]
    assert [a.username for a in audit] == ["browser-duty"]
