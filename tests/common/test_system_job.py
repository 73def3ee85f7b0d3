"""The suite's own declared job (tests/conftest.py); requests clear it
(tests/security/test_system_actor.py)."""

from __future__ import annotations

from qingqian.common.system import system_job


def test_a_test_acts_as_the_declared_job_tests() -> None:
    assert system_job() == "tests"
