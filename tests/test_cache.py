"""The query cache: keys, versions, copies, bypass, Redis, and a broken Redis that must not break reads."""

from __future__ import annotations

import logging
import uuid
from datetime import date

import pandas as pd
import pytest
import redis

from data_access import cache
from data_access.cache import init_cache, make_key, memoized
from data_access.db import set_meta, store
from tests.conftest import REDIS_URL

CALLS: list[tuple] = []


@memoized
def probe(x: int, scope: tuple[str, ...] | None = None, limit: int = 10) -> pd.DataFrame:
    CALLS.append((x, scope, limit))
    return pd.DataFrame({"x": [x] * 3, "limit": [limit] * 3})


@memoized
def maybe_none(x: int) -> None:
    CALLS.append(("none", x))
    return None


@pytest.fixture
def versioned_store(sqlite_engine):
    """The process store bound to an empty store whose read layer claims data version 1."""
    with sqlite_engine.begin() as conn:
        set_meta(conn, {"data_version": 1})
    store.configure(sqlite_engine.url.render_as_string(hide_password=False))
    CALLS.clear()
    yield sqlite_engine
    cache.reset()
    store.dispose()


def _bump(engine, version: int) -> None:
    with engine.begin() as conn:
        set_meta(conn, {"data_version": version})


def test_cch001_uninitialised_runs_uncached(versioned_store):
    cache.reset()
    probe(1)
    probe(1)
    assert len(CALLS) == 2


def test_cch002_simple_cache_hits_and_keys(versioned_store):
    init_cache(cache_type="simple", key_prefix=f"t{uuid.uuid4().hex[:6]}:")
    a = probe(1, ("310112102000", "310112101000"))
    b = probe(1, ("310112101000", "310112102000"))  # same scope, other order
    c = probe(1, ("310112101000", "310112102000"), limit=10)  # the default, spelled out
    assert len(CALLS) == 1
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    probe(2)
    probe(1, limit=11)
    assert len(CALLS) == 3


def test_cch003_data_version_invalidates(versioned_store):
    init_cache(cache_type="simple", key_prefix=f"t{uuid.uuid4().hex[:6]}:", version_ttl=0)
    probe(5)
    probe(5)
    assert len(CALLS) == 1
    _bump(versioned_store, 2)
    probe(5)
    assert len(CALLS) == 2
    probe(5)
    assert len(CALLS) == 2


def test_cch003b_an_in_process_cache_drops_older_versions(versioned_store):
    init_cache(cache_type="simple", key_prefix=f"t{uuid.uuid4().hex[:6]}:", version_ttl=0)
    probe(5)
    probe(6)
    backend = cache._state.backend
    assert len(backend._cache) == 2
    _bump(versioned_store, 2)
    probe(5)
    assert len(backend._cache) == 1  # version 1's entries are gone, not waiting for the threshold
    assert len(CALLS) == 3


def test_cch004_returns_copies(versioned_store):
    init_cache(cache_type="simple", key_prefix=f"t{uuid.uuid4().hex[:6]}:")
    first = probe(7)
    first.loc[0, "x"] = -1
    first["extra"] = 1
    again = probe(7)
    assert list(again["x"]) == [7, 7, 7]
    assert "extra" not in again
    again.loc[1, "x"] = -2
    assert list(probe(7)["x"]) == [7, 7, 7]
    assert len(CALLS) == 1


def test_cch005_bypass_switch(versioned_store):
    init_cache(cache_type="simple", bypass=True, key_prefix=f"t{uuid.uuid4().hex[:6]}:")
    probe(1)
    probe(1)
    assert len(CALLS) == 2
    cache.set_bypass(False)
    probe(1)
    probe(1)
    assert len(CALLS) == 3


def test_cch006_none_results_are_cached(versioned_store):
    init_cache(cache_type="simple", key_prefix=f"t{uuid.uuid4().hex[:6]}:")
    assert maybe_none(1) is None
    assert maybe_none(1) is None
    assert CALLS == [("none", 1)]


def test_cch007_key_shape():
    k1 = make_key(probe.uncached, (1,), {"scope": {"b", "a"}}, 3, "s1")
    k2 = make_key(probe.uncached, (1, ["a", "b"], 10), {}, 3, "s1")
    assert k1 == k2
    assert k1.startswith("tests.test_cache.probe:s1:v3:")
    assert make_key(probe.uncached, (1,), {}, 4, "s1") != make_key(probe.uncached, (1,), {}, 3, "s1")
    assert make_key(probe.uncached, (1,), {}, 3, "s2") != make_key(probe.uncached, (1,), {}, 3, "s1")
    with pytest.raises(TypeError):
        make_key(probe.uncached, (object(),), {}, 3, "s1")
    assert make_key(probe.uncached, (date(2026, 1, 1),), {}, 3, "s") != make_key(
        probe.uncached, (date(2026, 1, 2),), {}, 3, "s"
    )


@pytest.mark.redis
def test_cch008_redis_backend(versioned_store):
    prefix = f"smartsup-test-{uuid.uuid4().hex[:8]}:"
    init_cache(redis_url=REDIS_URL, key_prefix=prefix, version_ttl=0)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        first = probe(3, ("310112102000",))
        first.loc[0, "x"] = 99
        second = probe(3, ("310112102000",))
        assert len(CALLS) == 1
        assert list(second["x"]) == [3, 3, 3]
        keys = client.keys(f"{prefix}*")
        assert len(keys) == 1 and b"probe" in keys[0] and b":v1:" in keys[0]
        _bump(versioned_store, 2)
        probe(3, ("310112102000",))
        assert len(CALLS) == 2
        assert len(client.keys(f"{prefix}*")) == 2
    finally:
        for k in client.keys(f"{prefix}*"):
            client.delete(k)
        client.close()


@pytest.mark.redis
def test_cch009_broken_redis_falls_back(versioned_store, caplog):
    init_cache(redis_url="redis://127.0.0.1:1/0", key_prefix="broken:")
    with caplog.at_level(logging.WARNING, logger="data_access.cache"):
        out = probe(4)
        again = probe(4)
    assert list(out["x"]) == [4, 4, 4]
    assert list(again["x"]) == [4, 4, 4]
    assert len(CALLS) == 2  # both ran: nothing could be cached
    warnings = [r for r in caplog.records if r.name == "data_access.cache"]
    # one failure, then the backend is left alone for RETRY_AFTER_S: no second connection attempt
    assert len(warnings) == 1
    assert "直接查询数据库" in warnings[0].getMessage()


def test_cch011_version_is_reused_for_a_second(versioned_store):
    init_cache(cache_type="simple", key_prefix=f"t{uuid.uuid4().hex[:6]}:", version_ttl=60)
    probe(9)
    _bump(versioned_store, 2)
    probe(9)  # within the TTL the worker still answers from version 1's entry
    assert len(CALLS) == 1
    cache.reset()
    init_cache(cache_type="simple", key_prefix=f"t{uuid.uuid4().hex[:6]}:", version_ttl=0)
    probe(9)
    assert len(CALLS) == 2


def test_cch010_filesystem_backend(versioned_store, tmp_path):
    init_cache(cache_type="filesystem", cache_dir=tmp_path / "c", key_prefix="fs:")
    probe(8)
    probe(8)
    assert len(CALLS) == 1
    assert any((tmp_path / "c").iterdir())
