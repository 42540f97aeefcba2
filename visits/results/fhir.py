"""FHIR R4 lab results read with fhir.resources (its R4B models read R4) into plain values.

Accepted: a Bundle of type collection, transaction, batch or message holding DiagnosticReports,
their Observations, the Patient and the ServiceRequests they are based on; or a lone
DiagnosticReport whose Patient and Observations are contained resources.
"""

import datetime
import json
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from pydantic import ValidationError

from visits.results.messages import (
    FHIR_STATUSES,
    MessageError,
    ObservationMessage,
    PatientIdentifiers,
    ReferenceRange,
    ReportMessage,
    ResultMessage,
    lab_zone,
    recordable,
)

FORMAT = "fhir"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
IDENTIFIER_TYPES = "http://terminology.hl7.org/CodeSystem/v2-0203"
BUNDLE_TYPES = ("collection", "transaction", "batch", "message")


def looks_like_fhir(raw: str) -> bool:
    """Whether the text is meant as FHIR JSON (it is a JSON object)."""
    return raw.lstrip().startswith("{")


def parse_fhir(raw: str) -> ResultMessage:
    """Read a FHIR R4 results Bundle or DiagnosticReport; raises MessageError saying why not."""
    try:
        data = json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError) as error:
        raise MessageError("It is not FHIR JSON: the JSON is cut short or malformed.") from error
    if not isinstance(data, dict):
        raise MessageError("It is not a FHIR resource: the JSON is not an object.")
    kind = data.get("resourceType")
    try:
        if kind == "Bundle":
            bundle = Bundle.model_validate(data)
            return _Reader.from_bundle(bundle).read(control_id=_bundle_id(bundle))
        if kind == "DiagnosticReport":
            report = DiagnosticReport.model_validate(data)
            return _Reader.from_report(report).read(control_id=report.id or "")
    except ValidationError as error:
        raise MessageError(_validation_reason(error)) from error
    raise MessageError("It is not a FHIR results message: expected a Bundle or a DiagnosticReport.")


def _validation_reason(error: ValidationError) -> str:
    problems = []
    for problem in error.errors()[:2]:
        where = ".".join(str(part) for part in problem["loc"])
        problems.append(f"{where}: {problem['msg']}")
    return ("It does not follow FHIR R4: " + "; ".join(problems))[:300]


def _bundle_id(bundle: Bundle) -> str:
    if bundle.identifier is not None and bundle.identifier.value:
        return str(bundle.identifier.value)
    return bundle.id or ""


class _Reader:
    """Resolves references within one bundle (or a report's contained resources)."""

    def __init__(self, resources: list[tuple[str, Any]], reports: list[Any]) -> None:
        self.by_reference: dict[str, Any] = {}
        for full_url, resource in resources:
            kind = resource.get_resource_type()
            if full_url:
                self.by_reference[full_url] = resource
            if resource.id:
                self.by_reference[f"{kind}/{resource.id}"] = resource
                self.by_reference[f"#{resource.id}"] = resource
        self.reports = reports

    @classmethod
    def from_bundle(cls, bundle: Bundle) -> "_Reader":
        if bundle.type not in BUNDLE_TYPES:
            raise MessageError(
                "The bundle's type is not one that carries results "
                "(collection, transaction, batch or message)."
            )
        resources = [
            (entry.fullUrl or "", entry.resource)
            for entry in bundle.entry or []
            if entry.resource is not None
        ]
        reports = [r for _, r in resources if r.get_resource_type() == "DiagnosticReport"]
        return cls(resources, reports)

    @classmethod
    def from_report(cls, report: DiagnosticReport) -> "_Reader":
        return cls([("", resource) for resource in report.contained or []], [report])

    def resolve(self, reference: Any, kind: str) -> Any | None:
        if reference is None or not reference.reference:
            return None
        resource = self.by_reference.get(reference.reference)
        if resource is None:
            # A relative reference may name the resource under its server's full address.
            resource = next(
                (
                    found
                    for key, found in self.by_reference.items()
                    if key.endswith("/" + reference.reference)
                ),
                None,
            )
        if resource is not None and resource.get_resource_type() != kind:
            raise MessageError(f"A reference meant to name a {kind} names something else.")
        return resource

    def read(self, *, control_id: str) -> ResultMessage:
        if not control_id:
            raise MessageError("The message has no id (Bundle.id or Bundle.identifier).")
        if not self.reports:
            raise MessageError("The message holds no DiagnosticReport.")
        patients = {self.patient_identifiers(report) for report in self.reports}
        if len(patients) > 1:
            raise MessageError(
                "The message carries results for more than one patient; "
                "ask the lab to send one patient per message."
            )
        return ResultMessage(
            format=FORMAT,
            control_id=str(control_id)[:100],
            patient=patients.pop(),
            reports=tuple(self.report(index, r) for index, r in enumerate(self.reports, 1)),
        )

    def patient_identifiers(self, report: Any) -> PatientIdentifiers:
        subject = report.subject
        if subject is None:
            raise MessageError("A DiagnosticReport names no patient (subject).")
        patient = self.resolve(subject, "Patient")
        identifiers = list(patient.identifier or []) if patient is not None else []
        if subject.identifier is not None:
            identifiers.append(subject.identifier)
        record_number = _identifier(identifiers, "MR")
        if not record_number:
            raise MessageError("The patient has no record number (Patient.identifier).")
        family = given = ""
        birth_date = None
        if patient is not None:
            name = next(iter(patient.name or []), None)
            if name is not None:
                family = name.family or ""
                given = next(iter(name.given or []), "")
            birth_date = patient.birthDate
        return PatientIdentifiers(
            record_number=record_number[:40],
            family_name=family[:100],
            given_name=given[:100],
            birth_date=birth_date if isinstance(birth_date, datetime.date) else None,
        )

    def report(self, index: int, report: Any) -> ReportMessage:
        code, name = _coded(report.code)
        placer = ""
        for based_on in report.basedOn or []:
            request = self.resolve(based_on, "ServiceRequest")
            found = list(request.identifier or []) if request is not None else []
            if based_on.identifier is not None:
                found.append(based_on.identifier)
            placer = _identifier(found, "PLAC")
            if placer:
                break
        placer = placer or _identifier(report.identifier or [], "PLAC", fallback=False)
        filler = _identifier(report.identifier or [], "FILL", fallback=False) or next(
            (
                str(identifier.value)
                for identifier in report.identifier or []
                if identifier.value and _type_code(identifier) != "PLAC"
            ),
            "",
        )
        collected = report.effectiveDateTime or (
            report.effectivePeriod.start if report.effectivePeriod is not None else None
        )
        label = name or code or f"report {index}"
        observations = tuple(
            self.observation(position, reference, label, collected)
            for position, reference in enumerate(report.result or [], 1)
        )
        if not observations:
            raise MessageError(f"The report “{label}” has no results (DiagnosticReport.result).")
        performer = next(iter(report.performer or []), None)
        return ReportMessage(
            placer_number=placer[:40],
            filler_number=filler[:64],
            name=(name or code or "Lab report")[:200],
            loinc_code=code[:16],
            status=FHIR_STATUSES[report.status],
            collected_at=_moment(collected),
            issued_at=_moment(report.issued),
            observations=observations,
            performing_lab=((performer.display or "") if performer is not None else "")[:200],
        )

    def observation(
        self, position: int, reference: Any, report_label: str, collected: Any
    ) -> ObservationMessage:
        label = f"Result {position} of “{report_label}”"
        observation = self.resolve(reference, "Observation")
        if observation is None:
            raise MessageError(f"{label} is referred to but not in the message.")
        code, name = _coded(observation.code)
        value = None
        value_text = ""
        unit = ""
        if observation.valueQuantity is not None:
            quantity = observation.valueQuantity
            if quantity.comparator:
                value_text = f"{quantity.comparator}{quantity.value}"
            else:
                value = recordable(quantity.value)
            unit = (
                quantity.code if quantity.system == UCUM and quantity.code else quantity.unit
            ) or ""
        elif observation.valueString is not None:
            value_text = observation.valueString
        elif observation.valueCodeableConcept is not None:
            concept = observation.valueCodeableConcept
            coding = next(iter(concept.coding or []), None)
            value_text = concept.text or (coding.display or coding.code if coding else "") or ""
        elif observation.valueInteger is not None:
            value = recordable(Decimal(observation.valueInteger))
        reference_range = ReferenceRange()
        ranges = observation.referenceRange or []
        if ranges:
            first = ranges[0]
            low = recordable(first.low.value) if first.low is not None else None
            high = recordable(first.high.value) if first.high is not None else None
            text = first.text or _range_text(low, high)
            reference_range = ReferenceRange(low=low, high=high, text=text[:60])
        observed = observation.effectiveDateTime or collected
        return ObservationMessage(
            loinc_code=code[:16],
            name=(name or code or "Result")[:200],
            value=value,
            value_text=(value_text or "")[:200],
            unit=unit[:40],
            reference=reference_range,
            status=FHIR_STATUSES[observation.status],
            observed_at=_moment(observed),
        )


def _type_code(identifier: Any) -> str:
    if identifier.type is None:
        return ""
    for coding in identifier.type.coding or []:
        if coding.system in (IDENTIFIER_TYPES, None) and coding.code:
            return str(coding.code)
    return ""


def _identifier(identifiers: list[Any], type_code: str, *, fallback: bool = True) -> str:
    """The value of the identifier of this type (v2 table 0203), else the first one."""
    for identifier in identifiers:
        if identifier.value and _type_code(identifier) == type_code:
            return str(identifier.value)
    if fallback:
        for identifier in identifiers:
            if identifier.value:
                return str(identifier.value)
    return ""


def _coded(concept: Any) -> tuple[str, str]:
    """A CodeableConcept's LOINC code and its words."""
    if concept is None:
        return "", ""
    code = display = ""
    for coding in concept.coding or []:
        if coding.system == LOINC and coding.code:
            code, display = coding.code, coding.display or ""
            break
    return str(code), str(concept.text or display or "")


def _range_text(low: Decimal | None, high: Decimal | None) -> str:
    if low is not None and high is not None:
        return f"{low}-{high}"
    if high is not None:
        return f"<{high}"
    if low is not None:
        return f">{low}"
    return ""


def _moment(value: Any) -> datetime.datetime | None:
    """A FHIR dateTime as an aware datetime; a bare date is midnight in the lab's zone."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=lab_zone())
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time(), tzinfo=lab_zone())
    return None
