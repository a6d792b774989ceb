"""Navigation and wall playlists, read from ``dash.page_registry``.

Every page declares its own place in ``register_page``: ``name`` (the Chinese screen name),
``order``, ``category`` (the navigation group; pages without one — an entity file, the 404 page,
the report print layout — stay out of the navigation) and ``wall=True`` to join the default wall
playlist. Nothing here lists paths by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PageInfo:
    """What the shell needs to know about one registered page."""

    slug: str
    path: str
    name: str
    category: str | None
    order: float
    wall: bool

    def as_json(self) -> dict[str, Any]:
        """The form embedded in the page for ``assets/kiosk.js``."""
        return {"slug": self.slug, "path": self.path, "name": self.name, "wall": self.wall}


def page_slug(page: Mapping[str, Any]) -> str:
    """A page's slug: its ``slug`` metadata, else its path without slashes (``/`` → ``overview``)."""
    if page.get("slug"):
        return str(page["slug"])
    path = str(page.get("path") or "").strip("/")
    return path.replace("/", "-") or "overview"


def registered_pages(registry: Mapping[str, Mapping[str, Any]]) -> list[PageInfo]:
    """The routable pages of ``registry`` (``dash.page_registry``), ordered by ``order`` then path.

    Pages with a path template (``/entity/<uscc>``) are left out: they need an argument.
    """
    out = []
    for page in registry.values():
        if page.get("path_template"):
            continue
        order = page.get("order")
        out.append(PageInfo(
            slug=page_slug(page),
            path=str(page.get("relative_path") or page.get("path")),
            name=str(page.get("name") or page.get("title") or page_slug(page)),
            category=page.get("category"),
            order=float(order) if isinstance(order, int | float) else float("inf"),
            wall=bool(page.get("wall", False)),
        ))
    return sorted(out, key=lambda p: (p.order, p.path))


#: Navigation menus: a screen's category is the system it belongs to (product.md §1: 一个中心 + 九个
#: 系统 and the later screens); the bar gathers related systems under one menu so it stays a single
#: line on a 1366 px screen however many screens there are. A category not listed is its own entry.
NAV_MENUS = {
    "主体信息": "主体监管", "综合监管": "主体监管", "三品一特": "主体监管", "远程监控": "主体监管",
    "网络监管": "主体监管",
    "智能预警": "预警执法", "投诉举报": "预警执法", "稽查办案": "预警执法",
    "数据分析": "分析评价", "效能评价": "分析评价", "智能报表": "分析评价", "市级汇聚": "分析评价",
    "应急指挥": "指挥与保障", "指挥调度": "指挥与保障",
    "重大事项保障": "指挥与保障", "城运大屏": "指挥与保障",
}


def nav_groups(pages: Iterable[PageInfo], menus: Mapping[str, str] = NAV_MENUS
               ) -> list[tuple[str, list[PageInfo]]]:
    """Navigation groups: pages with a category, gathered by ``menus`` (category → menu label; a
    category not in it is a group of its own), groups ordered by their first page."""
    groups: dict[str, list[PageInfo]] = {}
    for page in pages:
        if page.category:
            groups.setdefault(menus.get(page.category, page.category), []).append(page)
    return sorted(groups.items(), key=lambda kv: min(p.order for p in kv[1]))


def wall_playlist(pages: Iterable[PageInfo], slugs: Iterable[str] = ()) -> list[PageInfo]:
    """The screens a wall rotates through: ``slugs`` in that order (unknown ones dropped), else
    every page flagged ``wall`` in navigation order. ``assets/kiosk.js`` applies the same rule."""
    pages = list(pages)
    by_slug = {p.slug: p for p in pages}
    chosen = [by_slug[s] for s in slugs if s in by_slug]
    return chosen or [p for p in pages if p.wall]
