"""预警处置 on /warnings without a browser: the panel and its callback's function called inside a
request with a signed-in principal (``act_as_service``) on a writable copy of the refreshed small
district — a duty user closes a warning in handling (one event with the user and note, one
audit row), an analyst is refused in Chinese and sees no buttons, an invalid step is refused."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from plotly.io.json import to_json_plotly

from dashboard.auth.web import act_as_service
from data_access import schema as s
from tests.ops_fixtures import audit_rows, writable_app


@pytest.fixture
def app(tmp_path_factory, tmp_path, small_store_url):
    yield from writable_app(tmp_path_factory, tmp_path, small_store_url, "warnings")


@pytest.fixture
def actions(app):
    import pages.warnings as actions

    return actions


@pytest.fixture
def engine(app):
    from data_access.db import store

    return store.engine


def _json(component) -> str:
    return json.dumps(json.loads(to_json_plotly(component)), ensure_ascii=False)


def _handling(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(s.warning.c.id)
            .where(s.warning.c.status == "handling")
            .order_by(s.warning.c.id)
            .limit(1)
        ).scalar_one()


def test_wac001_duty_moves_a_warning(app, actions, engine):
    wid = _handling(engine)
    before = len(audit_rows(engine))
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        act_as_service("duty-test", role="duty")
        body, _msg, chosen = actions.act_on(actions.ACT_GRID, {"rowId": wid, "colId": "title"}, None, None)
        assert chosen == wid
        text = _json(body)
        assert '"data-action": "transition"' in text and '"data-to": "closed"' in text
        assert '"data-to": "verified"' not in text
        body, msg, chosen = actions.act_on(
            {"role": actions.STEP_ROLE, "to": "closed"}, None, "已电话联系", wid
        )
    assert "已办结" in _json(msg) and chosen == wid
    assert "已电话联系" in _json(body)  # the history shows the new event
    with engine.connect() as conn:
        events = (
            conn.execute(sa.select(s.warning_event).where(s.warning_event.c.warning_id == wid))
            .mappings()
            .all()
        )
        status = conn.execute(sa.select(s.warning.c.status).where(s.warning.c.id == wid)).scalar()
    assert status == "closed"
    assert [(e["from_status"], e["to_status"], e["username"], e["note"]) for e in events] == [
        ("handling", "closed", "system:duty-test", "已电话联系")
    ]
    new = audit_rows(engine)[before:]
    assert [(r["action"], r["target"]) for r in new] == [("warning_transition", wid)]


def test_wac002_analyst_refused(app, actions, engine):
    wid = _handling(engine)
    before = len(audit_rows(engine))
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        act_as_service("analyst-test", role="analyst")
        body, _msg, _chosen = actions.act_on({"role": actions.PICK_ROLE, "warning": wid}, None, None, None)
        ok, text = actions.do_transition(wid, "closed", None)
    assert "data-action" not in _json(body) and "没有可执行" in _json(body)
    assert not ok and "无权处置" in text
    assert len(audit_rows(engine)) == before


def test_wac003_invalid_step_and_double_submit(app, actions, engine):
    wid = _handling(engine)
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        act_as_service("leader-test", role="leader")
        ok, text = actions.do_transition(wid, "verified", None)
        assert not ok and text
        ok, _ = actions.do_transition(wid, "closed", None)
        assert ok
        ok, again = actions.do_transition(wid, "closed", None)
    assert not ok and again
    with engine.connect() as conn:
        n = conn.execute(
            sa.select(sa.func.count()).select_from(s.warning_event).where(s.warning_event.c.warning_id == wid)
        ).scalar()
    assert n == 1
