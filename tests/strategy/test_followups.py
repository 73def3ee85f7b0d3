"""Follow-up schedules stored per organisation, creditor and debtor, and the daily sweep
that sends each level as it falls due (before and after the due date, an agreed plan's next
installment, never amounts not yet due), through the contact gate, letters kept as PDFs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from qingqian.common import clock
from qingqian.common.exceptions import PermissionDenied, ValidationFailed
from qingqian.contact.channels.base import Delivery, use_adapter
from qingqian.parties.services import party_email_set
from qingqian.strategy.dunning_services import (
    case_terms,
    debtor_statement,
    followups_run,
    schedule_in_force,
    schedule_save,
)
from qingqian.strategy.errors import StrategyError
from qingqian.strategy.models import FollowupSent
from tests.strategy.test_dunning_services import _agree_plan

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


class Box:
    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent: list[Any] = []

    def send(self, attempt: Any, message: Any) -> Delivery:
        self.sent.append(message)
        pdf = b"%PDF-fake " + message.body.encode() if self.channel == "letter" else None
        return Delivery(channel=self.channel, provider_ref=f"fake-{len(self.sent)}", document=pdf)


def _run(today: dt.date) -> tuple[dict[str, int], dict[str, Box]]:
    boxes = {c: Box(c) for c in ("sms", "email", "letter")}
    with (
        use_adapter("sms", boxes["sms"]),
        use_adapter("email", boxes["email"]),
        use_adapter("letter", boxes["letter"]),
    ):
        counts = followups_run(today=today)
    return counts, boxes


def _working(case: Any) -> None:
    from qingqian.cases.models import Case

    Case.objects.filter(pk=case.pk).update(state="negotiation")


def _one(key: str, offset: int, channels: list[str], **extra: Any) -> dict[str, Any]:
    return {"key": key, "levels": [{"key": "a", "offset_days": offset, "channels": channels}]}


def test_schedules_per_organisation_creditor_and_debtor(
    case: Any, debtor: Any, creditor: Any, users: Any, django_assert_num_queries: Any
) -> None:
    org = case.organisation
    assert schedule_in_force(debtor, org, creditor)[1] == "standard"
    lawyer = users["lawyer"]
    schedule_save(actor=lawyer, data=_one("firm", 3, ["sms"]))
    assert schedule_in_force(debtor, org, creditor)[0].key == "firm"
    schedule_save(actor=lawyer, data=_one("client", 5, ["email"]), creditor=creditor)
    assert schedule_in_force(debtor, org, creditor)[:2][1] == "creditor"
    schedule_save(actor=lawyer, data=_one("own", -10, ["letter"]), debtor=debtor)
    with django_assert_num_queries(1):  # the three candidates in one read
        chosen, source = schedule_in_force(debtor, org, creditor)
    assert (chosen.key, source) == ("own", "debtor")
    assert schedule_in_force(creditor, org, None)[0].key == "firm"  # no schedule of its own
    # saving again replaces the debtor's schedule, it does not add a second one
    schedule_save(actor=lawyer, data=_one("own2", -5, ["letter"]), debtor=debtor)
    assert schedule_in_force(debtor, org, creditor)[0].key == "own2"
    with pytest.raises(PermissionDenied):
        schedule_save(actor=users["collector"], data=_one("x", 1, ["sms"]))
    with pytest.raises(StrategyError) as err:
        schedule_save(actor=lawyer, data={"key": "bad", "levels": []})
    assert err.value.code == "bad_levels"
    with pytest.raises(ValidationFailed) as refused:
        schedule_save(actor=lawyer, data=_one("x", 1, ["sms"]), creditor=creditor, debtor=debtor)
    assert refused.value.code == "schedule_target_invalid"


def test_the_sweep_reminds_before_the_next_installment_and_duns_only_what_is_due(
    case: Any, debtor: Any, users: Any
) -> None:
    _working(case)
    _agree_plan(case)  # 10,000.25 due 2026-11-01 (19 days late), 10,000.25 on 2026-11-25
    party_email_set(party=debtor, email="ap@gusu-hotel.example.cn", actor=users["collector"])
    counts, boxes = _run(TODAY)
    assert counts["sent"] >= 3 and counts["refused"] == 0
    # the next installment: a courtesy reminder five days before its date (level pre7, SMS)
    (sms,) = boxes["sms"].sent
    assert "2026-11-25" in sms.body and "10,000.25" in sms.body and "将于" in sms.body
    # the late one: level l2, e-mail and letter, with the statement demanding only it
    (mail,) = boxes["email"].sent
    assert "现应付合计 10,000.25 元" in mail.body and "尚未到期" in mail.body
    assert "20,000.50" not in mail.body  # the plan's later installment is not demanded
    rows = FollowupSent.objects.filter(debtor=debtor)
    assert {(r.item_ref, r.level_key, r.channel) for r in rows} == {
        (r.item_ref, r.level_key, r.channel) for r in rows if r.allowed
    }
    letter = rows.get(channel="letter")
    assert letter.level_key == "l2" and bytes(letter.document).startswith(b"%PDF")
    assert letter.amount == Decimal("10000.25") and letter.attempt is not None
    pre = rows.get(channel="sms")  # the reminder's row carries the installment's amount
    assert pre.level_key == "pre7" and pre.amount == Decimal("10000.25")
    # the same day again: nothing new (each level once)
    again, boxes = _run(TODAY)
    assert again["sent"] == 0 and not boxes["sms"].sent
    # on the installment's day the next level follows, at 09:00 that day
    day = dt.date(2026, 11, 25)
    with clock.pinned(dt.datetime.combine(day, dt.time(9, 30), tzinfo=clock.BUSINESS_TZ)):
        later, boxes = _run(day)
    assert later["sent"] >= 1
    assert FollowupSent.objects.filter(level_key="due", item_ref__endswith="-2").exists()


def test_a_refusal_is_recorded_with_its_reason_and_not_retried(
    case: Any, debtor: Any, users: Any
) -> None:
    from qingqian.contact.services import contact_hold_place

    _working(case)
    contact_hold_place(
        case=case, party=debtor, kind="dispute", actor=users["collector"], reason="已付款"
    )
    counts, boxes = _run(TODAY)
    assert counts["sent"] == 0 and counts["refused"] >= 1
    assert not boxes["letter"].sent
    row = FollowupSent.objects.filter(debtor=debtor, allowed=False).first()
    assert row is not None and row.reasons
    assert case.timeline.filter(kind="followup_refused").exists()
    assert _run(TODAY)[0]["refused"] == 0


def test_the_contract_sets_interest_and_the_law_caps_it(case: Any, debtor: Any, users: Any) -> None:
    from qingqian.cases.models import Case

    Case.objects.filter(pk=case.pk).update(
        interest_rate=Decimal("24"), contract_date=dt.date(2024, 11, 1), debt_type="private_loan"
    )
    schedule_save(
        actor=users["lawyer"],
        data={
            "key": "loan",
            "fees_agreed": True,
            "levels": [
                {"key": "l1", "offset_days": 30, "channels": ["letter"], "fee": "200.00"},
                {"key": "l2", "offset_days": 60, "channels": ["letter"], "interest": True},
            ],
        },
    )
    case.refresh_from_db()
    st = debtor_statement(debtor, users["collector"], today=TODAY)
    assert st.rate == Decimal("0.124")  # 4 × the LPR of 3.1 % in force on 2024-11-01
    assert "rate_capped" in st.notes and st.interest > 0
    terms = case_terms([case], schedule_in_force(debtor, case.organisation, None)[0])
    assert terms.fees_allowed and terms.combined_cap


def test_the_followups_page_shows_levels_in_words_and_saves_per_debtor(
    case: Any, debtor: Any, creditor: Any, users: Any
) -> None:
    import json

    from django.test import Client
    from django.urls import reverse
    from django.utils.html import escape

    _working(case)
    c = Client()
    c.force_login(users["lawyer"])
    url = reverse("strategy:followups")
    page = c.get(url, {"debtor": debtor.pk}).content.decode()
    assert "到期前 7 天" in page and "逾期 60 天" in page and "标准催告" in page
    assert f'value="debtor:{debtor.pk}" selected' in page
    data = {
        "key": "hotel",
        "name_zh": "酒店客户催告",
        "name_en": "Hotel follow-up",
        "levels": [
            {"key": "soon", "offset_days": -3, "channels": ["sms"], "template": "reminder"},
            {"key": "late", "offset_days": 10, "channels": ["letter"], "fee": "50.00"},
        ],
    }
    c.post(
        reverse("strategy:followup_save"),
        {"target": f"debtor:{debtor.pk}", "data": json.dumps(data)},
    )
    page = c.get(url).content.decode()
    assert "酒店客户催告" in page and "到期前 3 天" in page and "¥50.00" in page
    assert "催告计划已保存" in page
    # "修改" opens the debtor's own schedule in the editor, its target chosen
    page = c.get(url, {"edit": f"debtor:{debtor.pk}"}).content.decode()
    assert f'value="debtor:{debtor.pk}" selected' in page and "酒店客户催告" in page
    assert escape('"offset_days": -3') in page
    # a bad schedule is refused in words, and the text is kept for correcting
    bad = {**data, "levels": list(reversed(data["levels"]))}
    c.post(
        reverse("strategy:followup_save"),
        {"target": "organisation", "data": json.dumps(bad)},
    )
    page = c.get(url).content.decode()
    assert "各级别的天数须严格递增" in page and "酒店客户催告" in page
    # the case page names the schedule in force for the debtor
    case_page = c.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "催告计划：酒店客户催告（本债务人专用）" in case_page
    # in English: words, not codes
    c.cookies["django_language"] = "en"
    page = c.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 days before the due date" in page and "Hotel follow-up" in page
    # a collector may not edit
    c.force_login(users["collector"])
    assert c.post(reverse("strategy:followup_save"), {"target": "organisation"}).status_code == 403


def test_a_sent_letter_is_kept_as_its_pdf(case: Any, debtor: Any, users: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    _working(case)
    _run(TODAY)
    row = FollowupSent.objects.get(channel="letter", allowed=True, document__isnull=False)
    c = Client()
    c.force_login(users["lawyer"])
    page = c.get(reverse("strategy:followups")).content.decode()
    assert reverse("strategy:followup_letter", args=[row.pk]) in page
    response = c.get(reverse("strategy:followup_letter", args=[row.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_one_statement_per_creditor_under_each_creditors_schedule(
    case: Any, debtor: Any, creditor: Any, creditor_b: Any, users: Any
) -> None:
    """A debtor owing two clients gets each client's statement under that client's schedule;
    the same invoice number in both cases is two items, each sent once."""
    from qingqian.cases.services import InvoiceInput, case_open

    other = case_open(
        organisation=case.organisation,
        actor=users["lawyer"],
        creditor=creditor_b,
        debtors=[debtor],
        debt_type="trade",
        channel="web",
        handler=users["collector"],
        invoices=[InvoiceInput("INV-001", Decimal("3000.00"), TODAY, TODAY + dt.timedelta(3))],
    )
    _working(case)
    _working(other)
    schedule_save(actor=users["lawyer"], data=_one("b-early", -3, ["letter"]), creditor=creditor_b)
    counts, boxes = _run(TODAY)
    assert counts["debtors"] == 2
    bodies = [m.body for m in boxes["letter"].sent]
    assert any(creditor_b.name in b and "3,000.00" in b for b in bodies)  # B's pre-due letter
    assert any(creditor.name in b and "20,000.50" in b for b in bodies)  # A's own statement
    assert not any(creditor.name in b and creditor_b.name in b for b in bodies)
    refs = set(FollowupSent.objects.values_list("item_ref", flat=True))
    assert f"{case.reference}/INV-001" in refs and f"{other.reference}/INV-001" in refs
    # the case page shows each case's own creditor's statement
    st = debtor_statement(debtor, users["lawyer"], today=TODAY, creditor=creditor_b)
    assert [ln.ref for ln in st.lines] == ["INV-001"] and st.not_due == Decimal("3000.00")
    assert _run(TODAY)[0]["sent"] == 0


def test_the_daily_command_runs_the_days_follow_ups(case: Any, debtor: Any) -> None:
    import io
    import json

    from django.core.management import call_command

    _working(case)
    out = io.StringIO()
    call_command("daily", "--today", clock.today().isoformat(), "--json", stdout=out)
    assert json.loads(out.getvalue())["followups"] == "queued"
    assert FollowupSent.objects.filter(debtor=debtor, allowed=True).exists()  # run at once
    out = io.StringIO()
    call_command("daily", "--today", "2026-11-01", "--json", stdout=out)
    assert "followups" not in json.loads(out.getvalue())  # never for a day gone by
