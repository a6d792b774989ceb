"""The "无权查看" page (product.md §7: ``id="page-forbidden"``): a pure factory, in the app (a Dash
layout, for a navigation inside the app) and as a standalone HTML page (HTTP 403 for a full load)."""

from __future__ import annotations

from html import escape

from dash import dcc, html

TITLE = "无权查看"
DEFAULT_DETAIL = "该内容不在您的辖区或权限范围内。如需查看，请联系管理员。"


def forbidden_page(detail: str = DEFAULT_DETAIL, *, back: str = "/") -> html.Div:
    """The forbidden page as a Dash layout."""
    return html.Div(
        html.Div([
            html.I(className="bi bi-shield-lock forbidden-icon"),
            html.H1(TITLE, className="forbidden-title"),
            html.P(detail, className="forbidden-detail"),
            dcc.Link("返回首页", href=back, className="btn btn-outline-primary"),
        ], className="forbidden-box text-center py-5"),
        id="page-forbidden", className="page-forbidden", role="alert",
    )


def forbidden_html(detail: str = DEFAULT_DETAIL, *, dark: bool = False) -> str:
    """The forbidden page as a standalone document (the answer to a full page load, status 403)."""
    theme = "dark" if dark else "light"
    return f"""<!DOCTYPE html>
<html lang="zh-CN" data-bs-theme="{theme}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{TITLE} · 智慧监管·云中心</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap/css/bootstrap.min.css"></head>
<body class="d-flex align-items-center justify-content-center" style="min-height:100vh">
<main id="page-forbidden" class="text-center p-4" role="alert">
<h1 class="h2">{TITLE}</h1><p class="text-secondary">{escape(detail)}</p>
<a class="btn btn-outline-primary" href="/">返回首页</a></main>
</body></html>"""
