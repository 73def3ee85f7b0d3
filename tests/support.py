"""Test helpers: valid-checksum fictitious identifiers and small builders."""

from __future__ import annotations

from stdnum.cn import ric, uscc


def make_uscc(n: int, region: str = "320594") -> str:
    """A fictitious unified social credit code with a valid check character."""
    base = f"91{region}{n:09d}"
    return base + uscc.calc_check_digit(base)


def make_ric(n: int, area: str = "320508", birth: str = "19850315") -> str:
    """A fictitious resident ID number with a valid ISO 7064 MOD 11-2 check digit."""
    base = f"{area}{birth}{n % 1000:03d}"
    return base + ric.calc_check_digit(base + "0")


def wrong_check(code: str) -> str:
    """The same code with a different (wrong) last character."""
    last = code[-1]
    return code[:-1] + ("1" if last != "1" else "2")


def reseed_reference_data() -> None:
    """Put back the rows data migrations seed (fee schedules, shared playbooks, contact policy
    presets): a transactional test's flush empties every table, migrations' rows included."""
    import importlib

    from django.apps import apps

    from qingqian.contact.presets import PRESETS as CONTACT_PRESETS
    from qingqian.contact.services import contact_policy_current
    from qingqian.fees.services import fee_schedules_seed

    fee_schedules_seed()
    playbooks = importlib.import_module("qingqian.strategy.migrations.0002_seed_default_playbooks")
    playbooks.seed(apps, None)
    for name in CONTACT_PRESETS:
        contact_policy_current(name)
