"""Design tokens: one set for the dark wall theme and one for the light analyst theme.

The same tokens feed the CSS variables (``css_variables``, served by the app as a stylesheet) and
the Plotly templates (``components.figures.template``), so a chart's colours and fonts always
match the panel around it. Font sizes depend on the *mode* (the wall is read from 3–10 m, the
analyst view from arm's length), colours on the *theme*.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

ThemeName = Literal["dark", "light"]
Mode = Literal["wall", "analyst"]

#: CJK first: Noto Sans CJK (Debian fonts-noto-cjk) on the servers and Linux walls, Source Han Sans
#: where Adobe's build is installed, PingFang on macOS, YaHei on Windows desks. No web fonts.
FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'

#: Fixed design canvas of the wall (logical pixels); the browser scales it to the real wall.
CANVAS_WIDTH = 1920
CANVAS_HEIGHT = 1080


@dataclass(frozen=True)
class Palette:
    """Colours of one theme."""

    name: str
    bg: str
    bg_accent: str
    panel_bg: str
    panel_border: str
    panel_glow: str
    title: str
    text: str
    text_muted: str
    accent: str
    accent_2: str
    grid: str
    good: str
    warn: str
    bad: str
    map_bg: str
    map_line: str
    series: tuple[str, ...]
    sequential: tuple[str, ...]


@dataclass(frozen=True)
class Sizes:
    """Font sizes and spacing of one mode (pixels)."""

    name: str
    font: int
    small: int
    panel_title: int
    axis: int
    legend: int
    kpi_value: int
    kpi_unit: int
    kpi_name: int
    gap: int
    radius: int


#: Warning and incident levels keep their meaning in both themes (红/橙/黄/蓝 by regulation).
LEVEL_COLOURS: dict[str, str] = {
    "red": "#ff4d4f",
    "orange": "#ff9c1a",
    "yellow": "#fadb14",
    "blue": "#1e90ff",
    "I": "#ff4d4f",
    "II": "#ff9c1a",
    "III": "#fadb14",
    "IV": "#1e90ff",
}

#: Credit risk classes and catering risk grades (A best … D worst).
GRADE_COLOURS: dict[str, str] = {"A": "#22c58b", "B": "#3ba1ff", "C": "#ffb020", "D": "#ff4d4f"}

PALETTES: dict[str, Palette] = {
    "dark": Palette(
        name="dark",
        bg="#020b1f",
        bg_accent="#06234f",
        panel_bg="rgba(6, 30, 72, 0.62)",
        panel_border="rgba(58, 160, 255, 0.55)",
        panel_glow="rgba(0, 170, 255, 0.30)",
        title="#7fe3ff",
        text="#e8f4ff",
        text_muted="#8fb3d9",
        accent="#25d7ff",
        accent_2="#3b82f6",
        grid="rgba(120, 170, 230, 0.16)",
        good="#22e3a6",
        warn="#ffc53d",
        bad="#ff4d6d",
        map_bg="#031433",
        map_line="#5ac8ff",
        series=("#25d7ff", "#3b82f6", "#22e3a6", "#ffc53d", "#ff7a45", "#b37feb", "#ff4d6d",
                "#5cdbd3", "#91caff", "#d3f261"),
        sequential=("#0b2a5b", "#0f4c8a", "#1677c8", "#20a4e8", "#3fd0f5", "#9af1ff"),
    ),
    "light": Palette(
        name="light",
        bg="#f3f6fb",
        bg_accent="#e3ebf7",
        panel_bg="#ffffff",
        panel_border="#dbe3ef",
        panel_glow="rgba(21, 101, 192, 0.08)",
        title="#12335e",
        text="#1f2a3d",
        text_muted="#5b6b82",
        accent="#1565c0",
        accent_2="#2e9bd6",
        grid="rgba(31, 42, 61, 0.10)",
        good="#14a37f",
        warn="#d48806",
        bad="#d6336c",
        map_bg="#eef3fa",
        map_line="#ffffff",
        series=("#1565c0", "#2e9bd6", "#14a37f", "#f0a30a", "#e8590c", "#7b61ff", "#d6336c",
                "#0fa5a5", "#5c7cfa", "#82c91e"),
        sequential=("#e3f0fc", "#b9d8f5", "#86b9ea", "#4f94d8", "#2468b8", "#0d3f82"),
    ),
}

SIZES: dict[str, Sizes] = {
    "wall": Sizes(name="wall", font=18, small=15, panel_title=21, axis=15, legend=15,
                  kpi_value=46, kpi_unit=20, kpi_name=18, gap=14, radius=6),
    "analyst": Sizes(name="analyst", font=14, small=12, panel_title=15, axis=12, legend=12,
                     kpi_value=28, kpi_unit=14, kpi_name=13, gap=12, radius=8),
}


def palette(theme: str | None) -> Palette:
    """The palette of ``theme`` (``dark`` or ``light``); anything else falls back to dark."""
    return PALETTES.get(theme or "dark", PALETTES["dark"])


def sizes(mode: str | None) -> Sizes:
    """The sizes of ``mode`` (``wall`` or ``analyst``); anything else falls back to analyst."""
    return SIZES.get(mode or "analyst", SIZES["analyst"])


def _css_name(field: str) -> str:
    return "--ss-" + field.replace("_", "-")


def _declarations(values: dict[str, object]) -> str:
    lines = []
    for key, value in values.items():
        if key == "name":
            continue
        if isinstance(value, tuple):
            lines.extend(f"  {_css_name(key)}-{i}: {v};" for i, v in enumerate(value))
        elif isinstance(value, int):
            lines.append(f"  {_css_name(key)}: {value}px;")
        else:
            lines.append(f"  {_css_name(key)}: {value};")
    return "\n".join(lines)


def css_variables() -> str:
    """Every token as CSS custom properties (``--ss-…``).

    Colours hang off ``html[data-ss-theme=…]`` and sizes off ``html[data-ss-mode=…]`` (both set by
    ``assets/kiosk.js`` from the URL before the first paint), so the stylesheet never needs a
    second copy of a value that lives here.
    """
    blocks = [f":root {{\n  --ss-font-family: {FONT_FAMILY};\n"
              f"  --ss-canvas-width: {CANVAS_WIDTH}px;\n  --ss-canvas-height: {CANVAS_HEIGHT}px;\n"
              + "\n".join(f"  --ss-level-{k.lower()}: {v};" for k, v in LEVEL_COLOURS.items())
              + "\n"
              + "\n".join(f"  --ss-grade-{k.lower()}: {v};" for k, v in GRADE_COLOURS.items())
              + "\n}"]
    light = PALETTES["light"]
    blocks.append(f":root,\nhtml[data-ss-theme=\"light\"] {{\n{_declarations(asdict(light))}\n}}")
    blocks.append(f"html[data-ss-theme=\"dark\"] {{\n{_declarations(asdict(PALETTES['dark']))}\n}}")
    blocks.append(f":root,\nhtml[data-ss-mode=\"analyst\"] {{\n{_declarations(asdict(SIZES['analyst']))}\n}}")
    blocks.append(f"html[data-ss-mode=\"wall\"] {{\n{_declarations(asdict(SIZES['wall']))}\n}}")
    return "\n\n".join(blocks) + "\n"
