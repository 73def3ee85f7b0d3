"""Finding 6 (two-factor for staff): administrators and compliance officers cannot use the
product until they have enrolled a TOTP authenticator and verified a code in the session;
other staff may enrol; every step is audited; wrong codes are throttled."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.two_factor]

PASSWORD = "pw-for-tests-only"
# A minute after the suite's frozen instant (tests/conftest.py): sessions stay fresh.
T0 = dt.datetime(2026, 11, 20, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_attempts() -> None:
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


def _code(device: Any) -> str:
    from django_otp.oath import TOTP

    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:06d}"


def _login(user: Any) -> Client:
    web = Client()
    resp = web.post("/login/", {"username": user.username, "password": PASSWORD})
    assert resp.status_code == 302, resp.content[:300]
    return web


def _actions(user: Any) -> list[str]:
    from qingqian.audit.models import AuditEvent

    return list(
        AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .filter(action__startswith="twofactor.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def _enrolled(user: Any) -> Any:
    from qingqian.accounts import twofactor

    return twofactor.enrol_with_secret(user, "31" * 20)


@pytest.mark.parametrize("role", ["admin", "compliance"])
def test_a_required_role_without_an_authenticator_reaches_only_the_enrolment(
    users: Any, role: str
) -> None:
    web = _login(users[role])
    for path in ["/", "/cases/", "/account/", "/admin/"]:
        resp = web.get(path)
        assert resp.status_code == 302, path
        assert resp["Location"].startswith("/account/2fa/enrol/"), path
    api = web.get("/api/v1/me")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    htmx = web.get("/cases/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"].startswith("/account/2fa/enrol/")
    assert web.get("/account/2fa/enrol/").status_code == 200


def test_enrolment_shows_a_qr_code_then_backup_codes_and_unlocks_the_pages(users: Any) -> None:
    from django_otp.plugins.otp_static.models import StaticToken

    from qingqian.accounts import twofactor

    admin = users["admin"]
    web = _login(admin)
    page = web.get("/account/2fa/enrol/?next=/cases/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "<script" not in html.split("<main>")[1]
    assert "style=" not in html.split('<div class="qr">')[1].split("</div>")[0]
    assert "script-src 'self'" in page["Content-Security-Policy"]
    device = twofactor.pending_enrolment(admin)
    assert device is not None and not device.confirmed

    wrong = web.post("/account/2fa/enrol/", {"code": "000000", "next": "/cases/"})
    assert wrong.status_code == 422
    assert "验证码错误" in wrong.content.decode()
    assert web.get("/cases/").status_code == 302

    with time_machine.travel(T0 + dt.timedelta(seconds=5), tick=False):
        done = web.post("/account/2fa/enrol/", {"code": _code(device), "next": "/cases/"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    # Only keyed hashes are stored, never the codes themselves.
    stored = set(StaticToken.objects.filter(device__user=admin).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes}
    assert web.get("/cases/").status_code == 200
    assert _actions(admin) == [
        "twofactor.enrol_start",
        "twofactor.failure",
        "twofactor.enrol",
        "twofactor.backup_codes",
    ]


def test_an_enrolled_user_verifies_a_code_at_every_sign_in(users: Any) -> None:
    compliance = users["compliance"]
    device = _enrolled(compliance)
    with time_machine.travel(T0, tick=False):
        web = _login(compliance)
        first = web.get("/cases/")
        assert first["Location"] == "/account/2fa/verify/?next=%2Fcases%2F"
        # Without the current authenticator nobody may enrol a new one (password alone).
        assert web.get("/account/2fa/enrol/")["Location"] == "/account/2fa/verify/"
        ok = web.post("/account/2fa/verify/", {"code": _code(device), "next": "/cases/"})
    assert ok.status_code == 302 and ok["Location"] == "/cases/"
    assert web.get("/cases/").status_code == 200
    assert web.get("/api/v1/me").status_code == 200
    assert _actions(compliance)[-1] == "twofactor.verify"


def test_a_code_is_accepted_once(users: Any) -> None:
    admin = users["admin"]
    device = _enrolled(admin)
    with time_machine.travel(T0, tick=False):
        code = _code(device)
        assert _login(admin).post("/account/2fa/verify/", {"code": code}).status_code == 302
        replay = _login(admin).post("/account/2fa/verify/", {"code": code})
    assert replay.status_code == 422


def test_a_backup_code_works_once(users: Any) -> None:
    from qingqian.accounts import twofactor

    admin = users["admin"]
    _enrolled(admin)
    codes = twofactor.backup_codes_regenerate(admin)
    web = _login(admin)
    ok = web.post("/account/2fa/verify/", {"code": codes[3].upper()})
    assert ok.status_code == 302
    assert twofactor.backup_codes_left(admin) == 9
    again = _login(admin).post("/account/2fa/verify/", {"code": codes[3]})
    assert again.status_code == 422
    assert "twofactor.verify" in _actions(admin)


def test_wrong_codes_are_throttled_and_five_sign_the_session_out(users: Any) -> None:
    from qingqian.audit.models import AuditEvent

    admin = users["admin"]
    device = _enrolled(admin)
    with time_machine.travel(T0, tick=False) as clock:
        web = _login(admin)
        assert web.post("/account/2fa/verify/", {"code": "123456"}).status_code == 422
        # Straight after a wrong code even the right one waits (django-otp's throttle).
        throttled = web.post("/account/2fa/verify/", {"code": _code(device)})
        assert throttled.status_code == 429
        assert "秒后再试" in throttled.content.decode()
        for n in range(2, 6):
            clock.shift(dt.timedelta(seconds=2**n))
            resp = web.post("/account/2fa/verify/", {"code": "123456"})
        assert resp.status_code == 302 and resp["Location"] == "/login/"
        assert "_auth_user_id" not in web.session
    assert AuditEvent.objects.filter(action="twofactor.signed_out").count() == 1
    assert _actions(admin).count("twofactor.failure") == 6  # five wrong, one throttled


def test_other_staff_may_enrol_and_are_then_asked_too(users: Any) -> None:
    from qingqian.accounts import twofactor

    lawyer = users["lawyer"]
    web = _login(lawyer)
    assert web.get("/cases/").status_code == 200  # optional: nothing asked
    web.get("/account/2fa/enrol/")
    device = twofactor.pending_enrolment(lawyer)
    with time_machine.travel(T0, tick=False):
        assert web.post("/account/2fa/enrol/", {"code": _code(device)}).status_code == 200
    again = _login(lawyer)
    assert again.get("/cases/")["Location"].startswith("/account/2fa/verify/")
    # The lawyer may switch it off again (after verifying); an administrator may not.
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        again.post("/account/2fa/verify/", {"code": _code(device)})
    assert again.post("/account/2fa/disable/").status_code == 302
    assert not twofactor.is_enrolled(lawyer)
    assert "twofactor.disable" in _actions(lawyer)


def test_a_required_role_cannot_switch_it_off(users: Any) -> None:
    from qingqian.accounts import twofactor

    admin = users["admin"]
    device = _enrolled(admin)
    web = _login(admin)
    with time_machine.travel(T0, tick=False):
        web.post("/account/2fa/verify/", {"code": _code(device)})
    web.post("/account/2fa/disable/")
    assert twofactor.is_enrolled(admin)


def test_the_security_page_lists_what_is_enrolled_in_both_languages(users: Any) -> None:
    from qingqian.accounts import twofactor

    lawyer = users["lawyer"]
    web = _login(lawyer)
    assert "开启两步验证" in web.get("/account/").content.decode()
    _enrolled(lawyer)
    twofactor.backup_codes_regenerate(lawyer)
    web = _login(lawyer)
    with time_machine.travel(T0, tick=False):
        web.post("/account/2fa/verify/", {"code": _code(twofactor.authenticator(lawyer))})
    web.cookies["django_language"] = "en"
    page = web.get("/account/", headers={"Accept-Language": "en"}).content.decode()
    assert "10 backup codes left" in page


def test_bearer_tokens_are_their_own_credential(users: Any) -> None:
    from qingqian.accounts.services import api_token_create

    token = api_token_create(user=users["admin"])
    resp = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200


def test_the_cli_resets_a_user_and_prints_the_demo_code(users: Any) -> None:
    from qingqian.accounts import twofactor
    from qingqian.demo.twofactor import seed_twofactor

    seed_twofactor(users=users)
    assert twofactor.is_enrolled(users["admin"]) and twofactor.is_enrolled(users["compliance"])
    assert not twofactor.is_enrolled(users["lawyer"])
    out = io.StringIO()
    with time_machine.travel(T0, tick=False):
        call_command("twofactor", "demo-code", stdout=out)
        code = out.getvalue().split()[0]
        web = _login(users["admin"])
        assert web.post("/account/2fa/verify/", {"code": code}).status_code == 302
    call_command("twofactor", "reset", "--user", "admin", stdout=io.StringIO())
    assert not twofactor.is_enrolled(users["admin"])
    assert "twofactor.reset" in _actions(users["admin"])
