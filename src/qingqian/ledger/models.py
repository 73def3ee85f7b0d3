"""Storage of the case log: entries, C2SP tlog tiles and entry bundles, checkpoints.

Entries are appended *pending* (``index`` is NULL) inside the caller's transaction and
sequenced later, in batches, by ``services.ledger_integrate`` under a row lock on the single
``LogState`` row. Tiles and bundles keep one row per coordinate holding the widest version
seen (hashes are append-only, so a narrower version is a prefix of it).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RowIdField(models.BigAutoField):
    """A ``BigAutoField`` that SQLite keeps as a plain alias of the rowid, without
    ``AUTOINCREMENT``. With it SQLite reads and rewrites its ``sqlite_sequence`` table on
    every inserted row, about a quarter of the cost of a bulk insert of log entries; without
    it a new row takes the largest rowid plus one. The log never deletes entries, so the
    only ids that can come back are those of rows whose transaction rolled back, which no
    one ever saw. Other databases are unchanged (an identity column on PostgreSQL)."""

    def db_type_suffix(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return None
        suffix: str | None = super().db_type_suffix(connection)  # type: ignore[misc]  # not in django-stubs
        return suffix


class LogEntry(models.Model):
    """``statement`` holds the *public entry*, the bytes the tree and the entry bundles
    carry: for entries written since commitments (``opening`` set) the 32-byte
    ``statement_commitment`` of the private statement in ``opening``; for older entries the
    statement itself (``opening`` NULL). ``kind`` and ``case_id`` are private look-ups."""

    id = RowIdField(primary_key=True, serialize=False, verbose_name="ID")
    index = models.BigIntegerField(_("序号"), null=True, blank=True, unique=True)
    statement = models.BinaryField(_("公开条目"))
    opening = models.BinaryField(_("规范化语句（RFC 8785，不公开）"), null=True, blank=True)
    leaf_hash = models.BinaryField(max_length=32)
    kind = models.CharField(_("事件类型"), max_length=48)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("写入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("日志条目")
        verbose_name_plural = _("日志条目")
        indexes = [
            models.Index(
                fields=["id"], condition=Q(index__isnull=True), name="ledger_entry_pending"
            )
        ]

    def __str__(self) -> str:
        where = "pending" if self.index is None else f"#{self.index}"
        return f"{where} {self.kind}"

    @property
    def private_statement(self) -> bytes:
        """The canonical statement (RFC 8785) this entry commits to."""
        return bytes(self.opening if self.opening is not None else self.statement)

    @property
    def committed(self) -> bool:
        return self.opening is not None


class LogTile(models.Model):
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    width = models.PositiveSmallIntegerField()
    data = models.BinaryField()

    class Meta:
        verbose_name = _("哈希瓦片")
        verbose_name_plural = _("哈希瓦片")
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="ledger_tile_unique")
        ]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.index} w{self.width}"


class LogBundle(models.Model):
    index = models.BigIntegerField(unique=True)
    width = models.PositiveSmallIntegerField()
    data = models.BinaryField()

    class Meta:
        verbose_name = _("条目包")
        verbose_name_plural = _("条目包")

    def __str__(self) -> str:
        return f"entries {self.index} w{self.width}"


class LogState(models.Model):
    """The single row (pk=1) every integration locks: current size and root."""

    size = models.BigIntegerField(default=0)
    root_hash = models.BinaryField(max_length=32, default=b"")
    # Every pending entry has an id above this (PostgreSQL; services._advance_floor).
    pending_floor = models.BigIntegerField(default=0)
    # The compact range of the tree: the hashes of its largest perfect subtrees, left to
    # right (one per set bit of ``size``), concatenated; their fold is ``root_hash``. Lets
    # one appended entry update the root with about one hash instead of rehashing the
    # right-edge tiles. Empty (or not folding to the root) means: rebuild from the tiles.
    frontier = models.BinaryField(default=b"", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("日志状态")
        verbose_name_plural = _("日志状态")

    def __str__(self) -> str:
        return f"size {self.size}"


class Checkpoint(models.Model):
    size = models.BigIntegerField(_("树大小"), unique=True)
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField(_("签名检查点"))
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("检查点")
        verbose_name_plural = _("检查点")
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Cosignature(models.Model):
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="cosignatures"
    )
    witness = models.CharField(_("见证人"), max_length=200)
    key_id = models.CharField(max_length=8)
    line = models.TextField(_("联署行"))
    timestamp = models.BigIntegerField(_("联署时间（POSIX 秒）"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("见证人联署")
        verbose_name_plural = _("见证人联署")
        ordering = ["witness"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "witness", "key_id"], name="ledger_cosignature_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.witness} @ {self.checkpoint_id}"


class CheckpointTimestamp(models.Model):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="timestamps")
    authority = models.CharField(max_length=200)
    token = models.BinaryField()
    gen_time = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("可信时间戳")
        verbose_name_plural = _("可信时间戳")

    def __str__(self) -> str:
        return f"{self.authority} {self.gen_time:%Y-%m-%d %H:%M:%S}"
