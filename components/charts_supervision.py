"""综合监管 figures: 双随机 inspections planned and done per month, the result categories of the
inspections completed, completion and the problem-found rate per 市场监管所, double-random inspections
per street, the credit lists (经营异常名录, 严重违法失信名单, 联合惩戒名单), the newest joint-punishment
entries, and the double-random tasks with their published draw seed (一公开) and progress.

Each factory takes the frame of the read API as it comes (``inspection_trend``,
``inspection_results``, ``inspections_by_office``, ``credit_list_counts``, ``credit_list_entries``,
``inspection_tasks``) and returns a figure or a component. Clickable charts carry their codes (a
month ``YYYY-MM``, an office, a street, a credit list) in ``customdata`` or as the map's location,
and emphasise ``selected``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.charts_common import choice_donut, emphasis, hbar, month_axis, outline_region, select_month
from components.figures import empty, figure
from components.formatting import format_date, format_number, format_rate
from components.labels import label
from components.lists import scrolling_list
from components.maps import district_map
from components.partial import mark_trend
from components.theme import palette, sizes

#: Order of the credit lists, from the widest to the hardest sanction.
CREDIT_LISTS = ("abnormal_operation", "serious_illegal_dishonest", "joint_punishment")
#: Short names of the credit lists where a wall bar label has little room.
CREDIT_SHORT = {
    "abnormal_operation": "经营异常名录",
    "serious_illegal_dishonest": "严重违法失信",
    "joint_punishment": "联合惩戒",
}
#: Result categories in the order an inspector records them (未发现问题 first).
RESULTS = ("normal", "ordered_to_rectify", "case_opened", "not_publicized", "unreachable")


def _months(frame: pd.DataFrame) -> list[str]:
    return [pd.Timestamp(m).strftime("%Y-%m") for m in frame["month"]]


def _pct(value: float) -> str:
    return format_rate(value, decimals=1).text


def plan_trend_chart(
    frame: pd.DataFrame, *, selected_month: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """双随机 inspections planned per month beside those of them done (``inspection_trend``:
    ``planned``, ``done_of_planned``), with the completion rate as a line on its own axis; each
    bar and point carries its month (``YYYY-MM``) so a click can select it."""
    if frame.empty or not frame["planned"].sum():
        return empty("期间内无双随机计划检查", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    months = _months(frame)
    x = list(frame["month"])
    rate = [None if pd.isna(r) else float(r) for r in frame["done_rate"]]
    data = [
        go.Bar(
            x=x,
            y=[int(v) for v in frame["planned"]],
            name="计划",
            customdata=months,
            marker=dict(color=p.accent_2, line=dict(width=0)),
            hovertemplate="%{x|%Y年%-m月}<br>计划：%{y:,}户次<extra></extra>",
        ),
        go.Bar(
            x=x,
            y=[int(v) for v in frame["done_of_planned"]],
            name="已完成",
            customdata=months,
            marker=dict(color=p.accent, line=dict(width=0)),
            hovertemplate="%{x|%Y年%-m月}<br>已完成：%{y:,}户次<extra></extra>",
        ),
        go.Scatter(
            x=x,
            y=rate,
            name="完成率",
            yaxis="y2",
            customdata=months,
            mode="lines+markers",
            line=dict(color=p.good, width=3 if mode == "wall" else 2),
            marker=dict(size=7 if mode == "wall" else 5),
            hovertemplate="%{x|%Y年%-m月}<br>完成率：%{y:.1%}<extra></extra>",
        ),
    ]
    fig = figure(
        theme,
        mode,
        data=data,
        layout=dict(
            barmode="group",
            bargap=0.25,
            showlegend=True,
            legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom", font=dict(size=s.legend)),
            yaxis=dict(rangemode="tozero"),
            yaxis2=dict(
                overlaying="y",
                side="right",
                range=[0, 1.05],
                tickformat=".0%",
                showgrid=False,
                tickvals=[0, 0.5, 1],
            ),
            clickmode="event",
        ),
    )
    month_axis(fig, len(frame), narrow=mode == "wall")
    select_month(fig, months, selected_month, theme)
    mark_trend(fig, frame, "month", theme=theme, mode=mode)
    return fig


def results_donut(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Inspections completed per result category (``inspection_results``: ``result``, ``n``) as a
    donut with the problem-found rate (everything but 未发现问题) in the hole."""
    f = frame.set_index("result")["n"].reindex(list(RESULTS)).fillna(0)
    f = f[f > 0]
    if f.empty:
        return empty("期间内无完成的检查", theme=theme, mode=mode)
    p = palette(theme)
    total = float(f.sum())
    problems = total - float(f.get("normal", 0))
    colours = {
        "normal": p.good,
        "ordered_to_rectify": p.warn,
        "case_opened": p.bad,
        "not_publicized": p.accent_2,
        "unreachable": p.text_muted,
    }
    codes = [str(c) for c in f.index]
    fig = choice_donut(
        [label("inspection", "result", c) for c in codes],
        [int(v) for v in f],
        codes,
        unit="户次",
        theme=theme,
        mode=mode,
        colours=[colours[c] for c in codes],
        centre_text=f"发现问题<br>{_pct(problems / total)}",
    )
    fig.update_layout(margin=dict(l=16, r=16, t=24, b=24))
    return fig


def _top(f: pd.DataFrame, top: int | None, selected: str | None) -> pd.DataFrame:
    """The first ``top`` rows, the selected office kept in view."""
    if top is None or len(f) <= top:
        return f
    head = f.head(top)
    if selected is not None and selected not in set(head["office_code"]):
        head = pd.concat([head.head(top - 1), f[f["office_code"] == selected]])
    return head


def office_completion_chart(
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    top: int | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """双随机 inspections planned per office (a pale track) and those of them done (the solid bar
    over it), most planned first, at most ``top`` offices, each labelled "已完成/计划 · 完成率"
    (``inspections_by_office``). Offices with nothing planned are left out."""
    f = frame[frame["planned"] > 0].sort_values(["planned", "office_code"], ascending=[False, True])
    if f.empty:
        return empty("期间内无双随机计划检查", theme=theme, mode=mode)
    f = _top(f, top, selected)
    p, s = palette(theme), sizes(mode)
    codes = [str(c) for c in f["office_code"]]
    rows = list(range(len(f)))
    planned = [int(v) for v in f["planned"]]
    done = [int(v) for v in f["done_of_planned"]]
    texts = [
        f"{format_number(d)}/{format_number(n)} · {_pct(r)}"
        for d, n, r in zip(done, planned, f["done_rate"], strict=True)
    ]
    hover = [
        f"{name}：计划 {format_number(n)} 户次，已完成 {format_number(d)} 户次，完成率 {_pct(r)}"
        for name, n, d, r in zip(f["office_name"], planned, done, f["done_rate"], strict=True)
    ]
    track = emphasis(codes, selected, [p.grid] * len(codes))
    solid = emphasis(codes, selected, [p.accent] * len(codes))
    font = dict(size=s.small + (1 if mode == "wall" else 0), color=p.text)
    high = max(planned) or 1
    common = dict(y=rows, orientation="h", customdata=codes, hovertext=hover)
    common["hovertemplate"] = "%{hovertext}<extra></extra>"
    return figure(
        theme,
        mode,
        data=[
            go.Bar(x=planned, name="计划", marker=dict(color=track, line=dict(width=0)), **common),
            go.Bar(x=done, name="已完成", marker=dict(color=solid, line=dict(width=0)), **common),
        ],
        layout=dict(
            barmode="overlay",
            annotations=[
                dict(x=n, y=row, text=t, showarrow=False, xanchor="left", xshift=4, font=font)
                for row, n, t in zip(rows, planned, texts, strict=True)
            ],
            xaxis=dict(showgrid=False, showticklabels=False, range=[0, high * 1.75]),
            yaxis=dict(
                autorange="reversed",
                showgrid=False,
                tickvals=rows,
                ticktext=[str(n) for n in f["office_name"]],
            ),
            showlegend=False,
            bargap=max(0.3, 0.75 - 0.08 * len(rows)),
            clickmode="event",
        ),
    )


def problem_rate_chart(
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    top: int | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """The problem-found rate of the inspections each office completed (``inspections_by_office``:
    ``problem_rate``, ``problems``, ``done``), highest first, at most ``top`` offices; offices that
    completed nothing are left out."""
    f = frame[frame["done"] > 0].sort_values(["problem_rate", "office_code"], ascending=[False, True])
    if f.empty:
        return empty("期间内无完成的检查", theme=theme, mode=mode)
    f = _top(f, top, selected)
    p = palette(theme)
    rates = [float(r) for r in f["problem_rate"]]
    mean = float(f["problems"].sum()) / float(f["done"].sum())
    texts = [
        f"{_pct(r)}（{format_number(int(n))}）" for r, n in zip(rates, f["problems"], strict=True)
    ]
    hover = [
        f"{name}：完成 {format_number(int(d))} 户次，发现问题 {format_number(int(n))} 户次，"
        f"问题发现率 {_pct(r)}"
        for name, d, n, r in zip(f["office_name"], f["done"], f["problems"], rates, strict=True)
    ]
    return hbar(
        [str(n) for n in f["office_name"]],
        [r * 100 for r in rates],
        [str(c) for c in f["office_code"]],
        selected=selected,
        unit="%",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=[p.warn if r > mean else p.accent for r in rates],
        hover=hover,
        name="问题发现率",
    )


def street_map(
    streets: Mapping[str, Any],
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """双随机 inspections planned per street (``frame``: ``street_code``, ``planned``) as a
    choropleth, the selected street outlined."""
    values = dict(zip(frame["street_code"].astype(str), frame["planned"].astype(float), strict=True))
    fig = district_map(
        streets, values, theme=theme, mode=mode, value_name="双随机计划检查", unit="户次", tile_url=tile_url
    )
    return outline_region(fig, streets, selected, theme=theme, mode=mode)


def credit_lists_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Entities on each credit list now (``credit_list_counts``: ``n_current``, ``n_ever``), from
    经营异常名录 to 联合惩戒, each labelled with the number ever listed; a click chooses a list."""
    f = frame.set_index("list").reindex(list(CREDIT_LISTS)).fillna(0)
    if not f["n_ever"].sum():
        return empty("暂无信用名录记录", theme=theme, mode=mode)
    p = palette(theme)
    codes = list(CREDIT_LISTS)
    now = [int(v) for v in f["n_current"]]
    ever = [int(v) for v in f["n_ever"]]
    # the wall's narrow panel has room for the number on the list; analysts also read the total ever
    texts = [
        format_number(n) if mode == "wall" else f"{format_number(n)}（累计{format_number(e)}）"
        for n, e in zip(now, ever, strict=True)
    ]
    names = [CREDIT_SHORT[c] if mode == "wall" else label("credit_list", "list", c) for c in codes]
    hover = [
        f"{label('credit_list', 'list', c)}：在列 {format_number(n)} 户，累计列入 {format_number(e)} 户"
        for c, n, e in zip(codes, now, ever, strict=True)
    ]
    return hbar(
        names,
        now,
        codes,
        selected=selected,
        unit="户",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=[p.warn, p.bad, "#b37feb"],
        hover=hover,
        name="信用名录",
    )


def _entity(uscc: str, name: Any, mode: str) -> Any:
    shown = name if isinstance(name, str) and name else uscc
    if mode == "wall":
        return shown
    return dcc.Link(shown, href=f"/entity/{uscc}", className="entity-link", title=f"查看一户一档：{uscc}")


def credit_entry_list(
    frame: pd.DataFrame,
    street_names: Mapping[str, str],
    *,
    mode: str = "wall",
    visible_rows: int = 5,
    id: str | None = None,
) -> html.Div:
    """Entries of a credit list, newest first (``credit_list_entries``): entity (a link to its file
    for analysts), street (analysts only), the measure (reason) and the date listed."""
    rows = [
        {
            "entity": _entity(str(r.uscc).strip(), r.name, mode),
            "street": street_names.get(str(r.street_code), str(r.street_code)),
            "reason": str(r.reason).split("：")[-1] if isinstance(r.reason, str) else "",
            "listed": format_date(r.listed_on, "short"),
        }
        for r in frame.itertuples(index=False)
    ]
    # the wall's column is too narrow for the street beside the entity's name
    columns = [("entity", "当事人")] + ([("street", "街镇")] if mode != "wall" else [])
    columns += [("reason", "惩戒措施"), ("listed", "列入日期")]
    return scrolling_list(
        rows,
        columns,
        mode=mode,
        visible_rows=visible_rows,
        widths=["minmax(0, 1fr)", "8.5em", "6em"],
        empty_text="名单中暂无在列主体",
        id=id,
    )


def task_list(
    frame: pd.DataFrame, *, mode: str = "wall", visible_rows: int = 4, id: str | None = None
) -> html.Div:
    """Double-random tasks, newest draw first (``inspection_tasks``): task, office, the draw date
    and its published seed (一公开: anyone can re-run the draw), entities drawn and progress;
    finished tasks are marked blue, those under way amber."""
    rows = []
    for r in frame.itertuples(index=False):
        drawn, done = int(r.inspections), int(r.done)
        rate = done / drawn if drawn else float("nan")
        seed = r.seed if isinstance(r.seed, str) and r.seed else "未公开"
        rows.append(
            {
                "name": r.name,
                "office": r.office_name,
                "drawn_on": format_date(r.drawn_on, "short"),
                "seed": seed,
                "planned": format_number(int(r.planned_count)),
                "progress": f"{format_number(done)}/{format_number(drawn)}（{_pct(rate)}）",
                "tone": "blue" if drawn and done >= drawn else "orange",
            }
        )
    # on the wall the office and the draw date name the task (its name repeats both)
    columns = [("name", "抽查任务")] if mode != "wall" else []
    columns += [
        ("office", "实施机构"),
        ("drawn_on", "抽取日期"),
        ("seed", "公开随机种子"),
        ("planned", "抽取户数"),
        ("progress", "完成进度"),
    ]
    return scrolling_list(
        rows,
        columns,
        mode=mode,
        visible_rows=visible_rows,
        tone_key="tone",
        widths=["minmax(0, 1fr)", "7em", "8em", "5em", "10em"],
        empty_text="期间内无双随机抽查任务",
        id=id,
    )
