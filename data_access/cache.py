"""The query cache: flask-caching behind a ``memoized`` decorator for read functions.

``cache = Cache()`` is created unbound; ``init_cache(app, …)`` attaches it (the Dash app's Flask
server, or — for the CLI and the benchmark — a tiny Flask app of its own). Until then, and while
bypassed, ``memoized`` functions simply run.

A key is ``<prefix><module.qualname>:<store>:v<data version>:<hash of the normalised arguments>``.
The data version is read from ``meta`` (at most once a second per worker), so a refresh
invalidates every entry in every worker at once, without guessing entry lifetimes; the store part
keeps two databases in one process (the tests) apart. The function then runs pinned to that same
version, so what is cached under version N was read from version N's tables. Values go through
the backend's serializer (pickle), so every hit is a fresh copy: a caller mutating a frame cannot
corrupt the cache.

A failing backend (Redis down) is logged and bypassed: the query runs and its result is
returned. After a failure the backend is left alone for ``RETRY_AFTER_S`` seconds, so a dead
Redis costs one failed connection attempt per interval rather than one per read.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from flask_caching import Cache

log = logging.getLogger(__name__)

cache = Cache()

#: Seconds to leave a failed backend alone before trying it again.
RETRY_AFTER_S = 30.0
#: Seconds a worker reuses the data version it read, so the calls of one screen cost one lookup.
#: A refresh is seen at most this late; the previous version's tables are kept, so reads pinned
#: to it stay whole.
VERSION_TTL_S = 1.0

F = TypeVar("F", bound=Callable[..., Any])

_pinned_version: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "smartsup_data_version", default=None
)


class _State:
    def __init__(self) -> None:
        self.backend: Any = None
        self.timeout: int = 0
        self.bypass: bool = False
        self.prefix: str = "smartsup:"
        self.failed_at: float | None = None
        self.version_ttl: float = VERSION_TTL_S
        self.versions: dict[str, tuple[str, float, int | None]] = {}
        self.lock = threading.Lock()


_state = _State()

#: Called with ``"hit"``, ``"miss"``, ``"error"`` or ``"uncached"`` on every call of a memoized read
#: (``dashboard.metrics`` counts them); an observer must be cheap, and its failure is ignored.
_observers: list[Callable[[str], None]] = []


def add_observer(fn: Callable[[str], None]) -> None:
    """Have ``fn`` told the outcome of every memoized read's cache lookup."""
    if fn not in _observers:
        _observers.append(fn)


def _tell(outcome: str) -> None:
    for fn in _observers:
        try:
            fn(outcome)
        except Exception:  # noqa: BLE001 — accounting must never break a read
            log.debug("cache observer failed", exc_info=True)


def init_cache(
    app: Flask | None = None,
    *,
    cache_type: str = "simple",
    redis_url: str | None = None,
    cache_dir: Path | str | None = None,
    timeout: int = 24 * 3600,
    bypass: bool = False,
    key_prefix: str = "smartsup:",
    version_ttl: float = VERSION_TTL_S,
) -> Flask:
    """Attach ``cache`` to ``app`` (a tiny Flask app of its own when None) and enable ``memoized``.

    ``cache_type`` is ``simple`` (in-process), ``filesystem`` (under ``cache_dir``), ``redis`` or
    ``null``; a ``redis_url`` selects Redis whatever the type. ``bypass`` makes every read run
    uncached (for troubleshooting and cold-cache benchmarks). ``version_ttl`` is how long a
    worker reuses the data version it read (0: read it on every call). Returns the app.
    """
    app = app or Flask("smartsup-cache")
    if redis_url:
        cache_type = "redis"
    config: dict[str, Any] = {"CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_KEY_PREFIX": key_prefix}
    if cache_type == "redis":
        if not redis_url:
            raise ValueError("缓存类型为 redis 时需要 redis_url")
        config |= {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": redis_url,
            "CACHE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    elif cache_type == "filesystem":
        if not cache_dir:
            raise ValueError("缓存类型为 filesystem 时需要 cache_dir")
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        config |= {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(cache_dir), "CACHE_THRESHOLD": 5000}
    elif cache_type == "simple":
        config |= {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    elif cache_type == "null":
        config |= {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    else:
        raise ValueError(f"未知缓存类型：{cache_type}")
    cache.init_app(app, config=config)
    with _state.lock:
        _state.backend = app.extensions["cache"][cache]
        _state.timeout = timeout
        _state.bypass = bypass
        _state.prefix = key_prefix
        _state.failed_at = None
        _state.version_ttl = version_ttl
        _state.versions.clear()
    return app


def init_cache_from_settings(settings: Any, app: Flask | None = None) -> Flask:
    """``init_cache`` with the ``cache_*``/``redis_url`` fields of ``dashboard.settings.Settings``."""
    return init_cache(
        app,
        cache_type=settings.cache_type,
        redis_url=settings.redis_url,
        cache_dir=Path(settings.data_dir) / "cache",
        timeout=settings.cache_timeout,
        bypass=settings.cache_bypass,
    )


def set_bypass(on: bool) -> None:
    """Switch the bypass on or off at run time (benchmarks measure cold reads with it)."""
    _state.bypass = on


def is_active() -> bool:
    """Whether reads are being cached (initialised and not bypassed)."""
    return _state.backend is not None and not _state.bypass


def stores_values() -> bool:
    """Whether a ``memoized`` result is kept (a real backend, not bypassed, not the null cache)."""
    return _backend_usable() and type(_state.backend).__name__ != "NullCache"


def clear() -> None:
    """Drop every cached entry of this backend (the data version makes this rarely needed)."""
    if _state.backend is not None:
        _state.backend.clear()


def reset() -> None:
    """Detach the backend: ``memoized`` functions run uncached again (for tests)."""
    with _state.lock:
        _state.backend = None
        _state.bypass = False
        _state.failed_at = None
        _state.versions.clear()


def pinned_version() -> int | None:
    """The data version the current read is pinned to (set by ``memoized`` or ``pin_version``)."""
    return _pinned_version.get()


@contextmanager
def pin_version(version: int | None) -> Iterator[None]:
    """Make reads inside the block use ``version``'s tables."""
    token = _pinned_version.set(version)
    try:
        yield
    finally:
        _pinned_version.reset(token)


def _normalise(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return tuple(sorted((_normalise(v) for v in value), key=repr))
    if isinstance(value, (list, tuple)):
        return tuple(_normalise(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _normalise(v)) for k, v in value.items()))
    raise TypeError(f"memoized 函数的参数必须是基本类型，收到 {type(value).__name__}")


def _scope_like(name: str) -> bool:
    return name in ("scope", "streets") or name.endswith("_codes")


def make_key(fn: Callable[..., Any], args: tuple, kwargs: dict, version: int | None, store_id: str) -> str:
    """The cache key of a call: qualified name, store, data version and normalised arguments.

    Defaults are applied, so ``f(x)`` and ``f(x, limit=100)`` share an entry when 100 is the
    default; scopes (``scope`` or ``*_codes`` arguments) are sorted, because a set of streets has no order.
    """
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    parts = []
    for name, value in bound.arguments.items():
        v = _normalise(value)
        if _scope_like(name) and isinstance(v, tuple):
            v = tuple(sorted(v, key=repr))
        parts.append((name, v))
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()
    return f"{fn.__module__}.{fn.__qualname__}:{store_id}:v{version}:{digest}"


def _store_identity() -> tuple[str, int | None]:
    from data_access.db import store
    from data_access.marts import current_version

    url = store.url or ""
    now = time.monotonic()
    seen = _state.versions.get(url)
    if seen is not None and now - seen[1] < _state.version_ttl:
        return seen[0], seen[2]
    with store.engine.connect() as conn:
        version = current_version(conn)
    store_id = hashlib.sha1(url.encode()).hexdigest()[:8]
    if seen is not None and seen[2] != version and type(_state.backend).__name__ == "SimpleCache":
        # every key names its data version: an in-process cache's older entries can never be hit
        # again, and a wall refreshing for days would otherwise hold up to the threshold's worth of
        # built pages from versions long gone (Redis evicts by its own maxmemory policy)
        _state.backend.clear()
    _state.versions[url] = (store_id, now, version)
    return store_id, version


def _backend_usable() -> bool:
    if _state.backend is None or _state.bypass:
        return False
    failed = _state.failed_at
    return failed is None or time.monotonic() - failed >= RETRY_AFTER_S


def _backend_failed(action: str, exc: Exception) -> None:
    _state.failed_at = time.monotonic()
    log.warning("查询缓存%s失败，本次直接查询数据库（%.0f 秒后重试缓存）：%s", action, RETRY_AFTER_S, exc)


def versioned_key(name: str, parts: tuple) -> str | None:
    """A cache key for ``name`` and ``parts`` under the store and its data version, or None when
    nothing is kept (no real backend, bypassed, or failing): the key of a value a refresh retires."""
    if not stores_values():
        return None
    store_id, version = _store_identity()
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()
    return f"{_state.prefix}{name}:{store_id}:v{version}:{digest}"


def get_value(key: str) -> Any:
    """The value kept under ``key`` (from :func:`versioned_key`), None on a miss or a failing backend.
    Not counted in the reads' hits and misses (``add_observer``): those say how the reads fare."""
    if not _backend_usable():
        return None
    try:
        return _state.backend.get(key)
    except Exception as exc:  # noqa: BLE001 — a failing backend is a miss
        _backend_failed("读取", exc)
        _tell("error")
        return None


def set_value(key: str, value: Any) -> None:
    """Keep ``value`` (not None) under ``key``; a failing backend is logged and skipped."""
    if not _backend_usable():
        return
    try:
        _state.backend.set(key, value, timeout=_state.timeout)
    except Exception as exc:  # noqa: BLE001
        _backend_failed("写入", exc)


def memoized(fn: F) -> F:
    """Cache a read function's result under its arguments and the data version.

    Arguments must be primitives (None, bool, int, float, str, dates, and tuples/lists/sets of
    those). Without an initialised cache, or when bypassed, the function runs directly.
    """
    inspect.signature(fn)  # fail at decoration time for objects without a signature

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not _backend_usable():
            _tell("uncached")
            return fn(*args, **kwargs)
        store_id, version = _store_identity()
        key = _state.prefix + make_key(fn, args, kwargs, version, store_id)
        hit: Any = None
        try:
            hit = _state.backend.get(key)
        except Exception as exc:  # noqa: BLE001 — any backend failure degrades to an uncached read
            _backend_failed("读取", exc)
            _tell("error")
        else:
            _tell("hit" if hit is not None else "miss")
        if hit is not None:
            return hit[0]
        with pin_version(version):
            result = fn(*args, **kwargs)
        if _backend_usable():
            try:
                # Wrapped in a tuple so that a cached None is told apart from a miss.
                _state.backend.set(key, (result,), timeout=_state.timeout)
            except Exception as exc:  # noqa: BLE001
                _backend_failed("写入", exc)
        return result

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
