"""The signed-in user of the current request, as the sign-in gate left it (``web._gate``): below both
the audit log (which names the user) and the permission checks of ``dashboard.auth``."""

from __future__ import annotations

from flask import g, has_request_context


def _gated() -> bool:
    """True inside a request that went through the sign-in gate (not a test's request context)."""
    return has_request_context() and bool(g.get("_smartsup_gate"))


def current_user_info():
    """The signed-in user of the current request (``web.UserInfo``), or None (no request, no user)."""
    return g.get("_smartsup_user") if _gated() else None
