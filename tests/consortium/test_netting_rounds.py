"""Consortium netting rounds in process: the commitments (a tampered line, set-off, digest
or proof fails), the convener refusing submissions from non-participants, replays and
digest mismatches with nothing written, a participant refusing a result whose proof fails,
the run, the acceptance applying the set-offs, and the pages in both languages."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from qingqian.cases.models import Invoice
from qingqian.common import clock
from qingqian.consortium import clearing, rounds, services
from qingqian.consortium.models import (
    Member,
    Seat,
    SharedLine,
    SharedRound,
    SharedRoundState,
    WireMessage,
)
from qingqian.consortium.protocol import message_sign, posix
from qingqian.ledger.models import LogEntry
from qingqian.ledger.note import generate_signer
from tests.support import make_uscc

PEER = generate_signer("peer.test/consortium")
PEER2 = generate_signer("peer2.test/consortium")
OTHER = generate_signer("other.test/consortium")


def _line(member: str, debtor: int, creditor: int, fen: int, due: str | None = None) -> Any:
    return clearing.Line(
        member, os.urandom(16).hex(), make_uscc(debtor), make_uscc(creditor), fen, due,
        os.urandom(16).hex(),
    )  # fmt: skip


# --------------------------------------------------------------------------- the kernel


def _commitment() -> tuple[Any, list[Any], list[Any]]:
    b = [_line("b", 2, 1, 3_123_456, "2026-01-10"), _line("b", 3, 1, 500)]
    c = [_line("c", 1, 2, 6_111_111), _line("c", 4, 2, 7_654_321)]
    setoff = {b[0].leaf(): 3_000_000, c[0].leaf(): 3_000_000}
    return clearing.commit("f" * 32, b + c, setoff), b, c


def test_each_member_verifies_its_own_lines_and_sees_no_other() -> None:
    done, b, c = _commitment()
    body = done.for_member("b")
    assert {x["id"] for x in body["lines"]} == {x.id for x in b}
    text = json.dumps(body)
    for x in c:  # nothing of C's line: id, salt, amount, codes
        assert x.id not in text and x.salt not in text and str(x.amount) not in text
    assert make_uscc(4) not in text
    placed = clearing.verify_own("f" * 32, body, b)
    assert [(p.setoff, p.remaining) for p in placed] == [(3_000_000, 123_456), (0, 500)]
    assert clearing.verify_own("f" * 32, done.for_member("c"), c)[0].setoff == 3_000_000


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ("amount", "proof_invalid"),  # the member's own stored line differs from the input
        ("setoff", "proof_invalid"),  # a set-off not under the signed result root
        ("remaining", "proof_invalid"),
        ("proof", "proof_invalid"),
        ("root", "digest_mismatch"),  # roots changed without the digest
        ("missing", "proof_invalid"),
        ("foreign", "proof_invalid"),
        ("index", "proof_invalid"),
    ],
)
def test_a_tampered_result_fails(tamper: str, code: str) -> None:
    done, b, _c = _commitment()
    body = json.loads(json.dumps(done.for_member("b")))
    own = list(b)
    first = body["lines"][0]
    mine = next(x for x in own if x.id == first["id"])
    if tamper == "amount":
        own[own.index(mine)] = clearing.Line(
            mine.member, mine.id, mine.debtor, mine.creditor, mine.amount + 1, mine.due, mine.salt
        )
    elif tamper == "setoff":
        first["setoff"] += 1
        first["remaining"] -= 1
    elif tamper == "remaining":
        first["remaining"] += 1
    elif tamper == "proof":
        first["result_proof"][0] = "0" * 64
    elif tamper == "root":
        body["result_root"] = "0" * 64
    elif tamper == "missing":
        body["lines"].pop()
    elif tamper == "foreign":
        body["lines"].append(done.for_member("c")["lines"][0])
    elif tamper == "index":
        first["index"] = (first["index"] + 1) % body["size"]
    with pytest.raises(clearing.ClearingError) as err:
        clearing.verify_own("f" * 32, body, own)
    assert err.value.code == code
    assert err.value.message_zh and err.value.message_en


def test_a_submitted_line_is_checked() -> None:
    good = _line("b", 2, 1, 100).wire()
    assert clearing.Line.from_wire("b", good).amount == 100
    for bad in (
        {**good, "amount": 1.5},
        {**good, "amount": 0},
        {**good, "amount": True},
        {**good, "debtor": good["creditor"]},
        {**good, "due": "2026-02-30"},
        {**good, "salt": "x"},
        {**good, "extra": 1},
    ):
        with pytest.raises(clearing.ClearingError) as err:
            clearing.Line.from_wire("b", bad)
        assert err.value.code == "line_invalid"


# --------------------------------------------------------------------------- the convener


@pytest.fixture
def joined(db: Any) -> None:
    me = services.own_signer()
    note = services.member_list_publish(
        version=1,
        members=[
            (me.name, "http://127.0.0.1:8000", me.verifier().encode()),
            (PEER.name, "http://127.0.0.1:8001", PEER.verifier().encode()),
            (PEER2.name, "http://127.0.0.1:8002", PEER2.verifier().encode()),
            (OTHER.name, "http://127.0.0.1:8003", OTHER.verifier().encode()),
        ],
    )
    services.member_list_adopt(note=note, convener_key=me.verifier().encode())


class Down:
    """A member that cannot be reached (what the convener sends is recorded with status 0)."""

    def post(self, url: str, body: bytes) -> tuple[int, bytes]:
        raise OSError("down")


@pytest.fixture
def convened(joined: None) -> SharedRound:
    return rounds.round_open(
        title="跨机构清欠", members=[PEER.name, PEER2.name], actor=None, transport=Down()
    )


def _signed(kind: str, body: dict[str, Any], signer: Any = PEER) -> bytes:
    return message_sign(
        signer, kind=kind, recipient=services.own_signer().name, nonce=os.urandom(16).hex(),
        at=posix(clock.now()), body=body,
    ).encode()  # fmt: skip


def _post(kind: str, raw: bytes) -> Any:
    return Client().post(f"/consortium/v1/netting/{kind}", data=raw, content_type="text/plain")


def _submission(round_: SharedRound, member: str, lines: list[Any]) -> dict[str, Any]:
    return {
        "round_id": round_.round_id,
        "lines": [x.wire() for x in lines],
        "lines_digest": clearing.lines_digest(lines),
    }


def test_submissions_are_refused_from_outsiders_on_mismatch_and_on_replay(
    convened: SharedRound,
) -> None:
    lines = [_line(PEER.name, 2, 1, 100_00), _line(PEER.name, 3, 1, 50_00)]
    body = _submission(convened, PEER.name, lines)
    outsider = _post("submit", _signed("netting.submit", body, signer=OTHER))
    assert outsider.status_code == 403
    refused = json.loads(outsider.content)
    assert refused["code"] == "not_participant" and refused["message_zh"] and refused["message_en"]
    mismatch = _post("submit", _signed("netting.submit", {**body, "lines_digest": "0" * 64}))
    assert mismatch.status_code == 422 and json.loads(mismatch.content)["code"] == "digest_mismatch"
    bad = {**body, "lines": [{**lines[0].wire(), "amount": "100.00"}]}
    assert json.loads(_post("submit", _signed("netting.submit", bad)).content)["code"] == (
        "line_invalid"
    )
    unknown = _post("submit", _signed("netting.submit", {**body, "round_id": "e" * 32}))
    assert unknown.status_code == 404
    assert not SharedLine.objects.exists()  # nothing half-written
    assert WireMessage.objects.filter(direction="in", status__gte=400).count() == 4
    raw = _signed("netting.submit", body)
    ok = _post("submit", raw)
    assert ok.status_code == 200, ok.content
    assert SharedLine.objects.filter(member__name=PEER.name).count() == 2
    again = _post("submit", raw)
    assert again.status_code == 409 and json.loads(again.content)["code"] == "replayed"
    twice = _post("submit", _signed("netting.submit", body))
    assert twice.status_code == 409 and json.loads(twice.content)["code"] == "already_submitted"
    assert SharedLine.objects.count() == 2


def test_the_convener_runs_over_every_submission_and_logs_the_digests(
    convened: SharedRound, users: Any
) -> None:
    b = [_line(PEER.name, 2, 1, 80_000_00, "2026-01-01"), _line(PEER.name, 3, 1, 10_00)]
    c = [_line(PEER2.name, 1, 2, 60_000_00)]
    assert (
        _post("submit", _signed("netting.submit", _submission(convened, "b", b))).status_code == 200
    )
    from qingqian.common.exceptions import Conflict

    with pytest.raises(Conflict) as err:
        rounds.round_run(round_=convened, actor=None, transport=Down())
    assert err.value.code == "too_few_submissions"
    raw = _signed("netting.submit", _submission(convened, "c", c), signer=PEER2)
    assert _post("submit", raw).status_code == 200
    done = rounds.round_run(round_=convened, actor=None, transport=Down())
    assert done.state == SharedRoundState.SOLVED and done.cleared == Decimal("120000.00")
    assert done.size == 3 and done.result_digest == clearing.result_digest(
        done.round_id, done.input_root, done.result_root, 3
    )
    entry = LogEntry.objects.get(kind="consortium.netting_result")
    assert entry is not None
    # undelivered results stay marked so (the member was down)
    assert not Seat.objects.filter(result_sent_at__isnull=False).exists()
    late = _post("submit", _signed("netting.submit", _submission(convened, "b", b)))
    assert late.status_code == 409 and json.loads(late.content)["code"] == "round_closed"
    client = Client()
    client.force_login(users["lawyer"])
    for lang, words in (("zh-hans", "抵销总额"), ("en", "Participating members")):
        client.cookies["django_language"] = lang
        page = client.get(f"/consortium/netting/{convened.pk}/", HTTP_ACCEPT_LANGUAGE=lang)
        html = page.content.decode()
        assert page.status_code == 200 and words in html and PEER2.name in html
        assert "120,000.00" in html and done.result_digest in html
        listing = client.get("/consortium/netting/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        assert convened.title in listing


# --------------------------------------------------------------------------- a participant


@pytest.fixture
def submitted(joined: None, case: Any) -> tuple[SharedRound, list[Any]]:
    """This member took part in PEER's round and submitted its case's invoice."""
    convener = Member.objects.get(name=PEER.name)
    me = Member.objects.get(is_self=True)
    round_ = SharedRound.objects.create(
        round_id="a" * 32, convener=convener, title="对方召集", participants=[me.name],
        created_at=clock.now(),
    )  # fmt: skip
    creditor = case.invoices.first().creditor
    rounds.round_consent(round_=round_, creditor=creditor, actor=None)
    invoice = case.invoices.first()
    debtor = case.case_parties.get(role="debtor").party
    line = clearing.Line(
        me.name, "b" * 32, debtor.credit_code or make_uscc(9), creditor.credit_code,
        int(invoice.outstanding * 100), None, "c" * 32,
    )  # fmt: skip
    SharedLine.objects.create(
        round=round_, member=me, line_id=line.id, debtor_code=line.debtor,
        creditor_code=line.creditor, amount=invoice.outstanding, salt=line.salt,
        leaf=line.leaf().hex(), invoice=invoice,
    )  # fmt: skip
    SharedRound.objects.filter(pk=round_.pk).update(state=SharedRoundState.SUBMITTED)
    round_.refresh_from_db()
    other = _line(PEER2.name, 201, 202, 999_99)
    return round_, [line, other]


def test_a_result_whose_proof_fails_is_refused_and_nothing_written(
    submitted: tuple[SharedRound, list[Any]], users: Any
) -> None:
    round_, (mine, other) = submitted
    setoff = mine.amount // 2
    done = clearing.commit(round_.round_id, [mine, other], {mine.leaf(): setoff})
    body = json.loads(json.dumps(done.for_member(mine.member)))
    body["lines"][0]["setoff"] += 1
    body["lines"][0]["remaining"] -= 1
    response = _post("result", _signed("netting.result", body))
    assert response.status_code == 422 and json.loads(response.content)["code"] == "proof_invalid"
    round_.refresh_from_db()
    assert round_.state == SharedRoundState.SUBMITTED and not round_.result_digest
    assert not LogEntry.objects.filter(kind="consortium.netting_result").exists()
    assert SharedLine.objects.get().setoff is None
    # from anyone but the convener it is no round at all
    forged = _post("result", _signed("netting.result", done.for_member(mine.member), PEER2))
    assert forged.status_code == 404
    good = _post("result", _signed("netting.result", done.for_member(mine.member)))
    assert good.status_code == 200, good.content
    round_.refresh_from_db()
    assert round_.state == SharedRoundState.SOLVED and round_.result_digest == done.result_digest
    assert LogEntry.objects.filter(kind="consortium.netting_result").count() == 1

    # the firm's creditor user sees only its own lines, in both languages, then accepts
    client = Client()
    client.force_login(users["creditor"])
    for lang, words in (
        ("zh-hans", "接受结果并执行抵销"),
        ("en", "Accept the result and apply the set-off"),
    ):
        client.cookies["django_language"] = lang
        page = client.get(f"/consortium/netting/{round_.pk}/", HTTP_ACCEPT_LANGUAGE=lang)
        html = page.content.decode()
        assert page.status_code == 200 and words in html, html[-3000:]
        assert make_uscc(201) not in html and make_uscc(202) not in html  # another's line
    invoice = Invoice.objects.get(pk=SharedLine.objects.get().invoice_id)
    before = invoice.outstanding
    response = client.post(f"/consortium/netting/{round_.pk}/decide/", {"decision": "accept"})
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.state == SharedRoundState.ACCEPTED and not round_.decision_delivered
    invoice.refresh_from_db()
    assert invoice.outstanding == before  # nothing applied until every participant accepted
    final = {"round_id": round_.round_id, "result_digest": done.result_digest, "outcome": "applied"}
    wrong = _post("final", _signed("netting.final", {**final, "result_digest": "0" * 64}))
    assert wrong.status_code == 422 and json.loads(wrong.content)["code"] == "digest_mismatch"
    stranger = _post("final", _signed("netting.final", final, PEER2))
    assert stranger.status_code == 404
    invoice.refresh_from_db()
    assert invoice.outstanding == before
    applied = _post("final", _signed("netting.final", final))
    assert applied.status_code == 200, applied.content
    invoice.refresh_from_db()
    assert invoice.outstanding == before - Decimal(setoff) / 100
    round_.refresh_from_db()
    assert round_.state == SharedRoundState.APPLIED
    again = _post("final", _signed("netting.final", final))
    assert again.status_code == 409  # applied once only
    other_user = Client()
    other_user.force_login(users["creditor_other"])
    assert other_user.get(f"/consortium/netting/{round_.pk}/").status_code == 404


def test_consent_comes_before_submission_and_only_for_ones_own_firm(
    joined: None, case: Any, users: Any
) -> None:
    round_ = SharedRound.objects.create(
        round_id="d" * 32, convener=Member.objects.get(name=PEER.name), title="t",
        participants=[], created_at=clock.now(),
    )  # fmt: skip
    from qingqian.common.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as err:
        rounds.round_submit(round_=round_, actor=None, transport=Down())
    assert err.value.code == "consent_first"
    creditor = case.invoices.first().creditor
    with pytest.raises(ApplicationError) as err:
        rounds.round_consent(round_=round_, creditor=creditor, actor=users["creditor_other"])
    assert err.value.code == "consortium_netting_forbidden"
    client = Client()
    client.force_login(users["lawyer"])
    for lang in ("zh-hans", "en"):
        client.cookies["django_language"] = lang
        assert client.get("/consortium/netting/", HTTP_ACCEPT_LANGUAGE=lang).status_code == 200
    page = client.get(f"/consortium/netting/{round_.pk}/").content.decode()
    assert 'id="consent-form"' in page
    response = client.post(f"/consortium/netting/{round_.pk}/submit/", {"firm": creditor.pk})
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.consented_at is None  # no consent ticked: nothing recorded
    collector = Client()
    collector.force_login(users["collector"])
    assert collector.get("/consortium/netting/").status_code == 404
    assert collector.post("/consortium/netting/open/", {"title": "x"}).status_code == 403


def test_one_rejection_cancels_the_round_for_everyone(convened: SharedRound) -> None:
    b = [_line(PEER.name, 2, 1, 80_000_00)]
    c = [_line(PEER2.name, 1, 2, 60_000_00)]
    assert (
        _post("submit", _signed("netting.submit", _submission(convened, "b", b))).status_code == 200
    )
    raw = _signed("netting.submit", _submission(convened, "c", c), signer=PEER2)
    assert _post("submit", raw).status_code == 200
    done = rounds.round_run(round_=convened, actor=None, transport=Down())
    decision = {"round_id": done.round_id, "result_digest": done.result_digest}
    early = _post("decision", _signed("netting.decision", {**decision, "decision": "accepted"}))
    assert early.status_code == 409  # the result never reached it
    Seat.objects.update(result_sent_at=clock.now())
    ok = _post("decision", _signed("netting.decision", {**decision, "decision": "accepted"}))
    assert ok.status_code == 200, ok.content
    done.refresh_from_db()
    assert done.state == SharedRoundState.SOLVED  # PEER2 has not answered
    no = _signed("netting.decision", {**decision, "decision": "rejected"}, signer=PEER2)
    assert _post("decision", no).status_code == 200
    done.refresh_from_db()
    assert done.state == SharedRoundState.CANCELLED
    assert LogEntry.objects.filter(kind="consortium.netting_final").count() == 1
    assert rounds.final_deliver(round_=done, transport=Down()) == 0
    assert not Seat.objects.filter(final_sent_at__isnull=False).exists()
    twice = _post("decision", _signed("netting.decision", {**decision, "decision": "accepted"}))
    assert twice.status_code == 409


def test_the_convener_opens_a_round_from_the_page(
    joined: None, users: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rounds, "HttpTransport", lambda timeout: Down())
    client = Client()
    client.force_login(users["lawyer"])
    page = client.get("/consortium/netting/").content.decode()
    assert 'id="open-round"' in page and PEER.name in page
    one = client.post("/consortium/netting/open/", {"title": "链条", "member": [PEER.name]})
    assert one.status_code == 302 and not SharedRound.objects.exists()  # two members needed
    response = client.post(
        "/consortium/netting/open/", {"title": "链条", "member": [PEER.name, PEER2.name]}
    )
    round_ = SharedRound.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{round_.pk}/")
    assert round_.is_convener and round_.participants == sorted([PEER.name, PEER2.name])
    assert LogEntry.objects.filter(kind="consortium.netting_open").count() == 1
    # the invitations could not be delivered: recorded with status 0, shown on the page
    assert WireMessage.objects.filter(kind="netting.invite", status=0).count() == 2
    detail = client.get(f"/consortium/netting/{round_.pk}/").content.decode()
    assert detail.count("未送达") >= 2
    # money with its sign; the members listed with the page's language's separator
    assert '<td class="num">¥0.00</td>' in detail and f"{PEER.name}、{PEER2.name}" in detail
    client.cookies["django_language"] = "en"
    detail = client.get(f"/consortium/netting/{round_.pk}/").content.decode()
    assert f"{PEER.name}, {PEER2.name}" in detail and "、" not in detail
    creditor = Client()
    creditor.force_login(users["creditor"])
    assert creditor.get(f"/consortium/netting/{round_.pk}/").status_code == 404
    assert creditor.post(f"/consortium/netting/{round_.pk}/run/").status_code == 403
