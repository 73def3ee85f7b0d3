"""``qingqian scoring``: evaluate and train repayment-propensity models (还款意愿评分模型).

``qingqian scoring evaluate --csv FILE --target COLUMN [--positive VALUE] [--folds 5]
[--audit COL ...] [--exclude COL ...] [--monotone COL=+1 ...] [--no-challenger] --json``
cross-validates every candidate (WOE scorecard, logistic regression on raw features, LightGBM
challenger) and prints ``{"auc", "ks", "brier", "ece", "n", "model_version", "selected",
"candidates", "baseline", "selection", ...}``: ``auc`` is the selected model's, ``candidates``
each one's AUC, fold spread and calibration; a fairness report per audit column.

``qingqian scoring train --csv FILE --target COLUMN --out DIR [--date-column COL]
[--positive VALUE] [--audit COL ...] [--exclude COL ...] [--primary scorecard|challenger]
[--min-gain 0.0] --json`` fits both models on the earlier window, judges them on the latest
``--holdout`` share by date, writes ``DIR/<version>/`` (``model.json``, ``model_card.json``,
``model_card.md``) and points ``DIR/CURRENT`` at it only when it is not worse than the
current model on the same held-out rows; a refused promotion exits with code 3.

Bad input exits with code 2 and a bilingual message. See ``docs/scoring.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError


def _bad(zh: str, en: str) -> CommandError:
    return CommandError(f"{zh} / {en}", returncode=2)


def _common(parser: CommandParser, *, db: bool = False) -> None:
    if db:
        parser.add_argument("--csv", help="CSV file with a header row (default: the database)")
        parser.add_argument("--target", help="the binary target column (CSV only)")
    else:
        parser.add_argument("--csv", required=True, help="CSV file with a header row")
        parser.add_argument("--target", required=True, help="the binary target column")
    parser.add_argument("--positive", help="the target value that counts as positive")
    parser.add_argument(
        "--audit", action="append", default=[], help="group column for the fairness audit only"
    )
    parser.add_argument("--exclude", action="append", default=[], help="column to leave out")
    parser.add_argument("--threshold", default="60", help="work threshold 0-100 (default 60)")
    parser.add_argument("--seed", default="0", help="random seed (default 0)")
    parser.add_argument("--estimators", default="300", help="LightGBM rounds (default 300)")
    parser.add_argument("--no-challenger", action="store_true", help="skip LightGBM")
    parser.add_argument(
        "--monotone",
        action="append",
        default=[],
        help="known direction COL=+1 (more → positive likelier) or COL=-1; repeatable",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")


def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise _bad(f"{name} 必须是整数：{raw!r}", f"{name} must be an integer: {raw!r}") from None


def _float(raw: str, name: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise _bad(f"{name} 必须是数字：{raw!r}", f"{name} must be a number: {raw!r}") from None


def _monotone(raw: list[str]) -> tuple[tuple[str, int], ...]:
    out = []
    for item in raw:
        name, _, direction = item.rpartition("=")
        if not name or direction not in ("+1", "1", "-1"):
            raise _bad(
                f"--monotone 应为 列名=+1 或 列名=-1：{item!r}",
                f"--monotone must be COL=+1 or COL=-1: {item!r}",
            )
        out.append((name, -1 if direction == "-1" else 1))
    return tuple(out)


def _min_gain(raw: str | None) -> float:
    """``--min-gain``, by default the ``QINGQIAN_SCORING_MIN_LIFT`` setting."""
    from django.conf import settings

    if raw is None:
        return float(settings.QINGQIAN_SCORING_MIN_LIFT)
    return _float(raw, "--min-gain")


def _read_csv(path: str) -> Any:
    import pandas as pd

    file = Path(path)
    if not file.is_file():
        raise _bad(f"找不到文件：{path}", f"No such file: {path}")
    try:
        return pd.read_csv(file)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(f"无法读取 CSV：{exc}", f"Cannot read the CSV: {exc}") from None


class Command(SystemCommand):
    help = "Repayment-propensity models: `scoring evaluate` (cross-validated) and `scoring train`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        evaluate = sub.add_parser("evaluate", help="Cross-validate the pipeline on a CSV.")
        _common(evaluate)
        evaluate.add_argument("--folds", default="5", help="number of folds (default 5)")
        train = sub.add_parser("train", help="Train, judge on the latest window, maybe promote.")
        _common(train, db=True)
        train.add_argument("--out", help="artefact directory (holds CURRENT; CSV only)")
        train.add_argument(
            "--target-days", default="90", help="DB: payment within N days of acceptance"
        )
        train.add_argument(
            "--organisation",
            help="DB: the organisation (short code) to train for; needed when there are several",
        )
        rescore = sub.add_parser("rescore", help="Re-score open cases and store the scores.")
        rescore.add_argument("--organisation", help="only this organisation (short code)")
        rescore.add_argument("--at", help="scoring date YYYY-MM-DD (default today)")
        rescore.add_argument("--batch", default="2000", help="cases per transaction")
        rescore.add_argument(
            "--enqueue", action="store_true", help="queue one background task per organisation"
        )
        rescore.add_argument("--json", action="store_true", help="print JSON")
        train.add_argument("--date-column", help="date column for the out-of-time split")
        train.add_argument("--holdout", default="0.2", help="held-out share (default 0.2)")
        train.add_argument(
            "--primary", default="auto", help="auto (by evidence), scorecard, logistic, challenger"
        )
        train.add_argument("--min-gain", help="AUC lift over the live model required to promote")

    def handle(self, *args: Any, **opts: Any) -> None:
        from qingqian.scoring.pipeline import Config

        try:
            if opts["action"] == "rescore":
                self._rescore(opts)
                return
            if opts["action"] == "train" and not opts.get("csv"):
                self._train_db(opts)
                return
        except ApplicationError as exc:
            code = 3 if getattr(exc, "code", "") == "model_not_promoted" else 2
            raise CommandError(exc.message, returncode=code) from None
        if not opts.get("target"):
            raise _bad("缺少 --target。", "--target is required with --csv.")
        if opts["action"] == "train" and not opts.get("out"):
            raise _bad("缺少 --out。", "--out is required with --csv.")
        frame = _read_csv(opts["csv"])
        try:
            config = Config(
                target=opts["target"],
                positive=opts.get("positive"),
                date_column=opts.get("date_column"),
                audit_columns=tuple(opts["audit"]),
                exclude=tuple(opts["exclude"]),
                folds=_int(opts.get("folds", "5"), "--folds"),
                holdout_share=_float(opts.get("holdout", "0.2"), "--holdout"),
                seed=_int(opts["seed"], "--seed"),
                threshold=_int(opts["threshold"], "--threshold"),
                challenger=not opts["no_challenger"],
                lgbm_estimators=_int(opts["estimators"], "--estimators"),
                primary=opts.get("primary", "auto"),
                min_gain=_min_gain(opts.get("min_gain")),
                monotone=_monotone(opts["monotone"]),
            )
            if opts["action"] == "evaluate":
                self._evaluate(frame, config, opts)
            else:
                self._train(frame, config, opts)
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None

    def _evaluate(self, frame: Any, config: Any, opts: dict[str, Any]) -> None:
        from qingqian.scoring.pipeline import evaluate

        result = evaluate(frame, config)
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"{result['n']} 行 rows, {config.folds} 折 folds, 选定 selected "
            f"{result['selected']}: AUC {result['auc']} (±{result['auc_std']}), "
            f"KS {result['ks']}, Brier {result['brier']}, ECE {result['ece']}  "
            f"[{result['model_version']}]"
        )
        rows = {**result["candidates"], "baseline": result["baseline"]}
        for name, c in rows.items():
            self.stdout.write(
                f"  {name:11} AUC {c['auc']} ±{c['auc_std']}  Brier {c['brier']}  "
                f"slope {c['calibration_slope']}  vs baseline {c['diff']:+} (noise {c['noise']})"
            )

    def _train(self, frame: Any, config: Any, opts: dict[str, Any]) -> None:
        from qingqian.scoring.pipeline import load_artefact, train

        out = Path(opts["out"])
        current = None
        pointer = out / "CURRENT"
        if pointer.is_file():
            folder = out / pointer.read_text(encoding="utf-8").strip()
            current = load_artefact({p.name: p.read_bytes() for p in folder.iterdir()})
        artefact = train(frame, config, current)
        folder = out / artefact.version
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in artefact.files().items():
            (folder / name).write_bytes(data)
        promotion = artefact.card["promotion"]
        if promotion["promoted"]:
            pointer.write_text(artefact.version + "\n", encoding="utf-8")
        summary = {
            "model_version": artefact.version,
            "directory": str(folder),
            "promoted": promotion["promoted"],
            "promotion": promotion,
            "holdout": {k: v["holdout"] for k, v in artefact.card["models"].items()},
            "window": artefact.card["data"]["window"],
        }
        if opts["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(f"{artefact.version} → {folder}")
            self.stdout.write(f"{promotion['reason_zh']} / {promotion['reason_en']}")
        if not promotion["promoted"]:
            raise CommandError(
                f"未启用：{promotion['reason_zh']} / Not promoted: {promotion['reason_en']}",
                returncode=3,
            )

    def _organisation_id(self, code: str | None) -> int | None:
        from qingqian.accounts.models import Organisation

        if not code:
            return None
        org = Organisation.objects.filter(short_code=code).first()
        if org is None:
            raise _bad(f"找不到机构：{code}", f"No such organisation: {code}")
        return org.pk

    def _rescore(self, opts: dict[str, Any]) -> None:
        import datetime as dt

        from qingqian.cases.models import Case
        from qingqian.common import clock
        from qingqian.scoring import selectors, services

        try:
            at = dt.date.fromisoformat(opts["at"]) if opts.get("at") else clock.today()
        except ValueError:
            raise _bad(
                f"日期格式应为 YYYY-MM-DD：{opts['at']}", f"Use YYYY-MM-DD: {opts['at']}"
            ) from None
        batch = _int(opts["batch"], "--batch")
        if batch < 1:
            raise _bad("--batch 必须大于零。", "--batch must be greater than zero.")
        org_id = self._organisation_id(opts.get("organisation"))
        if opts["enqueue"]:
            self._enqueue(org_id, at)
            return
        cases = Case.objects.exclude(state__in=selectors.INACTIVE_STATES)
        if org_id is not None:
            cases = cases.filter(organisation_id=org_id)
        result = services.rescore(cases, at=at, batch_size=batch)
        if opts["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"已评分 scored {result['scored']} / {result['cases']}，"
                f"拒绝 refused {result['refused']}（{at}）"
            )

    def _enqueue(self, org_id: int | None, at: Any) -> None:
        from qingqian.accounts.models import Organisation
        from qingqian.scoring.tasks import rescore_organisation_task

        ids = (
            [org_id]
            if org_id is not None
            else list(Organisation.objects.order_by("id").values_list("id", flat=True))
        )
        for pk in ids:
            rescore_organisation_task.enqueue(pk, at.isoformat())
        self.stdout.write(f"已排队 queued {len(ids)}（{at}）")

    def _train_db(self, opts: dict[str, Any]) -> None:
        from qingqian.scoring import services

        row = services.scoring_model_train(
            actor=None,
            target_days=_int(opts["target_days"], "--target-days"),
            audit_columns=tuple(opts["audit"]),
            primary=opts.get("primary", "auto"),
            organisation_id=self._organisation_id(opts.get("organisation")),
            estimators=_int(opts["estimators"], "--estimators"),
            min_gain=_min_gain(opts.get("min_gain")),
        )
        summary = {
            "model_version": row.version,
            "kind": row.kind,
            "promoted": row.is_current,
            "holdout": row.holdout_metrics,
            "promotion": row.card.get("promotion"),
        }
        if opts["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(
                f"{row.version} 已启用 promoted: AUC {row.holdout_metrics.get('auc')}"
            )
