"""Unified social credit codes (统一社会信用代码, GB 32100-2015) and organisation codes (GB 11714).

An 18-character code: 1 registration authority, 2 entity type, 3–8 administrative division,
9–17 organisation code (whose last character is its own GB 11714 check digit), 18 the GB 32100
check character over positions 1–17.
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 11714 body characters are digits and upper-case letters; letters count 10 (A) .. 35 (Z).
_ORG_BODY = re.compile(r"^[0-9A-Z]{8}$")
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-Z]{8}[0-9X][0-9A-HJ-NPQRTUWXY]$")

#: entity_type → the code's second character when the registration authority is 9 (工商/市场监管).
TYPE_CHAR = {"enterprise": "1", "individual": "2", "cooperative": "3", "branch": "1"}


class InvalidUSCC(ValueError):
    """A code that is not a valid unified social credit code; ``str()`` says why, in Chinese."""


def org_check_digit(body8: str) -> str:
    """The GB 11714 check character of an 8-character organisation-code body."""
    if not _ORG_BODY.match(body8):
        raise InvalidUSCC(f"组织机构代码本体应为 8 位数字或大写字母：{body8!r}")
    total = sum(int(ch, 36) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character over the first 17 characters."""
    try:
        total = sum(_VALUE[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    except (KeyError, ValueError) as exc:
        raise InvalidUSCC(f"前 17 位含非法字符或长度不对：{first17!r}") from exc
    c = 31 - total % 31
    return ALPHABET[0 if c == 31 else c]


def make_uscc(entity_type_char: str, admin_code: str, org_body8: str, authority: str = "9") -> str:
    """Assemble a valid code from its parts (used by the synthetic generator)."""
    org = org_body8 + org_check_digit(org_body8)
    first17 = f"{authority}{entity_type_char}{admin_code}{org}"
    return first17 + uscc_check_char(first17)


def validate_uscc(code: object) -> str:
    """Return the normalised code or raise ``InvalidUSCC`` with a reason a user can act on."""
    if not isinstance(code, str):
        raise InvalidUSCC("统一社会信用代码应为 18 位字符")
    c = code.strip().upper()
    if len(c) != 18:
        raise InvalidUSCC(f"统一社会信用代码应为 18 位，实际 {len(c)} 位")
    if not _SHAPE.match(c):
        raise InvalidUSCC("统一社会信用代码含非法字符（不得含 I、O、Z、S、V）或格式不符")
    if org_check_digit(c[8:16]) != c[16]:
        raise InvalidUSCC("组织机构代码校验位（第 17 位）错误")
    if uscc_check_char(c[:17]) != c[17]:
        raise InvalidUSCC("统一社会信用代码校验位（第 18 位）错误")
    return c


def is_valid_uscc(code: object) -> bool:
    """Whether ``code`` passes both check digits."""
    try:
        validate_uscc(code)
    except InvalidUSCC:
        return False
    return True
