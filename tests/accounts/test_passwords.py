"""Password change and reset outside /admin/ (finding 6): zh and en pages, the reset link by
e-mail, one use, expiry, a per-account hourly limit, audit, and no user enumeration."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"
NEW = "Suzhou-new-passphrase-2026"


def _actions(user: Any) -> list[str]:
    from qingqian.audit.models import AuditEvent

    return list(
        AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .filter(action__startswith="account.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def lawyer(users: Any) -> Any:
    user = users["lawyer"]
    user.email = "lawyer@example.cn"
    user.save(update_fields=["email"])
    return user


def test_change_needs_the_current_password_and_is_audited(lawyer: Any) -> None:
    web = Client()
    web.force_login(lawyer)
    page = web.get("/account/password/")
    assert page.status_code == 200 and "当前密码" in page.content.decode()
    bad = web.post(
        "/account/password/",
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )
    assert bad.status_code == 200 and "error" in bad.content.decode()
    ok = web.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert ok.status_code == 302 and ok["Location"] == "/account/"
    lawyer.refresh_from_db()
    assert lawyer.check_password(NEW)
    assert web.get("/cases/").status_code == 200  # the session survives its own change
    assert _actions(lawyer) == ["account.password_change"]


def test_change_is_for_signed_in_users_only() -> None:
    resp = Client().get("/account/password/")
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")


def test_reset_by_email_link_once_then_the_new_password_works(lawyer: Any) -> None:
    web = Client()
    assert "忘记密码" in web.get("/login/").content.decode()
    resp = web.post("/account/password/reset/", {"email": "LAWYER@example.cn"})
    assert resp.status_code == 302 and resp["Location"] == "/account/password/reset/sent/"
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == ["lawyer@example.cn"]
    assert "60 分钟内" in body
    link = re.search(r"http://testserver(/account/password/reset/\S+/)", body).group(1)
    form = web.get(link, follow=True)
    assert form.status_code == 200 and "设置新密码" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = web.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/account/password/reset/done/"
    lawyer.refresh_from_db()
    assert lawyer.check_password(NEW)
    again = Client().get(link, follow=True)
    assert "链接无效或已过期" in again.content.decode()
    assert _actions(lawyer) == ["account.password_reset_request", "account.password_reset"]


def test_an_unknown_address_gets_the_same_answer_and_no_mail(lawyer: Any) -> None:
    known = Client().post("/account/password/reset/", {"email": "lawyer@example.cn"})
    unknown = Client().post("/account/password/reset/", {"email": "nobody@example.cn"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])

    def page(url: str) -> str:  # the page without its per-request CSRF token
        html = Client().get(url).content.decode()
        return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', "", html)

    assert page(known["Location"]) == page(unknown["Location"])
    assert len(mail.outbox) == 1


def test_the_link_expires(lawyer: Any) -> None:
    start = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        Client().post("/account/password/reset/", {"email": "lawyer@example.cn"})
    link = re.search(r"http://testserver(/account/password/reset/\S+/)", mail.outbox[0].body)
    assert link is not None
    later = start + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with time_machine.travel(later, tick=False):
        page = Client().get(link.group(1), follow=True)
    assert "链接无效或已过期" in page.content.decode()


def test_reset_mails_to_one_account_are_limited_per_hour(lawyer: Any) -> None:
    for _ in range(settings.QINGQIAN_PASSWORD_RESET_PER_HOUR + 2):
        resp = Client().post("/account/password/reset/", {"email": "lawyer@example.cn"})
        assert resp.status_code == 302
    assert len(mail.outbox) == settings.QINGQIAN_PASSWORD_RESET_PER_HOUR
    assert _actions(lawyer).count("account.password_reset_throttled") == 2


def test_the_pages_are_in_english_too(lawyer: Any) -> None:
    web = Client(headers={"Accept-Language": "en"})
    web.cookies["django_language"] = "en"
    page = web.get("/account/password/reset/").content.decode()
    assert "Send the reset link" in page
    web.post("/account/password/reset/", {"email": "lawyer@example.cn"})
    assert "Reset your Qingqian password" in mail.outbox[0].subject
    assert "within 60 minutes" in mail.outbox[0].body


@pytest.mark.two_factor
def test_a_reset_does_not_skip_the_second_factor(users: Any) -> None:
    from qingqian.accounts import twofactor

    admin = users["admin"]
    admin.email = "admin@example.cn"
    admin.save(update_fields=["email"])
    twofactor.enrol_with_secret(admin, "42" * 20)
    web = Client()
    web.post("/account/password/reset/", {"email": "admin@example.cn"})
    link = re.search(r"http://testserver(/account/password/reset/\S+/)", mail.outbox[0].body)
    assert link is not None
    form = web.get(link.group(1), follow=True)
    web.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    web.post("/login/", {"username": admin.username, "password": NEW})
    assert web.get("/cases/")["Location"].startswith("/account/2fa/verify/")
