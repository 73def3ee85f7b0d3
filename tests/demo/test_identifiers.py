"""Check characters of the fictitious identifiers, against python-stdnum and published
examples (pure: runs with or without Django)."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from qingqian.demo.identifiers import (
    BIRTH_AREAS,
    DISTRICTS,
    USCC_ALPHABET,
    birth_area,
    make_landline,
    make_mobile,
    make_ric,
    make_uscc,
    org_code_check_char,
    ric_check_char,
    uscc_check_char,
)


@pytest.mark.parametrize(
    ("code", "check"),
    [
        ("91110000600037341", "L"),  # python-stdnum's documented example
        ("91320594MA1MXXXXX", uscc.calc_check_digit("91320594MA1MXXXXX")),
    ],
)
def test_uscc_check_char_examples(code: str, check: str) -> None:
    assert uscc_check_char(code) == check


def test_ric_check_char_example() -> None:
    assert ric_check_char("36042619910101007") == "1"  # stdnum's example 360426199101010071


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_agrees_with_stdnum(first17: str) -> None:
    assert uscc_check_char(first17) == uscc.calc_check_digit(first17)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_ric_check_char_agrees_with_stdnum(first17: str) -> None:
    assert ric_check_char(first17) == ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize(
    ("body", "check"),
    [  # weights 3 7 9 10 5 8 4 2; check = 11 − (sum mod 11), 10 → "X", 11 → "0"
        ("00000000", "0"),
        ("10000000", "8"),  # 3
        ("00000002", "7"),  # 2·2 = 4
        ("00010000", "1"),  # 10
        ("00001000", "6"),  # 5
        ("A0000000", "3"),  # A = 10: 30 ≡ 8
        ("40000000", "X"),  # 12 ≡ 1
    ],
)
def test_org_code_check_char(body: str, check: str) -> None:
    assert org_code_check_char(body) == check


@pytest.mark.parametrize("bad", ["", "9111000060003734", "91110000600037341I", "9111000060003734O"])
def test_uscc_check_char_refuses_bad_input(bad: str) -> None:
    with pytest.raises(ValueError, match="credit-code"):
        uscc_check_char(bad)


@pytest.mark.parametrize("bad", ["", "3604261991010100", "3604261991010100X", "36042619910101007a"])
def test_ric_check_char_refuses_bad_input(bad: str) -> None:
    with pytest.raises(ValueError, match="digits"):
        ric_check_char(bad)


def test_generated_codes_are_valid_for_every_district() -> None:
    rng = random.Random(3)
    for district, area in DISTRICTS.items():
        for _ in range(200):
            code = make_uscc(rng, district)
            assert uscc.is_valid(code), code
            assert code[:8] == "91" + area
            assert org_code_check_char(code[8:16]) == code[16]


def test_generated_ids_pass_stdnum_including_birth_place_and_year() -> None:
    rng = random.Random(4)
    seen_areas: set[str] = set()
    for district in DISTRICTS:
        for female in (False, True):
            for _ in range(300):
                number = make_ric(rng, district, female=female)
                assert ric.is_valid(number), number
                assert 1960 <= ric.get_birth_date(number).year <= 2000
                assert int(number[16]) % 2 == (0 if female else 1)
                seen_areas.add(number[:6])
    assert "320508" not in seen_areas  # 姑苏区 dates from 2012: nobody born by 2000 has it
    assert {"320502", "320503", "320504"} <= seen_areas


@pytest.mark.parametrize("year", range(1960, 2001))
def test_every_birth_area_offered_for_a_year_is_valid_that_year(year: int) -> None:
    rng = random.Random(year)
    for district in DISTRICTS:
        for _ in range(30):
            area = birth_area(rng, district, year)
            first17 = f"{area}{year}0615{rng.randrange(1000):03d}"
            assert ric.is_valid(first17 + ric_check_char(first17)), (district, area)
    assert all(a.code.startswith(("32", "34", "41")) for a in BIRTH_AREAS)


def test_phone_numbers_are_valid_mainland_numbers() -> None:
    rng = random.Random(5)
    for _ in range(500):
        mobile = phonenumbers.parse(make_mobile(rng), "CN")
        assert phonenumbers.is_valid_number(mobile)
        assert phonenumbers.number_type(mobile) == phonenumbers.PhoneNumberType.MOBILE
        landline = phonenumbers.parse(make_landline(rng), "CN")
        assert phonenumbers.is_valid_number(landline)
        assert phonenumbers.number_type(landline) == phonenumbers.PhoneNumberType.FIXED_LINE
