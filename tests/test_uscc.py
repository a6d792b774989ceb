"""USCC (GB 32100) and organisation code (GB 11714) checks."""

import numpy as np
import pytest

from data_access.uscc import (
    InvalidUSCC,
    is_valid_uscc,
    make_uscc,
    org_check_digit,
    uscc_check_char,
    validate_uscc,
)

# Real, public codes of well-known companies (printed on their business licences and annual reports).
KNOWN_GOOD = [
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "91110000710926094P",  # 中国石油化工股份有限公司
    "9131000013221158XC",  # 上海浦东发展银行股份有限公司
    "91110000802100433B",  # 国家电网有限公司
]


@pytest.mark.parametrize("code", KNOWN_GOOD)
def test_usc001_known_public_codes_pass(code):
    assert validate_uscc(code) == code
    assert is_valid_uscc(code.lower())


def test_usc002_org_check_digit_examples():
    # GB 11714's own worked example: D2143569 → check digit X.
    assert org_check_digit("D2143569") == "X"
    assert org_check_digit("19220382") == "1"  # from 华为's code above (positions 9–16, 17 = '1')


@pytest.mark.parametrize("code", KNOWN_GOOD)
def test_usc003_any_single_change_of_check_char_fails(code):
    for ch in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if ch != code[17]:
            with pytest.raises(InvalidUSCC, match="第 18 位"):
                validate_uscc(code[:17] + ch)


def test_usc004_org_check_digit_error_is_named():
    good = KNOWN_GOOD[0]
    bad17 = good[:16] + ("0" if good[16] != "0" else "1")
    bad = bad17 + uscc_check_char(bad17)  # a correct 18th character over a wrong 17th
    with pytest.raises(InvalidUSCC, match="第 17 位"):
        validate_uscc(bad)


@pytest.mark.parametrize("bad,reason", [
    ("", "18 位"), ("9131011", "18 位"), (None, "18 位"), ("91310112MA1GBQ4XIE", "非法字符"),
    ("9131011200000000O1", "非法字符"),
])
def test_usc005_malformed_codes_rejected_with_reason(bad, reason):
    with pytest.raises(InvalidUSCC, match=reason):
        validate_uscc(bad)


def test_usc006_generated_codes_pass_both_checks():
    rng = np.random.default_rng(1)
    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    for type_char in "123":
        for _ in range(300):
            body = "".join(rng.choice(alphabet, 8))
            code = make_uscc(type_char, "310112", body)
            assert validate_uscc(code) == code
            assert code[1] == type_char and code[2:8] == "310112"
