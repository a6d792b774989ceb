"""预警规则 (/rules) without a browser: the page for an administrator (every rule, a form each) and for
others (无权查看); saving a rule's form as a plain function inside a request with a signed-in
principal changes the rule and writes one ``rule_change`` audit row; a bad value or another role is
refused in Chinese."""

from __future__ import annotations

import json

import pytest
from plotly.io.json import to_json_plotly

from dashboard.auth.web import act_as_service
from tests.ops_fixtures import audit_rows, writable_app


@pytest.fixture
def app(tmp_path_factory, tmp_path, small_store_url):
    yield from writable_app(tmp_path_factory, tmp_path, small_store_url, "rules")


@pytest.fixture
def page(app):
    import pages.rules as page

    return page


@pytest.fixture
def engine(app):
    from data_access.db import store

    return store.engine


def _json(component) -> str:
    return json.dumps(json.loads(to_json_plotly(component)), ensure_ascii=False)


def _r02(engine) -> dict:
    from data_access.rules import rule_catalogue

    return next(r for r in rule_catalogue(engine) if r["rule_id"] == "R02")


def test_rul001_layout_admin_and_others(app, page):
    with app.server.test_request_context("/rules"):
        act_as_service("admin-test", role="admin")
        admin = _json(page.layout())
    with app.server.test_request_context("/rules"):
        act_as_service("analyst-test", role="analyst")
        analyst = _json(page.layout())
    assert "page-rules" in admin and '"data-rule": "R02"' in admin and "阈值（次数）" in admin
    assert "page-rules" not in analyst and "R02" not in analyst


def test_rul002_admin_changes_threshold_audited(app, page, engine):
    before = len(audit_rows(engine))
    old = _r02(engine)
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        act_as_service("admin-test", role="admin")
        ok, text = page.save_rule("R02", ["on"], old["level"], {"count.threshold": "6"})
        assert ok, text
        bad, msg = page.save_rule("R02", ["on"], old["level"], {"count.threshold": "很多"})
        assert not bad and "数字" in msg
        ok, _ = page.save_rule("R02", [], old["level"], {})
        assert ok
    new = _r02(engine)
    assert new["params"]["count.threshold"] == 6 and not new["enabled"]
    rows = audit_rows(engine)[before:]
    assert [(r["action"], r["target"]) for r in rows] == [("rule_change", "R02")] * 2


def test_rul003_others_refused(app, page, engine):
    before = len(audit_rows(engine))
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        act_as_service("duty-test", role="duty")
        ok, text = page.save_rule("R02", ["on"], "orange", {"count.threshold": "1"})
    assert not ok and "管理员" in text
    assert _r02(engine)["params"]["count.threshold"] == 5 and len(audit_rows(engine)) == before
