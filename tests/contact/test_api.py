"""The contact API contract: authorize, outcome, holds and the signed call webhook."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.test import Client

from qingqian.accounts.services import api_token_create
from qingqian.contact.channels.voice import signature, webhook_secret
from qingqian.contact.models import ContactAttempt, ContactCallEvent

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
TEN_AM = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def client_for(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user)}"})


@pytest.fixture
def api(users: dict[str, Any]) -> Client:
    return client_for(users["collector"])


def authorize(api: Client, case: Any, party: Any, channel: str = "robot", **extra: Any) -> Any:
    body = {"case_id": case.pk, "party_id": party.pk, "channel": channel, **extra}
    return api.post("/api/v1/contact/authorize", body, content_type="application/json")


@time_machine.travel(TEN_AM, tick=False)
def test_authorize_and_outcome_enforce_the_cap(api: Client, case: Any, debtor: Any) -> None:
    for _ in range(3):
        resp = authorize(api, case, debtor, at="2020-01-01T03:00:00+08:00")
        body = resp.json()
        assert resp.status_code == 200, body
        assert body["allowed"] is True
        assert body["policy_version"] == "cn-default@1"
        assert body["reasons"] == []
        # The server decided at its own time, not the client's.
        assert dt.datetime.fromisoformat(body["at"]) == TEN_AM
        out = api.post(
            f"/api/v1/contact/attempts/{body['attempt_id']}/outcome",
            {"outcome": "connected"},
            content_type="application/json",
        )
        assert out.status_code == 200, out.json()
        assert out.json()["outcome"] == "connected"
    denied = authorize(api, case, debtor).json()
    assert denied["allowed"] is False
    assert denied["reasons"][0]["code"] == "voice_conversations_per_day"
    assert set(denied["reasons"][0]) == {"code", "message"}
    again = api.post(
        f"/api/v1/contact/attempts/{denied['attempt_id']}/outcome",
        {"outcome": "connected"},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "contact_attempt_denied"
    # Robots act under the system actor.
    robot_rows = ContactAttempt.objects.filter(channel="robot")
    assert {a.actor_label for a in robot_rows} == {"contact-robot@test"}


@time_machine.travel(TEN_AM, tick=False)
def test_errors_use_the_project_shape(api: Client, case: Any, debtor: Any, users: Any) -> None:
    bad = authorize(api, case, debtor, channel="pigeon")
    assert bad.status_code == 422
    assert set(bad.json()) == {"code", "message", "details"}
    assert bad.json()["code"] == "unknown_channel"
    missing = authorize(api, case, debtor, channel="sms", party_role="guarantor")
    assert missing.status_code == 422
    assert missing.json()["code"] == "party_role_mismatch"
    creditor = authorize(client_for(users["creditor"]), case, debtor)
    assert creditor.status_code == 403
    assert (
        client_for(users["collector"])
        .post(
            "/api/v1/contact/authorize",
            {"case_id": 999999, "party_id": debtor.pk, "channel": "sms"},
            content_type="application/json",
        )
        .status_code
        == 404
    )
    assert Client().post("/api/v1/contact/authorize", {}).status_code == 401


@time_machine.travel(TEN_AM, tick=False)
def test_holds_endpoint_stops_contact(api: Client, case: Any, debtor: Any, users: Any) -> None:
    resp = api.post(
        "/api/v1/contact/holds",
        {"case_id": case.pk, "party_id": debtor.pk, "kind": "dispute", "reason": "说早已付清"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.json()
    hold_id = resp.json()["hold_id"]
    denied = authorize(api, case, debtor, channel="sms").json()
    assert denied["allowed"] is False
    assert denied["reasons"][0]["code"] == "hold_dispute"
    bad = api.post(
        "/api/v1/contact/holds",
        {"case_id": case.pk, "kind": "forever"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    lift = client_for(users["compliance"]).post(
        f"/api/v1/contact/holds/{hold_id}/lift",
        {"reason": "核对后确认未付"},
        content_type="application/json",
    )
    assert lift.status_code == 200
    assert lift.json()["lifted_at"] is not None
    assert authorize(api, case, debtor, channel="sms").json()["allowed"] is True


def post_event(attempt_id: int, event: dict[str, Any], *, ts: int, sig: str | None = None) -> Any:
    body = json.dumps(event).encode()
    header = sig or signature(webhook_secret(), str(ts), attempt_id, body)
    return Client().post(
        f"/api/v1/contact/calls/{attempt_id}/events",
        body,
        content_type="application/json",
        headers={"X-Qingqian-Timestamp": str(ts), "X-Qingqian-Signature": header},
    )


@time_machine.travel(TEN_AM, tick=False)
def test_signed_call_webhook(api: Client, case: Any, debtor: Any) -> None:
    attempt_id = authorize(api, case, debtor).json()["attempt_id"]
    now = int(TEN_AM.timestamp())
    line = {"event_id": "e1", "kind": "transcript", "speaker": "debtor", "text": "我下周五还"}
    assert post_event(attempt_id, line, ts=now).status_code == 200
    replay = post_event(attempt_id, line, ts=now)
    assert replay.status_code == 409
    assert replay.json()["code"] == "webhook_replay"
    forged = post_event(attempt_id, {"event_id": "e2", "kind": "completed"}, ts=now, sig="sha256=0")
    assert forged.status_code == 401
    assert forged.json()["code"] == "webhook_bad_signature"
    stale = post_event(attempt_id, {"event_id": "e3", "kind": "answered"}, ts=now - 3600)
    assert stale.status_code == 401
    assert stale.json()["code"] == "webhook_stale"
    done = post_event(
        attempt_id, {"event_id": "e4", "kind": "completed", "outcome": "no_answer"}, ts=now
    )
    assert done.status_code == 200, done.json()
    assert done.json()["outcome"] == "no_answer"
    assert ContactCallEvent.objects.filter(attempt_id=attempt_id).count() == 2
    assert ContactAttempt.objects.get(pk=attempt_id).outcome == "no_answer"
