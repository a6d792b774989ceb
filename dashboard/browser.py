"""What every headless-Chromium user of the app shares: the flags, serving the app in-process, and
knowing when a screen is fully drawn. Used by the weekly report, ``smartsup bench --wall`` and the
browser tests, so all three agree on what "drawn" means."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import WSGIRequestHandler, make_server

#: The flags of architecture.md §8: no sandbox (root in containers), no GPU, nothing phoning home.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]

#: True once Dash has no pending callback, nothing is loading, every graph has drawn and every
#: district map has been fitted to its box (assets/mapfit.js marks it ``data-map-ready``).
DRAWN_JS = """() => {
  if (!window.store || !document.querySelector('#react-entry-point')) return false;
  if (document.querySelector('._dash-loading')) return false;
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  const cbs = Object.assign({}, window.store.getState().callbacks);
  delete cbs.stored; delete cbs.completed;
  if (!Object.values(cbs).every(list => !list || list.length === 0)) return false;
  // every dcc.Graph has drawn (its plotly.js bundle loads lazily, after the layout settles)
  for (const graph of document.querySelectorAll('.dash-graph')) {
    const gd = graph.querySelector('.js-plotly-plot');
    if (!gd || !gd._fullLayout) return false;
  }
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    if (!gd._fullLayout) return false;
    if (gd.layout && gd.layout.meta && gd.layout.meta.smartsupFit && !gd.hasAttribute('data-map-ready')) {
      return false;
    }
  }
  return true;
}"""

#: Where on the page a longitude/latitude of a map graph (MapLibre) is: ``[graphId, lon, lat]`` → ``{x, y}``.
MAP_POINT_JS = """([graphId, lon, lat]) => {
  const gd = document.querySelector('#' + graphId + ' .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const p = map.project([lon, lat]);
  const r = map.getCanvas().getBoundingClientRect();
  return {x: r.left + p.x, y: r.top + p.y};
}"""

#: The errors Dash collected (front end and callbacks), as short strings.
DASH_ERRORS_JS = """() => {
  const e = (window.store && window.store.getState().error) || {};
  return [].concat(e.frontEnd || [], e.backEnd || []).map(x => JSON.stringify(x.error || x).slice(0, 500));
}"""

#: Trace types a figure asked for that the served plotly.js does not have (it would draw them as
#: scatter, or not at all): the app serves a plotly.js built with only the types it draws.
MISSING_TRACES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(gd =>
  (gd.data || []).map((t, i) => [t.type || 'scatter', ((gd._fullData || [])[i] || {}).type])
    .filter(([want, got]) => got !== undefined && want !== got).map(([want]) => want))"""

#: Bytes the page moved over the network so far (compressed, headers included), and the encodings seen.
TRANSFER_JS = """() => {
  const entries = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
  return {bytes: entries.reduce((a, e) => a + (e.transferSize || 0), 0),
          decoded: entries.reduce((a, e) => a + (e.decodedBodySize || 0), 0),
          requests: entries.length};
}"""


class BannerlessHandler(WSGIRequestHandler):
    """Werkzeug's request handler without its ``Server: Werkzeug/x Python/y`` banner (versions help an
    attacker pick an exploit and tell nobody else anything)."""

    server_version = "smartsup"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version


class _QuietHandler(BannerlessHandler):
    def log(self, type: str, message: str, *args: object) -> None:  # noqa: A002 — werkzeug's signature
        """The commands show their own progress; one log line per asset request would bury it."""


@contextmanager
def serving(app) -> Iterator[str]:
    """The Dash ``app`` on a free loopback port in a background thread, for as long as the block runs."""
    server = make_server("127.0.0.1", 0, app.server, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="app-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
