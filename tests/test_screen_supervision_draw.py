"""双随机抽查 on /supervision without a browser: the panel's preview and confirm called as plain
functions inside a request with a signed-in principal (``act_as_service``) on a writable copy of the
refreshed small district, and the public verification view through the Flask test client.

Who may draw (leader, admin, station for its own office; analysts and the wall see no button), the
refusals in Chinese, a double confirm and two users at once storing one task with one audit row, bad
input refused with nothing written, and the stored task equal to ``store_draw``'s for the same inputs.
"""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from dashboard.auth.permissions import ROLE_PERMISSIONS, allowed, permission_for_output
from dashboard.auth.web import act_as_service
from data_access import schema as s
from data_access.draw import DRAW_ROLES, run_draw, verify_draw
from tests.ops_fixtures import audit_rows, writable_app

VIEW = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}
SJ101, STREET1 = "SJ101", "310112101000"
SJ102, STREET2 = "SJ102", "310112102000"
ON = "2026-11-20"
SEED = "2026-11-20 上证收盘 3456.78"
FORM = {
    "scope": f"office:{SJ101}",
    "mode": "ratio",
    "ratios": {"A": 3, "B": 10, "C": 30, "D": 80},
    "size": None,
    "seed": SEED,
    "date": ON,
}
#: The same draw as ``smartsup draw --office SJ101 --ratio A=0.03,B=0.1,C=0.3,D=0.8 --date … --seed …``.
CLI_INPUTS = {"office": SJ101, "ratios": {"A": "0.03", "B": "0.1", "C": "0.3", "D": "0.8"}, "seed": SEED}


@pytest.fixture
def app(tmp_path_factory, tmp_path, small_store_url):
    yield from writable_app(tmp_path_factory, tmp_path, small_store_url, "draw")


@pytest.fixture
def page(app):
    import pages.supervision as page

    return page


@pytest.fixture
def engine(app):
    from data_access.db import store

    return store.engine


def _json(component) -> str:
    from plotly.io.json import to_json_plotly

    return json.dumps(json.loads(to_json_plotly(component)), ensure_ascii=False)


def _tasks(engine) -> list[str]:
    with engine.connect() as conn:
        return [
            r[0]
            for r in conn.execute(
                sa.select(s.inspection_task.c.task_id).where(s.inspection_task.c.task_id.like("DR%"))
            )
        ]


def _rows(engine, task_id: str) -> list[tuple]:
    i = s.inspection
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                sa.select(i.c.uscc, i.c.staff_id, i.c.second_staff_id).where(i.c.task_id == task_id)
            ).all()
        )


def _as(app, role: str, **kw):
    ctx = app.server.test_request_context("/_dash-update-component", method="POST")
    ctx.push()
    act_as_service(f"{role}-test", role=role, **kw)
    return ctx


def test_sdr001_permission_is_data_and_matches_the_draw_roles():
    assert (
        {r for r in ROLE_PERMISSIONS if allowed(r, "draw")}
        == set(DRAW_ROLES)
        == {"admin", "leader", "station"}
    )
    assert (
        permission_for_output("..supervision-draw-message.children...supervision-draw-body.children..")
        == "draw"
    )


def test_sdr002_button_for_permitted_users_only_never_on_the_wall(app, page):
    def layout(role, query, **kw):
        with app.server.test_request_context("/supervision"):
            act_as_service(f"{role}-t", role=role, **kw)
            return _json(page.layout(**query))

    leader = layout("leader", VIEW)
    assert page.DRAW_OPEN in leader and page.DRAW_CONFIRM in leader and '"data-action": "draw-open"' in leader
    for role, query, kw in (
        ("analyst", VIEW, {}),
        ("duty", VIEW, {}),
        ("leader", WALL, {}),
        ("station", WALL, {"streets": (STREET1,), "office_code": SJ101}),
        ("wall", WALL, {}),
    ):
        assert page.DRAW_OPEN not in layout(role, query, **kw), (role, query)
    station = layout("station", VIEW, streets=(STREET1,), office_code=SJ101)
    assert (
        f"office:{SJ101}" in station
        and f"office:{SJ102}" not in station
        and f"street:{STREET2}" not in station
    )


def test_sdr003_refused_in_chinese_nothing_written(app, page, engine):
    before = len(audit_rows(engine))
    ctx = _as(app, "analyst")
    try:
        ok, msg, body, stored = page.do_preview(FORM)
        assert not ok and body is None and stored is None and "无权发起双随机抽查" in _json(msg)
        ok, msg = page.do_confirm({"form": FORM, "digest": "x", "task_id": "x"})
        assert not ok and "无权发起双随机抽查" in _json(msg)
    finally:
        ctx.pop()
    assert _tasks(engine) == [] and len(audit_rows(engine)) == before


def test_sdr004_station_limited_to_its_own_streets(app, page, engine):
    ctx = _as(app, "station", streets=(STREET1,), office_code=SJ101)
    try:
        assert set(page.draw_choices()) == {f"office:{SJ101}", f"street:{STREET1}"}
        for scope in (f"office:{SJ102}", f"street:{STREET2}"):
            ok, msg, _body, _stored = page.do_preview(FORM | {"scope": scope})
            assert not ok and "不在您的辖区内" in _json(msg)
            # a forged preview (the store is client data) is checked again on confirm
            ok, msg = page.do_confirm({"form": FORM | {"scope": scope}, "digest": "x", "task_id": "x"})
            assert not ok and "不在您的辖区内" in _json(msg)
        ok, msg, _body, stored = page.do_preview(FORM | {"scope": f"street:{STREET1}"})
        assert ok and stored["task_id"].startswith("DR20261120SJ101-")
        ok, msg = page.do_confirm(stored)
        assert ok, _json(msg)
    finally:
        ctx.pop()
    # a station account without an office may not draw
    ctx = _as(app, "station", streets=(STREET1,))
    try:
        ok, msg, _body, _stored = page.do_preview(FORM | {"seed": "other"})
        assert not ok and "没有所属市场监管所" in _json(msg)
    finally:
        ctx.pop()
    assert len(_tasks(engine)) == 1
    [row] = [a for a in audit_rows(engine) if a["action"] == "draw"]
    assert row["username"] == "system:station-test" and row["detail"]["office_code"] == SJ101


def test_sdr005_preview_then_double_confirm_stores_once_equal_to_store_draw(app, page, engine, tmp_path):
    from data_access.db import make_engine
    from data_access.draw import store_draw

    # the same store before the confirm, for store_draw with the command's inputs
    twin = tmp_path / "twin.sqlite"
    with engine.connect() as conn:
        conn.exec_driver_sql(f"VACUUM INTO '{twin}'")
    before = len(audit_rows(engine))
    ctx = _as(app, "leader")
    try:
        message, body, previewed = page.draw_act(page.DRAW_PREVIEW, FORM, None)
        preview = _json(body)
        assert "预览（未写入）" in preview and previewed["task_id"] in preview and _tasks(engine) == []
        assert all(f"{c} 类" in preview for c in "ABCD") and "检查人员库" in preview
        message, _body, after = page.draw_act(page.DRAW_CONFIRM, FORM, previewed)
        assert "已抽取并写入" in _json(message) and after is None, "a stored draw clears the preview"
        assert f"/public/draw/{previewed['task_id']}" in _json(message)
        # the double click's second request carries the same preview: nothing more is written
        ok, again = page.do_confirm(previewed)
        assert not ok and "已存在" in _json(again) and "未重复写入" in _json(again)
        # and a confirm without a preview asks for one
        ok, none = page.do_confirm(None)
        assert not ok and "请先预览" in _json(none)
    finally:
        ctx.pop()
    task_id = previewed["task_id"]
    assert _tasks(engine) == [task_id]
    audits = audit_rows(engine)[before:]
    assert [(a["action"], a["target"], a["username"]) for a in audits] == [
        ("draw", task_id, "system:leader-test")
    ]
    assert audits[0]["detail"]["seed"] == SEED and audits[0]["detail"]["planned_count"] == len(
        _rows(engine, task_id)
    )
    assert verify_draw(engine, task_id).consistent
    other = make_engine(f"sqlite:///{twin}")
    try:
        from datetime import date

        res = store_draw(other, username="cli-twin", role="admin", on=date(2026, 11, 20), **CLI_INPUTS)
        assert res.task_id == task_id
        assert _rows(other, task_id) == _rows(engine, task_id)
        with other.connect() as c1, engine.connect() as c2:
            q = sa.select(s.inspection_task.c.params).where(s.inspection_task.c.task_id == task_id)
            assert json.loads(c1.execute(q).scalar())["pairs"] == json.loads(c2.execute(q).scalar())["pairs"]
    finally:
        other.dispose()


def test_sdr006_two_users_confirming_at_once_store_once(app, page, engine):
    ctx = _as(app, "leader")
    try:
        ok, _msg, _body, previewed = page.do_preview(FORM)
    finally:
        ctx.pop()
    assert ok
    before = len(audit_rows(engine))
    barrier = threading.Barrier(2)
    results: list[tuple[bool, str]] = []
    lock = threading.Lock()

    def confirm(role: str, kw: dict) -> None:
        with app.server.test_request_context("/_dash-update-component", method="POST"):
            act_as_service(f"{role}-race", role=role, **kw)
            barrier.wait()
            ok, msg = page.do_confirm(previewed)
        with lock:
            results.append((ok, _json(msg)))

    threads = [
        threading.Thread(target=confirm, args=("leader", {})),
        threading.Thread(target=confirm, args=("station", {"streets": (STREET1,), "office_code": SJ101})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(ok for ok, _ in results) == [False, True], results
    assert "已存在" in next(m for ok, m in results if not ok)
    assert _tasks(engine) == [previewed["task_id"]]
    assert [a["action"] for a in audit_rows(engine)[before:]] == ["draw"]


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"ratios": {"A": 20, "B": 10, "C": 30, "D": 80}}, "超出参考区间"),
        ({"ratios": {"A": 3, "B": None, "C": 30, "D": 80}}, "请填写 B 类"),
        ({"ratios": {"A": "abc", "B": 10, "C": 30, "D": 80}}, "不是数字"),
        ({"mode": "size", "size": 0}, "样本量须为正整数"),
        ({"mode": "size", "size": "x"}, "样本量须为正整数"),
        ({"mode": "size", "size": 10**7}, "大于抽取名单的主体数"),
        ({"seed": "  "}, "请填写公开的随机种子"),
        ({"seed": "x" * 65}, "最长 64 个字符"),
        ({"date": "2026/11/20"}, "YYYY-MM-DD"),
        ({"scope": None}, "请选择抽取范围"),
        ({"scope": "office:XX99"}, "不在您的辖区内"),
    ],
)
def test_sdr007_bad_input_refused_in_chinese_nothing_written(app, page, engine, change, text):
    ctx = _as(app, "admin")
    try:
        ok, msg, body, stored = page.do_preview(FORM | change)
        assert not ok and body is None and stored is None and text in _json(msg), _json(msg)
        # the same values sent as a (forged) preview: refused by the same checks, or — when only the
        # store's inputs can tell (the size) — by the digest of the preview that never was
        ok, msg = page.do_confirm({"form": FORM | change, "digest": "x", "task_id": "x"})
        assert not ok and (text in _json(msg) or "请重新预览" in _json(msg))
    finally:
        ctx.pop()
    assert _tasks(engine) == [] and [a for a in audit_rows(engine) if a["action"] == "draw"] == []


def test_sdr008_empty_pool_and_changed_store_refused(app, page, engine):
    ctx = _as(app, "leader")
    try:
        ok, _msg, _body, previewed = page.do_preview(FORM)
        assert ok
        # the store changes between preview and confirm (an entity closes): nothing is written
        first = json.loads(_json(_body)).get("props", {}).get("data-task")
        assert first == previewed["task_id"]
        uscc = page.dr.preview_draw(engine, **page.draw_inputs(FORM)).draw.assignments[0].uscc
        with engine.begin() as conn:
            conn.execute(sa.update(s.entity).where(s.entity.c.uscc == uscc).values(status="cancelled"))
        ok, msg = page.do_confirm(previewed)
        assert not ok and "请重新预览" in _json(msg)
        # an office whose inspectors are all uncertified has no inspector pool
        with engine.begin() as conn:
            conn.execute(sa.update(s.staff).where(s.staff.c.office_code == SJ101).values(certified=False))
        ok, msg, body, stored = page.do_preview(FORM)
        assert not ok and "检查人员库只有 0 名" in _json(msg) and stored is None
    finally:
        ctx.pop()
    assert _tasks(engine) == []


def test_sdr009_public_view_identical_then_different_and_404(app, engine):
    from datetime import date

    r = run_draw(engine, on=date(2026, 11, 20), **CLI_INPUTS)
    client = app.server.test_client()  # no session: /public/ is open
    page = client.get(f"/public/draw/{r.task_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="page-public-draw"' in html
    assert "核验结果：一致" in html and 'data-consistent="1"' in html and SEED in html
    assert html.count("<tr data-uscc=") == len(r.draw.assignments)
    first = r.draw.assignments[0]
    assert f"{first.inspectors[0]}、{first.inspectors[1]}" in html
    with engine.connect() as conn:
        reps = [
            v
            for (v,) in conn.execute(
                sa.select(s.entity.c.legal_rep_name).where(
                    s.entity.c.uscc.in_([a.uscc for a in r.draw.assignments]),
                    s.entity.c.legal_rep_name.is_not(None),
                )
            )
        ]
        staff = [v for (v,) in conn.execute(sa.select(s.staff.c.name).where(s.staff.c.office_code == SJ101))]
    assert reps and not any(n in html for n in reps), "no legal representative's name"
    assert not any(n in html for n in staff), "inspectors by id only"
    # a stored row changed afterwards: the view says so
    with engine.begin() as conn:
        conn.execute(
            sa.delete(s.inspection).where(
                s.inspection.c.task_id == r.task_id, s.inspection.c.uscc == first.uscc
            )
        )
    html = client.get(f"/public/draw/{r.task_id}").get_data(as_text=True)
    assert "核验结果：不一致" in html and 'data-consistent="0"' in html and "缺少 1 户" in html
    for bad in ("NOPE", "DR2026'--", "x" * 40):
        res = client.get(f"/public/draw/{bad}")
        body = res.get_data(as_text=True)
        assert res.status_code == 404 and 'id="public-draw-missing"' in body
        assert "未找到" in body and "Traceback" not in body
