"""Writing the audit trail: one row per change, in the change's own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models

from qingqian.audit.models import AuditEvent
from qingqian.common import clock
from qingqian.common.bulk import bulk_insert
from qingqian.common.middleware import current_request_id
from qingqian.common.system import system_job

if TYPE_CHECKING:
    from qingqian.accounts.models import Organisation, User


def _actor_fields(actor: User | None) -> dict[str, Any]:
    if actor is None:
        job = system_job()
        return {"actor": None, "actor_label": f"system:{job}" if job else "system"}
    return {"actor": actor, "actor_label": actor.get_username()}


def audit_record(
    *,
    actor: User | None,
    organisation: Organisation | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row. Call inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        organisation=organisation,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        at=clock.now(),
        request_id=current_request_id(),
        **_actor_fields(actor),
    )


def audit_record_many(
    *,
    actor: User | None,
    organisation: Organisation | None,
    action: str,
    object_type: str,
    rows: Iterable[tuple[Any, dict[str, Any] | None]],
) -> int:
    """Bulk variant for imports: one row per ``(object_id, after)``."""
    at = clock.now()
    rid = current_request_id()
    actor_fields = _actor_fields(actor)
    actor_id = actor.pk if actor is not None else None
    label = actor_fields["actor_label"]
    org_id = organisation.pk if organisation is not None else None
    return bulk_insert(
        AuditEvent,
        (
            "organisation",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "before",
            "after",
            "at",
            "request_id",
        ),
        (
            (org_id, actor_id, label, action, object_type, str(object_id), None, after, at, rid)
            for object_id, after in rows
        ),
    )
