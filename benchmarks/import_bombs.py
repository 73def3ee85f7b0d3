"""Peak memory of the ledger reader on hostile files, beside the unbounded reader (peer).

Builds, streaming and in constant memory, the files of security finding 5:

* ``huge-cell.xlsx`` — a valid workbook whose one shared string is ``--cell-mb`` MB of one
  repeated letter: about 200 KB on disk;
* ``error-flood.xlsx`` — ``--error-rows`` rows whose every amount is invalid, so each row is
  an error: a few hundred KB on disk;
* ``legit.csv`` — a well-formed ledger of ``--legit-rows`` rows (the documented row limit),
  to show what an honest file at the limit costs.

Each file is read by ``qingqian.cases.ledger_parse.parse_ledger`` in a fresh subprocess
twice: with the default ``ReadLimits`` (what web, API and CLI use) and, as the peer, with
every limit lifted — the reader as it was before the fix. Each child runs under an address
space cap (``--cap-mb``, default 3072) and a time limit (``--timeout``, default 120 s), so
the peer cannot take the machine down; a peer stopped by either is reported as such.

Run: ``.venv/bin/python benchmarks/import_bombs.py [--cell-mb N] [--error-rows N]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

OOX = "http://schemas.openxmlformats.org"
PKG = f"{OOX}/package/2006"
DOC = f"{OOX}/officeDocument/2006/relationships"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>'
CONTENT_TYPES = (
    f'{XML_DECL}<Types xmlns="{PKG}/content-types">'
    f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{SML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SML}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SML}.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'{XML_DECL}<Relationships xmlns="{PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'{XML_DECL}<workbook xmlns="{OOX}/spreadsheetml/2006/main" xmlns:r="{DOC}">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'{XML_DECL}<Relationships xmlns="{PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
HEADER = ["客户名称", "发票号", "金额", "到期日"]
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    return (
        '<row r="1">'
        + "".join(_inline(f"{c}1", h) for c, h in zip("ABCD", HEADER, strict=True))
        + "</row>"
    )


def _xlsx(path: Path, sheet_rows: object, shared: object) -> None:
    """Write an XLSX whose sheet and shared strings come from generators of text chunks."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, chunks in (
            ("xl/worksheets/sheet1.xml", sheet_rows),
            ("xl/sharedStrings.xml", shared),
        ):
            with z.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:  # type: ignore[attr-defined]
                    part.write(chunk.encode("utf-8"))


def huge_cell(path: Path, mb: int) -> None:
    def sheet() -> object:
        yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'
        yield _header_row()
        yield '<row r="2">' + _inline("A2", "巨型单元格有限公司") + _inline("B2", "H-1")
        yield '<c r="C2" t="s"><v>0</v></c>' + _inline("D2", "2025-01-01") + "</row>"
        yield "</sheetData></worksheet>"

    def shared() -> object:
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="1" uniqueCount="1"><si><t>'
        block = "x" * (1 << 20)
        for _ in range(mb):
            yield block
        yield "</t></si></sst>"

    _xlsx(path, sheet(), shared())


def error_flood(path: Path, rows: int) -> None:
    def sheet() -> object:
        yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'
        yield _header_row()
        for n in range(2, rows + 2):
            yield (
                f'<row r="{n}">' + _inline(f"A{n}", "某公司") + _inline(f"B{n}", f"E{n}")
                + _inline(f"C{n}", "-1") + _inline(f"D{n}", "2025-01-01") + "</row>"
            )  # fmt: skip
        yield "</sheetData></worksheet>"

    def shared() -> object:
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="0" uniqueCount="0"/>'

    _xlsx(path, sheet(), shared())


def legit(path: Path, rows: int) -> None:
    from _ledger_gen import write_ledger

    write_ledger(path, rows)


CHILD = r"""
import json, resource, sys, time
cap_mb, path, name, unbounded = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
resource.setrlimit(resource.RLIMIT_AS, (cap_mb << 20, cap_mb << 20))
from pathlib import Path
from qingqian.cases.ledger_parse import ReadLimits, parse_ledger
from qingqian.common.exceptions import ApplicationError
big = 10**15
limits = ReadLimits(big, big, big, big) if unbounded else ReadLimits()
if unbounded:  # the reader as it was: no archive pre-check either
    import qingqian.cases.ledger_parse as lp
    lp.check_xlsx_archive = lambda *a, **k: None
t = time.perf_counter()
try:
    r = parse_ledger(Path(path), name, limits=limits)
    stopped = " (stopped)" if r.errors_truncated else ""
    outcome = f"{r.rows_seen} rows, {len(r.errors)} errors{stopped}"
except ApplicationError as exc:
    outcome = f"refused: {exc.code}"
except MemoryError:
    outcome = f"MemoryError at the {cap_mb} MB cap"
print(json.dumps({"outcome": outcome, "seconds": round(time.perf_counter() - t, 2),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def measure(path: Path, *, unbounded: bool, cap_mb: int, timeout: float) -> dict[str, object]:
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    start = time.perf_counter()
    try:
        out = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", CHILD, str(cap_mb), str(path), path.name, str(int(unbounded))],
            capture_output=True, text=True, timeout=timeout, env=env, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {
            "outcome": f"stopped at the {timeout:.0f} s limit",
            "seconds": timeout,
            "peak_rss_mb": None,
        }
    if out.returncode != 0 or not out.stdout.strip():
        tail = (out.stderr.strip().splitlines() or ["?"])[-1][:80]
        return {
            "outcome": f"died ({tail})",
            "seconds": round(time.perf_counter() - start, 2),
            "peak_rss_mb": None,
        }
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cell-mb", type=int, default=200)
    parser.add_argument("--error-rows", type=int, default=1_000_000)
    parser.add_argument("--legit-rows", type=int, default=200_000)
    parser.add_argument("--cap-mb", type=int, default=3072)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "huge-cell.xlsx": lambda p: huge_cell(p, args.cell_mb),
            "error-flood.xlsx": lambda p: error_flood(p, args.error_rows),
            "legit.csv": lambda p: legit(p, args.legit_rows),
        }
        print(f"{'file':<18} {'size':>9}  {'reader':<10} {'peak RSS':>9} {'time':>8}  outcome")
        for name, build in files.items():
            path = Path(tmp) / name
            build(path)
            size = f"{path.stat().st_size / 1024:,.0f} KB"
            for label, unbounded in (("bounded", False), ("peer", True)):
                r = measure(path, unbounded=unbounded, cap_mb=args.cap_mb, timeout=args.timeout)
                rss = f"{r['peak_rss_mb']} MB" if r["peak_rss_mb"] is not None else "—"
                print(
                    f"{name:<18} {size:>9}  {label:<10} {rss:>9} {r['seconds']:>7}s  {r['outcome']}"
                )


if __name__ == "__main__":
    main()
