"""Jurisdiction, masking and the audit page on the small district (issue 10; no browser).
Feature code ``aus``."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from flask import g

from dashboard.auth.permissions import ROLE_PERMISSIONS
from dashboard.auth.web import UserInfo
from data_access import cache, identity, schema
from data_access.db import make_engine, store
from tests.auth_support import sign_in
from tests.test_refresh import refreshed_copy


@pytest.fixture(scope="module")
def env(tmp_path_factory, small_store_url):
    from dashboard.app import create_app
    from dashboard.settings import Settings

    source = sa.make_url(refreshed_copy(tmp_path_factory, small_store_url)).database
    path = tmp_path_factory.mktemp("auth-screens") / "store.sqlite"
    shutil.copy(source, path)  # writable: the audit log is written
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    e, o = schema.entity, schema.office
    with engine.connect() as conn:
        office, street = conn.execute(sa.select(o.c.code, o.c.street_code).where(
            o.c.kind == "station", o.c.street_code.is_not(None)).order_by(o.c.code).limit(1)).one()
        own = conn.execute(sa.select(e.c.uscc).where(e.c.street_code == street,
                                                     e.c.legal_rep_name.is_not(None))
                           .order_by(e.c.uscc).limit(1)).scalar_one()
        foreign = conn.execute(sa.select(e.c.uscc).where(e.c.street_code != street,
                                                         e.c.legal_rep_name.is_not(None))
                               .order_by(e.c.uscc).limit(1)).scalar_one()
        rep_name = conn.execute(sa.select(e.c.legal_rep_name).where(e.c.uscc == own)).scalar_one()
    app = create_app(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("auth-screens-data"),
                              cache_type="null"))
    yield {"app": app, "url": url, "engine": engine, "street": street, "own": own, "foreign": foreign,
           "rep_name": rep_name}
    cache.reset()
    engine.dispose()


@pytest.fixture
def app(env):
    store.configure(env["url"])
    return env["app"]


def _client(app, role, streets=None):
    return sign_in(app.server.test_client(), app, role, streets)


def _as(role: str, streets=None):
    """Make the current (test) request look like one that passed the gate as ``role``."""
    g._smartsup_gate = True
    g._smartsup_user = UserInfo(f"t-{role}", f"测试{role}", role, None, streets, ROLE_PERMISSIONS[role])


def test_aus001_full_load_of_a_foreign_entity_file_is_403(app, env):
    station = _client(app, "station", (env["street"],))
    r = station.get(f"/entity/{env['foreign']}")
    assert r.status_code == 403 and 'id="page-forbidden"' in r.get_data(as_text=True)
    assert "无权查看" in r.get_data(as_text=True)
    assert station.get(f"/entity/{env['own']}").status_code == 200
    assert station.get("/entity/not-a-code").status_code == 200  # the page explains a bad code
    assert _client(app, "analyst").get(f"/entity/{env['foreign']}").status_code == 200


def test_aus002_entity_layout_forbidden_masked_and_audited(app, env):
    import pages.entity_file as page

    with app.server.test_request_context(f"/entity/{env['foreign']}"):
        _as("station", (env["street"],))
        assert page.layout(uscc=env["foreign"]).id == "page-forbidden"
    with app.server.test_request_context(f"/entity/{env['own']}"):
        _as("station", (env["street"],))
        shown = str(page.layout(uscc=env["own"]).to_plotly_json())
        assert "page-entity" in shown and env["rep_name"] not in shown
        assert page.UNMASK not in shown  # no reveal button without the permission
    with app.server.test_request_context(f"/entity/{env['own']}"):
        _as("admin")
        shown = str(page.layout(uscc=env["own"]).to_plotly_json())
        assert env["rep_name"] not in shown and page.UNMASK in shown  # masked until a click
    rows, _ = identity.read_audit(action="view_entity", engine=env["engine"])
    assert {("t-station", env["own"]), ("t-admin", env["own"])} <= set(zip(rows.username, rows.target,
                                                                           strict=True))
    assert env["foreign"] not in set(rows.target)


def _reveal_body(code: str, field: str = "legal_rep_name") -> dict:
    return {"output": '{"field":["MATCH"],"type":"entity-unmasked"}.children',
            "outputs": {"id": {"field": field, "type": "entity-unmasked"}, "property": "children"},
            "inputs": [{"id": {"field": field, "type": "entity-unmask"}, "property": "n_clicks", "value": 1}],
            "state": [{"id": "entity-uscc", "property": "data", "value": code}],
            "changedPropIds": [f'{{"field":"{field}","type":"entity-unmask"}}.n_clicks']}


def test_aus003_only_unmask_may_reveal_and_each_reveal_is_audited(app, env):
    r = _client(app, "analyst").post("/_dash-update-component", json=_reveal_body(env["own"]))
    assert r.status_code == 403
    r = _client(app, "leader").post("/_dash-update-component", json=_reveal_body(env["own"]))
    assert r.status_code == 403
    r = _client(app, "admin").post("/_dash-update-component", json=_reveal_body(env["own"]))
    assert r.status_code == 200, r.get_data(as_text=True)
    [answer] = r.get_json()["response"].values()
    assert answer["children"] == env["rep_name"]
    rows, _ = identity.read_audit(action="unmask", engine=env["engine"])
    assert rows.iloc[0].target == env["own"] and rows.iloc[0].detail == {"field": "legal_rep_name"}


def test_aus004_a_forged_state_cannot_refresh_a_foreign_entity(app, env):
    body = {"output": "..entity-kpis.children...entity-radar-graph.figure...entity-timeline-body.children"
                      "...entity-status.data..",
            "outputs": [{"id": "entity-kpis", "property": "children"},
                        {"id": "entity-radar-graph", "property": "figure"},
                        {"id": "entity-timeline-body", "property": "children"},
                        {"id": "entity-status", "property": "data"}],
            "inputs": [{"id": "entity-tick", "property": "data", "value": 1},
                       {"id": "entity-kinds", "property": "value", "value": ["licence"]}],
            "state": [{"id": "entity-status", "property": "data", "value": {}},
                      {"id": "entity-uscc", "property": "data", "value": env["foreign"]},
                      {"id": "entity-view", "property": "data", "value": {}}],
            "changedPropIds": ["entity-kinds.value"]}
    station = _client(app, "station", (env["street"],))
    r = station.post("/_dash-update-component", json=body)
    text = r.get_data(as_text=True)
    if r.status_code == 200:  # the refresh keeps the last values: nothing of the foreign file is sent
        import pages.entity_file  # noqa: F401

        assert "entity-kpis" not in text or "licence" not in text
        assert env["foreign"] not in text
    else:
        assert r.status_code in (400, 403)


def test_aus005_audit_page_for_admins_only(app, env):
    import pages.audit as page

    assert _client(app, "analyst").get("/audit").status_code == 403
    assert _client(app, "admin").get("/audit").status_code == 200
    body = {"output": "..audit-grid.rowData...audit-count.children..",
            "outputs": [{"id": "audit-grid", "property": "rowData"},
                        {"id": "audit-count", "property": "children"}],
            "inputs": [{"id": "audit-user", "property": "value", "value": None},
                       {"id": "audit-action", "property": "value", "value": "unmask"},
                       {"id": "audit-dates", "property": "start_date", "value": "2000-01-01"},
                       {"id": "audit-dates", "property": "end_date", "value": "2100-01-01"}],
            "changedPropIds": ["audit-action.value"]}
    assert _client(app, "leader").post("/_dash-update-component", json=body).status_code == 403
    r = _client(app, "admin").post("/_dash-update-component", json=body)
    assert r.status_code == 200
    rows = r.get_json()["response"]["audit-grid"]["rowData"]
    assert all(row["action_label"] == "查看个人信息" for row in rows)
    with app.server.test_request_context("/audit"):
        _as("analyst")
        assert page.layout().id == "page-forbidden"
    with app.server.test_request_context("/audit"):
        _as("admin")
        assert page.layout().id == "page-audit"
        download = page.export_log(1, None, "view_entity", "2000-01-01", "2100-01-01")
    assert download["filename"].endswith(".csv")
    rows, _ = identity.read_audit(action="export", engine=env["engine"])
    assert rows.iloc[0].target == "audit_log" and rows.iloc[0].username == "t-admin"


def test_aus006_weekly_report_page_with_an_impossible_week(app):
    import pages.report_weekly as page

    with app.server.test_request_context("/report/weekly?week=0000-W00"):
        root = page.layout(week="0000-W00")
    assert root.id == "page-report" and getattr(root, "data-status") == "invalid"
    assert "年份超出范围" in str(root)


def test_aus007_search_and_catalogue_follow_the_station_scope(app, env):
    import pages.indicators as cat_page
    import pages.search as search_page
    from data_access.api.indicators import indicator_catalogue
    from data_access.api.search import search

    with app.server.test_request_context("/search"):
        _as("station", (env["street"],))
        frame, _ = search_page._hits("有限公司")
        catalogue = cat_page._read()
    district = search("有限公司", limit=search_page.LIMIT)
    own = search("有限公司", limit=search_page.LIMIT, scope=(env["street"],))
    assert len(frame) > 0 and sorted(frame["uscc"]) == sorted(own.frame["uscc"])
    assert set(frame["uscc"]) != set(district.frame["uscc"])
    expected = indicator_catalogue(scope=(env["street"],), period=cat_page.PERIOD)
    whole = indicator_catalogue(period=cat_page.PERIOD)
    assert catalogue["value"].fillna(-1).tolist() == expected["value"].fillna(-1).tolist()
    assert catalogue["value"].fillna(-1).tolist() != whole["value"].fillna(-1).tolist()
    with app.server.test_request_context("/search"):
        _as("station", ())  # a station without a street sees nothing, never the district
        frame, _ = search_page._hits("有限公司")
    assert frame.empty


def test_aus008_exports_need_the_permission_and_are_audited(app, env):
    body = {"output": "search-download.data", "outputs": {"id": "search-download", "property": "data"},
            "inputs": [{"id": "search-export-csv", "property": "n_clicks", "value": 1},
                       {"id": "search-export-xlsx", "property": "n_clicks", "value": None}],
            "state": [{"id": "search-query", "property": "data", "value": "有限公司"}],
            "changedPropIds": ["search-export-csv.n_clicks"]}
    assert _client(app, "wall").post("/_dash-update-component", json=body).status_code == 403
    r = _client(app, "analyst").post("/_dash-update-component", json=body)
    assert r.status_code == 200
    assert r.get_json()["response"]["search-download"]["data"]["filename"].endswith(".csv")
    rows, _ = identity.read_audit(action="export", engine=env["engine"])
    assert rows.iloc[0].target == "search" and rows.iloc[0].detail["q"] == "有限公司"
    assert rows.iloc[0].username == "system:test-analyst"


def test_aus009_a_stations_weekly_report_covers_its_streets(app, env):
    import pages.report_weekly as page
    from dashboard.auth.web import act_as_service

    with env["engine"].connect() as conn:
        office = conn.execute(sa.select(schema.office.c.code, schema.office.c.name)
                              .where(schema.office.c.street_code == env["street"])).first()
    with app.server.test_request_context("/report/weekly"):
        district = page.weekly_report(None, bureau="局")
    with app.server.test_request_context("/report/weekly"):
        act_as_service("t", (env["street"],), office_code=office.code)
        own = page.weekly_report(None, bureau="局")
    assert district.week == own.week

    def totals(report):  # the week's whole-scope readings (no breakdown)
        return {r.indicator_id: r.value for r in report.readings
                if r.period == "week" and not r.as_json()["dims"]}

    from data_access.api.indicators import indicator_values

    d, o = totals(district), totals(own)
    ids = tuple(sorted(set(d) & set(o)))
    expected = indicator_values(ids, own.week.start, own.week.end, scope=(env["street"],))
    for row in expected.itertuples(index=False):
        assert o[row.indicator_id] == pytest.approx(row.value, nan_ok=True), row.indicator_id
    assert ids and any(d[i] != o[i] for i in ids)
    assert office.name in str(own.sheets[0])


def test_aus010_report_office_option_says_what_is_wrong(env, tmp_path):
    from click.testing import CliRunner

    from dashboard.cli import main

    r = CliRunner().invoke(main, ["--database-url", env["url"], "--data-dir", str(tmp_path), "report",
                                  "weekly", "--office", "NOPE"])
    assert r.exit_code == 1 and "机构代码 NOPE 不存在" in r.output and "Traceback" not in r.output
    store.configure(env["url"])


def test_aus011_reports_page_for_a_station_lists_no_district_pdfs(app, env):
    import pages.reports as page

    with app.server.test_request_context("/reports"):
        _as("station", (env["street"],))
        shown = str(page.layout())
    assert "本所辖区的周报由管理员按所生成" in shown and "/reports/files/" not in shown
