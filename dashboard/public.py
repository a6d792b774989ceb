"""The public pages (no sign-in): 扫码查看 and the verification view of a 双随机 draw.

扫码查看 (/public/entity/<uscc>): the phone-friendly, sign-in-free card an entity's QR code opens.

The QR code on 一户一档 (``components.qr``, drawn offline with segno) points here. The card shows only
what the national credit-publicity system would show anyone (``data_access.api.public_card``): name,
USCC, type, industry, address, licences, the public credit lists it is on and its 放心消费
commitments — nothing personal, nothing behind the jurisdiction rules. Every opening is a ``qr_scan``
of kind ``public_card`` (what 社会共治 counts); the route is rate-limited per address, since anyone may
call it. A malformed code, an unknown entity or a store that is down each answer a plain Chinese page.

抽取结果核验 (/public/draw/<task id>): a stored 双随机 draw as 一公开 publishes it — task, office, date,
seed, inputs (filter, ratios or size, population by class, pool and conflict counts, input digest) and
the drawn list (USCC, registered name, class, inspector ids; no personal data) — re-run from its seed
by ``data_access.draw.verify_draw`` on every opening, with the verdict stated: 一致 or 不一致 and why.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, render_template_string

from components.formatting import format_date
from components.labels import PRODUCT_NAME, industry_section, industry_section_name, label
from dashboard.settings import Settings
from data_access.api.public_card import public_card, record_scan
from data_access.db import store
from data_access.draw import DrawError, public_view
from data_access.uscc import is_valid_uscc

log = logging.getLogger(__name__)

PATH = "/public/entity/<uscc>"

CARD_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · {{ product }}</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap/css/bootstrap.min.css">
<style>
body { background: #f4f6fa; }
.card-page { max-width: 560px; margin: 0 auto; padding: 16px; }
.facts dt { color: #6c757d; font-weight: 400; }
.facts dd { margin-bottom: .6rem; }
</style>
</head>
<body>
<main id="page-public-entity" class="card-page">
  <div class="text-secondary small">{{ bureau }} · 扫码查看</div>
  {% if card %}
  <h1 class="h4 mt-2">{{ card.entity.name }}</h1>
  <dl class="facts mt-3">
    <dt>统一社会信用代码</dt><dd id="public-uscc">{{ card.entity.uscc }}</dd>
    <dt>主体类型</dt><dd>{{ entity_type }}</dd>
    <dt>登记状态</dt><dd>{{ status }}</dd>
    <dt>成立日期</dt><dd>{{ established }}</dd>
    <dt>行业</dt><dd>{{ industry }}</dd>
    <dt>住所</dt><dd>{{ card.entity.address or "—" }}（{{ card.entity.street_name or "—" }}）</dd>
  </dl>
  <h2 class="h6 mt-4">许可证</h2>
  {% if licences %}
  <ul class="list-unstyled">{% for l in licences %}
    <li>{{ l.kind }} · {{ l.licence_no }} · 有效期至 {{ l.expires_on }} · {{ l.status }}</li>{% endfor %}
  </ul>
  {% else %}<p class="text-secondary">无</p>{% endif %}
  <h2 class="h6 mt-4">信用公示</h2>
  {% if lists %}
  <ul class="list-unstyled">{% for l in lists %}
    <li class="text-danger">{{ l.list }}（{{ l.listed_on }} 列入）{{ l.reason or "" }}</li>{% endfor %}
  </ul>
  {% else %}<p>未列入经营异常名录或严重违法失信名单</p>{% endif %}
  <h2 class="h6 mt-4">消费承诺</h2>
  {% if commitments %}
  <ul class="list-unstyled">{% for c in commitments %}
    <li>{{ c.kind }}（{{ c.since }} 起）</li>{% endfor %}
  </ul>
  {% else %}<p class="text-secondary">无</p>{% endif %}
  <p class="small text-secondary mt-4">信息截至 {{ as_of }}。以上为公示信息；如有疑问请拨打 12345。</p>
  {% else %}
  <h1 class="h5 mt-3">{{ message }}</h1>
  {% endif %}
</main>
</body>
</html>"""


def _rows(frame: Any, **labels: tuple[str, str]) -> list[dict[str, Any]]:
    rows = []
    for rec in frame.to_dict("records"):
        out = {}
        for k, v in rec.items():
            if k in labels:
                out[k] = label(labels[k][0], labels[k][1], v)
            elif hasattr(v, "isoformat"):
                out[k] = format_date(v, "short")
            else:
                out[k] = v
        rows.append(out)
    return rows


def _page(settings: Settings, *, card: dict | None = None, message: str = "", status: int = 200) -> Response:
    context: dict[str, Any] = {"product": PRODUCT_NAME, "bureau": settings.bureau_name, "card": card,
                               "message": message, "title": card["entity"]["name"] if card else "扫码查看"}
    if card:
        e = card["entity"]
        context |= {
            "entity_type": label("entity", "entity_type", e["entity_type"]),
            "status": label("entity", "status", e["status"]),
            "established": format_date(e["established_on"], "short") if e["established_on"] else "—",
            "industry": industry_section_name(industry_section(e["industry_code"]) or "—"),
            "licences": _rows(card["licences"], kind=("licence", "kind"), status=("licence", "status")),
            "lists": _rows(card["credit_lists"], list=("credit_list", "list")),
            "commitments": _rows(card["commitments"], kind=("commitment", "kind")),
            "as_of": format_date(card["as_of"], "short"),
        }
    response = Response(render_template_string(CARD_TEMPLATE, **context), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def register(server: Flask, limiter: Any, settings: Settings) -> None:
    """Serve the public card on ``server`` (public: the sign-in gate lets ``/public/`` through),
    rate-limited per client address by the app's ``limiter``."""

    @server.route(PATH)
    @limiter.limit(settings.public_rate_limit)
    def _public_entity(uscc: str) -> Response:
        code = uscc.strip().upper()
        if not is_valid_uscc(code):
            return _page(settings, message="统一社会信用代码格式不正确。", status=404)
        try:
            card = public_card(code)
            if card is None:
                return _page(settings, message="未找到该市场主体。", status=404)
            record_scan(code)
        except Exception:  # noqa: BLE001 — a public page says the service is busy, never a traceback
            log.exception("扫码查看读取失败：%s", code)
            return _page(settings, message="系统繁忙，请稍后再试。", status=503)
        return _page(settings, card=card)


# --- 双随机一公开: the public verification view of a stored draw -------------------------------------

DRAW_PATH = "/public/draw/<task_id>"
_TASK_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_CLASS_NAMES = {"A": "A 类（低风险）", "B": "B 类（一般风险）", "C": "C 类（较高风险）",
                "D": "D 类（高风险）"}

DRAW_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · {{ product }}</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap/css/bootstrap.min.css">
<style>
body { background: #f4f6fa; }
.draw-page { max-width: 980px; margin: 0 auto; padding: 16px; }
.facts dt { color: #6c757d; font-weight: 400; }
.facts dd { margin-bottom: .4rem; word-break: break-all; }
.verdict { font-size: 1.15rem; font-weight: 600; padding: .6rem .9rem; border-radius: .4rem; }
.verdict.ok { background: #e6f4ea; color: #1e6b34; }
.verdict.bad { background: #fdecea; color: #a12622; }
table.drawn td, table.drawn th { padding: .2rem .5rem; font-size: .9rem; }
</style>
</head>
<body>
<main id="page-public-draw" class="draw-page">
  <div class="text-secondary small">{{ bureau }} · 双随机一公开 · 抽取结果公开核验</div>
  {% if view %}
  <h1 class="h4 mt-2">{{ view.task.name }}</h1>
  <p id="public-draw-verdict" class="verdict {{ 'ok' if v.consistent else 'bad' }} mt-3"
     data-consistent="{{ '1' if v.consistent else '0' }}">
{{ verdict }}</p>
  <dl class="facts row mt-3">
    <dt class="col-sm-3">任务编号</dt><dd class="col-sm-9" id="public-draw-task">{{ view.task.task_id }}</dd>
    <dt class="col-sm-3">实施机构</dt><dd class="col-sm-9">{{ view.task.office_name }}</dd>
    <dt class="col-sm-3">抽取日期</dt><dd class="col-sm-9">{{ view.task.drawn_on }}</dd>
    <dt class="col-sm-3">随机种子</dt><dd class="col-sm-9" id="public-draw-seed">{{ view.task.seed }}</dd>
    <dt class="col-sm-3">抽取范围</dt><dd class="col-sm-9">{{ scope }}</dd>
    <dt class="col-sm-3">抽取方式</dt><dd class="col-sm-9">{{ method }}</dd>
    <dt class="col-sm-3">抽取名单</dt><dd class="col-sm-9">{{ population }}</dd>
    <dt class="col-sm-3">检查人员库</dt><dd class="col-sm-9">{{ pool }}</dd>
    <dt class="col-sm-3">输入摘要（SHA-256）</dt>
    <dd class="col-sm-9"><code>{{ view.record.input_digest }}</code></dd>
    <dt class="col-sm-3">抽取程序</dt><dd class="col-sm-9">{{ view.record.algorithm }}</dd>
  </dl>
  <h2 class="h6 mt-3">抽取结果（共 {{ view.drawn|length }} 户{{ counts }}）</h2>
  <table class="table table-sm table-striped drawn" id="public-draw-list">
    <thead><tr><th>序号</th><th>统一社会信用代码</th><th>市场主体名称</th><th>信用风险分类</th>
      <th>检查人员（编号）</th></tr></thead>
    <tbody>{% for r in view.drawn %}
      <tr data-uscc="{{ r.uscc }}"><td>{{ loop.index }}</td><td>{{ r.uscc }}</td><td>{{ r.name }}</td>
      <td>{{ r.risk_class }}</td>
      <td>{{ r.inspector_1 }}、{{ r.inspector_2 }}</td></tr>{% endfor %}
    </tbody>
  </table>
  <p class="small text-secondary">{{ footnote }}</p>
  {% else %}
  <h1 class="h5 mt-3" id="public-draw-missing">{{ message }}</h1>
  {% endif %}
</main>
</body>
</html>"""


def _draw_page(settings: Settings, *, view: dict | None = None, message: str = "",
               status: int = 200) -> Response:
    context: dict[str, Any] = {"product": PRODUCT_NAME, "bureau": settings.bureau_name, "view": view,
                               "message": message, "title": view["task"]["name"] if view else "抽取结果核验"}
    if view:
        rec = view["record"]
        flt = rec.get("filter") or {}
        ratios = rec.get("ratios") or {}
        if rec.get("size"):
            method = f"总样本量 {rec['size']} 户，按各类比例 × 主体数分配"
        else:
            method = "按信用风险分类比例：" + "，".join(
                f"{c} 类 {float(ratios[c]):.1%}" if c in ratios else f"{c} 类 默认" for c in "ABCD")
        parts = [f"街镇 {'、'.join(view.get('street_names') or flt.get('streets') or []) or '—'}"]
        if flt.get("entity_types"):
            types = (label("entity", "entity_type", t) for t in flt["entity_types"])
            parts.append("主体类型 " + "、".join(types))
        if flt.get("sections"):
            parts.append("行业门类 " + "、".join(flt["sections"]))
        pop = view["population"]
        v = view["verification"]
        verdict = (f"核验结果：一致。按公开的种子和抽取记录重新抽取 {v.expected} 户，"
                   f"与已公布的抽取结果（{v.stored} 户及其检查人员配对）完全相同。") if v.consistent else (
                   f"核验结果：不一致。按公开的种子和抽取记录重新抽取 {v.expected} 户，与库中的 {v.stored} 户"
                   "不同：" + "；".join(v.differences) + "。")
        context |= {
            "v": v,
            "verdict": verdict,
            "pool": f"{view['inspectors']} 名持证执法人员；回避关系 {view['conflicts']} 对"
                    "（近 12 个月检查过的主体不派同一人）",
            "footnote": f"任何人可用上述种子、抽取记录和公开的抽取程序（{rec['algorithm']}）重新抽取并核对；"
                        "检查人员以执法人员编号公开。本页每次打开都重新抽取并比对。",
            "scope": "；".join(parts) + "；在营主体",
            "method": method,
            "population": f"{sum(pop.values()):,} 户（"
            + "，".join(f"{_CLASS_NAMES[c]} {pop[c]:,}" for c in "ABCD")
            + (f"；模型未分类的主体按 {flt['unclassified']} 类" if flt.get("unclassified") else "") + "）",
            "counts": "：" + "，".join(f"{c} 类 {view['counts'][c]}" for c in "ABCD"),
        }
    response = Response(render_template_string(DRAW_TEMPLATE, **context), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def register_draw(server: Flask, limiter: Any, settings: Settings) -> None:
    """Serve the public verification view of stored draws (public like the card, rate-limited)."""

    @server.route(DRAW_PATH)
    @limiter.limit(settings.public_rate_limit)
    def _public_draw(task_id: str) -> Response:
        code = task_id.strip()
        if not _TASK_ID.match(code):
            return _draw_page(settings, message="任务编号格式不正确，未找到该抽取任务。", status=404)
        try:
            view = public_view(store.engine, code)
        except DrawError as exc:
            return _draw_page(settings, message=f"未找到可核验的抽取任务：{exc}。", status=404)
        except Exception:  # noqa: BLE001 — a public page says the service is busy, never a traceback
            log.exception("抽取核验读取失败：%s", code)
            return _draw_page(settings, message="系统繁忙，请稍后再试。", status=503)
        return _draw_page(settings, view=view)
