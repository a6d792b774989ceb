"""Who is looking: the signed-in user, their jurisdiction and permissions, and the audit log.

The functions other modules call (the screen controller, pages, exports):

* ``current_streets()`` — the street codes the signed-in user may see, ``None`` for the whole district
  (also outside a request: tests calling functions directly, the CLI);
* ``current_user_info()`` — ``UserInfo`` (username, display name, role, office, streets, permissions)
  or ``None``;
* ``has_permission(name)`` / ``require(name)`` — the one permission check (``permissions.py``);
* ``record(action, target, detail)`` — append an audit row for the current user and client address.

The web side (``web.init_app``) is wired by ``dashboard.app.create_app``.
"""

from __future__ import annotations

from flask import g, has_request_context
from werkzeug.exceptions import Forbidden

from dashboard.auth.audit import record
from dashboard.auth.permissions import allowed

__all__ = ["current_streets", "current_user_info", "has_permission", "require", "record", "reveal",
           "Forbidden"]


def _gated() -> bool:
    """True inside a request that went through the sign-in gate (not a test's request context)."""
    return has_request_context() and bool(g.get("_smartsup_gate"))


def current_user_info():
    """The signed-in user of the current request (``web.UserInfo``), or None (no request, no user)."""
    return g.get("_smartsup_user") if _gated() else None


def current_streets() -> tuple[str, ...] | None:
    """Street codes the current user may see; None = the whole district.

    Outside a request (and in a test's bare request context) there is no user: None. Inside a real
    request a missing user sees nothing (``()``) — the gate lets no anonymous request reach data,
    and if one ever did, it must fail closed.
    """
    if not _gated():
        return None
    info = g.get("_smartsup_user")
    return () if info is None else info.streets


def has_permission(permission: str) -> bool:
    """True when the current user may ``permission``.

    Outside a request (CLI, tests calling functions) the operator may do everything but ``unmask``:
    personal data stays masked unless a signed-in user with that permission asks for it.
    """
    if not _gated():
        return allowed("admin", permission) and permission != "unmask"
    info = g.get("_smartsup_user")
    if info is None:
        allowed(None, permission)  # unknown permission names still raise
        return False
    return allowed(info.role, permission)


def require(permission: str) -> None:
    """Raise 403 (``werkzeug.exceptions.Forbidden``) unless the current user may ``permission``."""
    if not has_permission(permission):
        raise Forbidden("无权执行此操作。")


def reveal(target: str, field: str, read):
    """The one way a screen shows a personal field in full (every read is masked by default): checks
    ``unmask``, calls ``read()`` (the unmasked read of that one field) and records an ``unmask`` audit
    row naming ``target`` and ``field``. The caller checks the record's jurisdiction first."""
    require("unmask")
    value = read()
    record("unmask", target, {"field": field})
    return value
