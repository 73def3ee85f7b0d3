"""Fixtures for the security suite: API clients per role."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def api_as(users: dict[str, Any]) -> Any:
    """``api_as("lawyer")``: a client sending that user's bearer token."""
    from qingqian.accounts.services import api_token_create

    def make(role: str) -> Client:
        token = api_token_create(user=users[role])
        return Client(headers={"Authorization": f"Bearer {token}"})

    return make


@pytest.fixture
def api(api_as: Any) -> Client:
    return api_as("lawyer")
