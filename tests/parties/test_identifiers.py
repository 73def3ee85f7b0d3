import pytest

from qingqian.common.exceptions import ValidationFailed
from qingqian.parties.identifiers import mask, normalise_phone, normalise_ric, normalise_uscc
from tests.support import make_ric, make_uscc, wrong_check


def test_uscc_valid_and_normalised() -> None:
    code = make_uscc(42)
    assert normalise_uscc(" " + code.lower() + " ") == code


@pytest.mark.parametrize("bad", [wrong_check(make_uscc(42)), "123", "91320594ABCDEFGHIO"])
def test_uscc_invalid(bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        normalise_uscc(bad)
    assert exc.value.code == "invalid_credit_code"


def test_ric_accepts_gusu_district_area_code() -> None:
    # 320508 (姑苏区) post-dates python-stdnum's area table; the number is still valid.
    code = make_ric(1, area="320508", birth="20150101")
    assert normalise_ric(code) == code


@pytest.mark.parametrize(
    "bad",
    [wrong_check(make_ric(3)), make_ric(3)[:17], "99" + make_ric(3)[2:], "320508198513450012"],
)
def test_ric_invalid(bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        normalise_ric(bad)
    assert exc.value.code == "invalid_id_number"
    assert bad not in exc.value.message  # the number itself never goes into messages or logs


def test_phone_e164() -> None:
    assert normalise_phone("139 1234 5678") == "+8613912345678"
    assert normalise_phone("0512-6752 1234") == "+8651267521234"
    with pytest.raises(ValidationFailed):
        normalise_phone("12345")


def test_mask() -> None:
    assert mask("320508198503150012", 6, 4) == "320508********0012"


def test_chinese_full_name_is_family_name_first() -> None:
    from qingqian.accounts.models import User

    assert User(first_name="建国", last_name="陈").get_full_name() == "陈建国"
    assert User(first_name="Ada", last_name="Lovelace").get_full_name() == "Ada Lovelace"
