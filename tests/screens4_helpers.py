"""Helpers the unit tests of the four screens of issue 12 share (社会共治, 党建, 重大事项保障, 城运):
walking a layout, reading its KPI cards, reading an export back."""

from __future__ import annotations

import base64
import io

import openpyxl
import pandas as pd

VIEW = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}


def props(component) -> dict:
    return component.to_plotly_json()["props"] if hasattr(component, "to_plotly_json") else {}


def walk(component):
    yield component
    children = props(component).get("children")
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from walk(child)


def kpis(component) -> dict[str, float]:
    return {
        p["data-indicator"]: float(p["data-value"] or "nan")
        for p in map(props, walk(component))
        if "data-indicator" in p
    }


def card_values(cards) -> dict[str, float]:
    return {k: v for card in cards for k, v in kpis(card).items()}


def by_id(layout, id_):
    return next(c for c in walk(layout) if props(c).get("id") == id_)


def has_id(layout, id_) -> bool:
    return any(props(c).get("id") == id_ for c in walk(layout))


def csv_table(out: dict) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(base64.b64decode(out["content"])), encoding="utf-8-sig", dtype=str)


def xlsx_rows(out: dict) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(out["content"]))).active
    return list(ws.iter_rows(values_only=True))
