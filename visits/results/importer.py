"""Lab messages in: every message kept as an InboundResult, matched to its patient and order
or put on the reconciliation list with the reason, never attached to the wrong patient.

Matching is all or nothing: a message is attached only when its record number names a patient
whose date of birth and last name agree with the message, and every report's placer order
number names an order of that same patient. Anything else (no such patient, identifiers that
disagree, no such order, an order of someone else, a message that cannot be read) waits for
staff with the reason. Reasons never quote identifiers or values, so they may be printed.
"""

import datetime
import json
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import DataError, transaction
from django.utils import timezone

from accounts.models import PatientProfile, User
from visits.audit import AuditEvent, audit_change
from visits.records.models import LabOrder
from visits.results import release
from visits.results.fhir import looks_like_fhir, parse_fhir
from visits.results.hl7 import looks_like_hl7, parse_hl7
from visits.results.messages import MessageError, ObservationMessage, ReportMessage, ResultMessage
from visits.results.models import InboundResult, LabReport, Observation, ResultStatus

CRITICAL_LIMITS_FILE = Path(__file__).parent / "data" / "critical_limits.json"


@dataclass(frozen=True)
class CriticalLimits:
    low: Decimal | None
    high: Decimal | None
    unit: str

    def apply_to(self, unit: str) -> bool:
        """Limits hold only in their own unit (glucose in mg/dL is not glucose in mmol/L)."""
        if unit.strip().lower() == self.unit.lower():
            return True
        # A dimensionless annotation ({INR}) also covers a result sent without a unit.
        return self.unit.startswith("{") and (not unit.strip() or unit.startswith("{"))


@cache
def critical_limits() -> dict[str, CriticalLimits]:
    """The critical value limits by LOINC code (visits/results/data/critical_limits.json)."""
    data = json.loads(CRITICAL_LIMITS_FILE.read_text(encoding="utf-8"))
    return {
        code: CriticalLimits(
            low=Decimal(entry["low"]) if entry.get("low") else None,
            high=Decimal(entry["high"]) if entry.get("high") else None,
            unit=entry["unit"],
        )
        for code, entry in data["limits"].items()
    }


class Unmatched(Exception):
    """Why a readable message cannot be attached, in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_message(raw: str) -> ResultMessage:
    """Read a message in either format; MessageError says what is wrong with it."""
    if looks_like_hl7(raw):
        return parse_hl7(raw)
    if looks_like_fhir(raw):
        return parse_fhir(raw)
    raise MessageError(
        "It is neither an HL7 v2 message (starting with MSH) nor FHIR JSON (starting with {)."
    )


def decode_message(data: bytes) -> str:
    """A file's bytes as text: UTF-8, else Latin-1 (HL7 v2's usual default); binary is refused."""
    if b"\x00" in data:
        raise MessageError("The file is not text, so it cannot be a lab message.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t") > 0:
        raise MessageError("The file is not text, so it cannot be a lab message.")
    if not text.strip():
        raise MessageError("The file is empty.")
    return text


def _format_of(raw: str) -> str:
    return InboundResult.Format.FHIR if looks_like_fhir(raw) else InboundResult.Format.HL7V2


def import_message(raw: str, *, source: str, received_by: User | None = None) -> InboundResult:
    """Keep the message and attach its reports to their patient and order, or put it on the
    reconciliation list with the reason.

    An exact duplicate (same format, same control id MSH-10 / Bundle id, the same text) of a
    message already kept is not stored again: the earlier InboundResult is returned as it is.
    The same control id with different text is kept but not attached: staff decide.
    """
    raw = raw.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL
    source = source[:200]
    try:
        message = parse_message(raw)
    except MessageError as error:
        return InboundResult.objects.create(
            format=_format_of(raw),
            source=source,
            raw=raw,
            state=InboundResult.State.UNMATCHED,
            reason=f"The message could not be read. {error.reason}"[:300],
        )
    with transaction.atomic():
        earlier = list(
            InboundResult.objects.filter(
                format=message.format, identifiers__control_id=message.control_id
            ).order_by("pk")[:20]
        )
        for inbound in earlier:
            if inbound.raw == raw:
                return inbound
        inbound = InboundResult(
            format=message.format,
            source=source,
            raw=raw,
            identifiers={**message.identifiers(), "notes": list(message.notes)},
        )
        if earlier:
            _unmatched(
                inbound,
                "A different message with the same control id arrived before; "
                "check with the lab which one holds.",
            )
            return inbound
        try:
            patient, orders = match(message)
        except Unmatched as refusal:
            _unmatched(inbound, refusal.reason)
            return inbound
        try:
            with transaction.atomic():
                inbound.state = InboundResult.State.MATCHED
                inbound.patient = patient
                inbound.save()
                reports = record_reports(message, patient=patient, orders=orders, actor=received_by)
                inbound.reports.set(reports)
        except DataError:
            # Something the parsers let through does not fit a column: keep the message.
            inbound = InboundResult(
                format=message.format,
                source=source,
                raw=raw,
                identifiers={**message.identifiers(), "notes": list(message.notes)},
            )
            _unmatched(inbound, "The results could not be recorded: a value does not fit.")
    return inbound


def _unmatched(inbound: InboundResult, reason: str) -> None:
    inbound.state = InboundResult.State.UNMATCHED
    inbound.reason = reason[:300]
    inbound.save()


def _same_name(one: str, other: str) -> bool:
    """Names agree ignoring case, accents, spaces and punctuation ("O'Brien" = "OBRIEN")."""

    def fold(name: str) -> str:
        decomposed = unicodedata.normalize("NFKD", name.casefold())
        return "".join(ch for ch in decomposed if ch.isalnum())

    return bool(fold(one)) and fold(one) == fold(other)


def find_patient(message: ResultMessage) -> User:
    """The patient the message names, if its record number, date of birth and last name agree."""
    ids = message.patient
    profile = (
        PatientProfile.objects.select_related("user")
        .filter(record_number=ids.record_number.strip().upper())
        .first()
    )
    if profile is None:
        raise Unmatched("No patient has the record number the message gives.")
    problems = []
    if ids.birth_date is None:
        problems.append("the message gives no date of birth to confirm the patient")
    elif ids.birth_date != profile.date_of_birth:
        problems.append("the date of birth differs")
    if not ids.family_name:
        problems.append("the message gives no last name to confirm the patient")
    elif not _same_name(ids.family_name, profile.legal_last_name):
        problems.append("the last name differs")
    if problems:
        raise Unmatched(
            "The record number belongs to a patient, but " + " and ".join(problems) + "."
        )
    return profile.user


def match(
    message: ResultMessage, *, patient: User | None = None, order: LabOrder | None = None
) -> tuple[User, list[LabOrder]]:
    """The patient and, per report, the order the message belongs to; Unmatched says why not.

    Staff resolving a message name the `patient` (and an `order` of theirs for reports whose
    own order number names none of that patient's orders).
    """
    patient = patient or find_patient(message)
    numbers = {report.placer_number for report in message.reports if report.placer_number}
    found = {
        found.number: found
        for found in LabOrder.objects.select_related("ordering_clinician").filter(
            number__in=numbers
        )
    }
    orders = []
    for report in message.reports:
        candidate = found.get(report.placer_number)
        if candidate is not None and candidate.patient_id == patient.pk:
            orders.append(candidate)
        elif order is not None:
            orders.append(order)
        elif not report.placer_number:
            raise Unmatched(f"The report “{report.name}” names no order number.")
        elif candidate is None:
            raise Unmatched(
                f"The report “{report.name}” names an order number we have no order for."
            )
        else:
            raise Unmatched(f"The report “{report.name}” names an order of another patient.")
    return patient, orders


def record_reports(
    message: ResultMessage, *, patient: User, orders: list[LabOrder], actor: User | None
) -> list[LabReport]:
    """Save the message's reports and observations for this patient, inside the caller's
    transaction; a report re-sent under the same filler number is updated, its changed results
    superseding the earlier ones (both kept). Then what follows a report: release and alerts."""
    reports = []
    for parsed, order in zip(message.reports, orders, strict=True):
        report = _report_for(parsed, patient=patient, order=order, source=message.format)
        _record_observations(report, parsed)
        _update_order(order, report)
        release.report_recorded(report)
        reports.append(report)
    if actor is not None:
        audit_change(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            what="lab report",
            records=[(patient.pk, report.pk) for report in reports],
        )
    return reports


def _report_for(parsed: ReportMessage, *, patient: User, order: LabOrder, source: str) -> LabReport:
    existing = None
    if parsed.filler_number:
        existing = (
            LabReport.objects.select_for_update()
            .filter(patient=patient, filler_number=parsed.filler_number, order=order)
            .first()
        )
    corrected = parsed.status == ResultStatus.CORRECTED or any(
        obs.status == ResultStatus.CORRECTED for obs in parsed.observations
    )
    if existing is None:
        return LabReport.objects.create(
            order=order,
            patient=patient,
            ordering_clinician=order.ordering_clinician,
            name=parsed.name,
            loinc_code=parsed.loinc_code,
            source=source,
            filler_number=parsed.filler_number,
            performing_lab=parsed.performing_lab,
            status=ResultStatus.CORRECTED if corrected else parsed.status,
            collected_at=parsed.collected_at,
            issued_at=parsed.issued_at,
        )
    existing.status = ResultStatus.CORRECTED if corrected else parsed.status
    existing.issued_at = parsed.issued_at or existing.issued_at
    existing.collected_at = parsed.collected_at or existing.collected_at
    existing.save(update_fields=["status", "issued_at", "collected_at"])
    return existing


def _same_result(row: Observation, parsed: ObservationMessage) -> bool:
    return (
        row.value == parsed.value
        and row.value_text == parsed.value_text
        and row.unit == parsed.unit
        and row.reference_text == parsed.reference.text
        and row.status == parsed.status
    )


def _record_observations(report: LabReport, parsed: ReportMessage) -> None:
    current = {
        row.loinc_code or row.name: row
        for row in report.observations.filter(superseded_by__isnull=True)
    }
    position = report.observations.count()
    limits_table = critical_limits()
    for parsed_obs in parsed.observations:
        key = parsed_obs.loinc_code or parsed_obs.name
        limits = limits_table.get(parsed_obs.loinc_code)
        if limits is not None and not limits.apply_to(parsed_obs.unit):
            limits = None
        earlier = current.get(key)
        if earlier is not None and _same_result(earlier, parsed_obs):
            continue  # re-sent unchanged: nothing to supersede
        position += 1
        row = Observation.objects.create(
            report=report,
            patient_id=report.patient_id,
            loinc_code=parsed_obs.loinc_code,
            name=parsed_obs.name,
            value=parsed_obs.value,
            value_text=parsed_obs.value_text,
            unit=parsed_obs.unit,
            reference_low=parsed_obs.reference.low,
            reference_high=parsed_obs.reference.high,
            reference_text=parsed_obs.reference.text,
            critical_low=limits.low if limits else None,
            critical_high=limits.high if limits else None,
            status=parsed_obs.status,
            observed_at=parsed_obs.observed_at or report.collected_at,
            position=position,
        )
        if earlier is not None:
            earlier.superseded_by = row
            earlier.save(update_fields=["superseded_by"])
        current[key] = row


def _update_order(order: LabOrder, report: LabReport) -> None:
    if order.status == LabOrder.Status.CANCELLED or report.status == ResultStatus.CANCELLED:
        return
    status = (
        LabOrder.Status.PARTIAL
        if report.status == ResultStatus.PRELIMINARY
        else LabOrder.Status.RESULTED
    )
    if order.status != status:
        order.status = status
        order.save(update_fields=["status"])


class ResolveRefused(Exception):
    """Why staff cannot attach this message, for the person resolving it."""


def inbound_attach(
    *,
    inbound: InboundResult,
    patient: User,
    order: LabOrder | None,
    actor: User,
    now: datetime.datetime | None = None,
) -> InboundResult:
    """Staff attach a message on the reconciliation list to the right patient (and order):
    the import runs again for that patient and the message is marked resolved, by whom, when."""
    now = now or timezone.now()
    with transaction.atomic():
        inbound = InboundResult.objects.select_for_update().get(pk=inbound.pk)
        if inbound.state != InboundResult.State.UNMATCHED:
            raise ResolveRefused("This message has already been dealt with.")
        if order is not None and order.patient_id != patient.pk:
            raise ResolveRefused("That order is for another patient.")
        try:
            message = parse_message(inbound.raw)
        except MessageError as error:
            raise ResolveRefused(
                "This message cannot be read, so it cannot be attached: reject it and ask "
                "the lab to send it again."
            ) from error
        try:
            patient, orders = match(message, patient=patient, order=order)
        except Unmatched as refusal:
            raise ResolveRefused(refusal.reason + " Choose one of the patient's orders.") from None
        reports = record_reports(message, patient=patient, orders=orders, actor=actor)
        inbound.reports.set(reports)
        inbound.patient = patient
        inbound.state = InboundResult.State.RESOLVED
        inbound.resolved_at = now
        inbound.resolved_by = actor
        inbound.resolution_note = f"Attached to order {orders[0].number}."[:300]
        inbound.save()
        audit_change(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            what="lab message",
            records=[(patient.pk, inbound.pk)],
        )
    return inbound


def inbound_reject(
    *, inbound: InboundResult, reason: str, actor: User, now: datetime.datetime | None = None
) -> InboundResult:
    """Staff set aside a message that belongs to nobody here, saying why; it stays kept."""
    with transaction.atomic():
        inbound = InboundResult.objects.select_for_update().get(pk=inbound.pk)
        if inbound.state != InboundResult.State.UNMATCHED:
            raise ResolveRefused("This message has already been dealt with.")
        inbound.state = InboundResult.State.REJECTED
        inbound.resolved_at = now or timezone.now()
        inbound.resolved_by = actor
        inbound.resolution_note = reason[:300]
        inbound.save()
    return inbound
