"""Done means (issue 23): three Qingqian instances on loopback, each a real server process
with its own database. Member A asks about debtor X; it learns that X is in default with B
(since when, B's court facts) and not with C, and nothing else about B's or C's debtors.
Every byte between the members passes through a recording proxy here, and the test checks
what crossed the wire: no code of B's or C's other debtors in clear, no unsalted hash of
one (hex or base64, SHA-256/SHA-1/MD5), no name of theirs; and X itself never goes to C.
Then B withdraws its answer (the debt was paid) and A's copy is marked withdrawn, and B's
rate limit stops A from going on asking."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from qingqian.ledger.note import generate_signer
from tests.ops.procs import serving
from tests.support import make_uscc

pytestmark = pytest.mark.server

X = 500  # the debtor A asks about (make_uscc numbers)
B_OTHERS = {501: "玄武精工机械有限公司", 502: "秦淮新材料科技有限公司"}
C_OTHERS = {601: "鼓楼物流供应链有限公司", 602: "建邺数码电子有限公司"}


@pytest.fixture(autouse=True)
def _once_per_ci_run() -> None:
    """Own processes on own SQLite databases: run in the SQLite pass only."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("runs once, in the SQLite pass (it makes its own databases)")


class Wire:
    """Every request and response body that crossed a proxy, by target member."""

    def __init__(self) -> None:
        self.records: list[tuple[str, str, bytes, int, bytes]] = []
        self.lock = threading.Lock()

    def bodies(self, target: str) -> bytes:
        return b"\n".join(
            req + b"\n" + resp for t, _p, req, _s, resp in self.records if t == target
        )


@contextmanager
def recording_proxy(target: str, upstream: str, wire: Wire) -> Iterator[str]:
    """An HTTP proxy on a free loopback port that forwards to ``upstream`` and records."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            req = urllib.request.Request(  # noqa: S310 (loopback)
                upstream + self.path, data=body, method="POST",
                headers={"Content-Type": self.headers.get("Content-Type", "text/plain")},
            )  # fmt: skip
            try:
                with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
                    status, data = resp.status, resp.read()
            except urllib.error.HTTPError as err:
                status, data = err.code, err.read()
            with wire.lock:
                wire.records.append((target, self.path, body, status, data))
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _run(env: dict[str, str], *args: str) -> str:
    full = {**os.environ, **env}
    full.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(  # noqa: S603
        [sys.executable, *args], env=full, capture_output=True, text=True, check=False,
        cwd=Path(__file__).resolve().parents[2], timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def _cli(env: dict[str, str], *args: str) -> str:
    return _run(env, "-m", "qingqian.cli", *args)


def _leaks(code: str) -> list[bytes]:
    """What a list of B's or C's codes could be sent as: the code, and its unsalted hashes
    (which anyone can reverse by hashing the public register)."""
    raw = code.encode()
    forms = [raw, code.lower().encode()]
    for algo in ("sha256", "sha1", "md5"):
        digest = hashlib.new(algo, raw).digest()
        forms += [digest.hex().encode(), digest.hex().upper().encode()]
        forms += [base64.b64encode(digest), base64.urlsafe_b64encode(digest).rstrip(b"=")]
        forms.append(digest)
    return forms


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_a_learns_x_is_in_default_with_b_not_c_and_nothing_else(tmp_path: Path) -> None:
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
    envs["b"]["QINGQIAN_CONSORTIUM_PER_HOUR"] = "6"

    def seed(name: str, debtors: list[dict[str, Any]]) -> list[str]:
        spec = json.dumps({"debtors": debtors}, ensure_ascii=False)
        return list(json.loads(_run(envs[name], "-m", "tests.consortium.seed", spec)))

    [a_ref] = seed("a", [{"n": X, "name": "姑苏债务有限公司", "due": "2026-01-15"}])
    b_refs = seed(
        "b",
        [{"n": X, "name": "姑苏债务有限公司", "due": "2025-02-10", "judgment": "2026-05-06",
          "dishonest": True}]
        + [{"n": n, "name": nm} for n, nm in B_OTHERS.items()],
    )  # fmt: skip
    seed("c", [{"n": n, "name": nm} for n, nm in C_OTHERS.items()])

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

        # The convener (A) signs the member list; every member checks and adopts it.
        members = []
        for name in ("a", "b", "c"):
            key_name, _url, key = _cli(envs[name], "consortium", "key").split()
            members += ["--member", key_name, urls[name], key]
        note = _cli(envs["a"], "consortium", "publish", "--version", "1", *members)
        (tmp_path / "members.note").write_text(note, encoding="utf-8")
        convener_key = members[3]
        for name in ("a", "b", "c"):
            _cli(envs[name], "consortium", "adopt", str(tmp_path / "members.note"),
                 "--convener-key", convener_key)  # fmt: skip

        answers = json.loads(_cli(envs["a"], "consortium", "ask", a_ref, "--json"))
        by_member = {row["member"]: row for row in answers}
        assert set(by_member) == {"b.test/consortium", "c.test/consortium"}
        b, c = by_member["b.test/consortium"], by_member["c.test/consortium"]
        assert b["status"] == "held" and c["status"] == "not_held", answers
        assert b["facts"]["since"] == "2025-02"
        assert b["facts"]["open_cases"] == 1
        assert b["facts"]["dishonest"] is True
        assert [j["on"] for j in b["facts"]["judgments"]] == ["2026-05-06"]
        assert c["facts"] == {} and c["error"] == ""

        # What crossed the wire: B and C each answered a PSI query; only B got a facts query.
        paths = [(t, p) for t, p, *_ in wire.records]
        assert ("b", "/consortium/v1/psi") in paths and ("b", "/consortium/v1/facts") in paths
        assert ("c", "/consortium/v1/psi") in paths and ("c", "/consortium/v1/facts") not in paths
        to_b, to_c = wire.bodies("b"), wire.bodies("c")
        x_code = make_uscc(X)
        assert x_code.encode() in to_b  # the capture is real: B was told X after the match
        assert not any(form in to_c for form in _leaks(x_code))  # C never learns A's query
        everything = to_b + to_c + wire.bodies("a")
        for n, company in {**B_OTHERS, **C_OTHERS}.items():
            for form in _leaks(make_uscc(n)):
                assert form not in everything, (n, form[:20])
            assert company.encode() not in everything
            assert company.encode("unicode_escape") not in everything

        # ... and nothing of theirs was stored on A either (database file and its WAL).
        stored = b"".join(p.read_bytes() for p in tmp_path.glob("a.sqlite3*"))
        for n in {**B_OTHERS, **C_OTHERS}:
            assert not any(form in stored for form in _leaks(make_uscc(n))), n

        # Logged on both sides: a row, a ledger entry and an audit row per message.
        messages = "SELECT count(*) FROM consortium_wiremessage"
        entries = (
            "SELECT count(*) FROM ledger_logentry WHERE kind IN ('consortium.in', 'consortium.out')"
        )
        audits = (
            "SELECT count(*) FROM compliance_auditevent "
            "WHERE action IN ('consortium.message_in', 'consortium.message_out')"
        )
        lists = "SELECT count(*) FROM ledger_logentry WHERE kind = 'consortium.members'"
        for name, expected in (("a", 6), ("b", 4), ("c", 2)):
            db = tmp_path / f"{name}.sqlite3"
            counts = [_count(db, sql) for sql in (messages, entries, audits, lists)]
            assert counts == [expected, expected, expected, 1], name

        # B's debtor paid: B withdraws; the withdrawal reaches A, which marks its copy.
        assert json.loads(_cli(envs["b"], "consortium", "withdraw", b_refs[0])) == {"delivered": 1}
        again = json.loads(_cli(envs["a"], "consortium", "answers", a_ref, "--json"))
        assert [r["withdrawn"] for r in again if r["member"] == "b.test/consortium"] == [True]
        # ... and X left B's shared list: a new question finds it nowhere.
        answers = json.loads(_cli(envs["a"], "consortium", "ask", a_ref, "--json"))
        latest = {r["member"]: r for r in answers if r["query"] == max(x["query"] for x in answers)}
        assert latest["b.test/consortium"]["status"] == "not_held"

        # B allows A six queries an hour (PSI and facts together): the next ones are refused.
        for _ in range(4):
            answers = json.loads(_cli(envs["a"], "consortium", "ask", a_ref, "--json"))
        last = max(x["query"] for x in answers)
        latest = {r["member"]: r for r in answers if r["query"] == last}
        assert latest["b.test/consortium"]["status"] == "failed"
        assert latest["b.test/consortium"]["error"] == "rate_limited"
        assert latest["c.test/consortium"]["status"] == "not_held"
        refused = "SELECT count(*) FROM consortium_wiremessage WHERE status = 429"
        assert _count(tmp_path / "b.sqlite3", refused) >= 1
