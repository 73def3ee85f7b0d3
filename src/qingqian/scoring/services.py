"""Writes for the debt radar: batch re-scoring, the model registry with its promotion rule,
training on the firm's own closed cases, debtor profiles and queue settings.

Every write runs in one transaction with its audit rows. A stored score names the model
version and the SHA-256 of the canonical feature vector it was computed from, so any score
can be recomputed and checked later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from qingqian.accounts.models import Organisation, User
from qingqian.audit.services import audit_record, audit_record_many
from qingqian.cases.models import Case
from qingqian.common import clock
from qingqian.common.bulk import bulk_insert
from qingqian.common.exceptions import ApplicationError, NotFound
from qingqian.scoring import selectors
from qingqian.scoring.errors import ScoringError
from qingqian.scoring.features import Features, compute_features, to_columns, training_row
from qingqian.scoring.models import (
    CaseScore,
    DebtorProfile,
    ModelKind,
    ModelMonitor,
    ScoringModel,
    ScoringSettings,
)
from qingqian.scoring.scorecard import CARD_VERSION, FACTORS, score_columns

#: Names of the learned model's variables for its reasons (the trained card's own columns).
VARIABLE_NAMES: dict[str, tuple[str, str]] = {
    "days_overdue": ("逾期天数", "Days overdue"),
    "days_since_acceptance": ("受理天数", "Days since acceptance"),
    "principal": ("本金", "Principal"),
    "balance": ("余额", "Balance"),
    "paid": ("已还金额", "Paid so far"),
    "paid_permille": ("已还比例", "Share paid"),
    "debt_type": ("债务类型", "Debt type"),
    "evidence_strength": ("证据强度", "Evidence strength"),
    "debtor_kind": ("债务人类型", "Debtor kind"),
    "registry_status": ("企业登记状态", "Registry status"),
    "judgments": ("生效判决", "Court judgments"),
    "dishonest_debtor": ("失信被执行人", "Dishonest judgment debtor"),
    "contact_attempts": ("联系次数", "Contact attempts"),
    "contacts_reached": ("接通次数", "Contacts reached"),
    "contacts_connected": ("沟通次数", "Contacts connected"),
    "days_since_last_contact": ("距上次联系天数", "Days since last contact"),
    "promises_kept": ("守约承诺", "Promises kept"),
    "promises_broken": ("违约承诺", "Promises broken"),
    "promises_open": ("未到期承诺", "Open promises"),
    "payments_count": ("还款次数", "Payments"),
    "days_since_last_payment": ("距上次还款天数", "Days since last payment"),
    "days_to_limitation": ("距诉讼时效届满天数", "Days to the limitation deadline"),
}

NO_CONTACT_REASON = {
    "code": "contact.unavailable",
    "direction": "?",
    "text_zh": "联系记录模块未启用：未计入联系历史",
    "text_en": "Contact records are not enabled: contact history not counted",
}


class ModelNotPromoted(ApplicationError):
    status = 409
    code = "model_not_promoted"


@dataclass(frozen=True)
class ScoredCase:
    case_id: int
    score: int
    reasons: list[dict[str, Any]]
    model_version: str
    digest: str


def _load(model: ScoringModel | None) -> Any:
    if model is None or model.kind == ModelKind.EXPERT or not model.artefact:
        return None
    import json

    from qingqian.scoring.pipeline import load_artefact

    return load_artefact(
        {
            "model.json": json.dumps(model.artefact).encode(),
            "model_card.json": json.dumps(model.card).encode(),
        }
    )


def score_features(
    features: Sequence[Features], model: ScoringModel | None
) -> list[tuple[int, list[dict[str, Any]], str]]:
    """Scores (0–100), top-three reasons and model version for ``features`` (vectorised)."""
    artefact = _load(model)
    contact_note = [] if selectors.CONTACT_HISTORY_AVAILABLE else [NO_CONTACT_REASON]
    if artefact is None:
        batch = score_columns(to_columns(features))
        out = []
        for row in range(len(features)):
            reasons = []
            for fi in batch.reason_factors[row]:
                factor = FACTORS[int(fi)]
                chosen = factor.bins[int(batch.bins[row, int(fi)])]
                reasons.append(
                    {
                        "code": f"{factor.code}.{chosen.code}",
                        "direction": "+" if 2 * chosen.points >= factor.max_points else "-",
                        "text_zh": f"{factor.name_zh}：{chosen.label_zh}",
                        "text_en": f"{factor.name_en}: {chosen.label_en}",
                    }
                )
            out.append((int(batch.scores[row]), reasons + contact_note, CARD_VERSION))
        return out
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame([training_row(f) for f in features])
    p = artefact.predict(frame)
    out = []
    for row, top in enumerate(artefact.reasons(frame)):
        reasons = []
        for r in top:
            zh, en = VARIABLE_NAMES.get(r["variable"], (r["variable"], r["variable"]))
            label = _reason_label(r["variable"], r["label"])
            reasons.append(
                {
                    "code": f"{r['variable']}",
                    "direction": "+" if r["contribution"] >= 0 else "-",
                    "text_zh": f"{zh}：{label}",
                    "text_en": f"{en}: {label}",
                }
            )
        score = int(np.clip(np.rint(100 * p[row]), 0, 100))
        out.append((score, reasons + contact_note, artefact.version))
    return out


def _reason_label(variable: str, label: str) -> str:
    """A handler-readable value: yes/no for flags, the rest as the model saw it."""
    if variable == "dishonest_debtor" and label in ("True", "False", "1", "0"):
        return "是 / yes" if label in ("True", "1") else "否 / no"
    return label


def rescore(
    cases: QuerySet[Case], *, at: dt.date, actor: User | None = None, batch_size: int = 2000
) -> dict[str, int]:
    """Score ``cases`` as at ``at`` and store one new latest row per case (history kept).

    Cases whose facts the kernel refuses (e.g. payments above the principal) are counted in
    ``refused`` and left with their previous score; the rest are written batch by batch,
    each batch in one transaction with its audit rows.
    """
    total = {"scored": 0, "refused": 0, "cases": 0}
    org_ids = sorted(set(cases.values_list("organisation_id", flat=True).distinct()))
    for org_id in org_ids:
        # each organisation's cases are scored by its own model (else the platform's)
        part = _rescore_with(
            cases.filter(organisation_id=org_id),
            selectors.current_model(org_id),
            at=at,
            actor=actor,
            batch_size=batch_size,
        )
        for key in total:
            total[key] += part[key]
    return total


def _rescore_with(
    cases: QuerySet[Case],
    model: ScoringModel | None,
    *,
    at: dt.date,
    actor: User | None,
    batch_size: int,
) -> dict[str, int]:
    ids = list(cases.order_by("id").values_list("id", flat=True))
    written = refused = 0
    now = clock.now()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        inputs = selectors.case_inputs(Case.objects.filter(id__in=chunk))
        features: list[Features] = []
        kept: list[int] = []
        orgs: dict[int, int] = {}
        for i in inputs:
            try:
                features.append(compute_features(i.facts, at))
            except ScoringError:
                refused += 1
                continue
            kept.append(i.case_id)
        if not kept:
            continue
        scored = score_features(features, model)
        org_of = dict(Case.objects.filter(id__in=kept).values_list("id", "organisation_id"))
        with transaction.atomic():
            CaseScore.objects.filter(case_id__in=kept, is_latest=True).update(is_latest=False)
            bulk_insert(
                CaseScore,
                (
                    "case",
                    "score",
                    "reasons",
                    "model_version",
                    "feature_digest",
                    "features_at",
                    "scored_at",
                    "is_latest",
                ),
                (
                    (cid, s, reasons, version, f.digest(), at, now, True)
                    for cid, f, (s, reasons, version) in zip(kept, features, scored, strict=True)
                ),
            )
            for cid in kept:
                orgs.setdefault(org_of[cid], 0)
                orgs[org_of[cid]] += 1
            for org_id in orgs:
                audit_record_many(
                    actor=actor,
                    organisation=Organisation(pk=org_id),
                    action="scoring.rescore",
                    object_type="cases.case",
                    rows=(
                        (cid, {"score": s, "model_version": v})
                        for cid, (s, _r, v) in zip(kept, scored, strict=True)
                        if org_of[cid] == org_id
                    ),
                )
        written += len(kept)
    return {"scored": written, "refused": refused, "cases": len(ids)}


def rescore_organisation(organisation_id: int, *, at: dt.date) -> dict[str, int]:
    """Re-score every open, accepted case of one organisation (the nightly task's body)."""
    cases = Case.objects.filter(organisation_id=organisation_id).exclude(
        state__in=selectors.INACTIVE_STATES
    )
    return rescore(cases, at=at)


def _model_audit(
    model: ScoringModel, actor: User | None, action: str, after: dict[str, Any]
) -> None:
    audit_record(
        actor=actor,
        organisation=getattr(actor, "organisation", None),
        action=action,
        obj=model,
        after=after,
    )


def _holdout_auc(model: ScoringModel) -> float | None:
    value = model.holdout_metrics.get("auc")
    return None if value is None else float(value)


def _same_owner(model: ScoringModel) -> QuerySet[ScoringModel]:
    if model.organisation_id is None:
        return ScoringModel.objects.filter(organisation__isnull=True)
    return ScoringModel.objects.filter(organisation_id=model.organisation_id)


def scoring_model_promote(*, model: ScoringModel, actor: User | None) -> ScoringModel:
    """Make ``model`` current for its organisation, unless it is worse than the model now
    ordering that organisation's queue on the held-out window (lower AUC on the same window,
    or judged on a different window). A user may promote only their own organisation's
    models (another's, or the platform's, is 404 ``scoring_model_not_found``)."""
    if actor is not None and (
        model.organisation_id is None or model.organisation_id != actor.organisation_id
    ):
        raise NotFound(
            "没有该评分模型。",
            "No such scoring model.",
            code="scoring_model_not_found",
            details={"version": model.version},
        )
    with transaction.atomic():
        _same_owner(model).select_for_update().filter(is_current=True).first()
        current = selectors.current_model(model.organisation_id)
        if current is not None and current.pk != model.pk and current.kind != ModelKind.EXPERT:
            # a learned model replacing a learned model: the stored held-out figures
            new_auc, old_auc = _holdout_auc(model), _holdout_auc(current)
            same_window = model.holdout_metrics.get("window") == current.holdout_metrics.get(
                "window"
            )
            if new_auc is None or old_auc is None or (same_window and new_auc < old_auc):
                raise ModelNotPromoted(
                    f"模型 {model.version} 在留出窗口上的 AUC {new_auc} 低于当前模型 "
                    f"{current.version} 的 {old_auc}，拒绝启用。",
                    f"Model {model.version} has a held-out AUC of {new_auc}, below the current "
                    f"model {current.version}'s {old_auc}; promotion refused.",
                    details={"new_auc": new_auc, "current_auc": old_auc},
                )
        if model.kind != ModelKind.EXPERT and not model.card.get("promotion", {}).get(
            "promoted", True
        ):
            promo = model.card["promotion"]
            raise ModelNotPromoted(
                f"训练时已判定不得启用：{promo.get('reason_zh', '')}",
                f"Refused when trained: {promo.get('reason_en', '')}",
                details={"version": model.version},
            )
        _same_owner(model).filter(is_current=True).update(is_current=False)
        model.is_current = True
        model.promoted_at = clock.now()
        model.promoted_by = actor
        model.save(update_fields=["is_current", "promoted_at", "promoted_by"])
        _model_audit(model, actor, "scoring.model_promote", {"version": model.version})
    return model


def expert_model_ensure() -> ScoringModel:
    """The cold-start card's registry row, the platform's (created once; the platform's
    current model when it has none): every organisation without a model of its own is
    ordered by it."""
    card = {
        "kind": "expert",
        "version": CARD_VERSION,
        "factors": [
            {
                "code": f.code,
                "name_zh": f.name_zh,
                "name_en": f.name_en,
                "bins": [{"zh": b.label_zh, "en": b.label_en, "points": b.points} for b in f.bins],
            }
            for f in FACTORS
        ],
        "documentation": "docs/scoring-scorecard.md",
    }
    row, created = ScoringModel.objects.get_or_create(
        organisation=None, version=CARD_VERSION, defaults={"kind": ModelKind.EXPERT, "card": card}
    )
    if (
        created
        and not ScoringModel.objects.filter(organisation__isnull=True, is_current=True).exists()
    ):
        row.is_current = True
        row.promoted_at = clock.now()
        row.save(update_fields=["is_current", "promoted_at"])
    return row


def _as_known_on(facts: Any, day: dt.date) -> Any:
    """The facts as they stood on ``day``: the limitation deadline restarts at the last
    payment, so for a training row as at acceptance only payments made by then may move it
    (a later payment would leak the outcome into the features)."""
    from dataclasses import replace

    paid = [p.on for p in facts.payments if p.on <= day]
    start = max([facts.oldest_due_on, *paid])
    return replace(facts, limitation_expires_on=selectors.limitation_expiry(start))


def training_frame(*, target_days: int = 90, organisation_id: int | None = None) -> Any:
    """One row per closed case: the features as at acceptance, the target and audit columns.

    Target: a payment within ``target_days`` of acceptance. Without a per-payment ledger,
    this reads the case row: something was paid (outstanding < principal) and the last
    payment fell within the window. A first payment inside the window followed by a later one
    counts as 0 — the target undercounts; docs/scoring.md says so.
    """
    import pandas as pd

    closed = Case.objects.filter(state="closed")
    if organisation_id is not None:
        closed = closed.filter(organisation_id=organisation_id)
    inputs = selectors.case_inputs(closed)
    rows = []
    for i in inputs:
        accepted = i.facts.accepted_on
        facts = _as_known_on(i.facts, accepted)
        try:
            features = compute_features(facts, accepted)
        except ScoringError:
            continue
        paid = [p for p in i.facts.payments if p.on <= accepted + dt.timedelta(days=target_days)]
        row = training_row(features)
        row["paid_within"] = int(bool(paid))
        row["accepted_on"] = accepted.isoformat()
        rows.append(row)
    return pd.DataFrame(rows)


#: Fewest closed cases a model is trained on (the models page says so when there are fewer).
MIN_TRAINING_ROWS = 50


def _incumbent(row: ScoringModel | None) -> Any:
    """What is live, as something that scores training rows: the learned model's artefact,
    or the expert card (also when nothing is registered: the card scores then)."""
    artefact = _load(row)
    if artefact is not None:
        return artefact
    from qingqian.scoring.baseline import ExpertIncumbent

    return ExpertIncumbent(version=CARD_VERSION)


_KIND_OF_PRIMARY = {
    "scorecard": ModelKind.WOE_LR,
    "logistic": ModelKind.LOGIT,
    "challenger": ModelKind.LGBM,
}


def scoring_model_train(
    *,
    actor: User | None,
    target_days: int = 90,
    audit_columns: Sequence[str] = (),
    primary: str = "auto",
    organisation_id: int | None = None,
    estimators: int = 300,
    min_gain: float | None = None,
) -> ScoringModel:
    """Train one organisation's model (the actor's; a system job names it, or the only one)
    on its closed cases (the model chosen by cross-validation unless ``primary`` names
    one), register the new version and promote it only when, on the held-out window of the
    latest closed cases, its AUC beats the live model's — the expert card included — by at
    least ``min_gain`` (default: the ``QINGQIAN_SCORING_MIN_LIFT`` setting); otherwise raise
    :class:`ModelNotPromoted` with the numbers (after keeping the refused version on record)."""
    from django.conf import settings

    from qingqian.scoring.features import KNOWN_DIRECTIONS
    from qingqian.scoring.pipeline import Config, train

    if min_gain is None:
        min_gain = float(settings.QINGQIAN_SCORING_MIN_LIFT)
    if organisation_id is None and actor is not None:
        organisation_id = actor.organisation_id  # a user trains their own organisation's
    elif organisation_id is None:
        # A system job names the organisation, unless there is only one: a model learned
        # from several organisations' cases would order each one's queue by the others'.
        only = list(Organisation.objects.values_list("pk", flat=True)[:2])
        if len(only) != 1:
            raise ApplicationError(
                "请指定要训练模型的机构（--organisation）。",
                "Name the organisation whose model to train (--organisation).",
                code="scoring_organisation_required",
                status=422,
            )
        organisation_id = only[0]
    elif actor is not None and organisation_id != actor.organisation_id:
        raise NotFound(
            "没有该机构。",
            "No such organisation.",
            code="scoring_organisation_not_found",
            details={"organisation": organisation_id},
        )

    frame = training_frame(target_days=target_days, organisation_id=organisation_id)
    if len(frame) < MIN_TRAINING_ROWS or frame["paid_within"].nunique() < 2:
        raise ApplicationError(
            f"已结案件不足以训练（{len(frame)} 件，需至少 50 件且有还款与未还款两类）。",
            f"Not enough closed cases to train ({len(frame)}; need at least 50, with both "
            "paying and non-paying cases).",
            code="training_data_insufficient",
            details={"rows": len(frame)},
        )
    config = Config(
        target="paid_within",
        positive="1",
        date_column="accepted_on",
        audit_columns=tuple(audit_columns),
        primary=primary,
        lgbm_estimators=estimators,
        min_gain=min_gain,
        monotone=KNOWN_DIRECTIONS,
    )
    current_row = selectors.current_model(organisation_id)
    artefact = train(frame, config, _incumbent(current_row))
    promotion = artefact.card["promotion"]
    holdout = artefact.card["models"][artefact.primary]["holdout"]
    kind = _KIND_OF_PRIMARY[artefact.primary]
    artefact.card["target"]["days"] = target_days
    with transaction.atomic():
        row, _ = ScoringModel.objects.update_or_create(
            organisation_id=organisation_id,
            version=artefact.version,
            defaults={
                "kind": kind,
                "artefact": artefact.model_json(),
                "card": artefact.card,
                "holdout_metrics": {**holdout, "window": artefact.card["data"]["window"]},
            },
        )
        _model_audit(row, actor, "scoring.model_train", {"promotion": promotion})
    if not promotion["promoted"]:
        raise ModelNotPromoted(
            f"模型 {row.version} 未启用：{promotion['reason_zh']}",
            f"Model {row.version} not promoted: {promotion['reason_en']}",
            details={
                "version": row.version,
                **{
                    k: promotion.get(k)
                    for k in (
                        "current_version",
                        "current_auc",
                        "new_auc",
                        "lift",
                        "lift_low",
                        "lift_high",
                        "min_lift",
                    )
                },
            },
        )
    return scoring_model_promote(model=row, actor=actor)


def monitor_current_model(*, today: dt.date, batch_size: int = 2000) -> ModelMonitor | None:
    """Monitor every current learned model (each organisation's own, and the platform's) as
    at ``today``; returns the last report stored (``None``: no learned model is live)."""
    last = None
    for row in ScoringModel.objects.filter(is_current=True).order_by("pk"):
        monitor = _monitor_model(row, today=today, batch_size=batch_size)
        last = monitor or last
    return last


def _monitor_model(
    row: ScoringModel, *, today: dt.date, batch_size: int = 2000
) -> ModelMonitor | None:
    """Monitor one live learned model as at ``today`` and store the day's report (the open
    cases it orders: its organisation's, or every case for the platform's model).

    Population stability: the open cases' features as at ``today`` and their scores against
    the training window's reference (kept in the model card). Calibration on outcomes as they
    arrive: every case this model scored at least ``target_days`` ago (its first such score)
    against whether a payment came within ``target_days`` after it. Thresholds: the
    ``QINGQIAN_SCORING_DRIFT`` setting. The expert card has no training window: nothing to
    compare, nothing stored (``None``)."""
    import numpy as np
    import pandas as pd
    from django.conf import settings

    from qingqian.scoring.monitoring import Thresholds, drift_report, outcome_calibration

    artefact = _load(row)
    if artefact is None or not row.card.get("reference"):
        return None
    thresholds = Thresholds.from_mapping(settings.QINGQIAN_SCORING_DRIFT)
    target_days = int(row.card.get("target", {}).get("days", 90))
    open_cases = Case.objects.exclude(state__in=selectors.INACTIVE_STATES).order_by("id")
    if row.organisation_id is not None:
        open_cases = open_cases.filter(organisation_id=row.organisation_id)
    ids = list(open_cases.values_list("id", flat=True))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), batch_size):
        chunk = Case.objects.filter(id__in=ids[start : start + batch_size])
        for i in selectors.case_inputs(chunk):
            try:
                rows.append(training_row(compute_features(i.facts, today)))
            except ScoringError:
                continue
    frame = pd.DataFrame(rows)
    if len(frame):
        drift = drift_report(row.card["reference"], frame, artefact.predict(frame), thresholds)
    else:
        drift = {"rows": 0, "psi_features": {}, "alerts": []}
    scored = CaseScore.objects.filter(
        model_version=row.version, features_at__lte=today - dt.timedelta(days=target_days)
    )
    if row.organisation_id is not None:
        scored = scored.filter(case__organisation_id=row.organisation_id)
    matured = scored.order_by("case_id", "features_at", "id").values_list(
        "case_id", "score", "features_at"
    )
    first: dict[int, tuple[int, dt.date]] = {}
    for case_id, score, at in matured:
        first.setdefault(case_id, (score, at))
    predicted, observed = [], []
    for start in range(0, len(first), batch_size):
        chunk_ids = list(first)[start : start + batch_size]
        for i in selectors.case_inputs(Case.objects.filter(id__in=chunk_ids)):
            score, at = first[i.case_id]
            end = at + dt.timedelta(days=target_days)
            predicted.append(score / 100.0)
            observed.append(int(any(at < p.on <= end for p in i.facts.payments)))
    calibration = outcome_calibration(
        np.asarray(predicted, dtype=np.float64), np.asarray(observed), thresholds
    )
    report = {
        "drift": drift,
        "calibration": calibration,
        "thresholds": thresholds.__dict__,
        "target_days": target_days,
    }
    alerts = [*drift["alerts"], *calibration["alerts"]]
    with transaction.atomic():
        monitor, _ = ModelMonitor.objects.update_or_create(
            model=row, on=today, defaults={"report": report, "alerts": alerts}
        )
    return monitor


def debtor_profile_save(
    *, party_id: int, data: dict[str, Any], actor: User | None
) -> DebtorProfile:
    """Create or update a debtor's public-record profile (audited, before and after)."""
    with transaction.atomic():
        profile = DebtorProfile.objects.select_for_update().filter(party_id=party_id).first()
        before = None
        if profile is None:
            profile = DebtorProfile(party_id=party_id)
        else:
            before = _profile_dict(profile)
        for key, value in data.items():
            setattr(profile, key, value)
        profile.updated_by = actor
        profile.full_clean()
        profile.save()
        audit_record(
            actor=actor,
            organisation=getattr(actor, "organisation", None),
            action="scoring.debtor_profile_save",
            obj=profile,
            before=before,
            after=_profile_dict(profile),
        )
    return profile


def _profile_dict(p: DebtorProfile) -> dict[str, Any]:
    return {
        "registry_status": p.registry_status,
        "judgments": p.judgments,
        "last_judgment_on": None if p.last_judgment_on is None else p.last_judgment_on.isoformat(),
        "dishonest_listed_on": None
        if p.dishonest_listed_on is None
        else p.dishonest_listed_on.isoformat(),
        "checked_on": p.checked_on.isoformat(),
        "source_note": p.source_note,
    }


def experiment_set(
    *,
    organisation: Organisation,
    fifo_share: Decimal,
    salt: str,
    started_on: dt.date | None,
    actor: User | None,
) -> ScoringSettings:
    """Start, change or stop (share 0) the organisation's queue experiment (audited).

    A new salt re-draws the arms; keep it while the experiment runs."""
    if not Decimal("0") <= fifo_share <= Decimal("0.9"):
        raise ApplicationError(
            f"先进先出组比例须在 0 到 0.9 之间：{fifo_share}",
            f"The FIFO share must be between 0 and 0.9: {fifo_share}",
            code="experiment_share_out_of_range",
        )
    if fifo_share > 0 and not salt.strip():
        raise ApplicationError(
            "开展实验须填写分组盐值。",
            "An experiment needs a salt for the assignment.",
            code="experiment_salt_missing",
        )
    with transaction.atomic():
        row, _ = ScoringSettings.objects.select_for_update().get_or_create(
            organisation=organisation
        )
        before = _experiment_dict(row)
        row.experiment_fifo_share = fifo_share
        row.experiment_salt = salt.strip()
        row.experiment_started_on = started_on
        row.save(
            update_fields=["experiment_fifo_share", "experiment_salt", "experiment_started_on"]
        )
        audit_record(
            actor=actor,
            organisation=organisation,
            action="scoring.experiment_set",
            obj=row,
            before=before,
            after=_experiment_dict(row),
        )
    return row


def _experiment_dict(row: ScoringSettings) -> dict[str, Any]:
    return {
        "fifo_share": str(row.experiment_fifo_share),
        "salt": row.experiment_salt,
        "started_on": None
        if row.experiment_started_on is None
        else row.experiment_started_on.isoformat(),
    }


def threshold_set(
    *, organisation: Organisation, threshold: int, actor: User | None
) -> ScoringSettings:
    if not 0 <= threshold <= 100:
        raise ApplicationError(
            f"阈值须在 0 到 100 之间：{threshold}",
            f"The threshold must be between 0 and 100: {threshold}",
            code="threshold_out_of_range",
        )
    with transaction.atomic():
        row, _ = ScoringSettings.objects.get_or_create(organisation=organisation)
        before = {"threshold": row.threshold}
        row.threshold = threshold
        row.save(update_fields=["threshold"])
        audit_record(
            actor=actor,
            organisation=organisation,
            action="scoring.threshold_set",
            obj=row,
            before=before,
            after={"threshold": threshold},
        )
    return row
