"""指挥调度 in headless Chromium on the small district: a duty user picks an incident by its link,
chooses a resource (``data-action="dispatch"``), confirms (``#dispatch-confirm``) and the dispatch is
stored once with the user and one audit row; an analyst sees no dispatch buttons; the wall shows the
live board. Screenshots at 1366×768 (analyst) and 1920×1080 ``?kiosk=1`` (wall)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from data_access import schema as s
from data_access.operations import incident_board, rank_resources
from tests.browser.browser_harness import SETTLE_TIMEOUT_MS

_DONE_JS = "() => (document.querySelector('.dispatch-message') || {}).textContent?.includes('已调派')"


@pytest.fixture
def engine(browser_store_url):
    eng = sa.create_engine(browser_store_url)
    yield eng
    eng.dispose()


def _pick(engine) -> tuple[str, str]:
    board = incident_board(engine)
    iid = str(board.iloc[0]["incident_id"])
    return iid, str(rank_resources(engine, iid).iloc[0]["id"])


def test_dsp101_duty_dispatches_in_the_browser(visit, engine):
    iid, rid = _pick(engine)
    v = visit(f"/dispatch?incident={iid}", user="browser-duty", screenshot="dispatch-analyst-1366")
    page = v.page
    assert page.locator("#page-dispatch").count() == 1
    button = page.locator(f'button[data-action="dispatch"][data-resource="{rid}"]')
    button.click()
    confirm = page.locator("#dispatch-confirm")
    confirm.wait_for(state="visible", timeout=SETTLE_TIMEOUT_MS)
    v.shot("dispatch-confirm-1366")
    confirm.click()
    page.wait_for_function(
        _DONE_JS,
        timeout=SETTLE_TIMEOUT_MS,
    )
    v.settle()
    v.shot("dispatch-done-1366")
    v.assert_clean()
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(s.dispatch.c.id, s.dispatch.c.dispatched_by).where(
                s.dispatch.c.resource_id == rid, s.dispatch.c.incident_id == iid
            )
        ).all()
        audit = conn.execute(
            sa.select(s.audit_log.c.username, s.audit_log.c.detail).where(
                s.audit_log.c.action == "dispatch", s.audit_log.c.target == iid
            )
        ).all()
        status = conn.execute(sa.select(s.resource.c.status).where(s.resource.c.id == rid)).scalar()
    assert [r.dispatched_by for r in rows] == ["browser-duty"]
    assert [a.username for a in audit] == ["browser-duty"]
    assert status == "busy"
    # the board shows the dispatch by its user; the dispatch has its 到场 / 完成 buttons
    with engine.connect() as conn:
        name = conn.execute(sa.select(s.resource.c.name).where(s.resource.c.id == rid)).scalar()
    page.wait_for_function(
        "(n) => document.querySelector('#dispatch-board').textContent.includes(n)",
        arg=name,
        timeout=SETTLE_TIMEOUT_MS,
    )
    assert page.locator(f'button[data-action="arrive"][data-dispatch="{rows[0].id}"]').count() == 1


def test_dsp102_analyst_has_no_dispatch_buttons(visit, engine):
    iid, _ = _pick(engine)
    v = visit(f"/dispatch?incident={iid}", user="browser-analyst")
    assert v.page.locator('[data-action="dispatch"]').count() == 0
    assert "只能查看" in v.page.locator("#dispatch-actions").inner_text()
    v.assert_clean()


def test_dsp103_wall_board(visit, engine):
    iid, _ = _pick(engine)
    v = visit("/dispatch?kiosk=1", viewport=(1920, 1080), screenshot="dispatch-wall-1920")
    assert iid in v.page.locator("#dispatch-board").inner_text()
    assert v.page.locator('[data-action="dispatch"]').count() == 0
    v.assert_clean()


def test_dsp104_rules_page_saves_for_admin(visit, engine):
    """/rules (same session of the suite): an administrator disables R16 and it is stored, audited."""
    v = visit("/rules", screenshot="rules-1366")
    page = v.page
    row = page.locator("#rules-row-R16")
    row.locator('input[type="checkbox"]').uncheck()
    row.locator('button[data-rule="R16"]').click()
    page.wait_for_function(
        "() => document.querySelector('#rules-row-R16').textContent.includes('已保存')",
        timeout=SETTLE_TIMEOUT_MS,
    )
    v.assert_clean()
    with engine.connect() as conn:
        enabled = conn.execute(
            sa.select(s.warning_rule.c.enabled).where(s.warning_rule.c.rule_id == "R16")
        ).scalar()
        audit = conn.execute(
            sa.select(s.audit_log.c.username).where(
                s.audit_log.c.action == "rule_change", s.audit_log.c.target == "R16"
            )
        ).all()
    assert not enabled and [a.username for a in audit] == ["browser-admin"]
