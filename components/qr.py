"""QR codes, drawn here (segno, as an SVG data URI): nothing is fetched to draw one."""

from __future__ import annotations

import segno
from dash import html


def qr_image(url: str, *, caption: str, size_px: int = 132, id: str | None = None) -> html.Figure:
    """A QR code of ``url`` with a caption under it (the URL itself is the image's title)."""
    src = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    kwargs = {"id": id} if id is not None else {}
    return html.Figure(
        [html.Img(src=src, alt=caption, title=url, width=size_px, height=size_px),
         html.Figcaption(caption, className="small text-secondary")],
        className="qr-code text-center m-0", **kwargs,
    )
