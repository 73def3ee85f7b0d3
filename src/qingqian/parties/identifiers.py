"""Validation and normalisation of Chinese identifiers (pure: no Django).

* 统一社会信用代码 (unified social credit code) — ``stdnum.cn.uscc`` checksum.
* 居民身份证号码 (resident ID number) — ``stdnum.cn.ric`` checksum and birth date.
* Phone numbers — ``phonenumbers``, mainland China by default, stored as E.164.
"""

from __future__ import annotations

import re

import phonenumbers
from stdnum import exceptions as stdnum_exc
from stdnum.cn import ric, uscc

from qingqian.common.exceptions import ValidationFailed


def normalise_uscc(raw: str) -> str:
    code = uscc.compact(raw or "").upper()
    try:
        return str(uscc.validate(code))
    except stdnum_exc.InvalidChecksum:
        reason_zh, reason_en = "校验位不正确", "the check character is wrong"
    except stdnum_exc.InvalidLength:
        reason_zh, reason_en = "应为18位", "it must have 18 characters"
    except stdnum_exc.ValidationError:
        reason_zh, reason_en = "格式不正确", "the format is invalid"
    raise ValidationFailed(
        f"统一社会信用代码无效（{reason_zh}）：{raw}",
        f"Invalid unified social credit code ({reason_en}): {raw}",
        code="invalid_credit_code",
        details={"value": raw},
    )


_PROVINCES = frozenset(
    {
        *("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36"),
        *("37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62"),
        *("63", "64", "65", "71", "81", "82", "83"),
    }
)


def normalise_ric(raw: str) -> str:
    """Validate a resident ID number: 18 characters, province, birth date and ISO 7064 check.

    python-stdnum's ``cn.ric`` also looks the six-digit area code up in a dated table that
    lacks districts created since (320508 姑苏区, 2012), so the area is checked at province
    level here and the rest with stdnum's own functions.
    """
    code = ric.compact(raw or "").upper()
    if len(code) != 18:
        reason_zh, reason_en = "应为18位", "it must have 18 characters"
    elif not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        reason_zh, reason_en = "格式不正确", "the format is invalid"
    elif code[:2] not in _PROVINCES:
        reason_zh, reason_en = "地区码不正确", "the area code is invalid"
    else:
        try:
            ric.get_birth_date(code)
        except stdnum_exc.ValidationError:
            reason_zh, reason_en = "出生日期不正确", "the birth date is invalid"
        else:
            if ric.calc_check_digit(code) == code[17]:
                return code
            reason_zh, reason_en = "校验位不正确", "the check digit is wrong"
    raise ValidationFailed(
        f"身份证号码无效（{reason_zh}）",
        f"Invalid resident ID number ({reason_en})",
        code="invalid_id_number",
        details={},
    )


def normalise_phone(raw: str, region: str = "CN") -> str:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            f"电话号码无效：{raw}",
            f"Invalid phone number: {raw}",
            code="invalid_phone",
            details={"value": raw},
        )
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def mask_id_number(ric: str) -> str:
    """An ID number as staff may see it: the area code only. The last four characters are
    the debtor portal's identity check, so no mask shows them."""
    return mask(ric, 6, 0)


def mask(value: str, keep_start: int = 3, keep_end: int = 4) -> str:
    """``320502199001011234`` → ``320***********1234``; used wherever clear text is not needed."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    # value[len - keep_end:], not value[-keep_end:]: with keep_end=0 the latter is all of it.
    end = value[len(value) - keep_end :]
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + end


# h19a: numbers typed as mobile or fixed line; e-mail addresses kept apart from numbers.
_EMAIL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}")
MOBILE = "mobile"
LANDLINE = "landline"


def phone_kind(e164: str) -> str:
    """``mobile``, ``landline`` or ``""`` (a plan that does not tell, e.g. North America)
    for a number already in E.164 form."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ""
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return MOBILE
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        return LANDLINE
    return ""


def normalise_email(raw: str) -> str:
    """An e-mail address, lower-cased; a telephone number or anything else is refused."""
    value = (raw or "").strip().lower()
    if not _EMAIL.fullmatch(value) or len(value) > 254:
        raise ValidationFailed(
            f"电子邮件地址无效：{raw}",
            f"Invalid e-mail address: {raw}",
            code="invalid_email",
            details={"value": raw},
        )
    return value
