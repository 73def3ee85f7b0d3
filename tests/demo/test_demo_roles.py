"""Every demo login walks its own menu with no 403 and no 500 (issue 19, dead end 7), and
the compliance officer's demo has an insurance policy running out, a licence and incidents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from qingqian.accounts.models import User
from qingqian.common import clock
from qingqian.compliance.models import Incident, RegulatoryRecord
from qingqian.compliance.selectors import expiry_warnings, insurance_in_force
from qingqian.demo.generator import demo_usernames
from qingqian.web.templatetags.menu_tags import menu_for
from tests.demo.loaded import Loaded, demo_once

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _loaded(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    """One demo for the module's tests, which only read it (tests/demo/loaded.py)."""
    with demo_once(django_db_blocker, tmp_path_factory, cases=60, seed=5) as loaded:
        yield loaded


@pytest.fixture
def demo(_loaded: Loaded, settings: Any) -> Any:
    return _loaded.use(settings)


def test_every_demo_login_walks_its_menu(demo: Any) -> None:
    walked = 0
    for username in demo_usernames():
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        items = menu_for(user)
        assert items, username
        for item in items:
            response = client.get(reverse(item.route))
            assert response.status_code == 200, (username, item.route, response.status_code)
            walked += 1
    assert walked > 50


def test_the_demo_has_the_firms_regulatory_records(demo: Any) -> None:
    officer = User.objects.get(username="compliance")
    org = officer.organisation
    assert org is not None
    today = clock.today()
    insurance = insurance_in_force(org, today)
    assert insurance is not None and insurance.valid_until == today + dt.timedelta(days=45)
    assert RegulatoryRecord.objects.filter(organisation=org).count() == 3
    whats = {w.what_en for w in expiry_warnings(org, today)}
    assert "professional liability insurance expires soon" in whats
    assert "collector certificate expired" in whats  # collector3
    assert Incident.objects.filter(organisation=org, state="open").count() == 1
