"""Table-driven tests for the promise date/time and amount parser (pure, no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qingqian.contact.dates import cn_number, parse_amount, parse_when

WED = dt.date(2026, 11, 25)  # a Wednesday
SUN = dt.date(2026, 11, 29)  # a Sunday
JAN = dt.date(2027, 1, 10)  # before the 2027 Spring Festival (6 Feb)
D = dt.date
T = dt.time

DATE_CASES: list[tuple[str, dt.date, dt.date | None, dt.time | None]] = [
    ("下周五还你", WED, D(2026, 12, 4), None),
    ("下个星期五一定还", WED, D(2026, 12, 4), None),
    ("下礼拜一给你打过去", WED, D(2026, 11, 30), None),
    ("这周五还", WED, D(2026, 11, 27), None),
    ("本周六转给你", WED, D(2026, 11, 28), None),
    ("周五吧", WED, D(2026, 11, 27), None),
    ("星期一还", WED, D(2026, 11, 30), None),
    ("礼拜天肯定还", WED, D(2026, 11, 29), None),
    ("星期三还", WED, D(2026, 11, 25), None),
    ("下周五", SUN, D(2026, 12, 4), None),
    ("这周末", WED, D(2026, 11, 28), None),
    ("周末还你", SUN, D(2026, 11, 29), None),
    ("下周末", WED, D(2026, 12, 5), None),
    ("月底前还清", WED, D(2026, 11, 30), None),
    ("这个月月底", WED, D(2026, 11, 30), None),
    ("下个月底", WED, D(2026, 12, 31), None),
    ("下月底还", JAN, D(2027, 2, 28), None),
    ("月初发工资就还", WED, D(2026, 12, 1), None),
    ("月中", WED, D(2026, 12, 15), None),
    ("月中", D(2026, 11, 3), D(2026, 11, 15), None),
    ("下个月15号", WED, D(2026, 12, 15), None),
    ("下月5号还", WED, D(2026, 12, 5), None),
    ("这个月28号", WED, D(2026, 11, 28), None),
    ("15号还", WED, D(2026, 12, 15), None),
    ("30号还你", WED, D(2026, 11, 30), None),
    ("十五号", WED, D(2026, 12, 15), None),
    ("二十八号", WED, D(2026, 11, 28), None),
    ("31号", WED, D(2026, 12, 31), None),
    ("大后天中午", WED, D(2026, 11, 28), T(12, 0)),
    ("后天", WED, D(2026, 11, 27), None),
    ("明天下午三点", WED, D(2026, 11, 26), T(15, 0)),
    ("明天上午十点半", WED, D(2026, 11, 26), T(10, 30)),
    ("今天晚上八点", WED, D(2026, 11, 25), T(20, 0)),
    ("今晚", WED, D(2026, 11, 25), T(20, 0)),
    ("明朝还侬", WED, D(2026, 11, 26), None),
    ("今朝下半天", WED, D(2026, 11, 25), None),
    ("过两天", WED, D(2026, 11, 27), None),
    ("过几天再说", WED, D(2026, 11, 28), None),
    ("三天后", WED, D(2026, 11, 28), None),
    ("10天之内", WED, D(2026, 12, 5), None),
    ("一周内", WED, D(2026, 12, 2), None),
    ("下周", WED, D(2026, 11, 30), None),
    ("下个月", WED, D(2026, 12, 1), None),
    ("年前", WED, D(2027, 2, 5), None),
    ("过年前一定还清", JAN, D(2027, 2, 5), None),
    ("春节以后", WED, D(2027, 2, 13), None),
    ("过完年", JAN, D(2027, 2, 13), None),
    ("国庆后", D(2026, 9, 1), D(2026, 10, 8), None),
    ("国庆节前", D(2026, 9, 1), D(2026, 9, 30), None),
    ("国庆后", WED, D(2027, 10, 8), None),
    ("元旦前", WED, D(2026, 12, 31), None),
    ("元旦后", WED, D(2027, 1, 2), None),
    ("五一以后", JAN, D(2027, 5, 6), None),
    ("年底", WED, D(2026, 12, 31), None),
    ("2027年1月5日", WED, D(2027, 1, 5), None),
    ("2027年1月5号上午", WED, D(2027, 1, 5), T(10, 0)),
    ("1月5号", WED, D(2027, 1, 5), None),
    ("12月3日", WED, D(2026, 12, 3), None),
    ("十二月三号", WED, D(2026, 12, 3), None),
    ("下午三点", WED, D(2026, 11, 25), T(15, 0)),
    ("晚上七点半打给我", WED, D(2026, 11, 25), T(19, 30)),
    ("下周一早上9点", WED, D(2026, 11, 30), T(9, 0)),
    ("中午一点", WED, D(2026, 11, 25), T(13, 0)),
    ("两点钟", WED, D(2026, 11, 25), T(2, 0)),
    ("我没钱", WED, None, None),
    ("你们别再打了", WED, None, None),
    ("这笔钱我早就还了", WED, None, None),
    ("一年前就还了", WED, None, None),
    ("去年前就结清了", WED, None, None),
]


@pytest.mark.parametrize(("text", "today", "date", "time"), DATE_CASES)
def test_parse_when(text: str, today: dt.date, date: dt.date | None, time: dt.time | None) -> None:
    when = parse_when(text, today)
    if date is None:
        assert when is None
        return
    assert when is not None, text
    assert (when.date, when.time) == (date, time), text
    assert when.phrase and when.phrase in text


AMOUNT_CASES: list[tuple[str, Decimal | None]] = [
    ("先还一千五", Decimal(1500)),
    ("一千五百块", Decimal(1500)),
    ("两万", Decimal(20000)),
    ("三千块", Decimal(3000)),
    ("五百元", Decimal(500)),
    ("先还3000", Decimal(3000)),
    ("我转你2000，剩下的下个月", Decimal(2000)),
    ("1.5万元", Decimal(15000)),
    ("1万5", Decimal(15000)),
    ("一万二", Decimal(12000)),
    ("两千五下周五给你", Decimal(2500)),
    ("3千", Decimal(3000)),
    ("1,500元", Decimal(1500)),
    ("１５００块", Decimal(1500)),
    ("800块钱", Decimal(800)),
    ("五万块钱分三期", Decimal(50000)),
    ("3500.50元", Decimal("3500.50")),
    ("铜钿先还侬一千", Decimal(1000)),
    ("15号还", None),
    ("下个月15号", None),
    ("明天下午三点", None),
    ("先还一点", None),
    ("一些", None),
    ("过两天", None),
    ("我没钱", None),
]


@pytest.mark.parametrize(("text", "amount"), AMOUNT_CASES)
def test_parse_amount(text: str, amount: Decimal | None) -> None:
    got = parse_amount(text)
    assert got == amount, text
    if got is not None:
        assert isinstance(got, Decimal)


def test_amount_and_date_in_one_promise() -> None:
    text = "下个月15号先还一千五，月底再还两万"
    assert parse_amount(text) == Decimal(1500)
    when = parse_when(text, WED)
    assert when is not None and when.date == D(2026, 12, 15)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("一千五", 1500),
        ("两万", 20000),
        ("十五", 15),
        ("一百零五", 105),
        ("1,500", 1500),
        ("x", None),
    ],
)
def test_cn_number(raw: str, value: int | None) -> None:
    assert cn_number(raw) == (None if value is None else Decimal(value))


def test_case_count() -> None:
    assert len(DATE_CASES) + len(AMOUNT_CASES) >= 60
