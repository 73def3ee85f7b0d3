"""Mediation filters (money, dialects, places, specialities in the page's language) and the
case page's mediation panel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import get_language

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.common.money import money_text
from qingqian.mediation.geo import (
    DIALECT_LABELS,
    LEVEL_LABELS,
    SPECIALITY_LABELS,
    Dialect,
    Level,
    Speciality,
    parse_locality,
)

register = template.Library()


def _en() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def rmb(value: Decimal | str | None) -> str:
    """¥1,234,567.89"""
    return money_text(value)


@register.filter
def dialect_label(code: str) -> str:
    try:
        zh, en = DIALECT_LABELS[Dialect(code)]
    except ValueError:
        return "—"
    return en if _en() else zh


@register.filter
def dialects_text(items: list[dict[str, str]]) -> str:
    out = []
    for item in items:
        try:
            d = DIALECT_LABELS[Dialect(item["dialect"])]
            lv = LEVEL_LABELS[Level(item["level"])]
        except (KeyError, ValueError):
            continue
        out.append(f"{d[1]} ({lv[1]})" if _en() else f"{d[0]}（{lv[0]}）")
    return "、".join(out) if not _en() else ", ".join(out)


@register.filter
def localities_text(codes: list[str]) -> str:
    out = []
    for code in codes:
        try:
            out.append(parse_locality(code).label(en=_en()))
        except ValueError:
            continue
    return ", ".join(out) if _en() else "、".join(out)


@register.filter
def specialities_text(codes: list[str]) -> str:
    out = []
    for code in codes:
        try:
            zh, en = SPECIALITY_LABELS[Speciality(code)]
        except ValueError:
            continue
        out.append(en if _en() else zh)
    return ", ".join(out) if _en() else "、".join(out)


@register.filter
def reason_text(reason: Any) -> str:
    if isinstance(reason, dict):
        return str(reason.get("en" if _en() else "zh", ""))
    return str(reason.text(_en()))


@register.inclusion_tag("mediation/_case_panel_body.html", takes_context=True)
def mediation_case_panel(context: template.Context, case: Any) -> dict[str, Any]:
    from qingqian.common.exceptions import ApplicationError
    from qingqian.mediation import selectors

    request = context.get("request")
    user = getattr(request, "user", None)
    from qingqian.mediation.matching import rank

    try:
        need = selectors.need_for(case)  # once for both rankings (services.mediation_match)
    except ApplicationError:
        ranked, collectors = [], []
    else:
        ranked = rank(need, selectors.candidates_for(case.organisation))[:3]
        collectors = rank(need, selectors.collector_candidates(case.organisation))[:3]
    mediations = selectors.case_mediations(case)
    return {
        "case": case,
        "ranked": ranked,
        "collectors": collectors,
        "current": mediations[0] if mediations else None,
        "can_work": isinstance(user, User) and user.has_perm_code(Perm.MEDIATION_WORK),
    }


@register.inclusion_tag("mediation/_prices.html", takes_context=True)
def mediation_prices(context: template.Context) -> dict[str, Any]:
    """Published mediation fees and each organisation's licence, for the public price page."""
    from qingqian.common import clock
    from qingqian.mediation.law import COMMERCIAL_MEDIATION_REGULATION
    from qingqian.mediation.models import MediationFee, OrganisationLicence

    today = clock.today()
    fees = list(
        MediationFee.objects.filter(effective_from__lte=today)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    licences = {
        lic.organisation_id: lic
        for lic in OrganisationLicence.objects.filter(
            organisation_id__in={f.organisation_id for f in fees}
        )
    }
    groups: dict[int, dict[str, Any]] = {}
    for fee in fees:
        g = groups.setdefault(
            fee.organisation_id,
            {"org": fee.organisation, "licence": licences.get(fee.organisation_id), "fees": []},
        )
        g["fees"].append(fee)
    return {
        "groups": list(groups.values()),
        "law": COMMERCIAL_MEDIATION_REGULATION,
        "en": _en(),
    }
