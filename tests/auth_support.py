"""Signing test clients in: a short-lived session with a role's permissions (``web.service_cookie``),
for tests that request pages or Dash's endpoints and are not about sign-in itself."""

from __future__ import annotations

import dash

from dashboard.auth.web import service_cookie


def sign_in(client, app: dash.Dash, role: str = "leader", streets: tuple[str, ...] | None = None):
    """Give the Flask test ``client`` of ``app`` a session of ``role`` (limited to ``streets``)."""
    name, value = service_cookie(app, f"test-{role}", streets, role=role)
    client.set_cookie(name, value)
    return client
