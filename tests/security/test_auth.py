"""Finding 6 (in part): failed logins lock the account (staff and admin login alike), codes
to one person are limited per hour, sessions end when idle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"


@pytest.fixture(autouse=True)
def _fresh_attempts() -> None:
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_failed_logins_lock_the_account_then_the_right_password_fails_too(
    users: Any, path: str
) -> None:
    web = Client()
    name = users["admin"].username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        resp = web.post(path, {"username": name, "password": "wrong"})
        assert resp.status_code in (200, 429)
    locked = web.post(path, {"username": name, "password": PASSWORD})
    assert locked.status_code == 429
    assert "账户已暂时锁定" in locked.content.decode()
    assert "_auth_user_id" not in web.session


def test_lockout_ends_after_the_cool_off(users: Any) -> None:
    web = Client()
    name = users["lawyer"].username
    start = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            web.post("/login/", {"username": name, "password": "wrong"})
        assert web.post("/login/", {"username": name, "password": PASSWORD}).status_code == 429
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)):
        ok = web.post("/login/", {"username": name, "password": PASSWORD})
    assert ok.status_code == 302


def test_a_few_wrong_passwords_do_not_lock(users: Any) -> None:
    web = Client()
    name = users["lawyer"].username
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        web.post("/login/", {"username": name, "password": "wrong"})
    assert web.post("/login/", {"username": name, "password": PASSWORD}).status_code == 302


def test_sessions_end_when_idle_and_activity_renews_them_once_a_minute(users: Any) -> None:
    """A session ends after 30 idle minutes. Requests renew its clock, but the session row is
    written at most once a minute, not on every request (IdleSessionMiddleware)."""
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.QINGQIAN_SESSION_RENEW_SECONDS == 60
    start = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)
    web = Client()

    def expiry() -> dt.datetime:
        return Session.objects.get(session_key=web.session.session_key).expire_date

    def writes() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert web.get("/cases/").status_code == 200
        return [q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"]
                and not q["sql"].lstrip().startswith("SELECT")]  # fmt: skip

    with time_machine.travel(start, tick=False):
        web.force_login(users["lawyer"])
        assert web.get("/cases/").status_code == 200
        first = expiry()
    with time_machine.travel(start + dt.timedelta(seconds=50), tick=False):
        assert writes() == []  # within the minute: no write
        assert expiry() == first
    with time_machine.travel(start + dt.timedelta(seconds=70), tick=False):
        assert len(writes()) == 1  # past it: one write, the clock pushed forward
        renewed = expiry()
        assert renewed - first == dt.timedelta(seconds=70)
    # 29 idle minutes after the last renewal: still signed in (and renewed again).
    with time_machine.travel(start + dt.timedelta(seconds=70, minutes=29), tick=False):
        assert web.get("/cases/").status_code == 200
    # 31 idle minutes after that: the session has ended.
    with time_machine.travel(start + dt.timedelta(seconds=70, minutes=60), tick=False):
        resp = web.get("/cases/")
        assert resp.status_code == 302
        assert resp["Location"].startswith("/login/")


def test_codes_to_one_person_are_limited_per_hour() -> None:
    from qingqian.accounts.models import OneTimeCode
    from qingqian.accounts.otp import OTP_MAX_PER_HOUR, OtpError, otp_issue

    sent: list[str] = []
    start = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(OTP_MAX_PER_HOUR):
            otp_issue(purpose="portal", subject="portal:1", deliver=sent.append)
        with pytest.raises(OtpError) as info:
            otp_issue(
                purpose="portal", subject="portal:2", deliver=sent.append,
                throttle_subjects=["portal:1", "portal:2"],
            )  # fmt: skip
    assert info.value.code == "otp_rate_limited" and info.value.status == 429
    assert len(sent) == OTP_MAX_PER_HOUR
    assert OneTimeCode.objects.count() == OTP_MAX_PER_HOUR
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        otp_issue(purpose="portal", subject="portal:1", deliver=sent.append)
    assert len(sent) == OTP_MAX_PER_HOUR + 1


def test_tokens_expire(users: Any) -> None:
    from qingqian.accounts.services import api_token_create

    start = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        token = api_token_create(user=users["lawyer"], days=30)
        api = Client(headers={"Authorization": f"Bearer {token}"})
        assert api.get("/api/v1/me").status_code == 200
    with time_machine.travel(start + dt.timedelta(days=31), tick=False):
        assert api.get("/api/v1/me").status_code == 401


def test_read_scoped_token_cannot_write(users: Any, case: Any) -> None:
    from qingqian.accounts.services import api_token_create

    api = Client(
        headers={"Authorization": f"Bearer {api_token_create(user=users['lawyer'], scope='read')}"}
    )
    assert api.get(f"/api/v1/cases/{case.pk}").status_code == 200
    resp = api.post(
        f"/api/v1/cases/{case.pk}/transition",
        {"to_state": "evidence_review"},
        content_type="application/json",
    )
    assert resp.status_code == 403 and resp.json()["code"] == "token_read_only"
    case.refresh_from_db()
    assert case.state != "evidence_review"


def test_a_signed_in_request_loads_the_users_organisation_with_the_user(users: Any) -> None:
    """The session's user comes with the organisation every page scopes by (one join), not a
    query of its own; a deactivated user is signed out as before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    web = Client()
    web.force_login(users["lawyer"])
    web.get("/cases/")  # the session's first page asks once whether two-factor is enrolled
    with CaptureQueriesContext(connection) as ctx:
        assert web.get("/cases/").status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    user_reads = [s for s in sql if 'FROM "accounts_user"' in s and "django_session" not in s]
    assert any('"accounts_organisation"' in s for s in user_reads[:1]), user_reads
    assert not [s for s in sql if s.startswith('SELECT "accounts_organisation"')], sql
    users["lawyer"].is_active = False
    users["lawyer"].save(update_fields=["is_active"])
    assert web.get("/cases/").status_code == 302
