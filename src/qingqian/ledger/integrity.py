"""``qingqian ledger verify``: re-check the stored log against its signed checkpoints, and the
rows the log covers against their entries.

The log itself: every entry is at its index (0..n-1, no gap), its leaf hash is
``SHA-256(0x00 ‖ entry)``, its public entry is the commitment to its private statement, the
entry bundles hold the same entries, the level-0 tiles the same leaf hashes, every hash of a
higher tile is the root of the full tile below it, every checkpoint is signed by the log key
and its root is the root of the tiles at its size, and the state row matches the newest.

The rows: apps register checks (``register_row_check``) that compare their rows with the
statements that logged them — timeline rows (cases), evidence versions and signed documents
(evidence). A changed row, entry, bundle or tile is reported with the first log index it
affects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from qingqian.ledger.canonical import COMMITMENT_DOMAIN
from qingqian.ledger.checkpoint import KeyChain, follow_keys, open_in_chain
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import EMPTY_ROOT, LEAF_PREFIX, root_from_leaf_hashes
from qingqian.ledger.models import Checkpoint, LogBundle, LogEntry, LogState, LogTile
from qingqian.ledger.selectors import (
    DbTileReader,
    key_announcements,
    log_first_key,
    log_verifier_key,
)
from qingqian.ledger.tiles import TILE_WIDTH, decode_entry_bundle, root_from_tiles

CHUNK_TILES = 64


@dataclass(frozen=True)
class Problem:
    index: int  # the first log index affected
    where: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "where": self.where,
            "message": f"{self.message_zh} / {self.message_en}",
        }


@dataclass
class IntegrityReport:
    size: int = 0
    checkpoints: int = 0
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_index(self) -> int | None:
        return min((p.index for p in self.problems), default=None)

    def as_dict(self) -> dict[str, object]:
        ordered = sorted(self.problems, key=lambda p: (p.index, p.where))
        return {
            "ok": self.ok,
            "size": self.size,
            "checkpoints": self.checkpoints,
            "rows_checked": self.rows,
            "first_bad_index": self.first_bad_index,
            "problems": [p.as_dict() for p in ordered[:100]],
            "problem_count": len(self.problems),
        }


RowCheck = Callable[[], Iterable[Problem | int]]
_ROW_CHECKS: list[RowCheck] = []


def register_row_check(check: RowCheck) -> RowCheck:
    """Register a check of rows the log covers: it yields a ``Problem`` per bad row and an
    ``int`` (rows checked) per batch."""
    if check not in _ROW_CHECKS:
        _ROW_CHECKS.append(check)
    return check


def _entries(begin: int, end: int) -> dict[int, tuple[bytes, bytes | None, bytes]]:
    rows = LogEntry.objects.filter(index__gte=begin, index__lt=end).values_list(
        "index", "statement", "opening", "leaf_hash"
    )
    return {
        i: (bytes(s), None if o is None else bytes(o), bytes(h))
        for i, s, o, h in rows
        if i is not None
    }


def _check_entries(size: int, report: IntegrityReport) -> None:
    sha256 = hashlib.sha256
    span = TILE_WIDTH * CHUNK_TILES
    for begin in range(0, size, span):
        end = min(size, begin + span)
        entries = _entries(begin, end)
        first, last = begin // TILE_WIDTH, (end - 1) // TILE_WIDTH
        tiles = {
            n: bytes(d)
            for n, d in LogTile.objects.filter(
                level=0, index__gte=first, index__lte=last
            ).values_list("index", "data")
        }
        bundles = {
            n: bytes(d)
            for n, d in LogBundle.objects.filter(index__gte=first, index__lte=last).values_list(
                "index", "data"
            )
        }
        for n in range(first, last + 1):
            lo, hi = n * TILE_WIDTH, min(size, (n + 1) * TILE_WIDTH)
            tile = tiles.get(n, b"")
            try:
                bundle = decode_entry_bundle(bundles[n], hi - lo) if n in bundles else None
            except LedgerError:
                bundle = None
            if bundle is None:
                report.problems.append(
                    Problem(lo, f"tile/entries/{n}", "条目包缺失或损坏", "entry bundle missing")
                )
            for i in range(lo, hi):
                found = entries.get(i)
                if found is None:
                    report.problems.append(
                        Problem(i, f"entry {i}", "条目缺失", "the entry is missing")
                    )
                    continue
                public, opening, stored_hash = found
                leaf = sha256(LEAF_PREFIX + public).digest()
                if opening is not None and sha256(COMMITMENT_DOMAIN + opening).digest() != public:
                    report.problems.append(
                        Problem(
                            i,
                            f"entry {i}",
                            "语句与公开条目（承诺）不符",
                            "the statement does not match its public entry (commitment)",
                        )
                    )
                if leaf != stored_hash:
                    report.problems.append(
                        Problem(i, f"entry {i}", "叶子哈希不符", "the leaf hash does not match")
                    )
                offset = (i - lo) * 32
                if tile[offset : offset + 32] != leaf:
                    report.problems.append(
                        Problem(i, f"tile/0/{n}", "瓦片中的哈希不符", "the tile hash differs")
                    )
                if bundle is not None and bundle[i - lo] != public:
                    report.problems.append(
                        Problem(i, f"tile/entries/{n}", "条目包内容不符", "the bundle differs")
                    )


def _check_upper_tiles(size: int, report: IntegrityReport) -> None:
    level = 1
    while size >= TILE_WIDTH**level:
        for n, width, data in LogTile.objects.filter(level=level).values_list(
            "index", "width", "data"
        ):
            data = bytes(data)
            children = {
                c: bytes(d)
                for c, d in LogTile.objects.filter(
                    level=level - 1,
                    index__gte=n * TILE_WIDTH,
                    index__lt=n * TILE_WIDTH + width,
                ).values_list("index", "data")
            }
            for i in range(width):
                child = children.get(n * TILE_WIDTH + i, b"")
                hashes = [child[k : k + 32] for k in range(0, len(child), 32)]
                expected = (
                    root_from_leaf_hashes(hashes[:TILE_WIDTH])
                    if len(hashes) >= TILE_WIDTH
                    else None
                )
                start = (n * TILE_WIDTH + i) * TILE_WIDTH**level
                span = range(start, start + TILE_WIDTH**level)
                if expected != data[i * 32 : (i + 1) * 32] and not any(
                    p.index in span for p in report.problems
                ):  # a bad tile below is reported at its own index
                    report.problems.append(
                        Problem(
                            start,
                            f"tile/{level}/{n}",
                            "上层瓦片与下层不符",
                            "a higher tile does not match the tile below",
                        )
                    )
        level += 1


def _key_chain(report: IntegrityReport) -> KeyChain | None:
    """The log's keys, followed from the pinned first key through the announcements (the
    configured key stands pinned while none was announced)."""
    announcements = key_announcements()
    first = log_first_key()
    if first is None and announcements:
        report.problems.append(
            Problem(
                announcements[0].size,
                "keys",
                "日志密钥已更换，但未固定首个日志公钥（QINGQIAN_LOG_FIRST_KEY），无法验证密钥链",
                "the log key was rotated but the first log key is not pinned "
                "(QINGQIAN_LOG_FIRST_KEY): the chain of keys cannot be verified",
            )
        )
        return None
    try:
        return follow_keys(first or log_verifier_key(), [a.note for a in announcements])
    except LedgerError as exc:
        size = int(exc.details.get("size", 0) or 0)
        report.problems.append(
            Problem(
                max(0, size - 1),
                "keys",
                exc.message_zh,
                f"{exc.message_en} [{exc.code}]",
            )
        )
        return None


def _check_checkpoints(size: int, report: IntegrityReport) -> None:
    chain = _key_chain(report)
    if chain is None:
        return
    reader = DbTileReader()
    for checkpoint in Checkpoint.objects.order_by("size").iterator():
        report.checkpoints += 1
        where = f"checkpoint {checkpoint.size}"
        first = max(0, checkpoint.size - 1)
        try:
            opened = open_in_chain(checkpoint.note, chain)
            root = root_from_tiles(checkpoint.size, reader) if checkpoint.size else EMPTY_ROOT
        except LedgerError as exc:
            report.problems.append(
                Problem(first, where, exc.message_zh, f"{exc.message_en} [{exc.code}]")
            )
            continue
        if opened.checkpoint.size != checkpoint.size or opened.checkpoint.root_hash != root:
            report.problems.append(
                Problem(
                    first,
                    where,
                    "签名检查点的根与存储的瓦片不符",
                    "the signed root does not match the stored tiles",
                )
            )
        if checkpoint.size > size:
            report.problems.append(
                Problem(size, where, "检查点超出日志大小", "the checkpoint is beyond the log")
            )


def ledger_verify(*, rows: bool = True) -> IntegrityReport:
    """Re-hash the log and (with ``rows``) the rows it covers; see the module docstring."""
    state = LogState.objects.filter(pk=1).first()
    size = state.size if state else 0
    report = IntegrityReport(size=size)
    count = LogEntry.objects.filter(index__isnull=False).count()
    if count != size:
        report.problems.append(
            Problem(
                min(count, size),
                "entries",
                f"已排序条目数 {count} 与日志大小 {size} 不符",
                f"{count} sequenced entries for a log of size {size}",
            )
        )
    _check_entries(size, report)
    _check_upper_tiles(size, report)
    _check_checkpoints(size, report)
    if state is not None and size:
        try:
            root = root_from_tiles(size, DbTileReader())
        except LedgerError:
            root = b""
        if bytes(state.root_hash) != root:
            report.problems.append(
                Problem(size - 1, "state", "日志状态的根不符", "the state's root does not match")
            )
    if rows:
        for check in _ROW_CHECKS:
            for found in check():
                if isinstance(found, Problem):
                    report.problems.append(found)
                else:
                    report.rows += found
    return report


def statements_of(kinds: Iterable[str] | None = None, prefix: str = "") -> Iterator[LogEntry]:
    """Sequenced entries with a private statement, by kind or kind prefix, in index order."""
    entries = LogEntry.objects.filter(index__isnull=False, opening__isnull=False)
    if kinds is not None:
        entries = entries.filter(kind__in=list(kinds))
    if prefix:
        entries = entries.filter(kind__startswith=prefix)
    return entries.order_by("index").only("index", "opening", "kind").iterator(chunk_size=2000)
