"""The page for any unknown path (Dash Pages uses the module named ``not_found_404``)."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import dcc, html

from components.layout import ScreenIds, ViewParams, status_data
from dashboard.screen import register_page

register_page(__name__, "页面不存在", path="/404", slug="not-found")

IDS = ScreenIds("not-found")
WALL_KEYS = ("theme", "fit", "refresh", "rotate", "playlist")


def layout(**query: object) -> html.Div:
    view = ViewParams.from_query(query)
    # keep the wall's parameters on the way back, so a mistyped playlist entry does not drop kiosk mode
    defaults = ViewParams.from_query({"kiosk": "1" if view.kiosk else ""}).as_query()
    kept = {k: v for k, v in view.as_query().items() if k in WALL_KEYS and v != defaults.get(k)}
    if view.kiosk:
        kept = {"kiosk": "1", **kept}
    back = "/" + (f"?{urlencode(kept)}" if kept else "")
    return html.Div([
        dcc.Store(id=IDS.status, data={**status_data("页面不存在", None, live=False), "data_time_text": ""}),
        html.Div("404", className="not-found-code"),
        html.Div("页面不存在", className="not-found-text"),
        html.Div("您访问的地址没有对应的页面，可能是链接有误或页面已调整。", className="not-found-path"),
        dcc.Link([html.I(className="bi bi-house-door me-1"), "返回总览"], href=back,
                 className="btn btn-outline-primary mt-2"),
    ], id=IDS.root, className="not-found")
