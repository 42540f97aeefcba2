"""A patient's record written straight to the tables, for the patient-side results tests: completed
visits, signed notes with diagnoses, released summaries, prescriptions, lab orders, reports and
observations (released, held, corrected), and a large record made with bulk_create."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.models import ProviderProfile, User
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.visits.factories import VisitFactory
from visits.records.models import (
    AfterVisitSummary,
    LabOrder,
    NoteDiagnosis,
    Prescription,
    VisitNote,
)
from visits.results.flags import compute_flag
from visits.results.models import LabReport, Observation, ResultStatus
from visits.scheduling.models import Visit

POTASSIUM = ("2823-3", "Potassium", "mmol/L", Decimal("3.5"), Decimal("5.1"))
SODIUM = ("2951-2", "Sodium", "mmol/L", Decimal("136"), Decimal("145"))
LDL = ("13457-7", "LDL cholesterol", "mg/dL", None, Decimal("99"))
HEMOGLOBIN = ("718-7", "Hemoglobin", "g/dL", Decimal("12.0"), Decimal("15.5"))


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def completed_visit(patient: User, provider: ProviderProfile, *, days: float = 30) -> Visit:
    """A visit that took place `days` ago and was completed."""
    start = days_ago(days)
    return VisitFactory(
        patient=patient,
        provider=provider,
        start=start,
        status=Visit.Status.COMPLETED,
        started_at=start,
        completed_at=start + datetime.timedelta(minutes=15),
    )


def note(
    visit: Visit,
    *,
    signed: bool = True,
    diagnoses=(("J06.9", "Acute upper respiratory infection, unspecified"),),
) -> VisitNote:
    """The visit's note, signed unless told otherwise, with its diagnoses."""
    written = VisitNote.objects.create(
        visit=visit,
        patient=visit.patient,
        author=visit.provider.user,
        subjective="Cough for three days.",
        assessment="Viral infection, resolving.",
        status=VisitNote.Status.SIGNED if signed else VisitNote.Status.DRAFT,
        signed_at=timezone.now() if signed else None,
    )
    NoteDiagnosis.objects.bulk_create(
        NoteDiagnosis(note=written, code=code, description=description, position=index)
        for index, (code, description) in enumerate(diagnoses)
    )
    return written


def summary(visit: Visit, *, released: bool = True, **text) -> AfterVisitSummary:
    """The visit's after-visit summary, released unless told otherwise."""
    fields = {
        "findings": "A cold: your lungs sounded clear.",
        "instructions": "Rest and drink plenty of fluids.",
        "when_to_seek_care": "If you struggle to breathe, seek care at once.",
        "follow_up": "Book a follow-up if the cough lasts beyond two weeks.",
    } | text
    return AfterVisitSummary.objects.create(
        visit=visit,
        patient=visit.patient,
        released_at=timezone.now() if released else None,
        **fields,
    )


def prescription(visit: Visit, **fields) -> Prescription:
    values = {
        "medication": "Amoxicillin",
        "strength": "500 mg",
        "form": Prescription.Form.CAPSULE,
        "directions": "Take 1 capsule by mouth three times daily for 10 days",
        "quantity": 30,
        "quantity_unit": "capsules",
        "refills": 0,
        "pharmacy": "CVS South Congress",
    } | fields
    return Prescription.objects.create(
        visit=visit, patient=visit.patient, prescriber=visit.provider.user, **values
    )


def lab_order(visit: Visit, **fields) -> LabOrder:
    values = {
        "test_name": "Basic metabolic panel",
        "loinc_code": "51990-0",
        "reason": "Check your kidneys and salts",
        "where_to_go": "Quest Diagnostics, 100 Main St, Austin",
        "instructions": "Fast for 8 hours before the test",
    } | fields
    return LabOrder.objects.create(
        visit=visit, patient=visit.patient, ordering_clinician=visit.provider.user, **values
    )


def report(
    patient: User,
    *,
    order: LabOrder | None = None,
    name: str = "Basic metabolic panel",
    released: bool = True,
    held: bool = False,
    days: float = 3,
    status: str = ResultStatus.FINAL,
    opened: bool = False,
) -> LabReport:
    """A lab report collected `days` ago: released, held for review, or still preliminary."""
    collected = days_ago(days)
    return LabReport.objects.create(
        patient=patient,
        order=order,
        ordering_clinician=order.ordering_clinician if order else None,
        name=name,
        loinc_code=order.loinc_code if order else "51990-0",
        source=LabReport.Source.HL7V2,
        status=status,
        performing_lab="Quest Diagnostics",
        collected_at=collected,
        issued_at=collected + datetime.timedelta(hours=6),
        released_at=collected + datetime.timedelta(hours=7) if released and not held else None,
        held_at=collected + datetime.timedelta(hours=7) if held else None,
        held_by=order.ordering_clinician if held and order else None,
        hold_reason="Discuss with the patient first" if held else "",
        release_by=collected + datetime.timedelta(days=3) if held else None,
        first_opened_at=timezone.now() if opened else None,
    )


def observe(report: LabReport, test=POTASSIUM, value: str = "4.2", **fields) -> Observation:
    """One value on the report, its flag computed by the model."""
    code, name, unit, low, high = test
    values = {
        "loinc_code": code,
        "name": name,
        "unit": unit,
        "reference_low": low,
        "reference_high": high,
        "status": ResultStatus.FINAL,
        "observed_at": report.collected_at,
    } | fields
    return Observation.objects.create(
        report=report, patient=report.patient, value=Decimal(value), **values
    )


def correct(earlier: Observation, value: str, *, report: LabReport | None = None) -> Observation:
    """The lab's corrected value, superseding the earlier one; both are kept."""
    corrected = observe(
        report or earlier.report,
        (
            earlier.loinc_code,
            earlier.name,
            earlier.unit,
            earlier.reference_low,
            earlier.reference_high,
        ),
        value,
        status=ResultStatus.CORRECTED,
        position=earlier.position,
    )
    earlier.superseded_by = corrected
    earlier.save(update_fields=["superseded_by"])
    return corrected


@dataclass
class Scene:
    """A patient with a completed visit (signed note, summary, prescriptions, an order) and
    results: a released panel with a high potassium and a corrected sodium, an earlier potassium
    (a trend of two), a held report and one still waiting for the lab."""

    patient: User
    provider: ProviderProfile
    visit: Visit
    order: LabOrder
    released: LabReport
    earlier: LabReport
    held: LabReport
    waiting: LabReport
    high_potassium: Observation
    corrected_sodium: Observation


def scene() -> Scene:
    patient = PatientProfileFactory().user
    provider = ProviderProfileFactory(states=["TX"])
    visit = completed_visit(patient, provider, days=20)
    note(visit)
    summary(visit)
    prescription(visit)
    prescription(
        visit,
        medication="Benzonatate",
        strength="100 mg",
        status=Prescription.Status.STOPPED,
        stop_reason="Cough gone",
        status_changed_at=timezone.now(),
        status_changed_by=provider.user,
    )
    order = lab_order(visit)
    earlier = report(patient, order=order, days=60, opened=True)
    observe(earlier, POTASSIUM, "4.4")
    released = report(patient, order=order, days=3)
    high_potassium = observe(released, POTASSIUM, "5.6", position=1)
    sodium = observe(released, SODIUM, "150", position=2)
    corrected_sodium = correct(sodium, "140")
    held = report(patient, order=order, name="Lipid panel", held=True, days=2)
    observe(held, LDL, "191")
    waiting = report(
        patient, order=order, name="Hemoglobin A1c", released=False, status=ResultStatus.PRELIMINARY
    )
    return Scene(
        patient,
        provider,
        visit,
        order,
        released,
        earlier,
        held,
        waiting,
        high_potassium,
        corrected_sodium,
    )


TESTS = [POTASSIUM, SODIUM, LDL, HEMOGLOBIN]


def large_record(
    patient: User, provider: ProviderProfile, *, reports: int, per_report: int = 10
) -> None:
    """`reports` released reports of `per_report` observations each, made with bulk_create
    (flags computed as the model would), spread over the past years, with one order per report."""
    visit = completed_visit(patient, provider, days=5)
    orders = LabOrder.objects.bulk_create(
        LabOrder(
            number=f"HCBULK{index:06d}",
            visit=visit,
            patient=patient,
            ordering_clinician=provider.user,
            test_name="Basic metabolic panel",
            loinc_code="51990-0",
        )
        for index in range(reports)
    )
    now = timezone.now()
    made = LabReport.objects.bulk_create(
        LabReport(
            patient=patient,
            order=order,
            name="Basic metabolic panel",
            source=LabReport.Source.HL7V2,
            status=ResultStatus.FINAL,
            collected_at=now - datetime.timedelta(days=index + 1),
            released_at=now - datetime.timedelta(days=index),
        )
        for index, order in enumerate(orders)
    )
    observations = []
    for index, lab_report in enumerate(made):
        for position in range(per_report):
            code, name, unit, low, high = TESTS[position % len(TESTS)]
            value = (high or Decimal(100)) * Decimal("0.9") + Decimal(index % 7) / 10
            observations.append(
                Observation(
                    report=lab_report,
                    patient=patient,
                    loinc_code=f"{code}" if position < len(TESTS) else f"{code}-{position}",
                    name=name,
                    unit=unit,
                    value=value,
                    reference_low=low,
                    reference_high=high,
                    status=ResultStatus.FINAL,
                    flag=compute_flag(value, low=low, high=high),
                    observed_at=lab_report.collected_at,
                    position=position,
                )
            )
    Observation.objects.bulk_create(observations, batch_size=1000)
    summaries = [completed_visit(patient, provider, days=10 + n) for n in range(3)]
    for other in summaries:
        summary(other)
        prescription(other)
