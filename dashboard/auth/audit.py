"""The audit log (可追溯、可问责): one row per sign-in, entity view, export, unmask, import and
account change, and per write of the operations screens.

``record(action, target, detail)`` is the one way to write it: it takes the user and the client
address from the current request (or the operating-system user for the CLI). A failing audit write
is logged and re-raised: an action that cannot be recorded must not silently succeed.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Mapping
from typing import Any

from flask import has_request_context, request
from sqlalchemy.engine import Engine

from dashboard.auth.accounts import now_local
from data_access import identity
from data_access.schema import AUDIT_ACTIONS

log = logging.getLogger(__name__)


def client_ip() -> str | None:
    """The client address of the current request (None outside a request)."""
    return request.remote_addr if has_request_context() else None


def record(action: str, target: str | None = None, detail: Mapping[str, Any] | None = None, *,
           username: str | None = None, role: str | None = None, engine: Engine | None = None) -> None:
    """Append one audit row for the signed-in user (``username``/``role`` override it: the login
    form names the user before there is a session; the CLI passes ``cli:<os user>``)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if username is None:
        from dashboard.auth import current_user_info

        info = current_user_info()
        if info is not None:
            username, role = info.username, info.role
        elif not has_request_context():
            username = f"cli:{_os_user()}"
    row = {"at": now_local(), "username": (username or "")[:64] or None, "role": role,
           "action": action, "target": (str(target)[:256] if target is not None else None),
           "detail": dict(detail) if detail else None, "ip": client_ip()}
    try:
        identity.append_audit(row, engine)
    except Exception:
        log.error("审计日志写入失败：%s %s %s", action, row["username"], row["target"])
        raise


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 — no login name in some containers
        return "?"
