"""What every alert that stays until a clinician acknowledges it shares: the acknowledgement.

Safety alerts (visits.questionnaires) and critical result alerts (visits.results) both record who
acknowledged them, when, the outcome chosen from the alert's `Outcome` list and a note, once: a
second acknowledgement changes nothing. Each service passes its own model and rule.
"""

from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from visits.audit import AuditEvent, audit_change

NOTE_KEPT = 500


def acknowledge[AlertModel: models.Model](
    alert: AlertModel,
    *,
    actor: Any,
    outcome: str,
    note: str,
    what: str,
    ip_address: str | None,
    may_acknowledge: Callable[[AlertModel], bool] = lambda alert: True,
) -> AlertModel:
    """Lock the alert, check `may_acknowledge` on its fresh row (PermissionError if not), and
    record the first acknowledgement with its audit event, in one transaction."""
    model = type(alert)
    outcomes = model.Outcome  # type: ignore[attr-defined]
    if outcome not in outcomes.values:
        raise ValueError(f"Unknown outcome {outcome!r}.")
    if outcome == outcomes.OTHER and not note.strip():
        raise ValueError("An outcome of 'other' needs a note saying what was done.")
    with transaction.atomic():
        fresh = model._default_manager.select_for_update().get(pk=alert.pk)
        if not may_acknowledge(fresh):
            raise PermissionError("Only a clinician the alert is for acknowledges it.")
        if fresh.acknowledged_at is None:  # type: ignore[attr-defined]
            fresh.acknowledged_at = timezone.now()  # type: ignore[attr-defined]
            fresh.acknowledged_by = actor  # type: ignore[attr-defined]
            fresh.outcome = outcome  # type: ignore[attr-defined]
            fresh.note = note.strip()[:NOTE_KEPT]  # type: ignore[attr-defined]
            fresh.save(update_fields=["acknowledged_at", "acknowledged_by", "outcome", "note"])
            audit_change(
                actor=actor,
                action=AuditEvent.Action.UPDATE,
                what=what,
                records=[(fresh.patient_id, fresh.pk)],  # type: ignore[attr-defined]
                ip_address=ip_address,
            )
    return fresh
