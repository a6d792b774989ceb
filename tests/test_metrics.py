"""/metrics (Prometheus text), who may read it, the access line and the JSON log format."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from dashboard.app import create_app
from dashboard.logging_setup import JsonFormatter
from dashboard.metrics import CACHE_REQUESTS, address_allowed, screen_of
from dashboard.settings import Settings
from tests.auth_support import sign_in
from tests.test_refresh import refreshed_copy


@pytest.fixture(scope="module")
def store_url(tmp_path_factory, small_store_url) -> str:
    return refreshed_copy(tmp_path_factory, small_store_url)


def _app(tmp_path, store_url, **overrides):
    settings = Settings(database_url=store_url, data_dir=tmp_path, cache_type="simple", **overrides)
    return create_app(settings)


def _families(text: str) -> dict[str, object]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_met001_metrics_in_prometheus_format_with_routes_screens_cache_and_freshness(tmp_path, store_url):
    app = _app(tmp_path, store_url, log_format="json")
    client = sign_in(app.server.test_client(), app)
    assert client.get("/health").status_code == 200
    # a callback from the complaints screen (its body is not a valid callback: the timing counts anyway)
    client.post(
        "/_dash-update-component", json={}, headers={"Referer": "http://wall.intra/complaints?kiosk=1"}
    )
    from data_access.api.indicators import indicator_catalogue

    hits = CACHE_REQUESTS.labels("hit")._value.get()
    with app.server.test_request_context("/"):
        indicator_catalogue(period="month")
        indicator_catalogue(period="month")
    assert CACHE_REQUESTS.labels("hit")._value.get() == hits + 1
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    fams = _families(response.get_data(as_text=True))
    routes = {s.labels["route"] for s in fams["smartsup_http_request_duration_seconds"].samples}
    assert {"/health", "/_dash-update-component"} <= routes
    screens = {s.labels["screen"] for s in fams["smartsup_callback_duration_seconds"].samples}
    assert "complaints" in screens
    assert {s.labels["outcome"] for s in fams["smartsup_cache_requests"].samples} >= {"hit", "miss"}
    assert fams["smartsup_database_up"].samples[0].value == 1
    assert fams["smartsup_data_version"].samples[0].value >= 1
    assert fams["smartsup_refresh_duration_seconds"].samples[0].value > 0
    # the small district's data end on 2026-11-20: days old, whenever the test runs
    assert fams["smartsup_data_age_seconds"].samples[0].value > 86_400


@pytest.mark.parametrize(
    "allow, remote, forwarded, proxies, expected",
    [
        ("127.0.0.1,::1", "127.0.0.1", None, 0, 200),
        ("127.0.0.1,::1", "10.1.2.3", None, 0, 403),
        ("10.0.0.0/8", "10.1.2.3", None, 0, 200),
        ("", "127.0.0.1", None, 0, 403),
        # behind one proxy the client is the forwarded address …
        ("10.0.0.0/8", "127.0.0.1", "10.20.30.40", 1, 200),
        ("127.0.0.1", "127.0.0.1", "192.168.1.9", 1, 403),
        # … and without a proxy configured, a forged X-Forwarded-For changes nothing
        ("10.0.0.0/8", "127.0.0.1", "10.20.30.40", 0, 403),
    ],
)
def test_met002_metrics_only_for_the_configured_addresses(
    tmp_path, store_url, allow, remote, forwarded, proxies, expected
):
    app = _app(tmp_path, store_url, metrics_allow=allow, proxy_count=proxies)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    response = app.server.test_client().get("/metrics", environ_base={"REMOTE_ADDR": remote}, headers=headers)
    assert response.status_code == expected


def test_met003_addresses_and_networks():
    assert address_allowed("::ffff:10.0.0.7", "10.0.0.0/8")
    assert address_allowed("::1", "127.0.0.1,::1")
    assert not address_allowed("not an ip", "0.0.0.0/0")
    assert not address_allowed("10.0.0.7", "bogus, 192.168.0.0/16")


def test_met004_screen_of_a_callback(tmp_path, store_url):
    _app(tmp_path, store_url)
    assert screen_of("http://h/") == "overview"
    assert screen_of("http://h/entity/91310112MA1234567X?kiosk=1") == "entity_file"
    assert screen_of("http://h/no-such-screen") == "other"
    assert screen_of(None) == "other"


def test_met005_json_log_lines(tmp_path, store_url, caplog):
    app = _app(tmp_path, store_url, log_format="json")
    with caplog.at_level(logging.INFO, logger="smartsup.access"):
        app.server.test_client().get("/health")
    record = next(r for r in caplog.records if r.name == "smartsup.access")
    line = JsonFormatter().format(record)
    assert "\n" not in line
    obj = json.loads(line)
    assert obj["route"] == "/health" and obj["status"] == 200 and obj["logger"] == "smartsup.access"
    assert {"time", "level", "message", "pid", "ms", "cache_hits", "cache_misses"} <= obj.keys()
    try:
        raise ValueError("数据库不可用")
    except ValueError:
        err = logging.LogRecord("x", logging.ERROR, __file__, 1, "读取失败：%s", ("七宝",), True)
        import sys

        err.exc_info = sys.exc_info()
    obj = json.loads(JsonFormatter().format(err))
    assert obj["message"] == "读取失败：七宝" and "数据库不可用" in obj["exc_info"]
