"""What the contact actions on the case page show (``templates/contact/_desk.html``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_party_links
from qingqian.common.exceptions import ApplicationError
from qingqian.contact.desk import DESK_TEMPLATES, TEMPLATE_LABELS, open_calls
from qingqian.contact.models import ContactAttempt, Disposition
from qingqian.contact.selectors import certificate_problem
from qingqian.contact.templatetags.contact_tags import is_english
from qingqian.parties.services import party_reveal
from qingqian.strategy.dunning_services import debtor_followup_for

SESSION_KEY = "contact_desk"
ACTIONS = ("call", "sms", "email", "letter", "email_set", "record", "statement")


def _label(pair: tuple[str, str]) -> str:
    return pair[1] if is_english() else pair[0]


def _result(raw: dict[str, Any], case: Case, user: User) -> dict[str, Any]:
    """The gate's decision (or the error) the last action brought back, ready to show."""
    out: dict[str, Any] = {
        "error": raw.get("error", ""),
        "code": raw.get("code", ""),
        "saved": raw.get("saved", False),
        "recorded": raw.get("recorded", False),
    }
    attempt_id = raw.get("attempt")
    if attempt_id is None:
        return out
    attempt = (
        ContactAttempt.objects.filter(pk=attempt_id, case=case).select_related("party").first()
    )
    if attempt is None:
        return out
    out["attempt"] = attempt
    out["allowed"] = attempt.allowed
    out["reasons"] = attempt.reasons
    if (
        attempt.allowed
        and attempt.channel == "voice"
        and not attempt.disposition
        and attempt.actor_id == user.pk
        and user.has_perm_code(Perm.PARTY_REVEAL)
    ):
        # The number in clear for the ``tel:`` link, only after the gate allowed the call;
        # every reveal is an audit row.
        try:
            out["tel"] = party_reveal(actor=user, party=attempt.party, field="phone")
        except ApplicationError:
            out["tel"] = ""
    return out


def desk_context(case: Case, request: HttpRequest | None) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if request is None or not isinstance(user, User) or not user.has_perm_code(Perm.CONTACT_WORK):
        return {"can_work": False}
    kept = request.session.get(SESSION_KEY)
    result: dict[str, Any] | None = None
    action = ""
    if isinstance(kept, dict) and kept.get("case") == case.pk:
        request.session.pop(SESSION_KEY, None)
        action = str(kept.get("action", ""))
        result = _result(kept, case, user)
    calls = open_calls(case, user)
    debtors = []
    for link in case_party_links(case):
        if link.role not in ("debtor", "guarantor"):
            continue
        party = link.party
        results = {a: (result if action == f"{a}:{party.pk}" else None) for a in ACTIONS}
        if (
            result is not None
            and action.startswith("record:")
            and isinstance(kept, dict)
            and kept.get("party") == party.pk
        ):
            results["record"] = result
        followup = (
            debtor_followup_for(party, user, en=is_english(), creditor=case.creditor)
            if link.role == "debtor"
            else None
        )
        debtors.append(
            {
                "party": party,
                "role": link.role,
                "address": " ".join(p for p in (party.city, party.district, party.address) if p),
                "results": results,
                "open_calls": [c for c in calls if c.party_id == party.pk],
                "followup": followup,
                "statement": followup["statement"] if followup else None,
            }
        )
    templates = {
        channel: [(key, _label(TEMPLATE_LABELS[key])) for key in keys]
        for channel, keys in DESK_TEMPLATES.items()
    }
    return {
        "can_work": True,
        "debtors": debtors,
        "templates": templates,
        "dispositions": [(d.value, d.label) for d in Disposition],
        "certificate": certificate_problem(user),
        "can_followups": user.has_perm_code(Perm.STRATEGY_EDIT),
    }
