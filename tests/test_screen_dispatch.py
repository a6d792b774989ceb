"""指挥调度 without a browser: the page's layout in both modes, and its write callbacks called as plain
functions inside a request with a signed-in principal (``act_as_service``) on a writable copy of the
refreshed small district: a duty user dispatches once, an analyst is refused in Chinese, a double
submit gives one dispatch, arrival and finish follow."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from dashboard.auth.web import act_as_service
from data_access import schema as s
from data_access.operations import incident_board, rank_resources
from tests.ops_fixtures import audit_rows, writable_app

VIEW = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}


@pytest.fixture
def app(tmp_path_factory, tmp_path, small_store_url):
    yield from writable_app(tmp_path_factory, tmp_path, small_store_url, "dispatch")


@pytest.fixture
def page(app):
    import pages.dispatch as page

    return page


@pytest.fixture
def engine(app):
    from data_access.db import store

    return store.engine


def _open_incident(engine) -> tuple[str, str]:
    board = incident_board(engine)
    assert not board.empty, "the small district has open incidents"
    iid = str(board.iloc[0]["incident_id"])
    return iid, str(rank_resources(engine, iid).iloc[0]["id"])


def _json(component) -> str:
    from plotly.io.json import to_json_plotly

    return json.dumps(json.loads(to_json_plotly(component)), ensure_ascii=False)


def _dispatches(engine, resource_id: str) -> list[dict]:
    """The dispatches of ``resource_id`` made by the screen (ids DP<time><resource>, longer)."""
    q = sa.select(s.dispatch).where(
        s.dispatch.c.resource_id == resource_id, sa.func.length(s.dispatch.c.id) > 12
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def test_dsp001_layout_both_modes(app, page, engine):
    iid, rid = _open_incident(engine)
    with app.server.test_request_context("/dispatch"):
        act_as_service("duty-test", role="duty")
        desk = _json(page.layout(incident=iid, **VIEW))
        wall = _json(page.layout(**WALL))
    assert "page-dispatch" in desk and "page-dispatch" in wall
    assert iid in desk and iid in wall
    assert f'"data-resource": "{rid}"' in desk and '"data-action": "dispatch"' in desk
    assert '"dispatch-confirm"' in desk
    assert "data-action" not in wall  # the wall is the board, no buttons


def test_dsp002_duty_dispatches_once(app, page, engine):
    iid, rid = _open_incident(engine)
    before = len(audit_rows(engine))
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        act_as_service("duty-test", role="duty")
        state = {"period": "month", "incident": iid}
        panel, _msg, chosen, text, style = page.act(
            {"role": page.ACT_ROLE, "step": "pick", "id": rid}, state, None
        )
        assert chosen == rid and style["display"] == "block" and "确认将" in text
        _panel, msg, chosen, _text, style = page.act(page.CONFIRM, state, rid)
        assert "已调派" in _json(msg) and chosen is None and style["display"] == "none"
        # a double submit (the same confirm again) is refused in Chinese, nothing more is written
        ok, again = page.do_dispatch(iid, rid)
    assert not ok and "不能调派" in again
    rows = _dispatches(engine, rid)
    assert len(rows) == 1 and rows[0]["dispatched_by"] == "system:duty-test" and rows[0]["incident_id"] == iid
    with engine.connect() as conn:
        assert conn.execute(sa.select(s.resource.c.status).where(s.resource.c.id == rid)).scalar() == "busy"
        assert conn.execute(sa.select(s.incident.c.status).where(s.incident.c.id == iid)).scalar() in (
            "dispatched",
            "on_site",
        )
    new = audit_rows(engine)[before:]
    assert [(r["action"], r["target"], r["username"]) for r in new] == [("dispatch", iid, "system:duty-test")]


def test_dsp003_analyst_refused(app, page, engine):
    iid, rid = _open_incident(engine)
    before = len(audit_rows(engine))
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        act_as_service("analyst-test", role="analyst")
        ok, text = page.do_dispatch(iid, rid)
        _panel, msg, chosen, _t, _s = page.act(
            {"role": page.ACT_ROLE, "step": "pick", "id": rid}, {"period": "month", "incident": iid}, None
        )
        desk = _json(page.actions_view(iid, incident_board(engine)))
    assert not ok and "无权调度" in text
    assert "无权调度" in _json(msg) and chosen is None
    assert "data-action" not in desk and "只能查看" in desk
    assert _dispatches(engine, rid) == [] and len(audit_rows(engine)) == before


def test_dsp004_arrive_and_finish(app, page, engine):
    iid, rid = _open_incident(engine)
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        act_as_service("leader-test", role="leader")
        ok, _ = page.do_dispatch(iid, rid)
        assert ok
        did = _dispatches(engine, rid)[0]["id"]
        ok, text = page.do_step("arrive", did)
        assert ok and "到场" in text
        ok, text = page.do_step("arrive", did)
        assert not ok and "重复提交" in text
        ok, text = page.do_step("finish", did)
        assert ok and "完成" in text
    row = _dispatches(engine, rid)[0]
    assert row["arrived_at"] is not None and row["finished_at"] is not None
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(s.resource.c.status).where(s.resource.c.id == rid)).scalar() == "available"
        )
    steps = [r["detail"] for r in audit_rows(engine) if r["action"] == "dispatch"]
    assert len(steps) == 3


def test_dsp005_live_board_shows_the_dispatch(app, page, engine):
    iid, rid = _open_incident(engine)
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        act_as_service("duty-test", role="duty")
        page.do_dispatch(iid, rid)
        board, actions = page.live({"period": "month", "incident": iid}, VIEW)
        wall_board, _ = page.live({"period": "month"}, WALL)
    name = _dispatches(engine, rid)[0]["resource_id"]
    assert name and "system:duty-test" in _json(actions)
    assert iid in _json(board) and iid in _json(wall_board)


def _confirm_body(page, state: dict, chosen: str) -> dict:
    """The request Dash's renderer sends when ``#dispatch-confirm`` is clicked."""
    outs = [
        (page.ACTIONS, "children"),
        (page.MESSAGE, "children"),
        (page.CHOSEN, "data"),
        (page.IDS.id("confirm-text"), "children"),
        (page.IDS.id("confirm-bar"), "style"),
    ]
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outs],
        "inputs": [
            [],
            {"id": page.CONFIRM, "property": "n_clicks", "value": 1},
            {"id": page.IDS.id("state"), "property": "data", "value": state},
        ],
        "changedPropIds": [f"{page.CONFIRM}.n_clicks"],
        "state": [
            {"id": page.CHOSEN, "property": "data", "value": chosen},
            {"id": page.IDS.view, "property": "data", "value": VIEW},
        ],
    }


def test_dsp006_through_dash_endpoint_json_only_and_same_site(app, page, engine):
    """The confirm as the browser sends it: refused cross-site and as a form post (nothing written);
    accepted as same-origin JSON from a duty session — one dispatch by that user."""
    from tests.auth_support import sign_in

    iid, rid = _open_incident(engine)
    body = _confirm_body(page, {"period": "month", "incident": iid}, rid)
    client = sign_in(app.server.test_client(), app, role="duty")
    evil = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert client.post("/_dash-update-component", json=body, headers=evil).status_code == 403
    form = client.post(
        "/_dash-update-component", data={"payload": "x"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert form.status_code >= 400
    assert _dispatches(engine, rid) == []
    ok = client.post("/_dash-update-component", json=body, headers={"Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 200, ok.get_data(as_text=True)[:300]
    assert "已调派" in json.dumps(ok.get_json(), ensure_ascii=False)
    rows = _dispatches(engine, rid)
    assert len(rows) == 1 and rows[0]["dispatched_by"] == "system:test-duty"
    # an analyst session sending the same request is refused in Chinese, nothing written
    other = sign_in(app.server.test_client(), app, role="analyst")
    _, rid2 = _open_incident(engine)
    refused = other.post(
        "/_dash-update-component",
        json=_confirm_body(page, {"period": "month", "incident": iid}, rid2),
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert refused.status_code == 200 and "无权调度" in json.dumps(refused.get_json(), ensure_ascii=False)
    assert _dispatches(engine, rid2) == []


def test_dsp007_map_click_picks_an_incident(app, page, engine):
    iid, _ = _open_incident(engine)
    assert page._map_click({"points": [{"customdata": [iid]}]}) == ("set", "incident", iid)
    assert page._map_click({"points": [{"location": "310112001"}]}) is None
    assert page._map_click(None) is None
    with app.server.test_request_context("/dispatch"):
        act_as_service("duty-test", role="duty")
        desk = _json(page.layout(incident=iid, **VIEW))
    assert '"dispatch-map-graph"' in desk
