"""Daily negotiation work (thin: one service call each)."""

from __future__ import annotations

from django_tasks import task

from qingqian.negotiation.services import (
    plans_breach_check,
    promises_decide,
    settlement_offers_expire,
)


@task()
def negotiation_daily_task() -> dict[str, int]:
    """Decide promises, apply breach consequences, lapse expired offers (idempotent)."""
    out = dict(promises_decide())
    out.update(plans_breach_check())
    out["offers_expired"] = settlement_offers_expire()
    return out
