"""Dates, times and amounts in the phrases debtors use when they promise to pay.

``parse_when("下周五下午三点还你", today)`` → ``When(date=…, time=15:00, phrase="下周五下午三点")``;
``parse_amount("先还一千五")`` → ``Decimal("1500")``. Pure: ``today`` (a local date in the
debtor's zone, Asia/Shanghai by default) comes in as an argument; no clock, no I/O.

Conventions (an agent confirms every promise, so a reading errs towards the plain meaning):

- ``下周五`` is Friday of the next calendar week (weeks start on Monday); ``这周五`` / ``本周五``
  Friday of this week; a bare ``周五`` / ``星期五`` / ``礼拜五`` the next Friday on or after today.
- ``周末`` is Saturday of this week (today if today is Sunday); ``下周末`` Saturday next week.
- ``月底`` the last day of this month, ``下个月底`` of next month; ``月初`` the 1st of next month;
  ``月中`` the 15th (next month's if passed); bare ``下个月`` the 1st of next month.
- ``15号`` / ``十五号`` the 15th of this month, or of next month if already passed; ``下个月15号``
  next month's; ``1月5号`` this year's, or next year's if already passed.
- ``过两天`` +2 days, ``过几天`` +3, ``N天后`` +N, ``一周内`` / ``这个星期内`` +7.
- Festivals: ``年前`` / ``春节前`` the eve of the next Spring Festival (table below, 2024–2035),
  ``年后`` / ``过完年`` seven days after it; ``国庆前`` 30 Sep, ``国庆后`` 8 Oct; ``元旦前`` 31 Dec,
  ``元旦后`` 2 Jan; ``五一前`` 30 Apr, ``五一后`` 6 May; ``年底`` 31 Dec. Always the next
  occurrence on or after today.
- Times: ``下午三点`` 15:00, ``晚上八点半`` 20:30, ``中午`` 12:00; a part of day alone means
  上午 10:00, 下午 15:00, 晚上 20:00. A time with no date means today.
- Wu phrasing: ``今朝`` today, ``明朝`` tomorrow, ``后日`` the day after; ``号头`` is a month
  (``下个号头十五号`` next month's 15th, ``号头底`` the month's end, ``下号头`` next month),
  ``礼拜`` a week as in Mandarin.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

__all__ = ["When", "cn_number", "parse_amount", "parse_when"]

# Spring Festival (正月初一) dates, a published astronomical fact.
SPRING_FESTIVAL: dict[int, dt.date] = {
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
    2031: dt.date(2031, 1, 23),
    2032: dt.date(2032, 2, 11),
    2033: dt.date(2033, 1, 31),
    2034: dt.date(2034, 2, 19),
    2035: dt.date(2035, 2, 8),
}


@dataclass(frozen=True)
class When:
    """A promised day, an optional local time, and the phrase it was read from."""

    date: dt.date
    time: dt.time | None
    phrase: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "date": self.date.isoformat(),
            "time": self.time.strftime("%H:%M") if self.time else None,
            "phrase": self.phrase,
        }


# --------------------------------------------------------------------------- numbers

_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟廿"
_NUM = rf"(?:[0-9０-９][0-9０-９,，.]*[万千百]?[0-9]*|[{_CN_DIGITS}]+)"
_FULLWIDTH = str.maketrans("０１２３４５６７８９，", "0123456789,")


def cn_number(text: str) -> Decimal | None:
    """``一千五`` → 1500, ``两万`` → 20000, ``1.5万`` → 15000, ``1,500`` → 1500, ``十五`` → 15."""
    s = text.translate(_FULLWIDTH).replace(",", "").replace("，", "").strip()
    if not s:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return Decimal(s)
    try:
        value = cn2an.cn2an(s, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    try:
        return Decimal(str(value)).normalize() if "." in str(value) else Decimal(int(value))
    except (InvalidOperation, ValueError):
        return None


# --------------------------------------------------------------------------- amounts

_UNIT = r"(?:块钱|块|元|圆|rmb|RMB|人民币)"
_AMOUNT_UNIT = re.compile(rf"({_NUM})\s*(万)?\s*{_UNIT}")
_AMOUNT_MAG = re.compile(rf"({_NUM}[万千])")
_PAY_VERB = r"(?:还|付|转|打|给|凑|交|先还|还上|还你|给你|打你|转你)"
_AMOUNT_BARE = re.compile(
    rf"{_PAY_VERB}\s*([0-9０-９][0-9０-９,，.]*)(?![0-9号日月年点天周个分岁期%])"
)
_NOT_AMOUNT_AFTER = re.compile(r"^[号日月年点天周个分岁期次号]")


def parse_amount(text: str) -> Decimal | None:
    """The first sum of money in ``text`` as a ``Decimal``, or ``None``.

    Read, in order: a number with a currency word (``三千块``, ``五百元``, ``1.5万元``); a number
    with a magnitude (``一千五``, ``两万``, ``3千``) not followed by a date/time word; a bare Arabic
    number after a paying verb (``先还3000``).
    """
    for m in _AMOUNT_UNIT.finditer(text):
        value = cn_number(m.group(1))
        if value is not None and m.group(2):
            value *= 10000
        if value is not None and value > 0:
            return value
    for m in _AMOUNT_MAG.finditer(text):
        raw = m.group(1)
        # ``一千五`` etc.: extend over trailing digits that complete the number
        tail = re.match(rf"[{_CN_DIGITS}0-9]*", text[m.end() :])
        full = raw + (tail.group(0) if tail else "")
        rest = text[m.start() + len(full) :]
        if _NOT_AMOUNT_AFTER.match(rest):
            continue
        value = cn_number(full)
        if value is not None and value > 0:
            return value
    for m in _AMOUNT_BARE.finditer(text):
        value = cn_number(m.group(1))
        if value is not None and value > 0:
            return value
    return None


# --------------------------------------------------------------------------- dates

_WEEKDAY = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "末": 6}
_WEEK = r"(?:周|星期|礼拜)"


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(d: dt.date, n: int) -> tuple[int, int]:
    m = d.month - 1 + n
    return d.year + m // 12, m % 12 + 1


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _next_yearly(today: dt.date, month: int, day: int) -> dt.date:
    d = dt.date(today.year, month, day)
    return d if d >= today else dt.date(today.year + 1, month, day)


def _spring_festival(today: dt.date) -> dt.date | None:
    for year in (today.year, today.year + 1):
        sf = SPRING_FESTIVAL.get(year)
        if sf is not None and sf >= today:
            return sf
    return None


def _int(raw: str) -> int | None:
    value = cn_number(raw)
    if value is None or value != value.to_integral_value():
        return None
    return int(value)


_DAY_NUM = r"([0-9０-９]{1,2}|[一二三四五六七八九十廿]{1,3})"
_P_YMD = re.compile(rf"([0-9]{{4}})\s*年\s*{_DAY_NUM}\s*月\s*{_DAY_NUM}\s*[日号]?")
_P_MD = re.compile(rf"(下个?月|这个?月|本月)?\s*{_DAY_NUM}\s*月\s*{_DAY_NUM}\s*[日号]")
_P_NEXT_MONTH_DAY = re.compile(rf"(下个?月|这个?月|本月)\s*{_DAY_NUM}\s*[日号]")
_P_DAY = re.compile(rf"(?<![月0-9一二三四五六七八九十])(?:{_DAY_NUM})\s*号")
_P_WEEKDAY = re.compile(rf"(下下|下个?|这个?|本|上个?)?\s*{_WEEK}\s*([一二三四五六日天末])")
_P_WEEKEND = re.compile(r"(下个?|这个?|本)?\s*周末")
_P_N_DAYS = re.compile(rf"({_NUM}|几|两)\s*天\s*(?:后|以后|之后|内|之内|以内)")
_P_WEEK_IN = re.compile(
    r"(?:一|1)\s*(?:周|个星期|个礼拜)\s*(?:内|之内|以内)|这(?:个)?(?:星期|礼拜|周)内"
)

_RELATIVE_DAYS: list[tuple[str, int]] = [
    ("大后天", 3),
    ("大后日", 3),
    ("后天", 2),
    ("后日", 2),
    ("明天", 1),
    ("明日", 1),
    ("明儿", 1),
    ("明朝", 1),
    ("今天", 0),
    ("今日", 0),
    ("今朝", 0),
    ("今晚", 0),
    ("过两天", 2),
    ("过两日", 2),
    ("过几天", 3),
    ("过几日", 3),
    ("这两天", 2),
]

_FESTIVALS: list[tuple[re.Pattern[str], str]] = [
    (
        # 年前 but not 一年前 / 去年前 (a year ago)
        re.compile(
            r"(?:过)?(?:春节|过年|大年)(?:之?前|以前)|(?<![0-9一二两三四五六七八九十几半去])年前"
        ),
        "sf_eve",
    ),
    (
        re.compile(
            r"(?:春节|过年|大年)(?:之?后|以后)|过完年|(?<![0-9一二两三四五六七八九十几半去])年后"
        ),
        "sf_after",
    ),
    (re.compile(r"国庆(?:节|假期)?(?:之?前|以前)"), "10-01-"),
    (re.compile(r"国庆(?:节|假期)?(?:之?后|以后)"), "10-08"),
    (re.compile(r"元旦(?:节)?(?:之?前|以前)"), "12-31"),
    (re.compile(r"元旦(?:节|假期)?(?:之?后|以后)"), "01-02"),
    (re.compile(r"(?:五一|劳动节)(?:假期)?(?:之?前|以前)"), "04-30"),
    (re.compile(r"(?:五一|劳动节)(?:假期)?(?:之?后|以后)"), "05-06"),
    (re.compile(r"年底|年末"), "12-31"),
]


def _festival(key: str, today: dt.date) -> dt.date | None:
    if key == "sf_eve":
        sf = _spring_festival(today + dt.timedelta(days=1))
        return sf - dt.timedelta(days=1) if sf else None
    if key == "sf_after":
        sf = _spring_festival(today - dt.timedelta(days=7))
        return sf + dt.timedelta(days=7) if sf else None
    if key == "10-01-":
        return _next_yearly(today, 9, 30)
    month, day = (int(x) for x in key.split("-"))
    return _next_yearly(today, month, day)


def _parse_date(text: str, today: dt.date) -> tuple[dt.date, int, int] | None:
    """The date and the span ``(start, end)`` of the phrase it came from."""
    m = _P_YMD.search(text)
    if m:
        y, mo, d = int(m.group(1)), _int(m.group(2)), _int(m.group(3))
        if mo and d and (date := _safe_date(y, mo, d)):
            return date, m.start(), m.end()
    m = _P_MD.search(text)
    if m:
        mo, d = _int(m.group(2)), _int(m.group(3))
        if mo and d and (date := _safe_date(today.year, mo, d)):
            if date < today:
                date = _safe_date(today.year + 1, mo, d) or date
            return date, m.start(), m.end()
    m = _P_NEXT_MONTH_DAY.search(text)
    if m:
        d = _int(m.group(2))
        step = 1 if m.group(1).startswith("下") else 0
        y, mo = _add_months(today, step)
        if d and (date := _safe_date(y, mo, d)):
            return date, m.start(), m.end()
    for pat, key in _FESTIVALS:
        m = pat.search(text)
        if m and (date := _festival(key, today)):
            return date, m.start(), m.end()
    m = re.search(r"(下个?|这个?|本)?月?\s*(月底|月末|月初|月中)", text)
    if m:
        nxt = bool(m.group(1) and m.group(1).startswith("下"))
        which = m.group(2)
        if which in ("月底", "月末"):
            y, mo = _add_months(today, 1 if nxt else 0)
            return _month_end(y, mo), m.start(), m.end()
        if which == "月初":
            if not nxt and today.day == 1:
                return today, m.start(), m.end()
            y, mo = _add_months(today, 1)
            return dt.date(y, mo, 1), m.start(), m.end()
        y, mo = _add_months(today, 1 if nxt or today.day > 15 else 0)
        return dt.date(y, mo, 15), m.start(), m.end()
    m = _P_WEEKEND.search(text)
    if m:
        monday = today - dt.timedelta(days=today.weekday())
        if m.group(1) and m.group(1).startswith("下"):
            monday += dt.timedelta(days=7)
        sat = monday + dt.timedelta(days=5)
        return max(sat, today), m.start(), m.end()
    m = _P_WEEKDAY.search(text)
    if m:
        wd = _WEEKDAY[m.group(2)]
        monday = today - dt.timedelta(days=today.weekday())
        prefix = (m.group(1) or "").strip()
        if prefix.startswith("下下"):
            date = monday + dt.timedelta(days=14 + wd - 1)
        elif prefix.startswith("下"):
            date = monday + dt.timedelta(days=7 + wd - 1)
        elif prefix.startswith(("这", "本")):
            date = monday + dt.timedelta(days=wd - 1)
        elif prefix.startswith("上"):
            date = monday - dt.timedelta(days=7 - wd + 1)
        else:
            date = today + dt.timedelta(days=(wd - 1 - today.weekday()) % 7)
        return date, m.start(), m.end()
    m = _P_N_DAYS.search(text)
    if m:
        raw = m.group(1)
        n = 3 if raw == "几" else 2 if raw == "两" else _int(raw)
        if n is not None and 0 <= n <= 366:
            return today + dt.timedelta(days=n), m.start(), m.end()
    m = _P_WEEK_IN.search(text)
    if m:
        return today + dt.timedelta(days=7), m.start(), m.end()
    for word, days in _RELATIVE_DAYS:
        i = text.find(word)
        if i >= 0:
            return today + dt.timedelta(days=days), i, i + len(word)
    m = re.search(r"下个?(?:星期|礼拜|周)(?![一二三四五六日天末])", text)
    if m:
        return today + dt.timedelta(days=7 - today.weekday()), m.start(), m.end()
    m = re.search(r"下个?月", text)
    if m:
        y, mo = _add_months(today, 1)
        return dt.date(y, mo, 1), m.start(), m.end()
    m = _P_DAY.search(text)
    if m:
        d = _int(m.group(1))
        if d and 1 <= d <= 31:
            date = _safe_date(today.year, today.month, d)
            if date is None or date < today:
                y, mo = _add_months(today, 1)
                date = _safe_date(y, mo, d) or _month_end(y, mo)
            return date, m.start(), m.end()
    return None


_PART_OF_DAY: dict[str, tuple[int, int | None]] = {
    # name: (hour offset added to 1–11 o'clock, default hour when no clock time is given)
    "凌晨": (0, None),
    "早上": (0, 9),
    "早晨": (0, 9),
    "上午": (0, 10),
    "中午": (0, 12),
    "下午": (12, 15),
    "傍晚": (12, 18),
    "晚上": (12, 20),
    "今晚": (12, 20),
    "夜里": (12, 21),
    "夜里向": (12, 21),
}
_P_CLOCK = re.compile(
    r"(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|今晚|夜里)?\s*"
    r"([0-9]{1,2}|[一二三四五六七八九十两]{1,3})\s*(?:点|点钟|时)\s*"
    r"(半|一刻|[0-9]{1,2}\s*分?|[一二三四五六七八九十]{1,3}\s*分)?"
)
_P_PART = re.compile(r"凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|今晚|夜里")


def _parse_time(text: str) -> tuple[dt.time, int, int] | None:
    m = _P_CLOCK.search(text)
    if m:
        hour = _int(m.group(2))
        if hour is not None and 0 <= hour <= 24:
            part = m.group(1)
            if part and hour < 12:
                offset = _PART_OF_DAY[part][0]
                if part == "中午" and hour <= 2:
                    offset = 12
                hour += offset
            minute = 0
            raw = (m.group(3) or "").replace("分", "").strip()
            if raw == "半":
                minute = 30
            elif raw == "一刻":
                minute = 15
            elif raw:
                minute = _int(raw) or 0
            if hour == 24:
                hour = 0
            if 0 <= minute < 60:
                return dt.time(hour % 24, minute), m.start(), m.end()
    m = _P_PART.search(text)
    if m:
        default = _PART_OF_DAY[m.group(0)][1]
        if default is not None:
            return dt.time(default), m.start(), m.end()
    return None


# h18: Wu ``号头`` (month) read as 月; same length so match offsets still index the text.
_WU_MONTH = re.compile(r"(下个?|这个?|上个?|本)?号头(底|末|初|里)?")


def _wu_month(m: re.Match[str]) -> str:
    which, part = m.group(1) or "", m.group(2) or ""
    prefix = {"下": "下个", "下个": "下个", "这": "这个", "这个": "这个", "本": "本"}.get(
        which, which
    )
    tail = {"底": "月底", "末": "月末", "初": "月初", "里": "月"}.get(part, "月")
    out = prefix + tail
    width = len(m.group(0))
    return (out + "  ")[:width] if len(out) < width else out[:width]


def parse_when(text: str, today: dt.date) -> When | None:
    """The promised day (and time) in ``text``, relative to ``today``; ``None`` if none."""
    original = text
    if "号头" in text:
        text = _WU_MONTH.sub(_wu_month, text)
    found = _parse_date(text, today)
    clock = _parse_time(text)
    if found is None and clock is None:
        return None
    if found is None:
        assert clock is not None
        return When(date=today, time=clock[0], phrase=original[clock[1] : clock[2]])
    date, start, end = found
    at: dt.time | None = None
    if clock is not None:
        at = clock[0]
        start, end = min(start, clock[1]), max(end, clock[2])
    return When(date=date, time=at, phrase=original[start:end])
