"""Re-encrypting every stored identifier under a new field key (docs/security.md, "Keys").

``field_key_rotate`` walks each encrypted column in primary-key batches, one transaction a
batch, and rewrites each value under the new key. It is idempotent: values already under
the new key are left alone, so an interrupted run is simply run again. Look-up hashes do
not change (they use ``QINGQIAN_LOOKUP_KEY``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from qingqian.accounts.models import User
from qingqian.audit.services import audit_record_many
from qingqian.cases.models import HotlineCall
from qingqian.common import crypto
from qingqian.parties.models import Party

#: (model, encrypted columns) for every identifier stored encrypted.
ENCRYPTED: tuple[tuple[type[Any], tuple[str, ...]], ...] = (
    (Party, ("id_number_enc", "phone_enc")),
    (HotlineCall, ("callback_phone_enc",)),
)


def field_key_rotate(*, new_key: bytes, actor: User | None, batch: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted value under ``new_key``; returns rewritten counts by table."""
    if len(new_key) != 32:
        raise ValueError("the new field key must be 32 bytes")
    counts: dict[str, int] = {}
    for model, columns in ENCRYPTED:
        label = model._meta.label_lower
        counts[label] = 0
        last = 0
        while True:
            with transaction.atomic():
                rows = list(
                    model.objects.select_for_update()
                    .filter(pk__gt=last)
                    .order_by("pk")
                    .only("pk", *columns)[:batch]
                )
                if not rows:
                    break
                changed = []
                for row in rows:
                    dirty = False
                    for column in columns:
                        token = crypto.reencrypt(getattr(row, column), new_key=new_key)
                        if token is not None:
                            setattr(row, column, token)
                            dirty = True
                    if dirty:
                        changed.append(row)
                model.objects.bulk_update(changed, list(columns))
                counts[label] += len(changed)
                last = rows[-1].pk
                if changed:
                    audit_record_many(
                        actor=actor,
                        organisation=None,
                        action="keys.field_rotate",
                        object_type=label,
                        rows=((r.pk, {"columns": list(columns)}) for r in changed),
                    )
    return counts
