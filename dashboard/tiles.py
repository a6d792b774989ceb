"""The tile page of a spliced wall (product.md §3 ``tiles``): ``/_smartsup/tiles``.

A wall wider or taller than 16:9 by a factor of two or more (3840×1080, 5760×1080, 7680×2160) is
sent here by ``assets/head/boot.js``; ``assets/head/tiles.js`` fills it with whole screens, each a
same-origin frame of the ordinary single-screen wall (``?kiosk=1&tiles=off``).

Why frames: each tile is then exactly the wall everyone already tests — its own 1920×1080 canvas
scaled to its frame, its own refresh tick, title bar, banners and failure handling — and a slow or
failed screen cannot stall its neighbours. Rendering several screens inside one Dash page would
need every screen's ids, stores and refresh callbacks to exist several times over, which the
screens (one page at a time by design) do not support. The page itself is static: no Dash, no data;
the screens' reads are shared through the query cache, one build per screen and data version.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from dashboard.kiosk import PageInfo

TILES_ROUTE = "_smartsup/tiles"

_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN" data-ss-mode="wall" data-ss-theme="dark">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  html, body {{ margin: 0; width: 100%; height: 100%; overflow: hidden; background: #01060f; }}
  #wall-tiles {{ display: flex; width: 100%; height: 100%; }}
  #wall-tiles[data-direction="column"] {{ flex-direction: column; }}
  .wall-tile {{ flex: 1 1 0; min-width: 0; min-height: 0; border: 0; display: block; }}
</style>
<script src="{boot}"></script>
<script defer src="{tiles}"></script>
</head>
<body>
<div id="wall-tiles" data-pages="{pages}"></div>
</body>
</html>
"""


def tiles_page(pages: Sequence[PageInfo], *, title: str, boot_url: str, tiles_url: str) -> str:
    """The HTML of the tile page: the registered pages (for the playlist) and the two scripts."""
    data = json.dumps([p.as_json() for p in pages], ensure_ascii=False)
    return _TEMPLATE.format(title=html.escape(title), boot=html.escape(boot_url),
                            tiles=html.escape(tiles_url), pages=html.escape(data, quote=True))
