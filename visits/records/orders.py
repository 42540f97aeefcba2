"""Prescriptions and lab orders from a visit: written by the visit's clinician, checked, audited.

Each service takes keyword-only arguments, checks what it is given itself (the forms ask the
same questions first, through `prescription_problems` and `lab_order_problems`, so a person
sees the message next to the field), and writes its rows and its audit event in one
transaction. Housecall never prescribes a controlled substance (DEA schedules II to V): the list
is data (visits/records/data/controlled_substances.json) and the refusal says why.
"""

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import policy
from visits.audit import AuditEvent, audit_change
from visits.records.formulary import controlled_substance, lab_test
from visits.records.models import LabOrder, Prescription
from visits.scheduling.models import Visit

MAX_REFILLS = 11
MAX_QUANTITY = 9999
# A clinician prescribes and orders once they have seen the patient: the visit has started
# (in progress) or is over (completed). A checked-in patient has not been seen yet.
ORDERABLE_STATUSES = (Visit.Status.IN_PROGRESS, Visit.Status.COMPLETED)


def _max_length(model: type[Prescription] | type[LabOrder], name: str) -> int:
    field = model._meta.get_field(name)
    length = getattr(field, "max_length", None)
    if not isinstance(length, int):  # every one of these is a CharField
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return length


LIMITS: dict[str, int] = {
    name: _max_length(Prescription, name)
    for name in ("medication", "strength", "directions", "quantity_unit", "pharmacy", "stop_reason")
} | {name: _max_length(LabOrder, name) for name in ("reason", "where_to_go", "instructions")}


class OrderRefused(Exception):
    """An order or a change that cannot be made, with a message for the clinician."""


class OrderInvalid(OrderRefused):
    """What was given for an order is wrong: a message per field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def _too_long(values: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    return {
        name: f"Keep this under {LIMITS[name] + 1} characters."
        for name in names
        if len(_text(values, name)) > LIMITS[name]
    }


def prescription_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with a prescription's values, by field; empty when it can be written."""
    problems: dict[str, str] = {}
    medication = _text(values, "medication")
    if not medication:
        problems["medication"] = "Enter the medication."
    elif (substance := controlled_substance(medication)) is not None:
        problems["medication"] = substance.refusal
    if not _text(values, "strength"):
        problems["strength"] = "Enter the strength, e.g. 500 mg."
    if values.get("form") not in Prescription.Form.values:
        problems["form"] = "Choose the form."
    if not _text(values, "directions"):
        problems["directions"] = "Enter the directions, e.g. Take 1 capsule by mouth 3 times daily."
    quantity = values.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        problems["quantity"] = "Enter a quantity of at least 1."
    elif quantity > MAX_QUANTITY:
        problems["quantity"] = f"Enter a quantity of at most {MAX_QUANTITY}."
    refills = values.get("refills")
    if not isinstance(refills, int) or isinstance(refills, bool) or not 0 <= refills <= MAX_REFILLS:
        problems["refills"] = f"Refills must be a whole number from 0 to {MAX_REFILLS}."
    if not isinstance(values.get("substitution_allowed"), bool):
        problems["substitution_allowed"] = "Say whether a generic may be dispensed."
    too_long = _too_long(
        values, ("medication", "strength", "directions", "quantity_unit", "pharmacy")
    )
    return too_long | problems


def lab_order_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with a lab order's values, by field; empty when it can be placed."""
    problems: dict[str, str] = {}
    if lab_test(_text(values, "loinc_code")) is None:
        problems["loinc_code"] = "Choose a test from the list."
    if not _text(values, "reason"):
        problems["reason"] = "Say why the test is needed."
    if not _text(values, "where_to_go"):
        problems["where_to_go"] = "Say where the patient should go, e.g. any Quest Diagnostics."
    return _too_long(values, ("reason", "where_to_go", "instructions")) | problems


def _open_visit(visit: Visit, actor) -> Visit:
    """The visit's fresh, locked row, if this clinician may order from it now; else refused."""
    fresh = Visit.objects.select_for_update().select_related("provider").get(pk=visit.pk)
    if not policy.DOCUMENTABLE_VISITS.allows(actor, fresh):
        raise OrderRefused("Only the visit's own clinician can order from it.")
    if fresh.status not in ORDERABLE_STATUSES:
        raise OrderRefused(
            "Prescriptions and lab orders are written once the visit has started; "
            f"this visit is {fresh.get_status_display().lower()}."
        )
    return fresh


def prescription_create(
    *,
    visit: Visit,
    actor,
    medication: str,
    strength: str,
    form: str,
    directions: str,
    quantity: int,
    refills: int,
    substitution_allowed: bool,
    pharmacy: str = "",
    quantity_unit: str = "",
    ip_address: str | None = None,
) -> Prescription:
    """Prescribe from a visit, by its clinician, once it has started; controlled substances are
    refused with the reason (OrderInvalid on `medication`)."""
    values = {
        "medication": medication,
        "strength": strength,
        "form": form,
        "directions": directions,
        "quantity": quantity,
        "quantity_unit": quantity_unit,
        "refills": refills,
        "substitution_allowed": substitution_allowed,
        "pharmacy": pharmacy,
    }
    problems = prescription_problems(values)
    if problems:
        raise OrderInvalid(problems)
    with transaction.atomic():
        fresh = _open_visit(visit, actor)
        prescription = Prescription.objects.create(
            visit=fresh,
            patient_id=fresh.patient_id,
            prescriber=actor,
            medication=medication.strip(),
            strength=strength.strip(),
            form=form,
            directions=directions.strip(),
            quantity=quantity,
            quantity_unit=quantity_unit.strip(),
            refills=refills,
            substitution_allowed=substitution_allowed,
            pharmacy=pharmacy.strip(),
        )
        audit_change(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            what="prescription",
            records=[(prescription.patient_id, prescription.pk)],
            ip_address=ip_address,
        )
    return prescription


def _change_status(
    prescription: Prescription,
    to: str,
    *,
    actor,
    reason: str = "",
    ip_address: str | None,
    now: datetime.datetime | None,
) -> Prescription:
    with transaction.atomic():
        fresh = (
            Prescription.objects.select_for_update()
            .select_related("visit__provider")
            .get(pk=prescription.pk)
        )
        if not policy.DOCUMENTABLE_VISITS.allows(actor, fresh.visit):
            raise OrderRefused("Only the clinician of the visit it was written at can change it.")
        if fresh.status != Prescription.Status.ACTIVE:
            raise OrderRefused(
                f"This prescription is already {fresh.get_status_display().lower()}."
            )
        fresh.status = to
        fresh.stop_reason = reason
        fresh.status_changed_at = now or timezone.now()
        fresh.status_changed_by = actor
        fresh.save(
            update_fields=["status", "stop_reason", "status_changed_at", "status_changed_by"]
        )
        audit_change(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            what="prescription",
            records=[(fresh.patient_id, fresh.pk)],
            ip_address=ip_address,
        )
    return fresh


def prescription_complete(
    *,
    prescription: Prescription,
    actor,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> Prescription:
    """Mark an active prescription completed (the course is finished); who and when are kept."""
    return _change_status(
        prescription, Prescription.Status.COMPLETED, actor=actor, ip_address=ip_address, now=now
    )


def prescription_stop(
    *,
    prescription: Prescription,
    actor,
    reason: str,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> Prescription:
    """Stop an active prescription, with the reason it was stopped; who and when are kept."""
    reason = (reason or "").strip()
    if not reason:
        raise OrderInvalid({"reason": "Say why the prescription is stopped."})
    if len(reason) > LIMITS["stop_reason"]:
        raise OrderInvalid({"reason": f"Keep this under {LIMITS['stop_reason'] + 1} characters."})
    return _change_status(
        prescription,
        Prescription.Status.STOPPED,
        actor=actor,
        reason=reason,
        ip_address=ip_address,
        now=now,
    )


def lab_order_create(
    *,
    visit: Visit,
    actor,
    loinc_code: str,
    reason: str,
    where_to_go: str,
    instructions: str = "",
    ip_address: str | None = None,
) -> LabOrder:
    """Order a lab test from the list for a visit, by its clinician, once it has started; the
    patient reads where to go and how to prepare (the test's usual instructions if none given)."""
    values = {
        "loinc_code": loinc_code,
        "reason": reason,
        "where_to_go": where_to_go,
        "instructions": instructions,
    }
    problems = lab_order_problems(values)
    if problems:
        raise OrderInvalid(problems)
    test = lab_test(loinc_code.strip())
    if test is None:  # checked above; this keeps the type checker informed
        raise OrderInvalid({"loinc_code": "Choose a test from the list."})
    with transaction.atomic():
        fresh = _open_visit(visit, actor)
        order = LabOrder.objects.create(
            visit=fresh,
            patient_id=fresh.patient_id,
            ordering_clinician=actor,
            test_name=test.name,
            loinc_code=test.loinc,
            reason=reason.strip(),
            where_to_go=where_to_go.strip(),
            instructions=instructions.strip() or test.instructions,
        )
        audit_change(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            what="lab order",
            records=[(order.patient_id, order.pk)],
            ip_address=ip_address,
        )
    return order
