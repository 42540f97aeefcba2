"""Scenes for the release, critical-alert and report-page tests: a patient, the clinician who
ordered their test, and reports written straight to the tables (as an importer would)."""

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import User
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import MONDAY, VisitFactory, at
from visits.records.models import LabOrder
from visits.results.flags import compute_flag
from visits.results.models import LabReport, Observation, ResultStatus
from visits.results.release import report_recorded

NOW = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=datetime.UTC)
_days = itertools.count(1)


@dataclass
class Scene:
    """A patient with a visit, a lab order from it, and the clinician who ordered it."""

    patient: User
    clinician: User
    order: LabOrder


def clinician_treating(patient: User, **profile) -> User:
    """A physician with an authenticator app and an upcoming visit with the patient."""
    provider = ProviderProfileFactory(**profile)
    enrol_totp(provider.user)
    # Each on a day of its own: a patient is never booked twice at once (PostgreSQL enforces it).
    start = at(MONDAY + datetime.timedelta(days=next(_days)), 10)
    VisitFactory(patient=patient, provider=provider, start=start)
    return provider.user


def scene(**patient_profile) -> Scene:
    """A patient (Sam Lee), the physician who treats them and a potassium ordered at the visit."""
    patient = PatientProfileFactory(
        legal_first_name="Sam", legal_last_name="Lee", phone="+15125550123", **patient_profile
    ).user
    clinician = clinician_treating(patient, user__display_name="Dr. Ines Park")
    visit = patient.visits.get(provider__user=clinician)
    order = LabOrder.objects.create(
        visit=visit,
        patient=patient,
        ordering_clinician=clinician,
        test_name="Basic metabolic panel",
        loinc_code="51990-0",
    )
    return Scene(patient=patient, clinician=clinician, order=order)


def potassium(value: str, **fields) -> dict:
    """A potassium observation (LOINC 2823-3) with the usual range and critical limits."""
    return {
        "name": "Potassium",
        "loinc_code": "2823-3",
        "value": Decimal(value),
        "unit": "mmol/L",
        "reference_low": Decimal("3.5"),
        "reference_high": Decimal("5.1"),
        "critical_low": Decimal("2.5"),
        "critical_high": Decimal("6.5"),
        **fields,
    }


def sodium(value: str, **fields) -> dict:
    """A sodium observation (LOINC 2951-2)."""
    return {
        "name": "Sodium",
        "loinc_code": "2951-2",
        "value": Decimal(value),
        "unit": "mmol/L",
        "reference_low": Decimal("136"),
        "reference_high": Decimal("145"),
        "critical_low": Decimal("120"),
        "critical_high": Decimal("160"),
        **fields,
    }


def report_for(
    s: Scene,
    *observations: dict,
    status: str = ResultStatus.FINAL,
    record: bool = True,
    now: datetime.datetime = NOW,
    name: str = "Basic metabolic panel",
    **fields,
) -> LabReport:
    """A lab report for the scene's order with these observations, saved as the importer does
    and (unless `record=False`) followed by report_recorded."""
    report = LabReport.objects.create(
        order=s.order,
        patient=s.patient,
        ordering_clinician=s.clinician,
        name=name,
        loinc_code="51990-0",
        source=LabReport.Source.HL7V2,
        performing_lab="Lakeside Lab",
        status=status,
        collected_at=now - datetime.timedelta(hours=6),
        issued_at=now,
        **fields,
    )
    Observation.objects.bulk_create(
        [
            _observation(report, **{"position": position, "status": status, **obs})
            for position, obs in enumerate(observations)
        ]
    )
    if record:
        report_recorded(report, now=now)
    return report


def _observation(report: LabReport, **fields) -> Observation:
    obs = Observation(report=report, patient_id=report.patient_id, **fields)
    # bulk_create skips save(), which computes the flag: do what save() does.
    obs.flag = compute_flag(
        obs.value,
        low=obs.reference_low,
        high=obs.reference_high,
        critical_low=obs.critical_low,
        critical_high=obs.critical_high,
    )
    return obs


def correct(earlier: Observation, value: str, *, report: LabReport | None = None) -> Observation:
    """A corrected value that supersedes `earlier` (both kept), in its report unless told."""
    fields = {
        name: getattr(earlier, name)
        for name in (
            "loinc_code",
            "name",
            "unit",
            "reference_low",
            "reference_high",
            "critical_low",
            "critical_high",
        )
    }
    corrected = Observation.objects.create(
        report=report or earlier.report,
        patient_id=earlier.patient_id,
        value=Decimal(value),
        status=ResultStatus.CORRECTED,
        position=earlier.position,
        **fields,
    )
    earlier.superseded_by = corrected
    earlier.save(update_fields=["superseded_by"])
    return corrected
