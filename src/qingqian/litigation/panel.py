"""What the case page's litigation panel shows (shared by the template tag and the htmx
views)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.calculators.court_deadlines import PERIODS, DeadlineKind
from qingqian.cases.lifecycle import State
from qingqian.cases.models import Case
from qingqian.common import clock
from qingqian.litigation import selectors
from qingqian.litigation.documents import ALLOWED_STATES
from qingqian.litigation.models import (
    KIND_CHOICES,
    AssetKind,
    AssetSource,
    DocumentKind,
    InterruptionKind,
    Outcome,
)

URGENCY_LABELS = {
    "overdue": ("已逾期", "Overdue"),
    "due_soon": ("即将届满", "Due soon"),
    "later": ("未到期", "Later"),
    "done": ("已办理", "Done"),
}


def panel_context(case: Case, user: User | None, *, request: HttpRequest | None) -> dict[str, Any]:
    today = clock.today()
    proceedings = []
    for p in selectors.case_proceedings(case):
        deadlines = [
            {
                "row": d,
                "label": PERIODS[DeadlineKind(d.kind)].label_zh,
                "urgency": selectors.deadline_urgency(d, today).value,
            }
            for d in p.deadlines.all()
        ]
        proceedings.append({"p": p, "deadlines": deadlines, "hearings": list(p.hearings.all())})
    limitation = selectors.case_limitation(case, today=today)
    judicial = case.state in (State.LITIGATION, State.ENFORCEMENT)
    state = State(case.state)
    document_kinds = [(k, label) for k, label in DocumentKind.choices if state in ALLOWED_STATES[k]]
    documents = selectors.case_documents(case)
    return {
        "case": case,
        "proceedings": proceedings,
        "clues": selectors.case_asset_clues(case),
        "limitation": limitation,
        "can_work": bool(user and user.has_perm_code(Perm.LITIGATION_WORK)),
        "can_record": bool(user and user.has_perm_code(Perm.CASE_TRANSITION)),
        "judicial": judicial,
        "kind_choices": KIND_CHOICES,
        "outcome_choices": Outcome.choices,
        "asset_kinds": AssetKind.choices,
        "asset_sources": AssetSource.choices,
        "interruption_kinds": InterruptionKind.choices,
        "documents": documents,
        "document_kinds": document_kinds,
        "has_final": any(d.final for d in documents),
        "today": today,
        "csrf_token": get_token(request) if request is not None else "",
    }
