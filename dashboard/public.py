"""扫码查看 (/public/entity/<uscc>): the phone-friendly, sign-in-free card an entity's QR code opens.

The QR code on 一户一档 (``components.qr``, drawn offline with segno) points here. The card shows only
what the national credit-publicity system would show anyone (``data_access.api.public_card``): name,
USCC, type, industry, address, licences, the public credit lists it is on and its 放心消费
commitments — nothing personal, nothing behind the jurisdiction rules. Every opening is a ``qr_scan``
of kind ``public_card`` (what 社会共治 counts); the route is rate-limited per address, since anyone may
call it. A malformed code, an unknown entity or a store that is down each answer a plain Chinese page.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, render_template_string

from components.formatting import format_date
from components.labels import PRODUCT_NAME, industry_section, industry_section_name, label
from dashboard.settings import Settings
from data_access.api.public_card import public_card, record_scan
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
