"""``/metrics`` in the Prometheus text format, the access log line, and the client address.

What is measured:

- ``smartsup_http_request_duration_seconds{route,method,status}`` — every request, by Flask route
  (the rule, e.g. ``/reports/files/<name>``, never the raw path, so the label set stays small);
- ``smartsup_callback_duration_seconds{screen}`` — Dash callbacks, by the screen that issued them
  (the path of the page, from the ``Referer``, mapped to its page module);
- ``smartsup_cache_requests_total{outcome}`` — lookups of the memoized reads: hit, miss, error,
  uncached (``data_access.cache``);
- ``smartsup_data_age_seconds``, ``smartsup_refresh_age_seconds``, ``smartsup_refresh_duration_seconds``,
  ``smartsup_data_version`` — read from the store's ``meta`` at each scrape: the refresh runs in its
  own process (``smartsup refresh``), never in a worker.

Under gunicorn every worker has its own counters; with ``PROMETHEUS_MULTIPROC_DIR`` set (the
shipped ``deploy/gunicorn.conf.py`` does) they are kept in files there and a scrape of any worker
sums all of them. Who may read ``/metrics`` is ``may_read_metrics`` — the configured address list
today; sign-in will add "or an administrator" there.

With ``SMARTSUP_LOG_FORMAT=json`` each request also logs one ``smartsup.access`` line with the
route, status, duration, the worker's pid and that request's cache hits and misses.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.settings import Settings
from data_access import cache as query_cache

log = logging.getLogger(__name__)
access_log = logging.getLogger("smartsup.access")

METRICS_PATH = "/metrics"
DASH_CALLBACK = "/_dash-update-component"
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_SECONDS = Histogram(
    "smartsup_http_request_duration_seconds",
    "HTTP 请求耗时（按路由）",
    ("route", "method", "status"),
    buckets=_BUCKETS,
)
CALLBACK_SECONDS = Histogram(
    "smartsup_callback_duration_seconds", "Dash 回调耗时（按发起的屏幕）", ("screen",), buckets=_BUCKETS
)
CACHE_REQUESTS = Counter("smartsup_cache_requests_total", "查询缓存查找次数（按结果）", ("outcome",))


# --- who may read /metrics ---------------------------------------------------------------------


@lru_cache(maxsize=32)
def _networks(allow: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    nets = []
    for part in allow.split(","):
        part = part.strip()
        if part:
            try:
                nets.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                log.warning("SMARTSUP_METRICS_ALLOW 中的 %r 不是地址或网段，已忽略", part)
    return tuple(nets)


def address_allowed(address: str | None, allow: str) -> bool:
    """Whether ``address`` is in one of the comma-separated addresses or networks of ``allow``."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in _networks(allow))


def may_read_metrics(settings: Settings) -> bool:
    """Whether the current request may read ``/metrics``: its client address is on the list.

    Sign-in (identity) extends this with ``or current_user is an administrator``.
    """
    return address_allowed(request.remote_addr, settings.metrics_allow)


# --- the store's freshness, read at scrape time --------------------------------------------------


class FreshnessCollector(Collector):
    """Age of the data and of the last refresh, its duration and the data version, from ``meta``."""

    def collect(self):  # noqa: D102 — prometheus_client's interface
        from components.report import LOCAL_TZ
        from data_access.db import get_meta, store
        from data_access.marts import VERSION_KEY

        try:
            with store.engine.connect() as conn:
                meta = {
                    k: get_meta(conn, k)
                    for k in ("source_data_time", "refreshed_at", "refresh_seconds", VERSION_KEY)
                }
        except Exception:  # noqa: BLE001 — a scrape must answer even with the database down
            log.warning("/metrics: 无法读取数据库的刷新信息", exc_info=True)
            up = GaugeMetricFamily("smartsup_database_up", "数据库可读（1）或不可读（0）")
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily("smartsup_database_up", "数据库可读（1）或不可读（0）")
        up.add_metric([], 1)
        yield up
        now = datetime.now(LOCAL_TZ).replace(tzinfo=None)  # the store's times are naive Shanghai time
        gauges = (
            ("smartsup_data_age_seconds", "数据时间（最新事件）距今秒数", "source_data_time", True),
            ("smartsup_refresh_age_seconds", "上次刷新读优化层距今秒数", "refreshed_at", True),
            ("smartsup_refresh_duration_seconds", "上次刷新读优化层的用时（秒）", "refresh_seconds", False),
            ("smartsup_data_version", "读优化层的数据版本", VERSION_KEY, False),
        )
        for name, text, key, is_time in gauges:
            value = meta.get(key)
            if value in (None, ""):
                continue
            try:
                number = (now - datetime.fromisoformat(value)).total_seconds() if is_time else float(value)
            except ValueError:
                continue
            family = GaugeMetricFamily(name, text)
            family.add_metric([], number)
            yield family


def exposition() -> bytes:
    """The text of a scrape: this process's metrics (all workers' under gunicorn) and freshness."""
    from prometheus_client import REGISTRY

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    fresh = CollectorRegistry()
    fresh.register(FreshnessCollector())
    return body + generate_latest(fresh)


# --- labels ------------------------------------------------------------------------------------


def _screens() -> dict[str, str]:
    """First path segment → screen slug, from the page registry (``""`` is the overview)."""
    import dash

    out = {}
    for page in dash.page_registry.values():
        path = page.get("path_template") or page.get("path") or ""
        out[path.strip("/").split("/", 1)[0]] = page["module"].rsplit(".", 1)[-1]
    return out


def screen_of(referer: str | None) -> str:
    """The screen a callback came from: its page's module name, ``other`` when unknown."""
    if not referer:
        return "other"
    segment = urlsplit(referer).path.strip("/").split("/", 1)[0]
    try:
        return _screens().get(segment, "other")
    except Exception:  # noqa: BLE001 — outside an app (tests) there is no registry
        return "other"


# --- wiring ------------------------------------------------------------------------------------


def _count_cache(outcome: str) -> None:
    CACHE_REQUESTS.labels(outcome).inc()
    counts = g.get("_smartsup_cache") if _in_request() else None
    if counts is not None:
        counts[outcome] = counts.get(outcome, 0) + 1


def _in_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def init_metrics(server: Flask, settings: Settings) -> None:
    """Measure every request of ``server``, log it when logs are JSON, and serve ``/metrics``."""
    if settings.proxy_count > 0:
        # the client's address from X-Forwarded-For, trusting exactly the configured proxies
        server.wsgi_app = ProxyFix(
            server.wsgi_app,
            x_for=settings.proxy_count,
            x_proto=settings.proxy_count,
            x_host=settings.proxy_count,
        )
    query_cache.add_observer(_count_cache)
    structured = settings.log_format == "json"

    def _start() -> None:
        g._smartsup_t0 = time.perf_counter()
        g._smartsup_cache = {}

    # first of all, before the sign-in gate: a refused request (401, 400, 403) is a request too
    server.before_request_funcs.setdefault(None, []).insert(0, _start)

    @server.after_request
    def _measure(response: Response) -> Response:
        t0 = g.get("_smartsup_t0")
        if t0 is None:
            return response
        seconds = time.perf_counter() - t0
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        REQUEST_SECONDS.labels(route, request.method, str(response.status_code)).observe(seconds)
        screen = None
        if route == DASH_CALLBACK:
            screen = screen_of(request.headers.get("Referer"))
            CALLBACK_SECONDS.labels(screen).observe(seconds)
        if structured and route != METRICS_PATH:
            cache = g.get("_smartsup_cache") or {}
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "event": "request",
                    "route": route,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round(seconds * 1000, 1),
                    "screen": screen,
                    "remote": request.remote_addr,
                    "cache_hits": cache.get("hit", 0),
                    "cache_misses": cache.get("miss", 0),
                },
            )
        return response

    @server.route(METRICS_PATH)
    def _metrics() -> Response:
        if not may_read_metrics(settings):
            return Response("forbidden\n", status=403, mimetype="text/plain")
        return Response(exposition(), mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
