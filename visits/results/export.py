"""The patient's right of access: their record as a FHIR R4 Bundle (type collection).

Patient, Encounter (completed visits), Condition (diagnoses of signed notes), Observation
(released results, current values, a correction with its status), MedicationRequest,
AllergyIntolerance (from the intake) and QuestionnaireResponse (submitted answers). Never a
psychotherapy note (HIPAA keeps them out of the right of access), a held result, a draft note's
diagnosis or an unsubmitted answer. Plain dicts in FHIR R4's JSON shape: the tests validate them
against fhir.resources' R4B models, which read R4.

The access rules decide what goes in, as on the pages; a fixed number of queries whatever the
size of the record.
"""

import datetime
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts import policy
from accounts.models import PatientProfile, User
from visits.audit import AuditEvent, audit_change
from visits.intake.models import Intake, IntakeStep
from visits.questionnaires.models import QuestionnaireResponse
from visits.records.models import NoteDiagnosis, Prescription
from visits.results.models import Observation, ResultStatus
from visits.scheduling.models import Visit

Resource = dict[str, Any]

# Code systems, by their canonical URLs (hl7.org/fhir/R4/terminologies-systems.html).
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
# SNOMED CT 716186003 |No known allergy (situation)|, as the IPS uses for "no known allergies".
NO_KNOWN_ALLERGY = {"system": SNOMED, "code": "716186003", "display": "No known allergy"}

# Deterministic ids: the same record exported twice gives the same fullUrls.
NAMESPACE = uuid.UUID("6f1c2d0e-5a4b-4f3e-9d8c-7b6a5e4d3c2b")

INTERPRETATIONS = {
    "low": ("L", "Low"),
    "high": ("H", "High"),
    "critical_low": ("LL", "Critical low"),
    "critical_high": ("HH", "Critical high"),
    "normal": ("N", "Normal"),
}
OBSERVATION_STATUS = {
    ResultStatus.PRELIMINARY: "preliminary",
    ResultStatus.FINAL: "final",
    ResultStatus.CORRECTED: "corrected",
    ResultStatus.CANCELLED: "cancelled",
}
PRESCRIPTION_STATUS = {
    Prescription.Status.ACTIVE: "active",
    Prescription.Status.COMPLETED: "completed",
    Prescription.Status.STOPPED: "stopped",
}


def record_number_system() -> str:
    """The identifier system of the clinic's medical record numbers."""
    return f"{settings.SITE_URL.rstrip('/')}/fhir/identifiers/record-number"


def _urn(kind: str, key: object) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{key}')}"


def _instant(moment: datetime.datetime | None) -> str | None:
    """An aware time as FHIR's instant/dateTime (UTC, seconds)."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _decimal(value: Decimal) -> float | int:
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)


def _drop_empty(resource: Resource) -> Resource:
    """FHIR forbids empty elements: leave out what has no value."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}


def _patient(profile: PatientProfile | None, patient: User) -> Resource:
    resource: Resource = {"resourceType": "Patient", "active": True}
    if profile is not None:
        resource["identifier"] = [
            {
                "use": "usual",
                "type": {"coding": [{"system": V2_0203, "code": "MR"}], "text": "Record number"},
                "system": record_number_system(),
                "value": profile.record_number,
            }
        ]
        names = [
            {
                "use": "official",
                "family": profile.legal_last_name,
                "given": [profile.legal_first_name],
            }
        ]
        if profile.preferred_name:
            names.append(
                {
                    "use": "usual",
                    "family": profile.legal_last_name,
                    "given": [profile.preferred_name],
                }
            )
        resource["name"] = names
        resource["birthDate"] = profile.date_of_birth.isoformat()
        resource["telecom"] = [
            {"system": "phone", "value": profile.phone, "use": "mobile"},
            {"system": "email", "value": patient.email},
        ]
    return resource


def _encounter(visit: Visit, subject: dict) -> Resource:
    start = visit.started_at or visit.start
    end = visit.completed_at or visit.end
    return _drop_empty(
        {
            "resourceType": "Encounter",
            "status": "finished",
            "class": {"system": ACT_CODE, "code": "VR", "display": "virtual"},
            "type": [{"text": visit.visit_type.name}],
            "subject": subject,
            "participant": [{"individual": {"display": str(visit.provider)}}],
            "period": {"start": _instant(start), "end": _instant(max(start, end))},
            "reasonCode": [{"text": visit.reason}] if visit.reason else None,
        }
    )


def _condition(diagnosis: NoteDiagnosis, subject: dict, encounters: dict) -> Resource:
    note = diagnosis.note
    return _drop_empty(
        {
            "resourceType": "Condition",
            "verificationStatus": {
                "coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]
            },
            "category": [
                {
                    "coding": [
                        {
                            "system": CONDITION_CATEGORY,
                            "code": "encounter-diagnosis",
                            "display": "Encounter Diagnosis",
                        }
                    ]
                }
            ],
            "code": {
                "coding": [
                    {"system": ICD10CM, "code": diagnosis.code, "display": diagnosis.description}
                ],
                "text": diagnosis.description,
            },
            "subject": subject,
            "encounter": encounters.get(note.visit_id),
            "recordedDate": _instant(note.signed_at),
        }
    )


def _observation(observation: Observation, subject: dict, corrected: list[Observation]) -> Resource:
    report = observation.report
    resource: Resource = {
        "resourceType": "Observation",
        "status": OBSERVATION_STATUS.get(observation.status, "final"),  # type: ignore[call-overload]
        "category": [
            {
                "coding": [
                    {"system": OBSERVATION_CATEGORY, "code": "laboratory", "display": "Laboratory"}
                ]
            }
        ],
        "code": {
            "coding": [
                {"system": LOINC, "code": observation.loinc_code, "display": observation.name}
            ],
            "text": observation.name,
        },
        "subject": subject,
        "effectiveDateTime": _instant(
            observation.observed_at or report.collected_at or report.received_at
        ),
        "issued": _instant(report.issued_at or report.released_at),
    }
    if observation.value is not None:
        quantity: Resource = {"value": _decimal(observation.value)}
        if observation.unit:
            quantity |= {"unit": observation.unit, "system": UCUM, "code": observation.unit}
        resource["valueQuantity"] = quantity
    elif observation.value_text:
        resource["valueString"] = observation.value_text
    if observation.flag in INTERPRETATIONS:
        code, display = INTERPRETATIONS[observation.flag]
        resource["interpretation"] = [
            {"coding": [{"system": INTERPRETATION, "code": code, "display": display}]}
        ]
    reference = _drop_empty(
        {
            "low": _quantity(observation.reference_low, observation.unit),
            "high": _quantity(observation.reference_high, observation.unit),
            "text": observation.reference_text,
        }
    )
    if reference:
        resource["referenceRange"] = [reference]
    if corrected:
        resource["status"] = "corrected"
        resource["note"] = [
            {"text": f"Corrects an earlier result of {_said(earlier)}."} for earlier in corrected
        ]
    if report.performing_lab:
        resource["performer"] = [{"display": report.performing_lab}]
    return _drop_empty(resource)


def _said(observation: Observation) -> str:
    unit = f" {observation.unit}" if observation.unit and observation.value is not None else ""
    return f"{observation.display_value}{unit}"


def _quantity(value: Decimal | None, unit: str) -> Resource | None:
    if value is None:
        return None
    quantity: Resource = {"value": _decimal(value)}
    if unit:
        quantity |= {"unit": unit, "system": UCUM, "code": unit}
    return quantity


def _medication_request(rx: Prescription, subject: dict, encounters: dict) -> Resource:
    form = rx.get_form_display().lower()
    return _drop_empty(
        {
            "resourceType": "MedicationRequest",
            "status": PRESCRIPTION_STATUS[rx.status],  # type: ignore[index]
            "statusReason": {"text": rx.stop_reason} if rx.stop_reason else None,
            "intent": "order",
            "medicationCodeableConcept": {"text": f"{rx.medication} {rx.strength} {form}"},
            "subject": subject,
            "encounter": encounters.get(rx.visit_id),
            "authoredOn": _instant(rx.created_at),
            "requester": {"display": rx.prescriber.get_full_name()},
            "dosageInstruction": [{"text": rx.directions}],
            "dispenseRequest": {
                "numberOfRepeatsAllowed": rx.refills,
                "quantity": _drop_empty({"value": rx.quantity, "unit": rx.quantity_unit}),
            },
            "substitution": {"allowedBoolean": rx.substitution_allowed},
            "note": [{"text": f"Pharmacy: {rx.pharmacy}"}] if rx.pharmacy else None,
        }
    )


def _allergies(intake: Intake | None, subject: dict) -> list[Resource]:
    saved = (intake.answers if intake else {}).get(IntakeStep.ALLERGIES)
    if not saved:
        return []
    recorded = _instant(intake.updated_at) if intake else None
    clinical = {"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]}
    unconfirmed = {"coding": [{"system": ALLERGY_VERIFICATION, "code": "unconfirmed"}]}
    if saved.get("no_known_allergies"):
        return [
            {
                "resourceType": "AllergyIntolerance",
                "clinicalStatus": clinical,
                "verificationStatus": unconfirmed,
                "code": {"coding": [NO_KNOWN_ALLERGY], "text": "No known allergies"},
                "patient": subject,
                "recordedDate": recorded,
            }
        ]
    resources = []
    for row in saved.get("allergies", []):
        reaction = _drop_empty(
            {
                "manifestation": [{"text": row.get("reaction") or "Not stated"}],
                "severity": row.get("severity")
                if row.get("severity") in ("mild", "moderate", "severe")
                else None,
            }
        )
        resources.append(
            _drop_empty(
                {
                    "resourceType": "AllergyIntolerance",
                    "clinicalStatus": clinical,
                    "verificationStatus": unconfirmed,
                    "code": {"text": row["substance"]},
                    "patient": subject,
                    "recordedDate": recorded,
                    "reaction": [reaction],
                }
            )
        )
    return resources


def _questionnaire_response(
    response: QuestionnaireResponse, subject: dict, encounters: dict
) -> Resource:
    questionnaire = response.questionnaire
    items = [
        {
            "linkId": item["id"],
            "text": item.get("text", item["id"]),
            "answer": [{"valueString": str(shown)}],
        }
        for item, shown in response.items_with_answers()
    ]
    if response.total is not None:
        total = {
            "linkId": "total",
            "text": "Total score",
            "answer": [{"valueInteger": response.total}],
        }
        items.append(total)
    if response.band:
        items.append(
            {"linkId": "band", "text": "Severity", "answer": [{"valueString": response.band}]}
        )
    site = settings.SITE_URL.rstrip("/")
    return _drop_empty(
        {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": f"{site}/fhir/Questionnaire/{questionnaire.slug}|{questionnaire.version}",
            "status": "completed",
            "subject": subject,
            "encounter": encounters.get(response.visit_id),
            "authored": _instant(response.submitted_at),
            "item": items,
        }
    )


def record_bundle(viewer: User, patient: User, *, now: datetime.datetime | None = None) -> Resource:
    """The patient's record as a FHIR R4 Bundle of type collection, as `viewer` may read it."""
    now = now or timezone.now()
    readable = policy.CLINICAL_PATIENTS.filter(User.objects.filter(pk=patient.pk), viewer)
    profile = PatientProfile.objects.filter(user__in=readable).first()
    patient_urn = _urn("Patient", patient.pk)
    subject = {"reference": patient_urn}
    entries: list[tuple[str, Resource]] = [(patient_urn, _patient(profile, patient))]

    visits = (
        policy.VISITS.filter(Visit.objects.all(), viewer)
        .filter(patient=patient, status=Visit.Status.COMPLETED)
        .select_related("visit_type", "provider__user")
        .order_by("start", "pk")
    )
    encounters: dict[object, dict] = {}
    for visit in visits:
        urn = _urn("Encounter", visit.pk)
        encounters[visit.pk] = {"reference": urn}
        entries.append((urn, _encounter(visit, subject)))

    diagnoses = (
        policy.DIAGNOSES.filter(NoteDiagnosis.objects.all(), viewer)
        .filter(note__patient=patient, note__status="signed")
        .select_related("note")
        .order_by("note__signed_at", "position", "pk")
    )
    entries += [(_urn("Condition", d.pk), _condition(d, subject, encounters)) for d in diagnoses]

    observations = list(
        policy.OBSERVATIONS.filter(Observation.objects.all(), viewer)
        # Released results only, whoever exports: never a held one.
        .filter(patient=patient, report__released_at__isnull=False)
        .select_related("report")
        .order_by("report__collected_at", "report_id", "position", "pk")
    )
    corrected: dict[int, list[Observation]] = defaultdict(list)
    for observation in observations:
        if observation.superseded_by_id is not None:
            corrected[observation.superseded_by_id].append(observation)
    entries += [
        (_urn("Observation", o.pk), _observation(o, subject, corrected.get(o.pk, [])))
        for o in observations
        if o.superseded_by_id is None
    ]

    medications = (
        policy.CLINICAL_RECORDS.filter(Prescription.objects.all(), viewer)
        .filter(patient=patient)
        .select_related("prescriber")
        .order_by("created_at", "pk")
    )
    entries += [
        (_urn("MedicationRequest", rx.pk), _medication_request(rx, subject, encounters))
        for rx in medications
    ]

    intake = (
        policy.CLINICAL_RECORDS.filter(Intake.objects.all(), viewer).filter(patient=patient).first()
    )
    entries += [
        (_urn("AllergyIntolerance", f"{patient.pk}/{index}"), resource)
        for index, resource in enumerate(_allergies(intake, subject))
    ]

    responses = (
        policy.CLINICAL_RECORDS.filter(QuestionnaireResponse.objects.submitted(), viewer)
        .filter(patient=patient)
        .select_related("questionnaire")
        .order_by("submitted_at", "pk")
    )
    entries += [
        (_urn("QuestionnaireResponse", r.pk), _questionnaire_response(r, subject, encounters))
        for r in responses
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(NAMESPACE, f"record/{patient.pk}/{now.isoformat()}")),
        "meta": {"lastUpdated": _instant(now)},
        "type": "collection",
        "timestamp": _instant(now),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }


def record_export(
    *,
    patient: User,
    actor: User,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> Resource:
    """Export the patient's record for `actor`, audited as an export (a patient's own export is
    their own read, which the audit does not log)."""
    bundle = record_bundle(actor, patient, now=now)
    audit_change(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        what="record",
        records=[(patient.pk, patient.pk)],
        ip_address=ip_address,
    )
    return bundle
