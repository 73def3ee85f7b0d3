"""One member in process: adopting the list, answering signed messages (refusing forged,
replayed, greedy and too frequent ones), asking through a fake peer, withdrawing, and the
staff pages."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from qingqian.audit.models import AuditEvent
from qingqian.common import clock
from qingqian.consortium import selectors, services
from qingqian.consortium.models import Answer, GivenAnswer, Member, WireMessage, Withdrawal
from qingqian.consortium.protocol import message_digest, message_sign, posix
from qingqian.consortium.psi import PsiAsker, psi_answer
from qingqian.ledger.models import LogEntry
from qingqian.ledger.note import generate_signer
from qingqian.litigation.models import Proceeding

pytestmark = pytest.mark.django_db

PEER = generate_signer("peer.test/consortium")
STRANGER = generate_signer("stranger.test/consortium")


def _join(version: int = 1) -> None:
    me = services.own_signer()
    note = services.member_list_publish(
        version=version,
        members=[
            (me.name, "http://127.0.0.1:8000", me.verifier().encode()),
            (PEER.name, "http://127.0.0.1:8001", PEER.verifier().encode()),
        ],
    )
    services.member_list_adopt(note=note, convener_key=me.verifier().encode())


@pytest.fixture
def joined(db: Any) -> None:
    _join()


def _signed(kind: str, body: dict[str, Any], signer: Any = PEER, nonce: str = "") -> bytes:
    import os

    return message_sign(
        signer,
        kind=kind,
        recipient=services.own_signer().name,
        nonce=nonce or os.urandom(16).hex(),
        at=posix(clock.now()),
        body=body,
    ).encode()


def _post(path: str, raw: bytes) -> Any:
    return Client().post(path, data=raw, content_type="text/plain")


def _reply(response: Any) -> dict[str, Any]:
    text = response.content.decode()
    return dict(json.loads(text.split("\n", 1)[0])["body"])


def test_adopting_the_list_logs_it_and_a_stale_or_foreign_list_is_refused(joined: None) -> None:
    assert set(Member.objects.values_list("name", "is_self")) == {
        (services.own_signer().name, True),
        (PEER.name, False),
    }
    assert LogEntry.objects.filter(kind="consortium.members").count() == 1
    assert AuditEvent.objects.filter(action="consortium.members_adopt").count() == 1
    with pytest.raises(services.ConsortiumError) as err:
        _join(version=1)
    assert err.value.code == "list_stale"
    other = generate_signer("other.test/consortium")
    from qingqian.consortium import protocol

    signed = protocol.member_list_sign(
        version=2,
        convener=other,
        members=[protocol.Member(other.name, "http://x.test", other.verifier())],
    )
    with pytest.raises(services.ConsortiumError) as err:
        services.member_list_adopt(note=signed.note, convener_key=other.verifier().encode())
    assert err.value.code in {"not_listed", "list_stale"}


def test_psi_answer_reveals_membership_only_to_the_asker(joined: None, case: Any) -> None:
    code = case.case_parties.get(role="debtor").party.credit_code
    asker = PsiAsker([code])
    raw = _signed("psi.query", {"request": base64.b64encode(asker.request()).decode()})
    response = _post("/consortium/v1/psi", raw)
    assert response.status_code == 200, response.content
    body = _reply(response)
    assert body["in_reply_to"] == message_digest(raw)
    setup, answer = base64.b64decode(body["setup"]), base64.b64decode(body["response"])
    assert asker.matches(setup, answer) == [code]
    assert code.encode() not in response.content
    assert list(WireMessage.objects.order_by("id").values_list("direction", "kind")) == [
        ("in", "psi.query"),
        ("out", "psi.answer"),
    ]
    assert LogEntry.objects.filter(kind__in=["consortium.in", "consortium.out"]).count() == 2
    # the same message again is a replay: refused, nothing written
    again = _post("/consortium/v1/psi", raw)
    assert again.status_code == 409 and json.loads(again.content)["code"] == "replayed"
    assert WireMessage.objects.count() == 2


def test_forged_greedy_and_too_frequent_queries_are_refused(
    joined: None, case: Any, settings: Any
) -> None:
    forged = _signed("psi.query", {"request": ""}, signer=STRANGER)
    response = _post("/consortium/v1/psi", forged)
    assert response.status_code == 401 and json.loads(response.content)["code"] == "unknown_member"
    greedy = PsiAsker(["913200000000000001", "913200000000000002"]).request()
    response = _post(
        "/consortium/v1/psi", _signed("psi.query", {"request": base64.b64encode(greedy).decode()})
    )
    assert response.status_code == 422 and json.loads(response.content)["code"] == "too_many_codes"
    settings.QINGQIAN_CONSORTIUM_PER_HOUR = 2
    one = base64.b64encode(PsiAsker(["913200000000000001"]).request()).decode()
    response = _post("/consortium/v1/psi", _signed("psi.query", {"request": one}))
    assert response.status_code == 200
    response = _post("/consortium/v1/psi", _signed("psi.query", {"request": one}))
    assert response.status_code == 429
    body = json.loads(response.content)
    assert body["code"] == "rate_limited" and body["message_zh"] and body["message_en"]
    assert WireMessage.objects.filter(direction="in", status=429).count() == 1


def test_facts_are_given_only_for_a_held_company_debtor(joined: None, case: Any) -> None:
    party = case.case_parties.get(role="debtor").party
    Proceeding.objects.create(
        case=case, kind="enforcement", court="苏州市姑苏区人民法院", debtor_dishonest=True
    )
    response = _post("/consortium/v1/facts", _signed("facts.query", {"code": party.credit_code}))
    body = _reply(response)
    assert body["held"] is True
    assert body["facts"] == {
        "since": "2025-02",
        "open_cases": 1,
        "judgments": [],
        "dishonest": True,
        "restricted": False,
    }
    given = GivenAnswer.objects.get()
    assert body["answer_id"] == str(given.pk) and given.party == party
    response = _post("/consortium/v1/facts", _signed("facts.query", {"code": "9" * 18}))
    assert _reply(response) == {"held": False, "in_reply_to": _reply(response)["in_reply_to"]}


def test_people_are_never_in_the_shared_list(
    joined: None, case: Any, person_debtor: Any, org: Any, users: Any, creditor: Any
) -> None:
    from qingqian.cases.services import case_open

    person_case = case_open(
        organisation=org, actor=users["lawyer"], creditor=creditor, debtors=[person_debtor],
        debt_type="trade", channel="web", principal="100",
    )  # fmt: skip
    from stdnum.cn import uscc

    from qingqian.parties.services import party_create

    base = "92320594000000777"  # an individual business (个体工商户): one person trading
    shop = party_create(
        organisation=org, actor=None, kind="company", name="姑苏区小王五金店",
        credit_code=base + uscc.calc_check_digit(base),
    )  # fmt: skip
    shop_case = case_open(
        organisation=org, actor=users["lawyer"], creditor=creditor, debtors=[shop],
        debt_type="trade", channel="web", principal="100",
    )  # fmt: skip
    assert selectors.shared_codes() == [case.case_parties.get(role="debtor").party.credit_code]
    with pytest.raises(services.ValidationFailed) as err:
        services.consortium_ask(case=shop_case, actor=users["lawyer"], transport=PeerTransport([]))
    assert err.value.code == "company_only"
    with pytest.raises(services.ValidationFailed) as err:
        services.consortium_ask(
            case=person_case, actor=users["lawyer"], transport=PeerTransport([])
        )
    assert err.value.code == "company_only"


class PeerTransport:
    """The peer, in process: answers PSI against ``held`` and gives fixed facts."""

    def __init__(self, held: list[str]) -> None:
        self.held = held
        self.sent: list[tuple[str, bytes]] = []

    def post(self, url: str, body: bytes) -> tuple[int, bytes]:
        self.sent.append((url, body))
        envelope = json.loads(body.decode().split("\n", 1)[0])
        kind = envelope["kind"]
        if kind == "psi.query":
            setup, response = psi_answer(base64.b64decode(envelope["body"]["request"]), self.held)
            reply = {"setup": base64.b64encode(setup).decode(),
                     "response": base64.b64encode(response).decode()}  # fmt: skip
        elif kind == "facts.query":
            reply = {"held": True, "answer_id": "77",
                     "facts": {"since": "2024-06", "open_cases": 2, "judgments": [],
                               "dishonest": False, "restricted": True}}  # fmt: skip
        else:
            reply = {"withdrawn": 1}
        reply["in_reply_to"] = message_digest(body)
        import os

        signed = message_sign(
            PEER, kind=kind.split(".")[0] + ".answer", recipient=envelope["from"],
            nonce=os.urandom(16).hex(), at=posix(clock.now()), body=reply,
        )  # fmt: skip
        return 200, signed.encode()


def test_asking_records_the_peers_answer_with_its_source(
    joined: None, case: Any, users: Any
) -> None:
    code = case.case_parties.get(role="debtor").party.credit_code
    peer = PeerTransport([code, "913200000000000009"])
    [query] = services.consortium_ask(case=case, actor=users["collector"], transport=peer)
    answer = Answer.objects.get(query=query)
    assert (answer.member.name, answer.status, answer.remote_id) == (PEER.name, "held", "77")
    assert answer.facts["since"] == "2024-06"
    assert [url.rsplit("/", 1)[-1] for url, _ in peer.sent] == ["psi", "facts"]
    assert code.encode() not in peer.sent[0][1]  # the PSI query never names the debtor
    assert WireMessage.objects.filter(member__name=PEER.name).count() == 4
    assert AuditEvent.objects.filter(action="consortium.query").count() == 1
    [fact] = selectors.case_shared_facts(case)
    assert (fact.member.name, fact.facts["restricted"]) == (PEER.name, True)
    # no match: no facts query at all
    peer = PeerTransport(["913200000000000009"])
    [query] = services.consortium_ask(case=case, actor=users["collector"], transport=peer)
    assert Answer.objects.get(query=query).status == "not_held"
    assert len(peer.sent) == 1

    assert selectors.case_shared_facts(case) == []  # the newer "no" wins over the older "yes"


def test_withdrawal_leaves_the_list_and_reaches_the_member(joined: None, case: Any) -> None:
    party = case.case_parties.get(role="debtor").party
    _post("/consortium/v1/facts", _signed("facts.query", {"code": party.credit_code}))
    given = GivenAnswer.objects.get()
    peer = PeerTransport([])
    assert services.answer_withdraw(given=given, actor=None, transport=peer) == 1
    given.refresh_from_db()
    assert given.withdrawn_at is not None and given.delivered_at is not None
    assert Withdrawal.objects.filter(party=party).exists()
    assert selectors.shared_codes() == []
    envelope = json.loads(peer.sent[0][1].decode().split("\n", 1)[0])
    assert envelope["body"] == {"answer_id": str(given.pk)}
    # received: the peer withdraws the answer it gave us
    peer_ask = PeerTransport([party.credit_code])
    services.consortium_ask(case=case, actor=None, transport=peer_ask)
    response = _post("/consortium/v1/withdrawals", _signed("answer.withdrawn", {"answer_id": "77"}))
    assert _reply(response)["withdrawn"] == 1
    assert Answer.objects.get(remote_id="77").withdrawn_at is not None
    assert selectors.case_shared_facts(case) == []


def test_staff_pages_show_sources_in_both_languages(
    joined: None, case: Any, users: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = case.case_parties.get(role="debtor").party.credit_code
    monkeypatch.setattr(services, "HttpTransport", lambda timeout: PeerTransport([code]))
    client = Client()
    client.force_login(users["collector"])
    response = client.post(f"/cases/{case.pk}/consortium/ask/")
    assert response.status_code == 302
    for lang, words in (("zh-hans", "在该成员处违约"), ("en", "In default with this member")):
        client.cookies["django_language"] = lang
        page = client.get(f"/cases/{case.pk}/consortium/", HTTP_ACCEPT_LANGUAGE=lang)
        html = page.content.decode()
        assert page.status_code == 200 and PEER.name in html and words in html
        assert code not in html
        detail = client.get(f"/cases/{case.pk}/").content.decode()
        assert 'id="consortium-panel"' in detail and PEER.name in detail
        assert 'id="consortium-panel-ask"' in detail
    members = client.get("/consortium/")  # the collector may not manage answers given
    assert members.status_code == 200 and "/consortium/given/" not in members.content.decode()
    assert client.get("/consortium/given/").status_code == 403
    lawyer = Client()
    lawyer.force_login(users["lawyer"])
    assert lawyer.get("/consortium/given/").status_code == 200
    members = lawyer.get("/consortium/").content.decode()
    assert PEER.name in members and PEER.verifier().key_id.hex() in members
    assert "/consortium/given/" in members
    creditor = Client()
    creditor.force_login(users["creditor"])
    assert creditor.get(f"/cases/{case.pk}/consortium/").status_code == 403


class DownTransport:
    def post(self, url: str, body: bytes) -> tuple[int, bytes]:
        raise ConnectionRefusedError(url)


def test_an_unreachable_member_is_recorded_and_answered_as_failed(joined: None, case: Any) -> None:
    [query] = services.consortium_ask(case=case, actor=None, transport=DownTransport())
    answer = Answer.objects.get(query=query)
    assert (answer.status, answer.error_code) == ("failed", "unreachable")
    sent = WireMessage.objects.get()
    assert (sent.direction, sent.kind, sent.status) == ("out", "psi.query", 0)
    assert selectors.case_shared_facts(case) == []


def test_members_must_be_reached_over_https_outside_development(settings: Any) -> None:
    settings.DEV_MODE = False
    me = services.own_signer()
    members = [
        (me.name, "https://a.example", me.verifier().encode()),
        (PEER.name, "http://b.example", PEER.verifier().encode()),
    ]
    note = services.member_list_publish(version=1, members=members)
    with pytest.raises(services.ConsortiumError) as err:
        services.member_list_adopt(note=note, convener_key=me.verifier().encode())
    assert err.value.code == "insecure_url" and err.value.details == {"members": [PEER.name]}
    assert not Member.objects.exists()
    members[1] = (PEER.name, "https://b.example", PEER.verifier().encode())
    note = services.member_list_publish(version=1, members=members)
    services.member_list_adopt(note=note, convener_key=me.verifier().encode())
    assert Member.objects.count() == 2
