"""What a lab's message says, as plain values: the parsers (hl7.py, fhir.py) produce these and
the importer matches them to a patient and an order. Nothing here touches the database."""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings

from visits.results.models import ResultStatus


class MessageError(ValueError):
    """A message that cannot be read, with the reason in plain words (never a result value)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PatientIdentifiers:
    """Whom the message says the results are for, exactly as it says it."""

    record_number: str
    family_name: str = ""
    given_name: str = ""
    birth_date: datetime.date | None = None


@dataclass(frozen=True)
class ReferenceRange:
    """A reference range: low and/or high, and the text as the lab sent it."""

    low: Decimal | None = None
    high: Decimal | None = None
    text: str = ""


@dataclass(frozen=True)
class ObservationMessage:
    """One result (HL7 OBX, FHIR Observation)."""

    loinc_code: str
    name: str
    value: Decimal | None
    value_text: str
    unit: str
    reference: ReferenceRange
    status: str
    observed_at: datetime.datetime | None = None


@dataclass(frozen=True)
class ReportMessage:
    """One report (HL7 OBR with its ORC, FHIR DiagnosticReport) and its results."""

    placer_number: str
    filler_number: str
    name: str
    loinc_code: str
    status: str
    collected_at: datetime.datetime | None
    issued_at: datetime.datetime | None
    observations: tuple[ObservationMessage, ...]
    performing_lab: str = ""


@dataclass(frozen=True)
class ResultMessage:
    """A whole message: who it is for, its reports, and how it was read."""

    format: str  # InboundResult.Format
    control_id: str
    patient: PatientIdentifiers
    reports: tuple[ReportMessage, ...]
    # How the message was read where the standard leaves room, e.g. times without an offset.
    notes: tuple[str, ...] = field(default=())

    def identifiers(self) -> dict:
        """What the reconciliation list shows of whom and which order: never result values."""
        return {
            "control_id": self.control_id,
            "record_number": self.patient.record_number,
            "family_name": self.patient.family_name,
            "given_name": self.patient.given_name,
            "birth_date": self.patient.birth_date.isoformat() if self.patient.birth_date else "",
            "orders": [report.placer_number for report in self.reports],
            "reports": [report.name for report in self.reports],
        }


def lab_zone() -> ZoneInfo:
    """The zone a lab's times are in when a message gives no offset (settings.LAB_TIME_ZONE)."""
    return ZoneInfo(getattr(settings, "LAB_TIME_ZONE", "UTC"))


# Observation values and ranges are stored with 10 digits before the point and 4 after.
LARGEST = Decimal(10) ** 10


def recordable(value: Decimal | None) -> Decimal | None:
    """The number, if the clinic can store it; MessageError if it is not finite or too large."""
    if value is None:
        return None
    if not value.is_finite() or abs(value) >= LARGEST:
        raise MessageError("A number in the message is too large, or not finite, to record.")
    return value


def parse_decimal(text: str) -> Decimal | None:
    """A number as labs write it ("4.1", "+0.5", ".9"), or None if it is not one."""
    text = text.strip()
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return None
    try:
        return recordable(Decimal(text))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


_RANGE = re.compile(r"\s*(?P<low>[+-]?[\d.]+)\s*(-|\u2013|to)\s*(?P<high>[+-]?[\d.]+)\s*")
_BOUND = re.compile(r"\s*(?P<op><=|>=|<|>|≤|≥)\s*(?P<value>[+-]?[\d.]+)\s*")


def parse_reference_range(text: str) -> ReferenceRange:
    """A range as HL7 OBX-7 writes it: "3.5-5.1", "<200", ">40"; anything else kept as text."""
    text = text.strip()
    if match := _RANGE.fullmatch(text):
        low, high = parse_decimal(match["low"]), parse_decimal(match["high"])
        if low is not None and high is not None:
            return ReferenceRange(low=low, high=high, text=text[:60])
    if match := _BOUND.fullmatch(text):
        value = parse_decimal(match["value"])
        if value is not None:
            if match["op"] in ("<", "<=", "≤"):
                return ReferenceRange(high=value, text=text[:60])
            return ReferenceRange(low=value, text=text[:60])
    return ReferenceRange(text=text[:60])


RESULT_STATUSES = {
    # HL7 table 0085 (OBX-11) and 0123 (OBR-25).
    "P": ResultStatus.PRELIMINARY,
    "R": ResultStatus.PRELIMINARY,  # results entered, not verified
    "I": ResultStatus.PRELIMINARY,  # specimen in lab, results pending
    "S": ResultStatus.PRELIMINARY,  # partial
    "A": ResultStatus.PRELIMINARY,  # some, not all, results available
    "F": ResultStatus.FINAL,
    "C": ResultStatus.CORRECTED,
    "X": ResultStatus.CANCELLED,
    "D": ResultStatus.CANCELLED,  # deletes the OBX record
    "W": ResultStatus.CANCELLED,  # posted to the wrong patient
}

FHIR_STATUSES = {
    # FHIR R4 ObservationStatus and DiagnosticReportStatus.
    "registered": ResultStatus.PRELIMINARY,
    "partial": ResultStatus.PRELIMINARY,
    "preliminary": ResultStatus.PRELIMINARY,
    "final": ResultStatus.FINAL,
    "amended": ResultStatus.CORRECTED,
    "corrected": ResultStatus.CORRECTED,
    "appended": ResultStatus.CORRECTED,
    "cancelled": ResultStatus.CANCELLED,
    "entered-in-error": ResultStatus.CANCELLED,
}
