"""Fee schedules as row data (no models): the presets of ``fees.rules`` flattened into
the fields of ``FeeScheduleRow`` and back. Used by the seed migration and the services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qingqian.fees.commission import FeeSchedule
from qingqian.fees.rules import PRESETS, PricingSchedule, RecoveryForm, pricing_from_data


def schedule_data(schedule: FeeSchedule) -> dict[str, Any]:
    """``fee_schedule_from_data`` form: numbers as strings."""
    return {
        "mode": schedule.mode.value,
        "bands": [
            {"up_to": None if b.up_to is None else str(b.up_to), "rate": str(b.rate)}
            for b in schedule.bands
        ],
        "minimum": None if schedule.minimum is None else str(schedule.minimum),
        "cap": None if schedule.cap is None else str(schedule.cap),
    }


def pricing_fields(pricing: PricingSchedule) -> dict[str, Any]:
    """The ``FeeScheduleRow`` field values of a :class:`PricingSchedule`."""
    agreement = pricing.agreement
    return {
        "key": pricing.key,
        "name_zh": pricing.name_zh,
        "name_en": pricing.name_en,
        "organisation_type": pricing.organisation_type.value,
        "valid_from": pricing.valid_from,
        "withdrawn_on": pricing.withdrawn_on,
        "bands": {
            "default": None if agreement.default is None else schedule_data(agreement.default),
            "by_debt_type": {k: schedule_data(v) for k, v in agreement.by_debt_type.items()},
        },
        "recovered_counts": [
            f.value for f in sorted(pricing.recovered_counts, key=list(RecoveryForm).index)
        ],
        "court_costs_borne_by": pricing.court_costs_borne_by.value,
        "prepayment": pricing.prepayment,
        "covers_litigation": pricing.covers_litigation,
    }


def preset_fields() -> list[dict[str, Any]]:
    return [pricing_fields(p) for p in PRESETS]


def pricing_from_fields(fields: Mapping[str, Any]) -> PricingSchedule:
    """Rebuild the kernel's :class:`PricingSchedule` (raises ``FeeError`` if invalid)."""
    bands = fields.get("bands") or {}
    valid_from = fields.get("valid_from")
    withdrawn = fields.get("withdrawn_on")
    return pricing_from_data(
        {
            "key": fields.get("key", ""),
            "name_zh": fields.get("name_zh", ""),
            "name_en": fields.get("name_en", ""),
            "organisation_type": fields.get("organisation_type", ""),
            "agreement": {
                "valid_from": None if valid_from is None else valid_from.isoformat(),
                "default": bands.get("default") if isinstance(bands, Mapping) else None,
                "by_debt_type": bands.get("by_debt_type") if isinstance(bands, Mapping) else {},
            },
            "recovered_counts": list(fields.get("recovered_counts") or ["cash"]),
            "court_costs_borne_by": fields.get("court_costs_borne_by", "creditor"),
            "prepayment": str(fields.get("prepayment", "0.00")),
            "covers_litigation": bool(fields.get("covers_litigation", False)),
            "withdrawn_on": None if withdrawn is None else withdrawn.isoformat(),
        }
    )
