"""The demo clinic's history: past visits with signed notes and summaries, prescriptions, lab
orders and a few months of results with a trend, a corrected result and a psychotherapy note.

Written with the models (the visits are in the past, where booking cannot put them) and run
once by `seed_demo`; results go through `report_recorded`, so they are released and flagged as
an arriving report would be.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import PatientProfile, ProviderProfile, User
from visits.records.models import (
    AfterVisitSummary,
    LabOrder,
    NoteDiagnosis,
    Prescription,
    PsychotherapyNote,
    VisitNote,
    VisitTransition,
)
from visits.results.models import LabReport, Observation, ResultStatus
from visits.results.release import report_recorded
from visits.scheduling.models import Visit, VisitType

ALEX = "alex.morgan@demo.housecall.example"
PRIYA = "priya.shah@demo.housecall.example"
MAYA = "maya.patel@demo.housecall.example"
DANIEL = "daniel.reyes@demo.housecall.example"

# A lipid panel and a basic metabolic panel, three times over four months: LDL comes down.
LIPIDS = [
    ("2093-3", "Cholesterol, total", "mg/dL", None, "200", ["238", "221", "196"]),
    ("13457-7", "LDL cholesterol (calculated)", "mg/dL", None, "100", ["162", "141", "118"]),
    ("2085-9", "HDL cholesterol", "mg/dL", "40", None, ["44", "47", "51"]),
    ("2571-8", "Triglycerides", "mg/dL", None, "150", ["168", "152", "131"]),
]
BMP = [
    ("2951-2", "Sodium", "mmol/L", "136", "145", ["139", "140", "138"]),
    ("2823-3", "Potassium", "mmol/L", "3.5", "5.1", ["4.2", "3.9", "4.4"]),
    ("2075-0", "Chloride", "mmol/L", "98", "107", ["102", "101", "103"]),
    ("2028-9", "Carbon dioxide", "mmol/L", "22", "29", ["25", "26", "24"]),
    ("3094-0", "Urea nitrogen", "mg/dL", "7", "20", ["14", "15", "13"]),
    ("2160-0", "Creatinine", "mg/dL", "0.6", "1.2", ["0.9", "0.8", "0.9"]),
    ("2345-7", "Glucose", "mg/dL", "70", "99", ["104", "97", "92"]),
    ("17861-6", "Calcium", "mg/dL", "8.6", "10.3", ["9.4", "9.6", "9.5"]),
]
CRITICAL = {"2823-3": ("2.8", "6.2"), "2951-2": ("120", "160"), "2345-7": ("50", "450")}

# The three visits with Dr. Patel: (days ago, subjective, assessment, plan, diagnoses, summary).
PHYSICIAN_VISITS = [
    (
        118,
        "Ten days of facial pressure and congestion, thick discharge, worse after a cold.",
        "Acute maxillary sinusitis, likely bacterial given duration and the second worsening.",
        "Amoxicillin for ten days, saline rinses, fluids. Fasting lipid panel and BMP "
        "(family history of heart disease, not screened for five years).",
        [
            ("J01.00", "Acute maxillary sinusitis, unspecified"),
            (
                "Z82.49",
                "Family history of "
                "ischemic heart disease and other diseases of the circulatory system",
            ),
        ],
        (
            "A sinus infection.",
            "Take the amoxicillin twice a day with food until it is finished, even when you "
            "feel better. Rinse your nose with saline twice a day. Have the blood tests done "
            "after fasting for 9 to 12 hours.",
            "Seek care at once for a high fever, swelling or redness around the eye, a severe "
            "headache or a stiff neck.",
            "A video visit in 6 weeks to go over your cholesterol results.",
        ),
    ),
    (
        70,
        "Sinus symptoms resolved. Here to discuss lipid results. Diet has been fast food most days.",
        "Hyperlipidemia: LDL 162 mg/dL, no diabetes (glucose 104 fasting, borderline).",
        "Lifestyle changes first: diet, 150 minutes of exercise a week. Repeat lipids and BMP in "
        "6 weeks; discuss a statin if LDL stays above 130.",
        [("E78.5", "Hyperlipidemia, unspecified"), ("R73.01", "Impaired fasting glucose")],
        (
            'Your LDL ("bad") cholesterol is high, and your fasting sugar is slightly high.',
            "Cut down on fried food and sugary drinks, add vegetables and whole grains, and aim "
            "for 30 minutes of brisk walking five days a week.",
            "Seek emergency care for chest pain, shortness of breath, or weakness on one side.",
            "Repeat blood tests in 6 weeks, then a video visit.",
        ),
    ),
    (
        21,
        "Walking daily, cooking at home. Feels well.",
        "Hyperlipidemia improving with lifestyle: LDL 118 mg/dL. Fasting glucose now normal.",
        "Continue lifestyle changes. No statin for now. Recheck lipids in 6 months.",
        [("E78.5", "Hyperlipidemia, unspecified")],
        (
            "Your cholesterol has come down a lot, and your fasting sugar is now normal.",
            "Keep up the walking and the cooking at home.",
            "Seek emergency care for chest pain or shortness of breath.",
            "Blood tests again in 6 months.",
        ),
    ),
]


def seed_visit_records() -> None:
    """Once: the demo's past visits, their notes, prescriptions, orders and results."""
    alex = User.objects.get(email=ALEX)
    if VisitNote.objects.filter(patient=alex).exists():
        return
    physician = ProviderProfile.objects.get(user__email=MAYA)
    urgent = VisitType.objects.get(slug="urgent-care")
    follow_up = VisitType.objects.get(slug="follow-up")
    pharmacy = "Walgreens Main Street, 1300 Main St, +15125550100"
    now = timezone.now()
    visits = []
    for index, (days_ago, subjective, assessment, plan, diagnoses, summary) in enumerate(
        PHYSICIAN_VISITS
    ):
        visit = _past_visit(alex, physician, urgent if index == 0 else follow_up, days_ago, now)
        _document(visit, physician.user, subjective, assessment, plan, diagnoses, summary)
        if index == 0:
            Prescription.objects.create(
                visit=visit,
                patient=alex,
                prescriber=physician.user,
                medication="Amoxicillin",
                strength="500 mg",
                form=Prescription.Form.CAPSULE,
                directions="Take 1 capsule by mouth twice a day for 10 days",
                quantity=20,
                quantity_unit="capsules",
                refills=0,
                pharmacy=pharmacy,
                status=Prescription.Status.COMPLETED,
                status_changed_at=visit.end + datetime.timedelta(days=10),
                status_changed_by=physician.user,
            )
        Prescription.objects.get_or_create(
            patient=alex,
            medication="Cetirizine",
            defaults={
                "visit": visit,
                "prescriber": physician.user,
                "strength": "10 mg",
                "form": Prescription.Form.TABLET,
                "directions": "Take 1 tablet by mouth once a day for allergies",
                "quantity": 90,
                "quantity_unit": "tablets",
                "refills": 3,
                "pharmacy": pharmacy,
            },
        )
        visits.append(visit)
    # The first visit orders the tests the second discusses; the second orders two more rounds,
    # the last of them back before the third visit, which discusses it.
    for lab_round, (visit, days_ago) in enumerate(
        ((visits[0], 116), (visits[1], 68), (visits[1], 24))
    ):
        _lab_round(alex, physician.user, visit, lab_round, now - datetime.timedelta(days=days_ago))
    _therapy_history(now)
    _check_up(now)
    _unmatched_message()


def _past_visit(patient, provider, visit_type, days_ago: int, now) -> Visit:
    local = (now - datetime.timedelta(days=days_ago)).astimezone(provider.zone)
    start = local.replace(hour=10, minute=0, second=0, microsecond=0)
    visit = Visit.objects.create(
        patient=patient,
        provider=provider,
        visit_type=visit_type,
        start=start,
        end=start + visit_type.duration,
        blocked_until=start + visit_type.duration + visit_type.buffer_after,
        status=Visit.Status.COMPLETED,
        reason="Demo history",
        checked_in_at=start - datetime.timedelta(minutes=5),
        started_at=start,
        completed_at=start + visit_type.duration,
    )
    for before, after, at in (
        (Visit.Status.BOOKED, Visit.Status.CHECKED_IN, start - datetime.timedelta(minutes=5)),
        (Visit.Status.CHECKED_IN, Visit.Status.IN_PROGRESS, start),
        (Visit.Status.IN_PROGRESS, Visit.Status.COMPLETED, start + visit_type.duration),
    ):
        VisitTransition.objects.create(
            visit=visit, from_status=before, to_status=after, actor=provider.user, at=at
        )
    return visit


def _document(visit, author, subjective, assessment, plan, diagnoses, summary) -> None:
    signed = visit.end + datetime.timedelta(minutes=20)
    note = VisitNote.objects.create(
        visit=visit,
        patient=visit.patient,
        author=author,
        subjective=subjective,
        objective="Well appearing on video, speaking in full sentences, no distress.",
        assessment=assessment,
        plan=plan,
        status=VisitNote.Status.SIGNED,
        signed_at=signed,
    )
    NoteDiagnosis.objects.bulk_create(
        NoteDiagnosis(note=note, code=code, description=description, position=n)
        for n, (code, description) in enumerate(diagnoses)
    )
    findings, instructions, seek_care, follow_up = summary
    AfterVisitSummary.objects.create(
        visit=visit,
        patient=visit.patient,
        findings=findings,
        instructions=instructions,
        when_to_seek_care=seek_care,
        follow_up=follow_up,
        released_at=signed,
    )


def _lab_round(patient, clinician, visit, lab_round: int, collected) -> None:
    """One round of a lipid panel and a BMP ordered at `visit`, collected at `collected`."""
    for name, loinc, rows in (
        ("Lipid panel", "57698-3", LIPIDS),
        ("Basic metabolic panel", "51990-0", BMP),
    ):
        order = LabOrder.objects.create(
            visit=visit,
            patient=patient,
            ordering_clinician=clinician,
            test_name=name,
            loinc_code=loinc,
            reason="Screening; family history of heart disease",
            where_to_go="Any Quest Diagnostics patient service center",
            instructions="Fast for 9 to 12 hours before (water is fine).",
            status=LabOrder.Status.RESULTED,
        )
        report = LabReport.objects.create(
            order=order,
            patient=patient,
            ordering_clinician=clinician,
            name=name,
            loinc_code=loinc,
            source=LabReport.Source.HL7V2,
            filler_number=f"QD{order.number[2:]}",
            performing_lab="Quest Diagnostics, Austin TX",
            status=ResultStatus.FINAL,
            collected_at=collected,
            issued_at=collected + datetime.timedelta(hours=20),
            first_opened_at=collected + datetime.timedelta(days=1),
        )
        for position, (code, test, unit, low, high, values) in enumerate(rows):
            critical = CRITICAL.get(code, (None, None))
            Observation.objects.create(
                report=report,
                patient=patient,
                loinc_code=code,
                name=test,
                value=Decimal(values[lab_round]),
                unit=unit,
                reference_low=Decimal(low) if low else None,
                reference_high=Decimal(high) if high else None,
                reference_text=f"{low or ''}-{high or ''}".strip("-")
                if low and high
                else (f"<{high}" if high else f">{low}"),
                critical_low=Decimal(critical[0]) if critical[0] else None,
                critical_high=Decimal(critical[1]) if critical[1] else None,
                status=ResultStatus.FINAL,
                observed_at=collected,
                position=position,
            )
        report_recorded(report, now=report.issued_at)


def _therapy_history(now) -> None:
    """Priya's past therapy sessions with Daniel Reyes: signed notes, and his process notes."""
    priya = User.objects.get(email=PRIYA)
    therapist = ProviderProfile.objects.get(user__email=DANIEL)
    therapy = VisitType.objects.get(slug="therapy")
    if not PatientProfile.objects.filter(user=priya).exists():
        return
    for days_ago, assessment in (
        (28, "Depressive symptoms easing (PHQ-9 9, from 17). Using behavioural activation."),
        (14, "Continued improvement (PHQ-9 8). Sleep better; work stress manageable."),
    ):
        visit = _past_visit(priya, therapist, therapy, days_ago, now)
        _document(
            visit,
            therapist.user,
            "Reports more good days; walking most mornings; one difficult day at work.",
            assessment,
            "Continue weekly CBT; review activity schedule; PHQ-9 and GAD-7 before next session.",
            [("F32.1", "Major depressive disorder, single episode, moderate")],
            (
                "You are making steady progress.",
                "Keep your morning walks and your activity plan.",
                "If you have thoughts of harming yourself, call or text 988 at any time, or 911.",
                "Your next session is next week at the usual time.",
            ),
        )
        PsychotherapyNote.objects.create(
            visit=visit,
            patient=priya,
            author=therapist.user,
            text="Process notes: explored the pattern of withdrawal after criticism at work; "
            "transference themes around approval. Plan to revisit next session.",
        )


def _unmatched_message() -> None:
    """A lab's message for someone who is not the clinic's patient, waiting on the inbox."""
    from visits.results.importer import import_message
    from visits.results.samples import render_sample

    raw = render_sample(
        "lipid.hl7",
        record_number="HC99990001",
        family_name="Rivera",
        given_name="Jamie",
        birth_date=datetime.date(1971, 5, 9),
        order_number="HC0000DEMO01",
    )
    import_message(raw, source="lab drop folder (demo)")


def _check_up(now) -> None:
    """Priya saw Dr. Patel about tiredness six weeks ago; her blood tests came back in range but
    for her cholesterol."""
    priya = User.objects.get(email=PRIYA)
    physician = ProviderProfile.objects.get(user__email=MAYA)
    visit = _past_visit(priya, physician, VisitType.objects.get(slug="follow-up"), 42, now)
    _document(
        visit,
        physician.user,
        "Tired for two months, sleeping 8 hours; mood improving with therapy. No weight change.",
        "Fatigue, likely related to depression and sleep; rule out anaemia and thyroid disease.",
        "Basic metabolic panel and lipid panel; sleep hygiene; review results by message.",
        [("R53.83", "Other fatigue")],
        (
            "Tiredness that is probably linked to your mood and sleep.",
            "Keep a regular bedtime, limit screens before bed, and have the blood tests done.",
            "Seek care at once if you feel faint, short of breath, or have chest pain.",
            "We will share your results here; a follow-up visit if anything is out of range.",
        ),
    )
    _lab_round(priya, physician.user, visit, 1, visit.end + datetime.timedelta(days=1))
