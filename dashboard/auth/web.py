"""Sign-in for the web app: the gate in front of every route, the login and logout pages, wall
tokens, session cookies, rate limits, security headers and the hardening of Dash's endpoints.

Built from the well-kept extensions rather than by hand (architecture.md §7):

* **Flask-Login** keeps the signed-in user in Flask's signed session cookie and loads the account on
  every request (so a disabled account, a reset password or a revoked wall token ends the session at
  once — the session carries a stamp of the credential);
* **Flask-WTF** renders the login form with its CSRF token and checks it;
* **Flask-Limiter** limits login attempts per client address (in Redis when one is configured);
* **Flask-Talisman** sets the Content-Security-Policy (no remote source; Dash's inline scripts are
  allowed by their hashes, ``Dash.csp_hashes``), frame-ancestors/X-Frame-Options, nosniff,
  Referrer-Policy and, behind HTTPS, HSTS and Secure cookies.

Flask-Security-Too was considered: it brings its own user model, registration, confirmation and
e-mail flows, none of which this intranet app has; the four small extensions above fit the
``app_user`` contract table without adapting it.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import dash
from flask import Flask, Response, g, jsonify, redirect, render_template_string, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_talisman import Talisman
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException, NotFound
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from components.labels import PRODUCT_NAME
from dashboard import public
from dashboard.auth import accounts
from dashboard.auth.audit import record
from dashboard.auth.permissions import ROLE_LABELS, ROLE_PERMISSIONS, permission_for_output
from dashboard.settings import Settings

log = logging.getLogger(__name__)

login_manager = LoginManager()
csrf = CSRFProtect()

#: Paths anyone may request: the login page, the health probe, static files, the public scan card.
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/static/", "/public/")
#: ``/metrics`` is for a Prometheus scraper, which cannot sign in: it answers only the addresses of
#: ``SMARTSUP_METRICS_ALLOW`` (``dashboard.metrics.may_read_metrics``).
PUBLIC_PATHS = frozenset({"/login", "/logout", "/health", "/_favicon.ico", "/_smartsup/theme.css",
                          "/favicon.ico", "/metrics"})
#: Paths answered with 401 (not a redirect) without a session: Dash's API and the downloads.
API_PREFIXES = ("/_dash-", "/_reload-hash", "/reports/files/")
CALLBACK_PATH = "/_dash-update-component"
WALL_TOKEN_PARAM = "wall_token"

#: Page guards: path prefix → ``guard(path) -> str | None`` (a reason when the signed-in user may not
#: load that page). Registered by page modules (``page_guard``) so that a full page load of, e.g., a
#: foreign entity file answers 403 before the app shell is sent.
PAGE_GUARDS: dict[str, Any] = {}


def page_guard(prefix: str, guard) -> None:
    """Register (or replace, when a page module is re-imported) the guard of pages under ``prefix``."""
    PAGE_GUARDS[prefix] = guard


@dataclass(frozen=True)
class UserInfo:
    """Who is making the current request (``dashboard.auth.current_user_info``)."""

    username: str
    display_name: str
    role: str
    office_code: str | None
    streets: tuple[str, ...] | None
    permissions: frozenset[str]

    @property
    def role_label(self) -> str:
        """The role in Chinese."""
        return ROLE_LABELS.get(self.role, self.role)


def _info(account: accounts.Account) -> UserInfo:
    return UserInfo(account.username, account.display_name, account.role, account.office_code,
                    account.streets, account.permissions)


class LoginForm(FlaskForm):
    """The login form (ids fixed by the test contract, product.md §7)."""

    username = StringField("用户名", id="login-username",
                           validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", id="login-password",
                             validators=[DataRequired("请输入密码"), Length(max=256)])
    next = HiddenField()


# --- next= -----------------------------------------------------------------------------------

def safe_next(value: str | None) -> str:
    """``value`` when it is a path on this site, else ``/``: no scheme, no host, no ``//`` or
    backslash tricks, no control characters (an open redirect would make the login page a phishing aid)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/"
    return value


def _is_kiosk(url: str) -> bool:
    return ("kiosk", "1") in parse_qsl(urlsplit(url).query)


def _with_query(path: str, query: list[tuple[str, str]]) -> str:
    return path + ("?" + urlencode(query) if query else "")


# --- the login page --------------------------------------------------------------------------

LOGIN_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN" data-bs-theme="{{ 'dark' if kiosk else 'light' }}">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · {{ product }}</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap/css/bootstrap.min.css">
<style>
body { min-height: 100vh; display: flex; align-items: center; justify-content: center; }
.login-page.kiosk { background: #050d1f; color: #e6f0ff; font-size: 1.25rem; }
.login-card { width: min(420px, 92vw); }
.kiosk .login-card { width: min(640px, 92vw); }
.login-title { font-weight: 700; letter-spacing: .08em; }
</style>
</head>
<body class="login-page{{ ' kiosk' if kiosk else '' }}">
<main id="page-login" class="login-card card shadow-sm p-4">
  <div class="text-center mb-4">
    <div class="text-secondary small">{{ bureau }}</div>
    <h1 class="login-title h3 mt-1">{{ product }}</h1>
  </div>
  {% if message %}
  <div id="login-message" class="alert alert-{{ level }}" role="alert">{{ message }}</div>
  {% endif %}
  <form method="post" action="/login{{ '?kiosk=1' if kiosk else '' }}" autocomplete="off" novalidate>
    {{ form.csrf_token }}
    {{ form.next(value=next) }}
    <div class="mb-3">
      <label class="form-label" for="login-username">用户名</label>
      {{ form.username(class_="form-control form-control-lg", autocomplete="username", autofocus=true,
                       maxlength=64) }}
    </div>
    <div class="mb-4">
      <label class="form-label" for="login-password">密码</label>
      {{ form.password(class_="form-control form-control-lg", autocomplete="current-password") }}
    </div>
    <button id="login-submit" type="submit" class="btn btn-primary btn-lg w-100">登录</button>
  </form>
  <p class="text-secondary small mt-4 mb-0">连续 {{ max_failures }} 次输错密码将锁定账户 {{ lockout }} 分钟。
  大屏请使用管理员发放的大屏地址。</p>
</main>
</body>
</html>"""


def _login_page(settings: Settings, form: LoginForm, next_url: str, message: str | None = None,
                level: str = "danger", status: int = 200) -> Response:
    kiosk = request.args.get("kiosk") == "1" or _is_kiosk(next_url)
    html = render_template_string(LOGIN_TEMPLATE, form=form, next=next_url, message=message, level=level,
                                  kiosk=kiosk, product=PRODUCT_NAME, bureau=settings.bureau_name,
                                  max_failures=settings.login_max_failures, lockout=settings.lockout_minutes)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the secret key --------------------------------------------------------------------------

def secret_key(settings: Settings) -> str:
    """``SMARTSUP_SECRET_KEY``, else the data directory's ``secret_key`` file (created 0600 on first
    use, so every worker and every restart signs with the same key)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()


# --- service sessions (the weekly report's headless browser) ---------------------------------

SERVICE_KEY = "svc"


def service_cookie(app: dash.Dash, name: str, streets: tuple[str, ...] | None = None, *,
                   role: str = "analyst", ttl_s: int = 900,
                   office_code: str | None = None) -> tuple[str, str]:
    """``(cookie name, value)`` of a short-lived session for an in-process client (the weekly
    report's headless Chromium, the tests' clients) with the permissions of ``role`` and the given
    streets, signed with the app's key. It names no account and cannot be created from outside:
    making one takes the secret key."""
    server = app.server
    serializer = server.session_interface.get_signing_serializer(server)
    value = serializer.dumps({SERVICE_KEY: {"name": name, "role": role, "office": office_code,
                                            "streets": list(streets) if streets is not None else None,
                                            "exp": int(time.time()) + ttl_s}})
    return server.config["SESSION_COOKIE_NAME"], value


def browser_cookie(app: dash.Dash, base_url: str, name: str, streets: tuple[str, ...] | None = None, *,
                   role: str = "analyst", ttl_s: int = 900, office_code: str | None = None) -> dict[str, Any]:
    """``service_cookie`` as a Playwright cookie for ``base_url`` (``context.add_cookies([...])``)."""
    cookie_name, value = service_cookie(app, name, streets, role=role, ttl_s=ttl_s, office_code=office_code)
    return {"name": cookie_name, "value": value, "url": base_url, "httpOnly": True, "sameSite": "Lax"}


def act_as_service(name: str, streets: tuple[str, ...] | None = None, *, role: str = "analyst",
                   office_code: str | None = None) -> UserInfo:
    """Inside a request context that did not pass the gate (``app.server.test_request_context``),
    act as a service principal with ``role``'s permissions and ``streets``: the reads of a job (the
    weekly report's data) then see what that session's browser will see."""
    info = UserInfo(f"system:{name}", "系统任务", role, office_code,
                    tuple(streets) if streets is not None else None, ROLE_PERMISSIONS[role])
    g._smartsup_gate = True
    g._smartsup_user = info
    return info


def _service_user() -> UserInfo | None:
    svc = session.get(SERVICE_KEY)
    if not isinstance(svc, dict) or int(svc.get("exp", 0)) < time.time():
        return None
    role = svc.get("role")
    if role not in ROLE_PERMISSIONS:
        return None
    streets = svc.get("streets")
    return UserInfo(f"system:{svc.get('name')}", "系统任务", role, svc.get("office"),
                    tuple(streets) if streets is not None else None, ROLE_PERMISSIONS[role])


# --- the gate --------------------------------------------------------------------------------

def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _is_api(path: str) -> bool:
    return path.startswith(API_PREFIXES) or request.method not in ("GET", "HEAD")


def _unauthorised() -> Response:
    if _is_api(request.path):
        response = jsonify(error="未登录或会话已过期，请重新登录。")
        response.status_code = 401
        return response
    target = request.full_path if request.query_string else request.path
    query = [("next", target)] + ([("kiosk", "1")] if _is_kiosk(target) else [])
    if session.pop("_expired", None):
        query.append(("expired", "1"))
    return redirect(_with_query("/login", query), code=302)


def _forbidden(message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = 403
    return response


def _check_callback_body(app: dash.Dash, user: UserInfo) -> Response | None:
    """Refuse malformed callback requests (400, one log line) and outputs the user may not read (403)."""
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    needed = permission_for_output(output) if isinstance(output, str) else None
    if needed and needed not in user.permissions:
        log.warning("拒绝越权的回调请求：用户 %s（%s）请求 %.120s", user.username, user.role, output)
        return _forbidden("无权执行此操作。")
    well_formed = (isinstance(output, str) and output in app.callback_map
                   and isinstance(body.get("inputs"), list)
                   and all(isinstance(i, dict | list) for i in body["inputs"])
                   and isinstance(body.get("state", []), list)
                   and isinstance(body.get("changedPropIds", []), list))
    if not well_formed:
        log.warning("拒绝无效的回调请求：用户 %s，地址 %s，输出 %.120r", user.username, request.remote_addr,
                    output if isinstance(output, str) else type(body).__name__)
        response = jsonify(error="无效的回调请求。")
        response.status_code = 400
        return response
    return None


def _cross_site() -> bool:
    """True for a state-changing request another site made the browser send: the browser says so in
    ``Sec-Fetch-Site`` (set by the browser, not by page scripts). ``Origin`` is not compared with
    ``Host``: a reverse proxy may rewrite ``Host``, and every POST would then be refused."""
    return (request.method not in ("GET", "HEAD", "OPTIONS")
            and request.headers.get("Sec-Fetch-Site") == "cross-site")


def _gate(app: dash.Dash, settings: Settings) -> Response | None:
    g._smartsup_gate = True
    g._smartsup_user = None
    path = request.path
    if _cross_site():
        log.warning("拒绝跨站请求：%s %s（Origin %.80s）", request.method, path,
                    request.headers.get("Origin"))
        return _forbidden("拒绝跨站请求。")
    if _is_public(path):
        return None
    token = request.args.get(WALL_TOKEN_PARAM)
    if token is not None and request.method == "GET" and not _is_api(path):
        return _wall_sign_in(token, settings)

    user: UserInfo | None = None
    if current_user.is_authenticated:
        account: accounts.Account = current_user._get_current_object()
        now = int(time.time())
        seen = int(session.get("seen", now))
        if account.role != "wall" and now - seen > settings.session_idle_minutes * 60:
            logout_user()
            session.clear()
            session["_expired"] = True
        else:
            user = _info(account)
            if now - seen >= 30 or "seen" not in session:  # not a new cookie on every callback
                session["seen"] = now
    else:
        if "_user_id" in session:
            # the account is disabled, its password reset or its token revoked: this session is
            # over for good (re-enabling the account must not bring it back)
            session.clear()
        user = _service_user()
    if user is None:
        return _unauthorised()
    g._smartsup_user = user

    if user.role == "wall" and not _is_api(path) and not _is_kiosk(request.full_path):
        # a wall display is a kiosk: every page it loads is the kiosk view
        query = [(k, v) for k, v in parse_qsl(request.query_string.decode()) if k != "kiosk"]
        query.append(("kiosk", "1"))
        return redirect(_with_query(path, query), code=302)
    if path.startswith("/reports/files/") and ("export" not in user.permissions or user.streets is not None):
        # the archive holds the district's reports; a station's own are written beside them
        return _forbidden("无权下载。")
    if path == CALLBACK_PATH and request.method == "POST":
        return _check_callback_body(app, user)
    if request.method == "GET":
        for prefix, guard in PAGE_GUARDS.items():
            if path.startswith(prefix):
                reason = guard(path)
                if reason:
                    from components.forbidden import forbidden_html

                    log.info("拒绝访问：用户 %s 请求 %s（%s）", user.username, path, reason)
                    return Response(forbidden_html(dark=_is_kiosk(request.full_path)), status=403,
                                    mimetype="text/html")
    return None


def _wall_sign_in(token: str, settings: Settings) -> Response:
    """The wall URL carries its token once: sign in, then drop the token from the address."""
    account = accounts.sign_in_wall(token)
    query = [(k, v) for k, v in parse_qsl(request.query_string.decode())
             if k not in (WALL_TOKEN_PARAM, "kiosk")] + [("kiosk", "1")]
    if account is None:
        record("login_failed", "wall", {"method": "wall_token"}, username="(wall token)", role="wall")
        return _unauthorised()
    logout_user()
    session.clear()
    login_user(account)
    session.permanent = True
    session["seen"] = int(time.time())
    record("login", account.username, {"method": "wall_token"}, username=account.username, role="wall")
    return redirect(_with_query(request.path, query), code=302)


# --- routes ----------------------------------------------------------------------------------

def _register_routes(server: Flask, settings: Settings) -> None:
    # one limiter per app (its storage is per app: in-process, or the shared Redis)
    limiter = Limiter(get_remote_address, app=server, default_limits=[], headers_enabled=False)
    public.register(server, limiter, settings)  # 扫码查看: public, rate-limited by the same limiter
    public.register_draw(server, limiter, settings)  # 双随机 抽取结果核验, public likewise

    @server.route("/login", methods=["GET", "POST"])
    @limiter.limit(settings.login_rate_limit, methods=["POST"])
    def login() -> Any:
        form = LoginForm()
        next_url = safe_next(request.values.get("next"))
        if request.method == "GET":
            if current_user.is_authenticated:
                return redirect(next_url)
            message = "登录已超时，请重新登录。" if request.args.get("expired") else None
            return _login_page(settings, form, next_url, message, level="warning")
        if not form.validate_on_submit():
            errors = [e for field in form.errors.values() for e in field]
            if "csrf_token" in form.errors:
                return _login_page(settings, form, next_url, "页面已过期，请重新输入并登录。", status=400)
            return _login_page(settings, form, next_url, errors[0] if errors else "请输入用户名和密码。",
                               status=400)
        username = form.username.data.strip()
        result = accounts.authenticate(username, form.password.data,
                                       max_failures=settings.login_max_failures,
                                       lockout_minutes=settings.lockout_minutes)
        if result.account is None:
            typed = "".join(c if c.isprintable() else "?" for c in username)[:64]
            record("login_failed", typed, {"reason": result.reason}, username=typed)
            return _login_page(settings, form, next_url, result.message, status=401)
        session.clear()
        login_user(result.account)
        # a browser-session cookie: it ends with the browser, and after the idle timeout at the latest
        session["seen"] = int(time.time())
        record("login", result.account.username, None, username=result.account.username,
               role=result.account.role)
        return redirect(next_url)

    @server.route("/logout", methods=["GET", "POST"])
    def logout() -> Any:
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            # another site's link or <img src=/logout> must not end a wall's or an officer's session
            log.warning("忽略跨站的退出请求（来自 %s）", request.headers.get("Referer", "未知页面"))
            return redirect("/")
        account = current_user._get_current_object() if current_user.is_authenticated else None
        if account is not None:
            record("logout", account.username, None, username=account.username, role=account.role)
        kiosk = account is not None and account.role == "wall"
        logout_user()
        session.clear()
        return redirect("/login?kiosk=1" if kiosk else "/login")

    @server.errorhandler(429)
    def _too_many(_exc: Exception) -> Response:
        return _login_page(settings, LoginForm(), safe_next(request.values.get("next")),
                           "登录尝试过于频繁，请一分钟后再试。", status=429)


# --- hardening of Dash's endpoints -----------------------------------------------------------

def _harden_dash_views(app: dash.Dash) -> None:
    """A callback that raises on a forged state answers 400 with one log line (not 500 and a
    traceback); an unknown component-suite path answers 404."""
    server = app.server
    prefix = app.config.routes_pathname_prefix
    callback_endpoint = prefix + "_dash-update-component"
    dispatch = server.view_functions[callback_endpoint]

    def guarded_dispatch(*args: Any, **kwargs: Any) -> Any:
        try:
            return dispatch(*args, **kwargs)
        except HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 — answer the client, log one line
            body = request.get_json(silent=True)
            output = body.get("output") if isinstance(body, dict) else None
            tb = exc.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else "?"
            log.error("回调失败（回答 400）：%.120s %s: %.200s @ %s", output, type(exc).__name__, exc, where)
            response = jsonify(error="回调请求无法处理。")
            response.status_code = 400
            return response

    server.view_functions[callback_endpoint] = guarded_dispatch

    for rule in server.url_map.iter_rules():
        if "_dash-component-suites" in rule.rule:
            suites = server.view_functions[rule.endpoint]

            def guarded_suites(*args: Any, _view=suites, **kwargs: Any) -> Any:
                try:
                    return _view(*args, **kwargs)
                except HTTPException:
                    raise
                except Exception as exc:  # noqa: BLE001
                    log.warning("未知的组件脚本路径（回答 404）：%.160s（%s）", request.path,
                                type(exc).__name__)
                    raise NotFound() from None

            server.view_functions[rule.endpoint] = guarded_suites


def _csp(app: dash.Dash, settings: Settings) -> dict[str, Any]:
    extra_img: list[str] = []
    if settings.tile_url:
        parts = urlsplit(settings.tile_url)
        extra_img = [f"{parts.scheme}://{parts.netloc}"]
    return {
        "default-src": "'self'",
        "script-src": ["'self'", *app.csp_hashes()],
        # plotly.js and the React components set inline styles
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *extra_img],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *extra_img, *settings.video_origins],
        "media-src": ["'self'", "blob:", *settings.video_origins],
        "worker-src": ["'self'", "blob:"],
        "child-src": ["'self'", "blob:"],
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        # a spliced wall frames single-screen walls of this same app (dashboard/tiles.py); no other
        # site may frame any page (clickjacking)
        "frame-ancestors": "'self'",
    }


# --- wiring ----------------------------------------------------------------------------------

def init_app(app: dash.Dash, settings: Settings) -> None:
    """Put sign-in, the login pages, CSRF, rate limits, headers and the endpoint hardening in front
    of ``app`` (call last in ``create_app``, once every callback is registered)."""
    server = app.server
    server.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_NAME="smartsup_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        # the signature's age limit: the wall's lifetime; everybody else's idle timeout is ``seen``
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.wall_session_days),
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        WTF_CSRF_TIME_LIMIT=None,
        # CSRF is checked where a form or a write endpoint asks for it (``csrf.protect()``); Dash's
        # callback endpoint accepts only JSON, which a cross-site form cannot send, and the
        # SameSite=Lax cookie is not sent with a cross-site POST
        WTF_CSRF_CHECK_DEFAULT=False,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_KEY_PREFIX="smartsup-limit",
    )
    login_manager.init_app(server)
    login_manager.session_protection = "basic"
    login_manager.user_loader(accounts.load_session_user)
    csrf.init_app(server)
    Talisman(
        server,
        force_https=False,
        strict_transport_security=settings.secure_cookies,
        session_cookie_secure=settings.secure_cookies,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        frame_options="SAMEORIGIN",
        content_security_policy=_csp(app, settings),
        referrer_policy="same-origin",
        x_content_type_options=True,
    )
    _register_routes(server, settings)
    _harden_dash_views(app)
    # before every other hook (Talisman's, Dash's): nothing runs for a request that is refused
    server.before_request_funcs.setdefault(None, []).insert(0, lambda: _gate(app, settings))
