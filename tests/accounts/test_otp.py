from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from qingqian.accounts.models import OneTimeCode, Organisation
from qingqian.accounts.otp import OTP_MAX_ATTEMPTS, OtpError, otp_issue, otp_verify
from qingqian.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _issue(purpose: str = "agreement.sign", subject: str = "agreement:1") -> tuple[Any, str]:
    sent: list[str] = []
    row = otp_issue(purpose=purpose, subject=subject, deliver=sent.append)
    assert len(sent) == 1
    return row, sent[0]


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_issue_stores_only_a_digest_and_audits() -> None:
    row, code = _issue()
    assert len(code) == 6 and code.isdigit()
    row.refresh_from_db()
    assert code not in row.digest and len(row.digest) == 64
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)
    event = AuditEvent.objects.get(action="otp.issue", object_id=str(row.pk))
    assert code not in str(event.after)


def test_right_code_verifies_once() -> None:
    _row, code = _issue()
    used = otp_verify(purpose="agreement.sign", subject="agreement:1", code=code)
    assert used.used_at is not None
    with pytest.raises(OtpError) as exc:
        otp_verify(purpose="agreement.sign", subject="agreement:1", code=code)
    assert exc.value.code == "otp_used"
    assert "已使用" in exc.value.message_zh and "already been used" in exc.value.message_en


def test_code_is_bound_to_purpose_and_subject() -> None:
    _row, code = _issue()
    with pytest.raises(OtpError) as exc:
        otp_verify(purpose="agreement.sign", subject="agreement:2", code=code)
    assert exc.value.code == "otp_missing"
    _issue(purpose="identity", subject="agreement:2")
    with pytest.raises(OtpError) as exc:
        otp_verify(purpose="agreement.sign", subject="agreement:2", code=code)
    assert exc.value.code == "otp_missing"


def test_wrong_codes_count_down_then_lock() -> None:
    row, code = _issue()
    for left in range(OTP_MAX_ATTEMPTS - 1, 0, -1):
        with pytest.raises(OtpError) as exc:
            otp_verify(purpose="agreement.sign", subject="agreement:1", code=_wrong(code))
        assert exc.value.code == "otp_wrong"
        assert exc.value.details == {"attempts_left": left}
        assert f"还可尝试 {left} 次" in exc.value.message_zh
    with pytest.raises(OtpError) as exc:
        otp_verify(purpose="agreement.sign", subject="agreement:1", code=_wrong(code))
    assert exc.value.code == "otp_locked"
    # Locked: even the right code is refused now.
    with pytest.raises(OtpError) as exc:
        otp_verify(purpose="agreement.sign", subject="agreement:1", code=code)
    assert exc.value.code == "otp_locked"
    row.refresh_from_db()
    assert row.attempts == OTP_MAX_ATTEMPTS and row.locked_at is not None and row.used_at is None


def test_expired_code_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from qingqian.common import clock

    row, code = _issue()
    later = row.created_at + dt.timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    with pytest.raises(OtpError) as exc:
        otp_verify(purpose="agreement.sign", subject="agreement:1", code=code)
    assert exc.value.code == "otp_expired"
    assert "过期" in exc.value.message_zh


def test_new_code_retires_the_old_one() -> None:
    _old, old_code = _issue()
    _new, new_code = _issue()
    if old_code != new_code:
        with pytest.raises(OtpError):
            otp_verify(purpose="agreement.sign", subject="agreement:1", code=old_code)
    assert otp_verify(purpose="agreement.sign", subject="agreement:1", code=new_code).used_at


def test_failed_delivery_keeps_nothing() -> None:
    def boom(_code: str) -> None:
        raise RuntimeError("mail down")

    with pytest.raises(RuntimeError):
        otp_issue(purpose="agreement.sign", subject="agreement:9", deliver=boom)
    assert not OneTimeCode.objects.filter(subject="agreement:9").exists()


def test_organisation_type_defaults_and_choices() -> None:
    org = Organisation.objects.create(name="律所", short_code="lf", org_type="law_firm")
    assert org.get_org_type_display() == "律师事务所"
    assert Organisation.objects.create(name="x", short_code="x").org_type == "mediation_centre"


def test_organisation_kinds_match_the_fee_rules_kernel() -> None:
    from qingqian.accounts.models import OrgKind
    from qingqian.intake.fee_rules import OrgType

    assert {k.value for k in OrgKind} == {o.value for o in OrgType}
