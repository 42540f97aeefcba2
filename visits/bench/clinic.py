"""The page benchmark's large clinic: the demo clinic grown past every page's lists.

200 more providers licensed where the demo patient is, and the patient's 500 past visits, 5,000
results in 500 reports, 50 questionnaire responses and 500 reads of her record. The sizes are
arguments, so the two-size test grows a smaller clinic the same way.
"""

import datetime
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import PatientProfile, ProviderLicense, ProviderProfile, Role, User
from visits.audit import AuditEvent
from visits.bench.pages import CLINICIAN, PATIENT
from visits.planner import refresh_planner_statistics
from visits.questionnaires import engine
from visits.questionnaires.models import QuestionnaireResponse
from visits.questionnaires.services import latest_version
from visits.scheduling.models import Visit, VisitType, WeeklyHours

LARGE_PROVIDERS = 200
LARGE_VISITS = 500
LARGE_OBSERVATIONS = 5000
LARGE_RESPONSES = 50
LARGE_ACCESSES = 500


def grow(
    *,
    providers: int = LARGE_PROVIDERS,
    visits: int = LARGE_VISITS,
    observations: int = LARGE_OBSERVATIONS,
    responses: int = LARGE_RESPONSES,
    accesses: int = LARGE_ACCESSES,
) -> dict[str, int]:
    """The large clinic: by default 200 more providers licensed where the patient is, and the
    patient's 500 past visits, 5,000 results (ten to a report), 50 questionnaire responses and
    500 reads of their record by their therapist (the access log's rows)."""
    patient = User.objects.get(email=PATIENT)
    state = PatientProfile.objects.get(user=patient).current_state
    therapy = VisitType.objects.get(slug="therapy")
    password = make_password(None)
    # A patient of long standing: the visits (and their reports) are from before the first the
    # patient has, so the newest of each list stay the demo's. Grown again, the clinic gets more
    # of each: new providers, and visits and responses further back.
    first = User.objects.filter(email__endswith="@bench.housecall.example").count()
    earliest = Visit.objects.filter(patient=patient).order_by("start").values("start").first()
    users = User.objects.bulk_create(
        [
            User(
                email=f"bench.provider.{n}@bench.housecall.example",
                display_name=f"Bench Provider {n}",
                role=Role.CLINICIAN,
                password=password,
            )
            for n in range(first, first + providers)
        ]
    )
    profiles = ProviderProfile.objects.bulk_create(
        [
            ProviderProfile(
                user=user, kind="therapist", credentials="LCSW", time_zone="America/Los_Angeles"
            )
            for user in users
        ]
    )
    ProviderLicense.objects.bulk_create(
        [ProviderLicense(provider=provider, state=state) for provider in profiles]
    )
    therapy.providers.add(*profiles)
    WeeklyHours.objects.bulk_create(
        [
            WeeklyHours(
                provider=provider,
                weekday=weekday,
                start_time=datetime.time(9),
                end_time=datetime.time(17),
            )
            for provider in profiles
            for weekday in range(5)
        ]
    )
    therapist = ProviderProfile.objects.get(user__email=CLINICIAN)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    if earliest:
        now = min(now, earliest["start"].replace(minute=0, second=0, microsecond=0))
    past = Visit.objects.bulk_create(
        [
            Visit(
                patient=patient,
                provider=therapist,
                visit_type=therapy,
                start=(start := now - datetime.timedelta(days=n + 1, hours=3)),
                end=start + therapy.duration,
                blocked_until=start + therapy.duration + therapy.buffer_after,
                status=Visit.Status.COMPLETED,
                completed_at=start + therapy.duration,
            )
            for n in range(visits)
        ]
    )
    results = _results(patient, therapist.user, past, observations)
    _responses(patient, responses)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=therapist.user,
            patient=patient,
            action=AuditEvent.Action.VIEW,
            what="visit",
            page="records:chart",
        )
        for _ in range(accesses)
    )
    refresh_planner_statistics()
    return {
        "providers": len(profiles),
        "visits": len(past),
        "observations": results,
        "responses": responses,
        "accesses": accesses,
    }


def _results(patient: User, clinician: User, visits: list[Visit], observations: int) -> int:
    from visits.records.models import LabOrder
    from visits.results.models import LabReport, Observation, ResultStatus

    panel = [
        ("2823-3", "Potassium", "mmol/L", "3.5", "5.1"),
        ("2951-2", "Sodium", "mmol/L", "136", "145"),
        ("2075-0", "Chloride", "mmol/L", "98", "107"),
        ("2028-9", "Carbon dioxide", "mmol/L", "22", "29"),
        ("3094-0", "Urea nitrogen", "mg/dL", "7", "20"),
        ("2160-0", "Creatinine", "mg/dL", "0.6", "1.2"),
        ("2345-7", "Glucose", "mg/dL", "70", "99"),
        ("17861-6", "Calcium", "mg/dL", "8.6", "10.3"),
        ("2093-3", "Cholesterol", "mg/dL", None, "200"),
        ("13457-7", "LDL cholesterol", "mg/dL", None, "100"),
    ]
    reports_wanted = observations // len(panel)
    rng = random.Random(7)  # noqa: S311 - made-up values, repeatable
    orders = LabOrder.objects.bulk_create(
        [
            LabOrder(
                visit=visits[n % len(visits)],
                patient=patient,
                ordering_clinician=clinician,
                test_name="Basic metabolic panel",
                loinc_code="51990-0",
                status=LabOrder.Status.RESULTED,
            )
            for n in range(reports_wanted)
        ]
    )
    reports = LabReport.objects.bulk_create(
        [
            LabReport(
                order=order,
                patient=patient,
                ordering_clinician=clinician,
                name="Basic metabolic panel",
                loinc_code="51990-0",
                source=LabReport.Source.HL7V2,
                status=ResultStatus.FINAL,
                collected_at=visits[n % len(visits)].start,
                released_at=visits[n % len(visits)].start,
                first_opened_at=visits[n % len(visits)].start,
            )
            for n, order in enumerate(orders)
        ]
    )
    rows = []
    for report in reports:
        for position, (code, name, unit, low, high) in enumerate(panel):
            low_value = Decimal(low) if low else None
            high_value = Decimal(high)
            value = (high_value * Decimal(rng.uniform(0.7, 1.1))).quantize(Decimal("0.1"))
            observation = Observation(
                report=report,
                patient=patient,
                loinc_code=code,
                name=name,
                value=value,
                unit=unit,
                reference_low=low_value,
                reference_high=high_value,
                status=ResultStatus.FINAL,
                observed_at=report.collected_at,
                position=position,
            )
            # bulk_create skips save(), where the flag is computed: compute it the same way.
            observation.flag = _flag(observation)
            rows.append(observation)
    Observation.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _flag(observation) -> str:
    from visits.results.flags import compute_flag

    return compute_flag(
        observation.value,
        low=observation.reference_low,
        high=observation.reference_high,
        critical_low=observation.critical_low,
        critical_high=observation.critical_high,
    )


def _responses(patient: User, count: int) -> None:
    phq9 = latest_version("phq-9")
    now = timezone.now()
    earliest = (
        QuestionnaireResponse.objects.filter(patient=patient, submitted_at__lt=now)
        .order_by("submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    now = earliest or now
    rows = []
    for n in range(count):
        answers: dict[str, int | str] = {f"phq9_{item}": (n + item) % 3 for item in range(1, 10)}
        answers["phq9_9"] = 0
        answers["phq9_difficulty"] = "somewhat"
        result = engine.score(phq9.definition, answers)
        if result is None:
            raise ValueError("The PHQ-9 is not scored.")
        rows.append(
            QuestionnaireResponse(
                patient=patient,
                questionnaire=phq9,
                answers=answers,
                total=result.total,
                band=result.band,
                screens=result.screens,
                submitted_at=now - datetime.timedelta(days=7 * (n + 1)),
            )
        )
    QuestionnaireResponse.objects.bulk_create(rows)
