"""Sign-in, roles, lockout, wall tokens, the audit log and the hardening of issue 10 (no browser),
on SQLite and PostgreSQL. Feature code ``aut``."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import dash
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from dashboard import auth
from dashboard.auth import accounts, passwords
from dashboard.auth.permissions import ROLE_PERMISSIONS, allowed, permission_for_output
from dashboard.auth.web import safe_next
from dashboard.cli import main
from dashboard.settings import Settings
from data_access import identity, schema
from data_access.db import store

GOOD = "Minhang#2026ok"
STREET = "310112102000"
OFFICE = "SCJGS-QB"


def _seed_office(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.street).values(code=STREET, name="七宝镇", kind="town",
                                                     geometry="{}", lon=121.35, lat=31.15))
        conn.execute(sa.insert(schema.office).values(code=OFFICE, name="七宝市场监管所", kind="station",
                                                     street_code=STREET))
        conn.execute(sa.insert(schema.office).values(code="DEPT-1", name="综合科", kind="department",
                                                     street_code=None))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def env(request, tmp_path_factory):
    """An app on an empty store (one street, one station, one department) with one account per role."""
    from dashboard.app import create_app
    from tests.conftest import _pg_store

    if request.param == "sqlite":
        from data_access.db import make_engine
        from data_access.migrate import upgrade

        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('auth') / 'store.sqlite'}")
        upgrade(engine)
        gen = None
    else:
        gen = _pg_store()
        engine = next(gen)
    _seed_office(engine)
    for role in ROLE_PERMISSIONS:
        if role != "wall":
            accounts.add_user(f"u-{role}", role, password=GOOD, office=OFFICE if role == "station" else None,
                              display_name=f"测试{role}", engine=engine)
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("auth-data"), cache_type="null",
                        login_rate_limit="1000 per minute", login_max_failures=3, lockout_minutes=15,
                        # make_engine's statement-timeout option would replace the schema's search_path
                        statement_timeout_ms=0)
    app = create_app(settings)
    seen: dict = {}

    @app.server.route("/_test-scope-probe")
    def _scope_probe():
        seen.update(streets=auth.current_streets(), info=auth.current_user_info(),
                    export=auth.has_permission("export"), unmask=auth.has_permission("unmask"))
        return "ok"

    @app.server.route("/_test-audit-probe")
    def _audit_probe():
        auth.record("export", "complaints", {"rows": 12})
        return "ok"

    yield {"app": app, "seen": seen, "engine": engine, "url": url, "settings": settings}
    if gen is not None:
        gen.close()
    else:
        engine.dispose()


@pytest.fixture
def app(env) -> dash.Dash:
    store.configure(env["url"])  # another module's app may have taken the process's store
    return env["app"]


@pytest.fixture
def client(app):
    return app.server.test_client()


def _csrf(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def login(client, username: str, password: str = GOOD, next_url: str = "/"):
    return client.post("/login", data={"csrf_token": _csrf(client), "username": username,
                                       "password": password, "next": next_url})


def _audit(engine, **kw):
    frame, _ = identity.read_audit(engine=engine, **kw)
    return frame


# --- policy, hashing, permissions -------------------------------------------------------------

@pytest.mark.parametrize("pw", ["short1A!", "alllowercaseletters", "abcdefghij12", "ABCDEFGHIJ12"])
def test_aut001_password_policy_rejects_with_a_chinese_message(pw):
    with pytest.raises(passwords.PolicyError, match="至少 10 个字符"):
        passwords.check_policy(pw)


@pytest.mark.parametrize("pw", ["Abcdefghij1", "abcdefgh1!", "密码很长的中文口令ab1"])
def test_aut002_password_policy_accepts_three_classes(pw):
    passwords.check_policy(pw)


def test_aut003_hashes_are_argon2id_and_salted():
    a, b = passwords.hash_password(GOOD), passwords.hash_password(GOOD)
    assert a.startswith("$argon2id$") and a != b
    assert passwords.verify_password(a, GOOD) == (True, None)
    assert passwords.verify_password(a, GOOD + "x")[0] is False
    assert passwords.verify_password(None, GOOD)[0] is False


def test_aut004_permissions_are_data_checked_in_one_place():
    assert allowed("admin", "unmask") and not allowed("analyst", "unmask") and not allowed("leader", "unmask")
    assert allowed("station", "export") and not allowed("wall", "export") and not allowed("wall", "desk")
    assert not allowed(None, "view") and not allowed("nobody", "view")
    with pytest.raises(KeyError):
        allowed("admin", "no-such-permission")
    assert permission_for_output("audit-grid.rowData") == "audit"
    assert permission_for_output("..audit-grid.rowData...audit-note.children..") == "audit"
    assert permission_for_output("overview-kpis.children") is None


@pytest.mark.parametrize("value,expected", [
    ("/entities?street=1", "/entities?street=1"), ("/", "/"), (None, "/"), ("", "/"),
    ("//evil.example", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"), ("javascript:alert(1)", "/"), ("/ok\r\nSet-Cookie: x=1", "/"),
    ("http:/evil.example", "/"), ("/%2F%2Fevil.example", "/%2F%2Fevil.example"), ("/logout", "/"),
    ("/login?next=/x", "/"),
])
def test_aut005_next_is_same_site_only(value, expected):
    assert safe_next(value) == expected


def test_aut006_outside_a_request_there_is_no_user_and_no_scope():
    assert auth.current_streets() is None and auth.current_user_info() is None
    assert auth.has_permission("export") and not auth.has_permission("unmask")


# --- the gate ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/entities?street=1", "/entity/91310112MA1XXXXX0X", "/audit",
                                  "/report/weekly", "/nope"])
def test_aut010_pages_redirect_to_login_with_next(client, path):
    r = client.get(path)
    assert r.status_code == 302
    loc = r.headers["Location"]
    assert loc.startswith("/login?next=")
    from urllib.parse import parse_qs, urlsplit

    assert parse_qs(urlsplit(loc).query)["next"] == [path]


@pytest.mark.parametrize("method,path", [
    ("GET", "/_dash-layout"), ("GET", "/_dash-dependencies"), ("POST", "/_dash-update-component"),
    ("GET", "/_reload-hash"), ("GET", "/reports/files/%E5%91%A8%E6%8A%A5_2026-W47.pdf"),
])
def test_aut011_api_and_downloads_answer_401(client, method, path):
    r = client.open(path, method=method, json={} if method == "POST" else None)
    assert r.status_code == 401 and "登录" in r.get_json()["error"]


def test_aut012_public_routes_stay_public(client):
    assert client.get("/health").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/assets/vendor/bootstrap/css/bootstrap.min.css").status_code == 200
    assert client.get("/_smartsup/theme.css").status_code == 200


def test_aut013_login_page_contract_and_kiosk_dark(client):
    html = client.get("/login").get_data(as_text=True)
    for hook in ('id="login-username"', 'id="login-password"', 'id="login-submit"', 'name="csrf_token"'):
        assert hook in html
    assert 'lang="zh-CN"' in html and "登录" in html and 'data-bs-theme="light"' in html
    assert 'data-bs-theme="dark"' in client.get("/login?kiosk=1").get_data(as_text=True)
    wall_next = client.get("/?kiosk=1").headers["Location"]
    assert "kiosk=1" in wall_next
    assert 'data-bs-theme="dark"' in client.get(wall_next).get_data(as_text=True)


@pytest.mark.parametrize("role", sorted(r for r in ROLE_PERMISSIONS if r != "wall"))
def test_aut014_each_role_signs_in_and_reaches_the_app(app, client, env, role):
    r = login(client, f"u-{role}", next_url="/entities?x=1")
    assert r.status_code == 302 and r.headers["Location"] == "/entities?x=1"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/_dash-layout").status_code == 200
    with app.server.test_request_context("/"):
        pass
    row = identity.get_user(f"u-{role}", env["engine"])
    assert row["last_login_at"] is not None and row["failed_logins"] == 0
    assert (_audit(env["engine"], username=f"u-{role}", action="login")).shape[0] >= 1


def test_aut015_login_needs_the_csrf_token(client):
    r = client.post("/login", data={"username": "u-admin", "password": GOOD})
    assert r.status_code == 400 and "页面已过期" in r.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_aut016_login_never_redirects_off_site(client, target):
    r = login(client, "u-analyst", next_url=target)
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_aut017_wrong_passwords_lock_the_account_and_it_stays_locked(client, env):
    engine = env["engine"]
    accounts.add_user("lockme", "analyst", password=GOOD, engine=engine)
    for _ in range(2):
        r = login(client, "lockme", "Wrong-password1")
        assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    r = login(client, "lockme", "Wrong-password1")
    assert r.status_code == 401 and "已被锁定 15 分钟" in r.get_data(as_text=True)
    r = login(client, "lockme", GOOD)  # the right password while locked
    assert r.status_code == 401 and "锁定" in r.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    locked = identity.get_user("lockme", engine)["locked_until"]
    assert locked > accounts.now_local() + timedelta(minutes=14)
    identity.update_user("lockme", {"locked_until": accounts.now_local() - timedelta(seconds=1)}, engine)
    assert login(client, "lockme", GOOD).status_code == 302
    reasons = list(_audit(engine, username="lockme", action="login_failed")["detail"])
    assert [d["reason"] for d in reasons][::-1] == ["wrong_password", "wrong_password", "locked_now",
                                                    "locked"]


def test_aut018_unknown_users_and_odd_usernames_get_the_same_answer(client, env):
    for name in ["nobody", "' OR '1'='1", "admin'--", "<script>alert(1)</script>", "x" * 300, "u-admin\x00"]:
        r = login(client, name, GOOD)
        assert r.status_code in (400, 401), name
        body = r.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in body
    assert client.get("/_dash-layout").status_code == 401
    stored = set(_audit(env["engine"], action="login_failed")["username"])
    assert "<script>alert(1)</script>" in stored  # stored as typed (as data), shown escaped
    assert identity.get_user("u-admin", env["engine"])["failed_logins"] == 0


def test_aut019_logout_ends_the_session(client, env):
    login(client, "u-duty")
    assert client.get("/_dash-layout").status_code == 200
    r = client.get("/logout")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert client.get("/_dash-layout").status_code == 401
    assert _audit(env["engine"], username="u-duty", action="logout").shape[0] >= 1
    assert client.get("/logout").headers["Location"] == "/login"  # signed out already: no loop


def test_aut019b_another_site_cannot_sign_a_user_out(client, env):
    login(client, "u-duty")
    r = client.get("/logout", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert client.get("/_dash-layout").status_code == 200  # still signed in
    r = client.get("/logout", headers={"Sec-Fetch-Site": "same-origin"})
    assert r.headers["Location"] == "/login"
    assert client.get("/_dash-layout").status_code == 401


def test_aut020_idle_timeout(app, client, env, monkeypatch):
    import dashboard.auth.web as web

    login(client, "u-leader")
    later = web.time.time() + env["settings"].session_idle_minutes * 60 + 5
    monkeypatch.setattr(web.time, "time", lambda: later)
    assert client.get("/_dash-layout").status_code == 401
    r = client.get("/entities")
    assert r.status_code == 302 and "expired=1" in r.headers["Location"]


def test_aut021_forged_and_stale_cookies_are_refused(app, client, env):
    from itsdangerous import URLSafeTimedSerializer

    # a session signed with another key
    forged = URLSafeTimedSerializer("not-the-key", salt="cookie-session", signer_kwargs={
        "key_derivation": "hmac", "digest_method": __import__("hashlib").sha1}).dumps(
        {"_user_id": "u-admin:" + "0" * 16, "_fresh": True})
    client.set_cookie("smartsup_session", forged)
    assert client.get("/_dash-layout").status_code == 401
    # a correctly signed session whose credential stamp is stale (password reset since)
    login(client, "u-analyst")
    assert client.get("/_dash-layout").status_code == 200
    accounts.reset_password("u-analyst", GOOD + "2", env["engine"])
    assert client.get("/_dash-layout").status_code == 401
    accounts.reset_password("u-analyst", GOOD, env["engine"])
    # a disabled account's session ends at its next request
    login(client, "u-analyst")
    accounts.set_active("u-analyst", False, env["engine"])
    assert client.get("/_dash-layout").status_code == 401
    accounts.set_active("u-analyst", True, env["engine"])
    # tampering with a signed cookie breaks the signature
    login(client, "u-analyst")
    value = client.get_cookie("smartsup_session").value
    client.set_cookie("smartsup_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/_dash-layout").status_code == 401


def test_aut022_station_users_see_their_streets_only(app, client, env):
    login(client, "u-station")
    seen = env["seen"]
    client.get("/_test-scope-probe")
    assert seen["streets"] == (STREET,) and seen["info"].office_code == OFFICE
    assert seen["export"] and not seen["unmask"]
    client.get("/logout")
    login(client, "u-leader")
    client.get("/_test-scope-probe")
    assert seen["streets"] is None and not seen["unmask"]


def test_aut023_rate_limit_per_address(env, tmp_path):
    from dashboard.app import create_app

    settings = env["settings"].model_copy(update={"login_rate_limit": "3 per minute",
                                                  "data_dir": tmp_path})
    limited = create_app(settings)
    c = limited.server.test_client()
    codes = [login(c, "nobody", "Wrong-password1").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert "过于频繁" in login(c, "nobody").get_data(as_text=True)
    store.configure(env["url"])


# --- wall displays -----------------------------------------------------------------------------

def test_aut030_wall_token_signs_in_once_then_a_cookie(app, client, env):
    token = accounts.issue_wall_token("wall-hall", env["engine"])
    r = client.get(f"/complaints?wall_token={token}&rotate=30")
    assert r.status_code == 302
    assert "wall_token" not in r.headers["Location"] and "kiosk=1" in r.headers["Location"]
    assert client.get("/_dash-layout").status_code == 200
    r = client.get("/entities")  # kiosk only
    assert r.status_code == 302 and r.headers["Location"] == "/entities?kiosk=1"
    assert client.get("/reports/files/x.pdf").status_code == 403
    # no idle timeout for the wall
    import dashboard.auth.web as web

    real = web.time.time
    try:
        web.time.time = lambda: real() + 24 * 3600
        assert client.get("/_dash-layout").status_code == 200
    finally:
        web.time.time = real
    # revoked: the session ends
    accounts.revoke_wall_token("wall-hall", env["engine"])
    assert client.get("/_dash-layout").status_code == 401
    other = app.server.test_client()
    assert other.get(f"/?wall_token={token}").status_code == 302
    assert other.get("/_dash-layout").status_code == 401


def test_aut031_wall_accounts_cannot_use_the_login_form(client, env):
    accounts.issue_wall_token("wall-2", env["engine"])
    assert login(client, "wall-2", "").status_code == 400
    assert login(client, "wall-2", GOOD).status_code == 401


# --- callbacks and hardening -------------------------------------------------------------------

def _nav_user_body():
    return {"output": "nav-user.children", "outputs": {"id": "nav-user", "property": "children"},
            "inputs": [{"id": "app-url", "property": "pathname", "value": "/"}], "changedPropIds": []}


@pytest.mark.parametrize("body", [{}, None, [1, 2, 3], "x", {"output": "no-such.children", "inputs": []},
                                  {"output": "nav-user.children", "inputs": "evil"}])
def test_aut040_forged_callback_bodies_answer_400_with_one_log_line(client, body, caplog):
    login(client, "u-analyst")
    with caplog.at_level(logging.WARNING):
        r = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 400
    records = [rec for rec in caplog.records if rec.levelno >= logging.WARNING]
    assert len(records) == 1 and records[0].exc_info is None


def test_aut041_a_callback_that_raises_answers_400_without_traceback(app, client, caplog):
    login(client, "u-analyst")
    body = _nav_user_body()
    body["inputs"] = [{"id": "app-url", "property": "pathname", "value": {"evil": [1]}}]
    import dashboard.app as app_module

    original = app_module.auth.current_user_info
    app_module.auth.current_user_info = lambda: (_ for _ in ()).throw(ValueError("forged state"))
    try:
        with caplog.at_level(logging.WARNING):
            r = client.post("/_dash-update-component", json=body)
    finally:
        app_module.auth.current_user_info = original
    assert r.status_code == 400
    assert [rec.exc_info for rec in caplog.records if rec.levelno >= logging.WARNING] == [None]


def test_aut042_the_user_callback_answers_the_signed_in_user(client):
    login(client, "u-station")
    r = client.post("/_dash-update-component", json=_nav_user_body())
    assert r.status_code == 200
    assert r.get_json()["response"]["nav-user"]["children"] == "测试station（市场监管所 · SCJGS-QB）"


def test_aut043_request_size_limit(client, env):
    login(client, "u-analyst")
    padding = b"a" * (env["settings"].max_request_bytes + 10)
    big = b'{"output": "nav-user.children", "inputs": [], "x": "' + padding + b'"}'
    r = client.post("/_dash-update-component", data=big, content_type="application/json")
    assert r.status_code == 413


@pytest.mark.parametrize("path", ["/_dash-component-suites/nope/x.js", "/_dash-component-suites/dash/nope.js",
                                  "/_dash-component-suites/dash/../../etc/passwd"])
def test_aut044_bad_component_suite_paths_answer_404(client, path, caplog):
    with caplog.at_level(logging.ERROR):
        r = client.get(path)
    assert r.status_code == 404
    assert not [rec for rec in caplog.records if rec.exc_info]


def test_aut045_security_headers(client):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    assert "http" not in csp and "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert client.get("/health").headers["X-Content-Type-Options"] == "nosniff"


def test_aut046_health_says_error_without_the_driver_message(tmp_path):
    from dashboard.app import create_app

    down = create_app(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
                               data_dir=tmp_path, cache_type="null"))
    body = down.server.test_client().get("/health").get_json()
    assert body["database"] == "error" and "error" not in body
    assert "127.0.0.1" not in json.dumps(body)


def test_aut047_audit_outputs_need_the_audit_permission(client):
    login(client, "u-analyst")
    for output in ("audit-grid.rowData", "..audit-grid.rowData...audit-count.children.."):
        body = {"output": output, "outputs": {"id": "audit-grid", "property": "rowData"},
                "inputs": [], "changedPropIds": []}
        assert client.post("/_dash-update-component", json=body).status_code == 403


# --- the audit log -----------------------------------------------------------------------------

def test_aut050_record_uses_the_request_user_and_address(app, client, env):
    login(client, "u-admin")
    client.get("/_test-audit-probe", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    row = _audit(env["engine"], action="export").iloc[0]
    assert (row.username, row.role, row.target, row.ip) == ("u-admin", "admin", "complaints", "10.9.8.7")
    assert row.detail == {"rows": 12}
    with pytest.raises(ValueError):
        auth.record("delete_everything")


# --- the CLI -----------------------------------------------------------------------------------

def test_aut060_users_commands(env, tmp_path):
    runner = CliRunner()
    base = ["--database-url", env["url"], "--data-dir", str(tmp_path)]
    r = runner.invoke(main, [*base, "users", "add", "cli-ana", "--role", "analyst", "--name", "王分析",
                             "--password-stdin"], input="short\n")
    assert r.exit_code == 2 and "至少 10 个字符" in r.output
    r = runner.invoke(main, [*base, "users", "add", "cli-ana", "--role", "analyst", "--name", "王分析",
                             "--password-stdin"], input=GOOD + "\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, [*base, "users", "add", "cli-st", "--role", "station", "--password-stdin"],
                      input=GOOD + "\n")
    assert r.exit_code == 2 and "--office" in r.output
    r = runner.invoke(main, [*base, "users", "add", "cli-st2", "--role", "station", "--office", "DEPT-1",
                             "--password-stdin"], input=GOOD + "\n")
    assert r.exit_code == 2 and "不是对应一个街镇的市场监管所" in r.output
    r = runner.invoke(main, [*base, "users", "add", "<b>x</b>", "--role", "analyst", "--password-stdin"],
                      input=GOOD + "\n")
    assert r.exit_code == 2 and "用户名须为" in r.output
    r = runner.invoke(main, [*base, "users", "list"])
    assert r.exit_code == 0 and "cli-ana" in r.output and "王分析" in r.output and "argon2" not in r.output
    r = runner.invoke(main, [*base, "users", "disable", "cli-ana"])
    assert r.exit_code == 0 and not identity.get_user("cli-ana", env["engine"])["active"]
    r = runner.invoke(main, [*base, "users", "reset-password", "cli-ana", "--password-stdin"],
                      input="Another#Pass99\n")
    assert r.exit_code == 0
    assert passwords.verify_password(identity.get_user("cli-ana", env["engine"])["password_hash"],
                                     "Another#Pass99")[0]
    r = runner.invoke(main, [*base, "users", "wall-token", "wall-cli"])
    assert r.exit_code == 0
    token = r.stdout.strip().splitlines()[0]
    assert len(token) >= 40 and accounts.sign_in_wall(token, env["engine"]).username == "wall-cli"
    r = runner.invoke(main, [*base, "users", "wall-token", "cli-ana"])
    assert r.exit_code == 2
    r = runner.invoke(main, [*base, "audit", "export", "--since", "2000-01-01", "--action", "user_admin"])
    assert r.exit_code == 0
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "id,at,username,role,action,target,detail,ip"
    assert any("cli-ana" in line and "reset_password" in line for line in lines)
    assert all(",cli:" in line for line in lines[1:])
    out = tmp_path / "audit.csv"
    r = runner.invoke(main, [*base, "audit", "export", "--since", "2000-01-01", "--out", str(out)])
    assert r.exit_code == 0 and out.read_bytes().startswith(b"\xef\xbb\xbf")
    store.configure(env["url"])


def test_aut061_audit_log_has_no_update_or_delete_api():
    public = {n for n in dir(identity) if not n.startswith("_")}
    assert not [n for n in public if "audit" in n and re.search(r"update|delete|remove|clear", n)]


def test_aut062_demo_accounts_once_per_store(sqlite_engine):
    from dashboard.identity_commands import create_demo_accounts

    _seed_office(sqlite_engine)
    out: list[str] = []
    assert create_demo_accounts(sqlite_engine, "http://127.0.0.1:8050", echo=out.append)
    text = "\n".join(out)
    assert "修改密码" in text and "wall_token=" in text
    users = identity.list_users(sqlite_engine)
    assert set(users.role) == set(ROLE_PERMISSIONS)
    assert identity.get_user("station", sqlite_engine)["office_code"] == OFFICE
    password = re.search(r"admin\s+密码：(\S+)", text).group(1)
    passwords.check_policy(password)
    assert accounts.authenticate("admin", password, max_failures=5, lockout_minutes=15,
                                 engine=sqlite_engine).account.role == "admin"
    assert not create_demo_accounts(sqlite_engine, "http://x", echo=out.append)


def test_aut048_no_version_banner_in_the_server_header(app):
    from urllib.request import urlopen

    from dashboard.browser import serving

    with serving(app) as base, urlopen(base + "/health") as r:
        assert r.headers["Server"] == "smartsup"


def test_aut049_impossible_weeks_are_a_clear_message(tmp_path):
    from components.report import ReportWeek, WeekError

    for week in ("0000-W00", "0000-W01", "9999-W52", "2026-W60"):
        with pytest.raises(WeekError):
            ReportWeek.parse(week)
    r = CliRunner().invoke(main, ["--database-url", f"sqlite:///{tmp_path / 'x.sqlite'}", "report", "weekly",
                                  "--week", "0000-W01"])
    assert r.exit_code == 1 and "年份超出范围" in r.output and "Traceback" not in r.output


def test_aut063_imports_are_audited(tmp_path):
    from pathlib import Path

    from data_access.db import make_engine

    samples = Path(__file__).resolve().parent.parent / "samples"
    url = f"sqlite:///{tmp_path / 'imp.sqlite'}"
    try:
        r = CliRunner().invoke(main, ["--database-url", url, "import", "entity",
                                      str(samples / "entity_good.csv")])
        assert r.exit_code == 0, r.output
    finally:
        store.dispose()
    engine = make_engine(url)
    rows, _ = identity.read_audit(action="import", engine=engine)
    engine.dispose()
    assert rows.iloc[0].target == "entity" and rows.iloc[0].username.startswith("cli:")
    assert rows.iloc[0].detail["file"] == "entity_good.csv"


def test_aut024_station_users_do_not_download_the_districts_reports(client):
    login(client, "u-station")
    assert client.get("/reports/files/%E5%91%A8%E6%8A%A5_2026-W47.pdf").status_code == 403
    client.get("/logout")
    login(client, "u-analyst")
    # allowed; there is no such file
    assert client.get("/reports/files/%E5%91%A8%E6%8A%A5_2026-W47.pdf").status_code == 404


def test_aut025_cross_site_posts_are_refused(client):
    login(client, "u-analyst")
    body = _nav_user_body()
    evil = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    same = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/_dash-update-component", json=body, headers=evil).status_code == 403
    assert client.post("/_dash-update-component", json=body, headers=same).status_code == 200
    r = client.post("/login", data={"username": "u-admin", "password": GOOD},
                    headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403


def test_aut026_admins_find_the_audit_log_in_the_bar(client):
    login(client, "u-admin")
    children = client.post("/_dash-update-component", json=_nav_user_body()).get_json()
    assert "审计日志" in json.dumps(children, ensure_ascii=False) and "/audit" in json.dumps(children)
