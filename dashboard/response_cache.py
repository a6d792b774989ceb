"""Built screens served as the bytes the browser receives (issue 13 §7: many walls, one build).

A wall's screen load is one request: Dash Pages' router callback. The screen controller answers it
from the build cache (``dashboard/screen.py::_built``), yet on every load Dash still serialised the
page (about 10 ms for 智能预警 at minhang scale) and Flask-Compress compressed it (about 14 ms) —
most of what a cached load cost a worker. Here the compressed answer itself is kept in the query
cache (shared by the workers when it is Redis), under what the build is keyed by — the request body
(path, query, the app's config), the viewer (jurisdiction and role, and what a screen with a
``version`` has loaded), the data version — and the
``Accept-Encoding`` the browser sent, and it is served before Dash is called.

Only a router answer whose page the controller took whole from the build cache is kept: the
controller marks it (:func:`mark_cacheable`). Pages off the controller (search, an entity's file,
the audit log, the rules), a page drawn in its "data delayed" state and any other callback (a
filter, a write) always go through Dash. The sign-in gate and the callback-body check run before
this hook (``auth.web`` puts the gate first), so a refused request is never answered from here.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable

from flask import Flask, Response, g, has_request_context, request

from data_access import cache as query_cache

log = logging.getLogger(__name__)

#: What of the signed-in user (and of the store, for some screens) changes the page at a path — the
#: controller's ``page_viewer``, set by ``init_response_cache``.
_VIEWER: dict[str, Callable[[str], tuple]] = {}

#: The router callback's output, as Dash Pages names it in the request body.
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
CALLBACK_SUFFIX = "/_dash-update-component"


def mark_cacheable() -> None:
    """Called by the controller when the page of this request came whole from the build cache."""
    if has_request_context() and "_smartsup_response_key" in g:
        g._smartsup_response_cacheable = True


def _key() -> str | None:
    if request.method != "POST" or not request.path.endswith(CALLBACK_SUFFIX):
        return None
    body = request.get_data(cache=True)
    parsed = json.loads(body) if body else None
    if not isinstance(parsed, dict) or parsed.get("output") != ROUTER_OUTPUT:
        return None
    pathname = next((i.get("value") for i in parsed.get("inputs") or []
                     if isinstance(i, dict) and i.get("property") == "pathname"), None)
    viewer = _VIEWER.get("of")
    if not isinstance(pathname, str) or viewer is None:
        return None
    encoding = request.headers.get("Accept-Encoding", "")
    parts = (hashlib.sha256(body).hexdigest(), repr(viewer(pathname)), encoding)
    return query_cache.versioned_key("response", parts)


def _serve_cached() -> Response | None:
    try:
        key = _key()
    except Exception:  # noqa: BLE001 — the store or the cache is down: let Dash answer (it says so)
        log.debug("无法确定响应缓存键", exc_info=True)
        return None
    if key is None:
        return None
    hit = query_cache.get_value(key)  # not counted as a read's hit or miss (/metrics)
    if hit is not None:
        body, encoding = hit
        response = Response(body, mimetype="application/json")
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["Content-Length"] = str(len(body))
        g._smartsup_response_hit = True
        return response
    g._smartsup_response_key = key
    return None


def _keep(response: Response) -> Response:
    key = g.get("_smartsup_response_key")
    if (key and g.get("_smartsup_response_cacheable") and response.status_code == 200
            and not response.is_streamed):
        query_cache.set_value(key, (response.get_data(), response.headers.get("Content-Encoding")))
    return response


def init_response_cache(server: Flask, viewer: Callable[[str], tuple]) -> None:
    """Serve kept answers before Dash; keep a marked answer after Flask-Compress has compressed it.

    The serving hook goes after the gate (registered last); the keeping hook goes first in Flask's
    list of after-request functions, which Flask calls in reverse, so it sees the compressed bytes.
    """
    _VIEWER["of"] = viewer
    server.before_request(_serve_cached)
    server.after_request_funcs.setdefault(None, []).insert(0, _keep)
