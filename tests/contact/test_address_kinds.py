"""Each channel only to its own kind of address: SMS only to a mobile, e-mail only to an
e-mail address, letters only to a postal address (issue 19, dead end 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from qingqian.common.exceptions import ValidationFailed
from qingqian.contact import policy as pol
from qingqian.contact.presets import CN_DEFAULT
from qingqian.contact.services import contact_attempt_authorize
from qingqian.parties.identifiers import normalise_email, phone_kind
from qingqian.parties.services import party_create, party_email_set

SH = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def test_numbers_are_typed_mobile_or_fixed_line() -> None:
    assert phone_kind("+8613912345678") == "mobile"
    assert phone_kind("+8651258869951") == "landline"
    assert phone_kind("+861062345678") == "landline"  # Beijing's area code starts with 1
    assert phone_kind("not a number") == ""


def test_an_email_address_is_not_a_number() -> None:
    assert normalise_email(" Li.Wei@Example.COM ") == "li.wei@example.com"
    with pytest.raises(ValidationFailed) as err:
        normalise_email("+8651258869951")
    assert err.value.code == "invalid_email"


@pytest.mark.parametrize(
    ("channel", "kind", "code"),
    [
        ("sms", "landline", "sms_to_landline"),
        ("sms", "email", "address_wrong_kind"),
        ("email", "landline", "address_wrong_kind"),
        ("email", "mobile", "address_wrong_kind"),
        ("letter", "email", "address_wrong_kind"),
        ("robot", "email", "address_wrong_kind"),
    ],
)
def test_the_kernel_refuses_the_wrong_kind(channel: str, kind: str, code: str) -> None:
    req = pol.ContactRequest(
        channel=pol.Channel(channel), recipient_kind=kind, number_masked="+86512******51"
    )
    d = pol.decide(CN_DEFAULT, req, [], [], AT)
    assert not d.allowed
    assert d.codes == (code,)
    assert d.rule == "address_kind"
    assert "+86512******51" in d.reasons[0].message_zh


@pytest.mark.parametrize(
    ("channel", "kind"),
    [
        ("sms", "mobile"),
        ("robot", "landline"),
        ("robot", "mobile"),
        ("email", "email"),
        ("letter", "postal"),
        ("sms", None),
        ("sms", "phone"),
    ],
)
def test_the_kernel_allows_the_right_kind(channel: str, kind: str | None) -> None:
    req = pol.ContactRequest(channel=pol.Channel(channel), recipient_kind=kind)
    assert pol.decide(CN_DEFAULT, req, [], [], AT).allowed


@pytest.fixture
def landline_debtor(org: Any) -> Any:
    return party_create(
        organisation=org, actor=None, kind="person", name="王固话", phone="0512-58869951"
    )


@pytest.mark.django_db
def test_the_gate_refuses_an_sms_to_a_landline_and_records_why(
    case: Any, users: dict[str, Any], landline_debtor: Any
) -> None:
    from qingqian.cases.models import CaseParty

    CaseParty.objects.create(case=case, party=landline_debtor, role="debtor")
    assert landline_debtor.phone_kind == "landline"
    sms = contact_attempt_authorize(
        case=case, party=landline_debtor, channel="sms", actor=users["collector"], at=AT
    )
    assert not sms.allowed
    assert sms.rule == "address_kind"
    assert sms.reason_codes == ["sms_to_landline"]
    call = contact_attempt_authorize(
        case=case, party=landline_debtor, channel="voice", actor=users["collector"], at=AT
    )
    assert call.allowed


@pytest.mark.django_db
def test_the_gate_sends_email_only_to_an_email_address(
    case: Any, users: dict[str, Any], debtor: Any
) -> None:
    collector = users["collector"]
    to_phone = contact_attempt_authorize(
        case=case, party=debtor, channel="email", actor=collector, at=AT, number="+8651258869951"
    )
    assert not to_phone.allowed
    assert to_phone.reason_codes == ["address_wrong_kind"]
    none_on_file = contact_attempt_authorize(
        case=case, party=debtor, channel="email", actor=collector, at=AT
    )
    assert none_on_file.number_hash == ""
    party_email_set(party=debtor, email="finance@gusu-hotel.example.cn", actor=collector)
    debtor.refresh_from_db()
    ok = contact_attempt_authorize(case=case, party=debtor, channel="email", actor=collector, at=AT)
    assert ok.allowed
    assert ok.number_masked == debtor.email_masked
    sms_to_mail = contact_attempt_authorize(
        case=case, party=debtor, channel="sms", actor=collector, at=AT, number="a@b.cn"
    )
    assert sms_to_mail.reason_codes == ["address_wrong_kind"]
