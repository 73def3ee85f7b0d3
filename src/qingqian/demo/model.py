"""The demo's scoring model (issue 19): trained on the demo's own history, never faked.

After the history is written, the expert card is registered (the cold-start model, live
until a learned one beats it) and a model is trained on the demo organisation's closed cases
through ``scoring.services.scoring_model_train`` — the same path as ``qingqian scoring
train`` — so it is registered with its model card and held-out metrics. It goes live only
if it beats the live model on the held-out window by the required margin; otherwise it stays
on record as refused, and the models page says why (or, with too few closed cases to train,
that there is nothing to learn from yet).
"""

from __future__ import annotations

from typing import Any

from qingqian.accounts.models import Organisation
from qingqian.common.exceptions import ApplicationError

#: Fewer boosting rounds than the default: the demo loads in seconds; the card records it.
DEMO_ESTIMATORS = 60
#: The candidate the demo trains as primary. ``qingqian scoring train`` chooses by
#: cross-validation (``auto``), which picks the raw logistic regression on the shipped demo
#: but takes seconds more than the rest of the model put together; the demo names it, so
#: the same model is fitted and judged on the same held-out window.
DEMO_PRIMARY = "logistic"


def seed_model(*, org: Organisation) -> dict[str, Any]:
    """Register the expert card, train on the demo's closed cases; returns what happened:
    ``{"version": str | None, "promoted": bool, "reason": code}``."""
    from qingqian.scoring.services import (
        ModelNotPromoted,
        expert_model_ensure,
        scoring_model_train,
    )

    expert_model_ensure()
    try:
        model = scoring_model_train(
            actor=None, organisation_id=org.pk, estimators=DEMO_ESTIMATORS, primary=DEMO_PRIMARY
        )
    except ModelNotPromoted as exc:
        return {"version": exc.details.get("version"), "promoted": False, "reason": exc.code}
    except ApplicationError as exc:
        # too few closed cases (a small demo): nothing is registered; the page says so
        return {"version": None, "promoted": False, "reason": exc.code}
    return {"version": model.version, "promoted": True, "reason": ""}
