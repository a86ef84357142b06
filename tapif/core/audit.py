"""The audit log: one row per action, written inside the action's own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from tapif.core.models import AuditEntry, User


def audit_record(
    *, actor: User | None, action: str, target: models.Model, data: dict[str, Any] | None = None
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        data=data or {},
    )
