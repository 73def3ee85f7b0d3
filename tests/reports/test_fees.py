from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from qingqian.fees.admin import FeeScheduleRowForm
from qingqian.fees.errors import FeeError
from qingqian.fees.models import FeeScheduleRow
from qingqian.fees.presets import pricing_fields
from qingqian.fees.rules import LAW_FIRM_SCHEDULE, PRESETS, SEED_SCHEDULE
from qingqian.fees.selectors import default_schedule, prices_page, row_pricing
from qingqian.fees.services import fee_schedule_save, fee_schedules_seed

pytestmark = pytest.mark.django_db

OVER_CAP = {
    "default": {
        "mode": "marginal",
        "bands": [{"up_to": "1000000", "rate": "0.25"}, {"up_to": None, "rate": "0.10"}],
        "minimum": None,
        "cap": None,
    },
    "by_debt_type": {},
}


def _law_firm_row(bands: dict[str, Any], key: str = "greedy-firm") -> FeeScheduleRow:
    fields = pricing_fields(LAW_FIRM_SCHEDULE) | {"key": key, "bands": bands}
    fields["valid_from"] = dt.date(2027, 3, 1)
    return FeeScheduleRow(**fields)


def test_presets_are_seeded_and_round_trip() -> None:
    rows = list(FeeScheduleRow.objects.order_by("key"))
    assert {r.key for r in rows} == {p.key for p in PRESETS}
    by_key = {p.key: p for p in PRESETS}
    assert all(row_pricing(r) == by_key[r.key] for r in rows)
    assert fee_schedules_seed() == 0


def test_default_schedule_for_the_organisation_type() -> None:
    early = default_schedule("mediation_centre", dt.date(2025, 12, 31))
    assert (early.pricing, early.in_force) == (SEED_SCHEDULE, False)  # announced, not yet
    today = default_schedule("mediation_centre", dt.date(2026, 11, 28))
    assert (today.pricing, today.in_force) == (SEED_SCHEDULE, True)
    later = default_schedule("law_firm", dt.date(2027, 6, 1))
    assert (later.pricing, later.in_force) == (LAW_FIRM_SCHEDULE, True)
    assert default_schedule("in_house", dt.date(2027, 6, 1)).pricing is None


def test_prices_page_data() -> None:
    before = prices_page(dt.date(2025, 12, 31))
    assert before["schedules"] == []
    assert [s["key"] for s in before["upcoming"]] == [
        "law-firm-contingency-2026",
        "seed-centre-2026",
    ]
    after = prices_page(dt.date(2026, 1, 1))
    assert {s["effective_from"] for s in after["schedules"]} == {"2026-01-01"}
    assert after["upcoming"] == []
    seed = next(s for s in after["schedules"] if s["key"] == "seed-centre-2026")
    assert seed["schedules"][0]["bands"][0] == {
        "above": "0.00",
        "up_to": "50000.00",
        "rate_percent": "40.00",
    }


def test_over_cap_schedule_refused_by_the_service(users: dict[str, Any]) -> None:
    row = _law_firm_row(OVER_CAP)
    with pytest.raises(FeeError) as err:
        fee_schedule_save(row=row, actor=users["admin"])
    assert err.value.details.get("rule")  # the rule is cited
    assert not FeeScheduleRow.objects.filter(key="greedy-firm").exists()


def test_within_cap_schedule_saved_and_published(users: dict[str, Any]) -> None:
    bands = pricing_fields(LAW_FIRM_SCHEDULE)["bands"]
    row = fee_schedule_save(row=_law_firm_row(bands, "firm-2027-03"), actor=users["admin"])
    assert row.pk is not None
    keys = [s["key"] for s in prices_page(dt.date(2027, 3, 1))["schedules"]]
    assert "firm-2027-03" in keys


def test_only_admins_edit_schedules(users: dict[str, Any]) -> None:
    from qingqian.common.exceptions import PermissionDenied

    bands = pricing_fields(LAW_FIRM_SCHEDULE)["bands"]
    with pytest.raises(PermissionDenied):
        fee_schedule_save(row=_law_firm_row(bands, "x"), actor=users["lawyer"])


def test_admin_form_refuses_over_cap_with_the_rule() -> None:
    fields = pricing_fields(LAW_FIRM_SCHEDULE) | {"key": "greedy-firm", "bands": OVER_CAP}
    data = {
        **fields,
        "valid_from": "2027-03-01",
        "withdrawn_on": "",
        "bands": json.dumps(OVER_CAP),
        "recovered_counts": json.dumps(fields["recovered_counts"]),
        "prepayment": "0.00",
    }
    form = FeeScheduleRowForm(data=data)
    assert not form.is_valid()
    message = " ".join(form.non_field_errors())
    assert "风险代理" in message or "上限" in message
    assert "[" in message  # the rule cited


def test_admin_form_refuses_a_debtor_fee_name() -> None:
    fields = pricing_fields(SEED_SCHEDULE)
    data = {
        **fields,
        "key": "bad",
        "name_zh": "讨债服务",
        "valid_from": "2027-03-01",
        "withdrawn_on": "",
        "bands": json.dumps(fields["bands"]),
        "recovered_counts": json.dumps(fields["recovered_counts"]),
        "prepayment": "0.00",
    }
    assert not FeeScheduleRowForm(data=data).is_valid()
