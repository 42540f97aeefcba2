"""Results a clinician records by hand: one report and its observation, released and checked for
critical values exactly like those a lab sends."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from visits.audit import AuditEvent, audit_change
from visits.records.models import LabOrder
from visits.results.models import LabReport, Observation, ResultStatus
from visits.results.release import RELEASABLE, report_recorded


@dataclass(frozen=True)
class ManualResult:
    """One result as typed from a lab's report; the flag is computed when it is saved."""

    name: str
    value: Decimal | None
    value_text: str = ""
    loinc_code: str = ""
    unit: str = ""
    reference_low: Decimal | None = None
    reference_high: Decimal | None = None
    critical_low: Decimal | None = None
    critical_high: Decimal | None = None
    status: str = ResultStatus.FINAL
    collected_at: datetime.datetime | None = None


def result_enter(
    *,
    patient,
    result: ManualResult,
    actor,
    order: LabOrder | None = None,
    hold_reason: str = "",
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> LabReport:
    """Record a result typed by a clinician: a manual LabReport with its Observation, for the
    order's clinician (else the one entering it), then released and alerted as any report.

    With `hold_reason` the ordering clinician holds it from the patient before it is released.
    """
    now = now or timezone.now()
    ordering_clinician = order.ordering_clinician if order is not None else actor
    held = bool(hold_reason.strip()) and ordering_clinician == actor
    with transaction.atomic():
        report = LabReport.objects.create(
            held_at=now if held else None,
            held_by=actor if held else None,
            hold_reason=hold_reason.strip()[:500] if held else "",
            order=order,
            patient=patient,
            ordering_clinician=ordering_clinician,
            name=result.name,
            loinc_code=result.loinc_code,
            source=LabReport.Source.MANUAL,
            status=result.status,
            collected_at=result.collected_at,
            issued_at=now,
            entered_by=actor,
        )
        Observation.objects.create(
            report=report,
            patient=patient,
            loinc_code=result.loinc_code,
            name=result.name,
            value=result.value,
            value_text="" if result.value is not None else result.value_text,
            unit=result.unit,
            reference_low=result.reference_low,
            reference_high=result.reference_high,
            critical_low=result.critical_low,
            critical_high=result.critical_high,
            status=result.status,
            observed_at=result.collected_at,
        )
        if order is not None and order.status != LabOrder.Status.CANCELLED:
            resulted = result.status in RELEASABLE
            LabOrder.objects.filter(pk=order.pk).update(
                status=LabOrder.Status.RESULTED if resulted else LabOrder.Status.PARTIAL
            )
        audit_change(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            what="lab report, lab report hold" if held else "lab report",
            records=[(patient.pk, report.pk)],
            ip_address=ip_address,
        )
        report_recorded(report, now=now, actor=actor, ip_address=ip_address)
    return report
