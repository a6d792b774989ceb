"""The analyst filter bar: period, street, office, industry section and entity type.

Ids are namespaced by page (``FilterIds("complaints").street == "complaints-filter-street"``) and
defined once here, so a page's layout and its callbacks cannot drift apart and two pages cannot
collide. The options for streets and offices come from the read API (passed in: components never
query); industry sections, entity types and periods come from ``components.labels``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dash import dcc, html

from components.labels import INDUSTRY_SECTIONS, PERIOD_LABELS, options

FILTER_NAMES: tuple[str, ...] = ("period", "street", "office", "industry", "entity_type")

_PLACEHOLDERS = {
    "period": "统计期间", "street": "全部街镇", "office": "全部市场监管所", "industry": "全部行业门类",
    "entity_type": "全部主体类型",
}
_LABELS = {"period": "期间", "street": "街镇", "office": "所/科室", "industry": "行业",
           "entity_type": "主体类型"}


@dataclass(frozen=True)
class FilterIds:
    """The component ids of one page's filter bar."""

    page: str

    def __getattr__(self, name: str) -> str:
        if name in FILTER_NAMES:
            return f"{self.page}-filter-{name.replace('_', '-')}"
        raise AttributeError(name)

    @property
    def all(self) -> dict[str, str]:
        """Filter name → component id, in display order."""
        return {n: getattr(self, n) for n in FILTER_NAMES}



#: The Chinese texts of a dropdown's own controls (Dash 4's defaults are English: "Search", "No
#: options found" …); every dropdown of the app passes them.
DROPDOWN_LABELS = {
    "select_all": "全选",
    "deselect_all": "全部取消",
    "selected_count": "已选 {num_selected} 项",
    "search": "搜索",
    "clear_search": "清除搜索",
    "clear_selection": "清除选择",
    "no_options_found": "没有匹配的选项",
}

def filter_options(streets: Iterable[tuple[str, str]] = (), offices: Iterable[tuple[str, str]] = (),
                   periods: Sequence[str] = tuple(PERIOD_LABELS)) -> dict[str, list[dict[str, str]]]:
    """Dropdown options of every filter (streets/offices as ``(code, name)`` pairs)."""
    return {
        "period": [{"label": PERIOD_LABELS.get(p, p), "value": p} for p in periods],
        "street": [{"label": n, "value": c} for c, n in streets],
        "office": [{"label": n, "value": c} for c, n in offices],
        "industry": [{"label": f"{k} {v[0]}", "value": k} for k, v in INDUSTRY_SECTIONS.items()],
        "entity_type": options("entity", "entity_type"),
    }


def filter_bar(page: str, *, streets: Iterable[tuple[str, str]] = (), offices: Iterable[tuple[str, str]] = (),
               values: Mapping[str, Any] | None = None, show: Sequence[str] = FILTER_NAMES,
               periods: Sequence[str] = tuple(PERIOD_LABELS), default_period: str = "month") -> html.Div:
    """A row of dropdowns for ``page`` (ids from ``FilterIds(page)``), preset from ``values``.

    ``values`` usually comes from the URL query so a shared link restores the same view; unknown
    values are dropped rather than shown as a blank selection.
    """
    ids = FilterIds(page)
    opts = filter_options(streets, offices, periods)
    values = values or {}
    items = []
    for name in show:
        if name not in FILTER_NAMES:
            continue
        allowed = {o["value"] for o in opts[name]}
        value = values.get(name)
        if value not in allowed:
            value = default_period if name == "period" and default_period in allowed else None
        items.append(html.Div([
            html.Label(_LABELS[name], htmlFor=getattr(ids, name), className="filter-label"),
            dcc.Dropdown(id=getattr(ids, name), options=opts[name], value=value,
                         placeholder=_PLACEHOLDERS[name], clearable=name != "period", searchable=True,
                         labels=DROPDOWN_LABELS, className="filter-dropdown"),
        ], className=f"filter-item filter-item--{name.replace('_', '-')}"))
    return html.Div(items, className="filter-bar", role="search", **{"aria-label": "筛选条件"})
