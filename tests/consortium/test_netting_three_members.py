"""Clearing across the consortium (issue 23): three Qingqian instances on loopback, each a
real server on its own database, behind recording proxies. A convenes a netting round with
B and C; B's client firm P and C's client firm Q consent and submit the receivables they
hold (Q owes P two invoices at B, P owes Q one at C, each has one more debtor off the
cycle); A runs the solver and sends each its signed result. The test checks what crossed
the wire (B's result holds none of C's lines, amounts or debtors, and the other way round),
that a replayed submission is refused, that each side verified and logged the same input
digest and result, and that the set-offs reduce each side's own invoices only once every
participant accepted and A announced it."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from qingqian.ledger.note import generate_signer
from tests.consortium.test_three_members import Wire, recording_proxy
from tests.ops.procs import serving
from tests.support import make_uscc

pytestmark = pytest.mark.server

P, Q, Z, W = 11, 12, 13, 14  # make_uscc numbers: P at B, Q at C; Z and W off the cycle
B_INVOICES = [
    {"debtor": Q, "name": "无锡电子元件有限公司", "amount": "31234.56", "due": "2026-01-10"},
    {"debtor": Q, "name": "无锡电子元件有限公司", "amount": "52345.67", "due": "2026-03-10"},
    {"debtor": Z, "name": "常州包装材料有限公司", "amount": "54321.09", "due": "2026-02-10"},
]
C_INVOICES = [
    {"debtor": P, "name": "苏州精密制造有限公司", "amount": "61111.11", "due": "2026-02-01"},
    {"debtor": W, "name": "南通纺织印染有限公司", "amount": "12345.67", "due": "2026-04-01"},
]


@pytest.fixture(autouse=True)
def _once_per_ci_run() -> None:
    """Own processes on own SQLite databases: run in the SQLite pass only."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("runs once, in the SQLite pass (it makes its own databases)")


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    full.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], env=full, capture_output=True, text=True, check=False,
        cwd=Path(__file__).resolve().parents[2], timeout=600,
    )  # fmt: skip


def _cli(env: dict[str, str], *args: str) -> str:
    out = _run(env, "-m", "qingqian.cli", *args)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql).fetchall())


def _fen(amount: str) -> bytes:
    return str(int(amount.replace(".", ""))).encode()


def test_a_convenes_b_and_c_submit_each_sees_only_its_own_lines(tmp_path: Path) -> None:
    template = tmp_path / "template.sqlite3"
    base_env = {
        "QINGQIAN_DEV": "1",
        "QINGQIAN_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }
    _cli({**base_env, "DATABASE_URL": f"sqlite:///{template}"}, "migrate", "--noinput")
    envs: dict[str, dict[str, str]] = {}
    for name in ("a", "b", "c"):
        db = tmp_path / f"{name}.sqlite3"
        shutil.copy(template, db)
        (tmp_path / name).mkdir()
        key = generate_signer(f"{name}.test/consortium")
        envs[name] = {
            **base_env,
            "DATABASE_URL": f"sqlite:///{db}",
            "QINGQIAN_DATA_DIR": str(tmp_path / name),
            "QINGQIAN_CONSORTIUM_NAME": key.name,
            "QINGQIAN_CONSORTIUM_SIGNING_KEY": key.encode(),
        }

    def seed(name: str, spec: dict[str, Any]) -> dict[str, Any]:
        out = _run(envs[name], "-m", "tests.consortium.seed_netting", json.dumps(spec))
        assert out.returncode == 0, out.stderr
        return dict(json.loads(out.stdout))

    seed("b", {"creditor": {"n": P, "name": "苏州精密制造有限公司"}, "invoices": B_INVOICES})
    seed("c", {"creditor": {"n": Q, "name": "无锡电子元件有限公司"}, "invoices": C_INVOICES})

    wire = Wire()
    with ExitStack() as stack:
        urls = {}
        for name in ("a", "b", "c"):
            base, _proc = stack.enter_context(
                serving(
                    envs[name], tmp_path / f"{name}.log", "--workers", "1", "--threads", "2",
                    "--task-workers", "0", migrate=False,
                )
            )  # fmt: skip
            urls[name] = stack.enter_context(recording_proxy(name, base, wire))
        members = []
        for name in ("a", "b", "c"):
            key_name, _url, key = _cli(envs[name], "consortium", "key").split()
            members += ["--member", key_name, urls[name], key]
        note = _cli(envs["a"], "consortium", "publish", "--version", "1", *members)
        (tmp_path / "members.note").write_text(note, encoding="utf-8")
        for name in ("a", "b", "c"):
            _cli(envs[name], "consortium", "adopt", str(tmp_path / "members.note"),
                 "--convener-key", members[3])  # fmt: skip

        # A convenes; B and C receive the signed invitation.
        invite = ["--member", "b.test/consortium", "--member", "c.test/consortium"]
        rid = _cli(envs["a"], "consortium", "netting", "open", "--title", "长三角链条清欠", *invite)
        rid = rid.strip()
        # Nothing is submitted before the firm's consent is recorded.
        early = _run(envs["b"], "-m", "qingqian.cli", "consortium", "netting", "submit", rid)
        assert early.returncode == 2 and "consent_first" in early.stderr
        for name, firm in (("b", P), ("c", Q)):
            _cli(envs[name], "consortium", "netting", "consent", rid, "--creditor", make_uscc(firm))
            shown = json.loads(_cli(envs[name], "consortium", "netting", "submit", rid))
            assert shown["state"] == "submitted"

        # A replayed submission (B's own signed bytes, sent again) is refused, nothing stored.
        [b_submit] = [r for r in wire.records if r[1] == "/consortium/v1/netting/submit"
                      and r[2].find(b'"from":"b.test/consortium"') >= 0]  # fmt: skip
        replay = urllib.request.Request(  # noqa: S310 (loopback)
            urls["a"] + "/consortium/v1/netting/submit", data=b_submit[2], method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(replay, timeout=30)  # noqa: S310
        assert refused.value.code == 409
        assert json.loads(refused.value.read())["code"] == "replayed"

        ran = json.loads(_cli(envs["a"], "consortium", "netting", "run", rid))
        assert ran["state"] == "solved"
        assert ran["cleared"] == "122222.22"  # 61,111.11 each way round the P-Q cycle
        assert ran["size"] == 5
        assert all(s["submitted"] and s["result_sent"] for s in ran["seats"])

        b = json.loads(_cli(envs["b"], "consortium", "netting", "show", rid))
        c = json.loads(_cli(envs["c"], "consortium", "netting", "show", rid))
        for side in (b, c):  # each verified and holds the same signed digests as A
            assert side["state"] == "solved"
            for key in ("input_root", "result_root", "result_digest", "size"):
                assert side[key] == ran[key], key
        assert sorted((x["invoice"], x["setoff"]) for x in b["lines"]) == [
            ("INV-11-1", "31234.56"), ("INV-11-2", "29876.55"), ("INV-11-3", "0.00"),
        ]  # fmt: skip
        assert sorted((x["invoice"], x["setoff"]) for x in c["lines"]) == [
            ("INV-12-1", "61111.11"), ("INV-12-2", "0.00"),
        ]  # fmt: skip

        # What crossed the wire: B's result carries only B's lines, C's only C's; neither
        # side ever received the other's amounts, line ids, salts or off-cycle debtor.
        def results_to(target: str) -> bytes:
            rows = [r for r in wire.records if r[0] == target and r[1].endswith("/result")]
            assert len(rows) == 1
            return rows[0][2]

        def secrets_of(name: str, invoices: list[dict[str, Any]], off: int) -> list[bytes]:
            sql = "SELECT line_id, salt FROM consortium_sharedline"
            ids = _rows(tmp_path / f"{name}.sqlite3", sql)
            return (
                [v.encode() for row in ids for v in row]
                + [_fen(i["amount"]) for i in invoices]
                + [make_uscc(off).encode()]
            )

        b_secrets = secrets_of("b", B_INVOICES, Z)
        c_secrets = secrets_of("c", C_INVOICES, W)
        assert len(b_secrets) == 10 and len(c_secrets) == 7
        to_b, to_c = wire.bodies("b"), wire.bodies("c")
        assert all(s in results_to("b") for s in b_secrets[:6:2])  # B's own line ids are there
        for s in c_secrets:
            assert s not in to_b, s
        for s in b_secrets:
            assert s not in to_c, s
        # B never received anything of C's at all, or C of B's: only from A.
        assert all(json.loads(r[2].split(b"\n", 1)[0])["from"] == "a.test/consortium"
                   for r in wire.records if r[0] in ("b", "c"))  # fmt: skip

        def outstanding(name: str) -> list[tuple[str, str]]:
            sql = "SELECT number, outstanding FROM cases_invoice ORDER BY number"
            rows = _rows(tmp_path / f"{name}.sqlite3", sql)
            return [(n, str(Decimal(str(o)).quantize(Decimal("0.01")))) for n, o in rows]

        # B accepts first: nothing is applied while C has not answered.
        b_before = outstanding("b")
        done = json.loads(_cli(envs["b"], "consortium", "netting", "accept", rid))
        assert done["state"] == "accepted" and not any(x["applied"] for x in done["lines"])
        assert outstanding("b") == b_before
        # C accepts last: A announces the outcome (signed) and each applies its own set-offs.
        done = json.loads(_cli(envs["c"], "consortium", "netting", "accept", rid))
        assert done["state"] == "applied"
        b = json.loads(_cli(envs["b"], "consortium", "netting", "show", rid))
        assert b["state"] == "applied"
        assert all(x["applied"] or x["setoff"] == "0.00" for x in b["lines"] + done["lines"])
        assert outstanding("b") == [
            ("INV-11-1", "0.00"), ("INV-11-2", "22469.12"), ("INV-11-3", "54321.09"),
        ]  # fmt: skip
        assert outstanding("c") == [("INV-12-1", "0.00"), ("INV-12-2", "12345.67")]
        final = json.loads(_cli(envs["a"], "consortium", "netting", "show", rid))
        assert final["state"] == "applied"
        assert [(s["decision"], s["final_sent"]) for s in final["seats"]] == [
            ("accepted", True), ("accepted", True),
        ]  # fmt: skip

        # The input digest and the result are in each member's tamper-evident log.
        logged = (
            "SELECT count(*) FROM ledger_logentry "
            "WHERE kind IN ('consortium.netting_result', 'consortium.netting_final')"
        )
        for name in ("a", "b", "c"):
            assert _rows(tmp_path / f"{name}.sqlite3", logged) == [(2,)], name
