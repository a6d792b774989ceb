"""The app's static files, made light for a wall display (architecture.md §5: ≤ 2 MB per wall screen).

Two things, both invisible to the pages:

* **A smaller plotly.js.** Dash loads plotly.js lazily from one fixed URL the first time a figure is
  drawn. That URL answers with ``assets/vendor/plotly/plotly-smartsup.min.js``: the same plotly.js
  version as the Python package's, built with only the trace types the app draws
  (``scripts/plotly-bundle``; 3.6 MB instead of 4.7 MB).
* **Static files compressed once, at the strongest level.** Scripts, style sheets and fonts never
  change while a release runs, so each is compressed the first time it is asked for (zstd level 19,
  else brotli 9, else gzip 9, by what the browser accepts) and kept — in memory and under
  ``<data_dir>/cache/static/``, so other workers and restarts reuse it. Responses made per request
  (callbacks, pages) are left to flask-compress's fast default level.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import tempfile
from pathlib import Path

import brotli
from flask import Flask, Response, request, send_file

try:  # Python 3.14 has compression.zstd; flask-compress brings the backport before that
    from compression import zstd  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover — depends on the Python version
    from backports import zstd  # type: ignore[no-redef]

log = logging.getLogger(__name__)

PLOTLY_BUNDLE = Path(__file__).resolve().parent.parent / "assets/vendor/plotly/plotly-smartsup.min.js"
#: Where Dash's renderer fetches plotly.js from (``window._dashPlotlyJSURL`` with ``serve_locally``).
PLOTLY_ROUTE = "_dash-component-suites/plotly/package_data/plotly.min.js"

COMPRESSIBLE = frozenset({
    "application/javascript", "text/javascript", "text/css", "application/json", "image/svg+xml",
    "font/ttf", "application/x-font-ttf", "font/otf", "application/vnd.ms-fontobject",
})
#: Strongest sensible levels: zstd 19 compresses plotly.js in ~3 s once; brotli 11 would take 15 s.
LEVELS = {"zstd": 19, "br": 9, "gzip": 9}
MIN_BYTES = 1024
_MEMORY_LIMIT = 64 * 1024 * 1024


def plotly_bundle_version() -> str:
    """The plotly.js version the bundle was built from (its banner)."""
    with PLOTLY_BUNDLE.open("rb") as fh:
        head = fh.read(200).decode("ascii", "replace")
    return head.split("plotly.js v", 1)[1].split(" ", 1)[0]


def _compress(data: bytes, algorithm: str) -> bytes:
    if algorithm == "zstd":
        return zstd.compress(data, LEVELS["zstd"])
    if algorithm == "br":
        return brotli.compress(data, quality=LEVELS["br"])
    return gzip.compress(data, LEVELS["gzip"], mtime=0)


def choose_encoding(accept: str) -> str | None:
    """The best encoding the client accepts (q=0 refuses one), or None."""
    accepted = {}
    for part in accept.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        accepted[name.strip().lower()] = q
    for algorithm in LEVELS:
        if accepted.get(algorithm, 0) > 0:
            return algorithm
    return None


class StaticFiles:
    """Serve the small plotly.js and compress static responses once (see the module's docstring)."""

    def __init__(self, server: Flask, prefix: str, cache_dir: Path | None) -> None:
        self.prefix = prefix
        self.cache_dir = cache_dir
        self._memory: dict[str, bytes] = {}
        self._memory_bytes = 0
        server.before_request(self._plotly)
        # after_request handlers run last-registered first: this one runs before flask-compress's,
        # which leaves a response that already has a Content-Encoding alone
        server.after_request(self._compress_static)

    def _plotly(self) -> Response | None:
        if request.path != self.prefix + PLOTLY_ROUTE:
            return None
        response = send_file(PLOTLY_BUNDLE, mimetype="application/javascript", conditional=True, etag=True,
                             max_age=3600)
        return response

    def _is_static(self) -> bool:
        p = request.path
        return p.startswith(self.prefix + "_dash-component-suites/") or p.startswith(self.prefix + "assets/")

    def _compress_static(self, response: Response) -> Response:
        if (request.method != "GET" or response.status_code != 200 or "Content-Encoding" in response.headers
                or response.mimetype not in COMPRESSIBLE or not self._is_static()):
            return response
        algorithm = choose_encoding(request.headers.get("Accept-Encoding", ""))
        if algorithm is None:
            return response
        response.direct_passthrough = False
        data = response.get_data()
        if len(data) < MIN_BYTES:
            return response
        etag, weak = response.get_etag()
        key = hashlib.sha256(
            f"{request.path}?{request.query_string.decode('latin-1')}|{etag}|{algorithm}|{LEVELS[algorithm]}".encode()
            + (b"" if etag else hashlib.sha256(data).digest())
        ).hexdigest()
        body = self._get(key)
        if body is None:
            body = _compress(data, algorithm)
            self._put(key, body)
        response.set_data(body)
        response.headers["Content-Encoding"] = algorithm
        vary = response.headers.get("Vary")
        if not vary:
            response.headers["Vary"] = "Accept-Encoding"
        elif "accept-encoding" not in vary.lower():
            response.headers["Vary"] = f"{vary}, Accept-Encoding"
        if etag:
            response.set_etag(f"{etag}:{algorithm}", weak=weak)
        return response.make_conditional(request)

    def _get(self, key: str) -> bytes | None:
        body = self._memory.get(key)
        if body is not None or self.cache_dir is None:
            return body
        try:
            body = (self.cache_dir / key).read_bytes()
        except OSError:
            return None
        self._remember(key, body)
        return body

    def _put(self, key: str, body: bytes) -> None:
        self._remember(key, body)
        if self.cache_dir is None:
            return
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.cache_dir, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.replace(tmp, self.cache_dir / key)
        except OSError as exc:  # a read-only data directory only costs the next worker a compression
            log.warning("无法写入静态文件压缩缓存 %s：%s", self.cache_dir, exc)

    def _remember(self, key: str, body: bytes) -> None:
        if self._memory_bytes + len(body) > _MEMORY_LIMIT:
            self._memory.clear()
            self._memory_bytes = 0
        self._memory[key] = body
        self._memory_bytes += len(body)
