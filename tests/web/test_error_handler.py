"""One handler answers a refused action on the staff pages: a posted form goes back with the
reason in the user's language, a page shows the reason with its code and status; the API
keeps its JSON error body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory
from django.utils import translation

from qingqian.common.exceptions import ApplicationError, Conflict
from qingqian.common.middleware import ErrorBoundaryMiddleware

pytestmark = pytest.mark.django_db


def _request(method: str, path: str, user: Any, **headers: str) -> Any:
    factory = RequestFactory()
    make = factory.post if method == "POST" else factory.get
    request = make(path, headers=headers)
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _refusal() -> ApplicationError:
    return Conflict("计划已在执行中。", "The plan is already running.", code="plan_active")


def _answer(request: Any, exc: Exception) -> Any:
    middleware = ErrorBoundaryMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    return middleware.process_exception(request, exc)


def test_a_posted_form_goes_back_with_the_reason_in_chinese(users: Any) -> None:
    request = _request(
        "POST", "/cases/1/plans", users["lawyer"], Referer="http://testserver/cases/1/"
    )
    with translation.override("zh-hans"):
        response = _answer(request, _refusal())
    assert response.status_code == 302 and response["Location"] == "http://testserver/cases/1/"
    assert [str(m) for m in get_messages(request)] == ["计划已在执行中。"]


def test_the_reason_is_in_english_for_an_english_user(users: Any) -> None:
    request = _request(
        "POST", "/cases/1/plans", users["lawyer"], Referer="http://testserver/cases/1/"
    )
    with translation.override("en"):
        _answer(request, _refusal())
    assert [str(m) for m in get_messages(request)] == ["The plan is already running."]


def test_a_foreign_referer_is_never_followed(users: Any) -> None:
    request = _request("POST", "/cases/1/plans", users["lawyer"], Referer="https://evil.example/")
    with translation.override("en"):
        response = _answer(request, _refusal())
    assert response.status_code == 409
    body = response.content.decode()
    assert "The plan is already running." in body and "plan_active" in body
    assert "evil.example" not in body


def test_a_page_shows_the_reason_with_its_status(users: Any) -> None:
    request = _request("GET", "/cases/1/", users["lawyer"])
    with translation.override("zh-hans"):
        response = _answer(request, _refusal())
    assert response.status_code == 409
    assert "计划已在执行中。" in response.content.decode()
    assert "The plan is already running." not in response.content.decode()


def test_the_api_keeps_its_error_body(users: Any) -> None:
    request = _request("POST", "/api/v1/cases", users["lawyer"])
    response = _answer(request, _refusal())
    assert response.status_code == 409
    assert json.loads(response.content)["code"] == "plan_active"
