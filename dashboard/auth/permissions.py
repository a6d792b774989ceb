"""Who may do what (product.md §6): roles → permissions, as data, and the one check.

Every permission check of the app goes through ``allowed`` (``dashboard.auth.has_permission`` and
``require`` call it for the signed-in user); pages, callbacks and routes never compare role names.
"""

from __future__ import annotations

import re

from data_access.schema import ROLES

#: Every permission, with what it lets a user do.
PERMISSIONS: dict[str, str] = {
    "view": "查看大屏与分析页面",
    "desk": "使用分析工作台（非大屏页面、下钻、搜索、一户一档）",
    "export": "导出明细与周报文件",
    "unmask": "查看完整的个人信息（投诉人、法定代表人的姓名与电话）",
    "dispatch": "调度指挥（派单、到场、办结）",
    "warning_transition": "处置预警（状态流转）",
    "draw": "发起双随机抽查（市场监管所限本所）",
    "users": "管理账户",
    "import": "导入数据",
    "boundaries": "管理街镇边界",
    "rules": "维护预警规则",
    "audit": "查看与导出审计日志",
    "city": "查看市级汇聚（/city：各区数据交换包的比较）",
}

ROLE_LABELS: dict[str, str] = {
    "leader": "局领导",
    "analyst": "科室",
    "station": "市场监管所",
    "duty": "值班",
    "admin": "管理员",
    "wall": "大屏显示",
}

_READER = frozenset({"view", "desk", "export"})

# "city" — comparing the districts of a city store (/city) — is for those who compare across
# districts: leaders, analysts (科室), admins, and the wall that shows it. Not a 市场监管所 (its
# jurisdiction is its streets, not other districts) nor the duty desk (its work is the incidents).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "leader": _READER | {"dispatch", "warning_transition", "draw", "city"},
    "analyst": _READER | {"city"},
    "station": _READER | {"warning_transition", "draw"},
    "duty": _READER | {"dispatch", "warning_transition"},
    "admin": frozenset(PERMISSIONS),
    # kiosk screens only, read-only: no desk, no export, no writes
    "wall": frozenset({"view", "city"}),
}

#: Roles whose reads are limited to the streets of their office (None scope = the whole district).
STREET_SCOPED_ROLES = frozenset({"station"})

#: Callback outputs (component id prefixes) and downloads that need more than ``view``. The auth gate
#: checks them before Dash runs a callback, so a request for another page's outputs is refused the
#: same way a page load is.
OUTPUT_PERMISSIONS: dict[str, str] = {
    "audit-": "audit",
    "entity-unmask": "unmask",
    "supervision-draw-": "draw",
    "city-hub": "city",
}

assert set(ROLE_PERMISSIONS) == set(ROLES) == set(ROLE_LABELS)
assert all(p in PERMISSIONS for perms in ROLE_PERMISSIONS.values() for p in perms)


def allowed(role: str | None, permission: str) -> bool:
    """True when ``role`` grants ``permission`` (unknown roles and permissions grant nothing)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return role is not None and permission in ROLE_PERMISSIONS.get(role, frozenset())


def permission_for_output(output: str) -> str | None:
    """The permission a callback whose output string is ``output`` needs beyond ``view``, if any."""
    # every name in the string: plain ids ("a.children", "..a.x...b.y..") and pattern-matching
    # ids ('{"type":"entity-unmasked",…}.children') alike
    for token in re.findall(r"[A-Za-z0-9_-]+", output):
        for prefix, permission in OUTPUT_PERMISSIONS.items():
            if token.startswith(prefix):
                return permission
    return None
