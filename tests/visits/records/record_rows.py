"""Rows of a patient's record written straight to the tables, for setting the scene of the
day view and chart tests: notes, prescriptions, lab reports and critical-result alerts."""

import datetime
from decimal import Decimal

from django.utils import timezone

from visits.records.models import LabOrder, NoteAddendum, NoteDiagnosis, Prescription, VisitNote
from visits.results.models import CriticalResultAlert, LabReport, Observation
from visits.scheduling.models import Visit


def note(visit: Visit, *, signed: bool = True, author=None, **text) -> VisitNote:
    """A note of the visit by its clinician, signed unless told otherwise, with one diagnosis."""
    author = author or visit.provider.user
    written = VisitNote.objects.create(
        visit=visit,
        patient=visit.patient,
        author=author,
        status=VisitNote.Status.SIGNED if signed else VisitNote.Status.DRAFT,
        signed_at=timezone.now() if signed else None,
        **{"subjective": "Cough for three days.", "plan": "Fluids and rest.", **text},
    )
    NoteDiagnosis.objects.create(
        note=written, code="J06.9", description="Acute upper respiratory infection, unspecified"
    )
    return written


def addendum(written: VisitNote, text: str = "Patient called: feeling better.") -> NoteAddendum:
    return NoteAddendum.objects.create(note=written, author=written.author, text=text)


def prescription(visit: Visit, **fields) -> Prescription:
    values = {
        "medication": "Amoxicillin",
        "strength": "500 mg",
        "form": Prescription.Form.CAPSULE,
        "directions": "Take 1 capsule by mouth three times daily",
        "quantity": 21,
        **fields,
    }
    return Prescription.objects.create(
        visit=visit, patient=visit.patient, prescriber=visit.provider.user, **values
    )


def lab_report(
    visit: Visit, *, value: str = "4.1", name: str = "Basic metabolic panel", **fields
) -> LabReport:
    """A final report for an order from the visit with one potassium observation (3.5-5.1 mmol/L,
    critical below 2.8 and above 6.2)."""
    order = LabOrder.objects.create(
        visit=visit,
        patient=visit.patient,
        ordering_clinician=visit.provider.user,
        test_name=name,
        loinc_code="24323-8",
    )
    collected = fields.pop("collected_at", timezone.now() - datetime.timedelta(days=1))
    report = LabReport.objects.create(
        order=order,
        patient=visit.patient,
        ordering_clinician=visit.provider.user,
        name=name,
        loinc_code="24323-8",
        source=LabReport.Source.MANUAL,
        status="final",
        collected_at=collected,
        **fields,
    )
    Observation.objects.create(
        report=report,
        patient=visit.patient,
        loinc_code="2823-3",
        name="Potassium",
        value=Decimal(value),
        unit="mmol/L",
        reference_low=Decimal("3.5"),
        reference_high=Decimal("5.1"),
        critical_low=Decimal("2.8"),
        critical_high=Decimal("6.2"),
        status="final",
        observed_at=collected,
    )
    return report


def critical_alert(visit: Visit) -> CriticalResultAlert:
    """A critically high potassium from the visit's order, not yet acknowledged."""
    report = lab_report(visit, value="6.8")
    return CriticalResultAlert.objects.create(
        observation=report.observations.get(),
        patient=visit.patient,
        clinician=visit.provider.user,
    )
