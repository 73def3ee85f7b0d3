"""A service called without a user is refused unless the platform's job is declared
(``common.system``); a declared job is written on the audit trail."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest

from qingqian.accounts.roles import Perm
from qingqian.audit.models import AuditEvent
from qingqian.cases.services import require
from qingqian.common.exceptions import PermissionDenied
from qingqian.common.system import acting_as_system, as_system, system_job
from qingqian.payments.services import payment_record

# These tests check the refusal, so they do not act as the suite's declared job.
pytestmark = [pytest.mark.django_db, pytest.mark.no_system_job]


def test_no_user_and_no_declared_job_is_refused() -> None:
    with pytest.raises(PermissionDenied) as caught:
        require(None, Perm.CASE_TRANSITION)
    assert caught.value.code == "no_actor"
    assert caught.value.status == 403
    assert "declared system job" in caught.value.message_for("en")


def test_a_declared_job_may_act_and_ends_with_its_block() -> None:
    with acting_as_system("daily"):
        require(None, Perm.CASE_TRANSITION)
        assert system_job() == "daily"
    assert system_job() == ""
    with pytest.raises(PermissionDenied):
        require(None, Perm.CASE_TRANSITION)


def test_a_declared_job_does_not_lend_permissions_to_a_user(users: dict[str, Any]) -> None:
    with acting_as_system("daily"), pytest.raises(PermissionDenied):
        require(users["creditor"], Perm.CASE_TRANSITION)


def test_the_declaration_does_not_cross_into_another_thread() -> None:
    seen: list[str] = []
    with acting_as_system("daily"):
        worker = threading.Thread(target=lambda: seen.append(system_job()))
        worker.start()
        worker.join()
    assert seen == [""]


def test_job_names_are_words() -> None:
    with pytest.raises(ValueError, match="lower-case words"), acting_as_system("Daily Job!"):
        pass


def test_decorated_function_runs_as_its_job() -> None:
    @as_system("task.example")
    def job() -> str:
        return system_job()

    assert job() == "task.example"
    assert system_job() == ""


def test_a_payment_without_user_is_refused_then_recorded_as_the_job(case: Any) -> None:
    with pytest.raises(PermissionDenied):
        payment_record(
            case=case, amount=Decimal("10.00"), kind="provider", idempotency_key="k1", actor=None
        )
    assert not case.payments.exists()
    with acting_as_system("payments.provider"):
        payment, created = payment_record(
            case=case, amount=Decimal("10.00"), kind="provider", idempotency_key="k1", actor=None
        )
    assert created and payment.amount == Decimal("10.00")
    row = AuditEvent.objects.filter(object_type="payments.payment", object_id=str(payment.pk))
    assert row.get().actor_label == "system:payments.provider"


def test_a_request_never_runs_as_a_job_declared_around_it(client: Any, users: Any) -> None:
    from django.http import HttpRequest, HttpResponse

    from qingqian.common.middleware import SystemJobBoundaryMiddleware

    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(system_job())
        return HttpResponse("ok")

    with acting_as_system("daily"):
        SystemJobBoundaryMiddleware(view)(HttpRequest())
        assert system_job() == "daily"
    assert seen == [""]


def test_the_suite_acts_as_a_declared_job_unless_a_test_opts_out() -> None:
    assert system_job() == ""  # this module opts out
