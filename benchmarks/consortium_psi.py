"""PSI between two consortium members against the naive exchange of hashed lists (the peer).

One member (the asker) holds ``--size`` codes, the other (the answerer) as many, with
``--overlap`` in common: valid fictitious unified social credit codes (python-stdnum checks
them). Both protocols run end to end in this process, the same run:

* **PSI** (``qingqian.consortium.psi``, OpenMined ECDH-PSI): the asker blinds its list, the
  answerer re-blinds it and sends its own list blinded in a padded GCS filter, the asker
  computes the intersection. Messages are serialised and parsed as on the wire.
* **Hashed lists** (the peer): the answerer sends SHA-256 of each of its codes; the asker
  hashes its own and intersects. Fast, and it discloses the answerer's list to anyone who
  hashes the public register (docs/consortium-threat-model.md).

Prints seconds (best of ``--repeat``), bytes on the wire, the two intersections (which must
agree) and the load average before and after.

    .venv/bin/python benchmarks/consortium_psi.py                 # 10,000 × 10,000
    .venv/bin/python benchmarks/consortium_psi.py --size 1000     # quick
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from stdnum.cn import uscc

from qingqian.consortium.psi import PsiAsker, psi_answer


def code(n: int) -> str:
    base = f"91320594{n:09d}"
    return base + uscc.calc_check_digit(base)


def run_psi(asker_codes: list[str], answerer_codes: list[str]) -> tuple[float, int, set[str]]:
    start = time.perf_counter()
    asker = PsiAsker(asker_codes)
    request = asker.request()
    setup, response = psi_answer(request, answerer_codes)
    found = set(asker.matches(setup, response))
    return time.perf_counter() - start, len(request) + len(setup) + len(response), found


def run_hashed(asker_codes: list[str], answerer_codes: list[str]) -> tuple[float, int, set[str]]:
    start = time.perf_counter()
    sent = b"".join(hashlib.sha256(c.encode()).digest() for c in answerer_codes)
    theirs = {sent[i : i + 32] for i in range(0, len(sent), 32)}
    found = {c for c in asker_codes if hashlib.sha256(c.encode()).digest() in theirs}
    return time.perf_counter() - start, len(sent), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--overlap", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asker_codes = [code(n) for n in range(args.size)]
    answerer_codes = [
        code(n) for n in range(args.size - args.overlap, 2 * args.size - args.overlap)
    ]
    load_before = os.getloadavg()
    psi = min(
        (run_psi(asker_codes, answerer_codes) for _ in range(args.repeat)), key=lambda r: r[0]
    )
    hashed = min(
        (run_hashed(asker_codes, answerer_codes) for _ in range(args.repeat)), key=lambda r: r[0]
    )
    load_after = os.getloadavg()
    if psi[2] != hashed[2] or len(psi[2]) != args.overlap:
        raise SystemExit("the two intersections differ")
    print(f"codes: {args.size:,} × {args.size:,}, overlap {args.overlap:,}, best of {args.repeat}")
    print(f"PSI (openmined-psi ECDH, GCS filter) : {psi[0]:8.3f} s  {psi[1]:>12,} bytes")
    print(f"hashed lists (SHA-256, peer)        : {hashed[0]:8.3f} s  {hashed[1]:>12,} bytes")
    print(f"PSI / peer                          : {psi[0] / hashed[0]:8.0f} ×")
    print(f"intersection: {len(psi[2]):,} codes, same in both")
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*load_before))
    print("load average after : {:.2f} {:.2f} {:.2f}".format(*load_after))
    print(f"cpus: {os.cpu_count()}")


if __name__ == "__main__":
    main()
