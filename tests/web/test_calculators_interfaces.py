"""The calculators through the API and the web pages: same fields, same result as the CLI,
and the administrator's table rows are used."""

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from qingqian.accounts.services import api_token_create
from qingqian.legaldata.models import HolidayDay, LprQuoteRow

pytestmark = pytest.mark.django_db

CONTRACT = [
    ("court-fee", ["--amount", "100000"], {"amount": "100000"}, {"fee": "2300.00"}),
    ("limitation", ["--start", "2023-03-15"], {"start": "2023-03-15"}, {"deadline": "2026-03-16"}),
    (
        "interest-cap",
        ["--formed", "2025-06-10"],
        {"formed": "2025-06-10"},
        {"annual_rate_cap": "12.00", "lpr": "3.00"},
    ),
    (
        "allocate",
        ["--payment", "50000", "--costs", "3320", "--interest", "8000", "--principal", "100000"],
        {"payment": "50000", "costs": "3320", "interest": "8000", "principal": "100000"},
        {
            "to_costs": "3320.00",
            "to_interest": "8000.00",
            "to_principal": "38680.00",
            "remaining_principal": "61320.00",
        },
    ),
    (
        "contingency-cap",
        ["--recovered", "3000000"],
        {"recovered": "3000000"},
        {"max_fee": "480000.00"},
    ),
    (
        "small-claims",
        ["--amount", "60000", "--filed", "2026-02-01", "--province", "jiangsu"],
        {"amount": "60000", "filed": "2026-02-01", "province": "jiangsu"},
        {"procedure": "small_claims", "limit": "64610.00"},
    ),
    (
        "court-deadline",
        ["appeal_ruling", "--from", "2026-09-21"],
        {"kind": "appeal_ruling", "from": "2026-09-21"},
        {"deadline": "2026-10-08", "unshifted_deadline": "2026-10-01"},
    ),
]


@pytest.fixture
def api(users: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=users['lawyer'])}"})


@pytest.mark.parametrize(("name", "argv", "body", "expected"), CONTRACT, ids=lambda x: str(x)[:20])
def test_api_equals_cli(
    api: Client, name: str, argv: list[str], body: dict[str, Any], expected: dict[str, str]
) -> None:
    out = io.StringIO()
    call_command("calc", name, *argv, "--json", stdout=out)
    cli = json.loads(out.getvalue())
    resp = api.post(f"/api/v1/calc/{name}", body, content_type="application/json")
    assert resp.status_code == 200, resp.content
    assert resp.json() == cli
    for key, value in expected.items():
        assert cli[key] == value


@pytest.mark.parametrize(
    ("name", "body", "status", "code"),
    [
        ("court-fee", {"amount": "-5"}, 422, None),
        ("court-fee", {"amount": "100", "kind": "bribe"}, 422, None),
        ("court-fee", {"amount": 100.5}, 422, "amount_float"),
        ("court-fee", {"amount": "100", "colour": "red"}, 422, "unknown_field"),
        ("interest-cap", {"formed": "2018-01-01"}, 422, "lpr_before_2019_08_20"),
        (
            "limitation",
            {"start": "2023-03-15", "suspensions": ["2025-12-01:2025-11-01"]},
            422,
            None,
        ),
        ("limitation", {"start": "not-a-date"}, 422, "invalid_date"),
        ("horoscope", {}, 404, "unknown_calculator"),
    ],
)
def test_api_bad_input(
    api: Client, name: str, body: dict[str, Any], status: int, code: str | None
) -> None:
    resp = api.post(f"/api/v1/calc/{name}", body, content_type="application/json")
    assert resp.status_code == status, resp.content
    err = resp.json()
    assert set(err) == {"code", "message", "details"}
    if code:
        assert err["code"] == code
    assert " / " in err["message"]


def test_api_needs_authentication() -> None:
    resp = Client().post("/api/v1/calc/court-fee", {"amount": "1"}, content_type="application/json")
    assert resp.status_code == 401


def test_admin_lpr_row_is_used(api: Client) -> None:
    before = api.post(
        "/api/v1/calc/interest-cap", {"formed": "2030-01-15"}, content_type="application/json"
    ).json()
    LprQuoteRow.objects.create(
        day=dt.date(2030, 1, 20) - dt.timedelta(days=10), one_year=Decimal("2.50"), source="test"
    )
    after = api.post(
        "/api/v1/calc/interest-cap", {"formed": "2030-01-15"}, content_type="application/json"
    ).json()
    assert after["lpr"] == "2.50" and after["annual_rate_cap"] == "10.00"
    assert before["lpr"] != "2.50"


def test_admin_holiday_row_moves_a_deadline(api: Client) -> None:
    # 2027-03-15 is a Monday; three years from 2024-03-15 lands there.
    body = {"start": "2024-03-15"}
    before = api.post("/api/v1/calc/limitation", body, content_type="application/json").json()
    HolidayDay.objects.create(
        day=dt.date.fromisoformat(before["deadline"]), workday=False, name="test rest day"
    )
    after = api.post("/api/v1/calc/limitation", body, content_type="application/json").json()
    assert after["deadline"] > before["deadline"]


def test_web_calculator_page_shows_result_and_steps(users: Any) -> None:
    web = Client()
    web.force_login(users["intake_agent"])
    assert "诉讼费" in web.get("/calc/").content.decode()
    page = web.post("/calc/court-fee/", {"amount": "100000", "kind": "property"}).content.decode()
    assert "¥2,300.00" in page
    assert "诉讼费用交纳办法" in page  # the rule is cited
    bad = web.post("/calc/court-fee/", {"amount": "-1", "kind": "property"})
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()


def test_calculate_for_this_case(users: Any, case: Any) -> None:
    web = Client()
    web.force_login(users["lawyer"])
    page = web.get(f"/calc/court-fee/?case={case.pk}").content.decode()
    assert 'value="20000.50"' in page and case.reference in page
    outsider = Client()
    outsider.force_login(users["creditor_other"])
    assert outsider.get(f"/calc/court-fee/?case={case.pk}").status_code == 404


def test_court_deadline_api_refuses_bad_kind_and_the_page_labels_kinds(users: Any) -> None:
    api = Client(headers={"Authorization": f"Bearer {api_token_create(user=users['lawyer'])}"})
    resp = api.post(
        "/api/v1/calc/court-deadline",
        {"kind": "appeal", "from": "2026-02-02"},
        content_type="application/json",
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "unknown_kind"
    web = Client()
    web.force_login(users["lawyer"])
    page = web.get("/calc/court-deadline/").content.decode()
    assert "判决上诉期" in page
    assert ">appeal_judgment<" not in page
    done = web.post(
        "/calc/court-deadline/", {"kind": "appeal_judgment", "from": "2026-02-02"}
    ).content.decode()
    assert "2026-02-24" in done
    assert "第一百七十一条" in done


# h19d: every calculator's figures by label, money grouped, no code values, both languages.
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize(("name", "argv", "body", "expected"), CONTRACT, ids=lambda x: str(x)[:20])
def test_calculator_pages_show_no_raw_codes(
    users: Any, lang: str, name: str, argv: list[str], body: dict[str, str], expected: Any
) -> None:
    from tests.web.test_no_raw_codes import problems, visible_text

    web = Client(headers={"Accept-Language": lang})
    web.force_login(users["lawyer"])
    web.cookies["django_language"] = lang
    page = web.post(f"/calc/{name}/", body).content.decode()
    result = page.split('id="calc-result"')[1].split("</section>")[0]
    assert "<dt>" in result
    text = visible_text(result)
    assert not problems(text, zh=lang == "zh-hans"), problems(text, zh=lang == "zh-hans")
    if lang == "zh-hans":
        for key in ("full_fee", "halved", "property", "lpr_4x", "small_claims", "jiangsu", "True"):
            assert key not in text, key


def test_holiday_calendar_is_the_calculators_calendar_in_one_query(
    django_assert_num_queries: Any,
) -> None:
    """Court-day counting reads only the holiday rows: the same calendar as
    ``calc_context().calendar`` (the packaged one alone without rows), in one query."""
    from qingqian.legaldata.selectors import calc_context, holiday_calendar

    with django_assert_num_queries(1):
        assert holiday_calendar() is None
    assert calc_context().calendar is None
    day = dt.date(2027, 3, 15)  # a Monday
    HolidayDay.objects.create(day=day, workday=False, name="test rest day")
    with django_assert_num_queries(1):
        calendar = holiday_calendar()
    full = calc_context().calendar
    assert calendar is not None and full is not None
    for d in (day, day + dt.timedelta(days=1), dt.date(2027, 10, 1), dt.date(2027, 3, 13)):
        assert calendar.is_rest_day(d) == full.is_rest_day(d), d
    assert calendar.is_rest_day(day) and not calendar.is_rest_day(day + dt.timedelta(days=1))
