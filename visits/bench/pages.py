"""The pages the benchmark drives, the people it signs in as, and the large clinic it grows.

Runs inside Django (the `bench_pages` command's `--prepare` and `--grow` steps, on the
benchmark's own database). Pages whose route does not resolve, or that do not answer 200 for
their person, are reported and left out rather than timed as errors.
"""

import datetime
import math
import random
import statistics
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import PatientProfile, ProviderLicense, ProviderProfile, Role, User
from accounts.sessions import MFA_ENROLLED_KEY
from visits.audit import AuditEvent
from visits.bench.symptoms import answer_symptom_questions
from visits.planner import refresh_planner_statistics
from visits.questionnaires import engine
from visits.questionnaires.models import QuestionnaireResponse
from visits.questionnaires.services import latest_version
from visits.scheduling.models import Visit, VisitType, WeeklyHours

PATIENT = "priya.shah@demo.housecall.example"
URGENT_PATIENT = "alex.morgan@demo.housecall.example"
CLINICIAN = "daniel.reyes@demo.housecall.example"
PHYSICIAN = "maya.patel@demo.housecall.example"
STAFF = "jordan.lee@demo.housecall.example"

LARGE_PROVIDERS = 200
LARGE_VISITS = 500
LARGE_OBSERVATIONS = 5000
LARGE_RESPONSES = 50
LARGE_ACCESSES = 500


@dataclass
class Page:
    """One page to drive: who opens it, its path, and what one request of it costs in queries."""

    name: str
    group: str  # bare, login, patient, clinician, staff
    path: str
    cookie: str = ""
    queries: int = 0
    status: int = 0
    note: str = ""
    render_p50_ms: float = 0.0
    render_p95_ms: float = 0.0


def _url(name: str, *args, query: str = "") -> str:
    return reverse(name, args=args) + (f"?{query}" if query else "")


def _pk(queryset) -> object:
    """The first row's key; None (the page is reported as missing) when the demo has none."""
    row = queryset.order_by("pk").first()
    return row.pk if row is not None else None


def _free_start(therapist: ProviderProfile, visit_type: VisitType, patient: User) -> str:
    """A free time of the therapist's, as the times page links to it, for the confirm step."""
    from visits.scheduling.availability import free_times_between

    now = timezone.now()
    starts = free_times_between(
        provider=therapist,
        visit_type=visit_type,
        start=now,
        end=now + datetime.timedelta(days=14),
        now=now,
        patient=patient,
    )
    return urllib.parse.urlencode({"start": starts[0].isoformat()}) if starts else ""


def _pages(people: dict[str, User]) -> list[tuple[str, str, Callable[[], str]]]:
    """(page, group, path) for every page of every role, built from the demo clinic's rows."""
    patient, clinician = people["patient"], people["clinician"]
    therapist = ProviderProfile.objects.get(user=clinician)
    physician = ProviderProfile.objects.get(user__email=PHYSICIAN)
    visit = (
        Visit.objects.filter(patient=patient, provider=therapist, status=Visit.Status.COMPLETED)
        .order_by("-start")
        .first()
    )
    visit_id = visit.pk if visit else None
    upcoming = Visit.objects.filter(patient=patient, status=Visit.Status.BOOKED).order_by("start")
    upcoming_id = upcoming[0].pk if upcoming else None

    def report_id() -> int | None:
        from visits.results.models import LabReport

        report = LabReport.objects.filter(patient=patient, released_at__isnull=False).first()
        return report.pk if report else None

    def summary_visit() -> object:
        from visits.records.models import AfterVisitSummary

        summary = AfterVisitSummary.objects.filter(patient=patient, released_at__isnull=False)
        first = summary.order_by("-released_at").first()
        return first.visit_id if first else None

    from visits.questionnaires.models import SafetyAlert
    from visits.records.models import Prescription
    from visits.results.models import InboundResult, LabReport

    therapy = VisitType.objects.get(slug="therapy")
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).astimezone(therapist.zone).date()
    return [
        ("bare Django page", "bare", lambda: "/bench/bare/"),
        # The same page for a signed-in patient: what loading the session and the person costs
        # every signed-in page before it does anything of its own.
        ("bare page, signed in", "floor", lambda: "/bench/bare/"),
        ("login", "login", lambda: _url("account_login")),
        ("patient dashboard", "patient", lambda: _url("patient_dashboard")),
        ("booking: visit types", "patient", lambda: _url("scheduling:booking_start")),
        ("booking: providers", "patient", lambda: _url("scheduling:booking_providers", "therapy")),
        (
            "booking: times",
            "patient",
            lambda: _url("scheduling:booking_times", "therapy", therapist.pk),
        ),
        (
            "booking: providers (urgent)",
            "urgent",
            lambda: _url("scheduling:booking_providers", "urgent-care"),
        ),
        (
            "booking: confirm",
            "patient",
            lambda: _url(
                "scheduling:booking_confirm",
                "therapy",
                therapist.pk,
                query=_free_start(therapist, therapy, patient),
            ),
        ),
        ("symptom check", "patient", lambda: _url("symptom_start")),
        ("intake step", "patient", lambda: _url("intake_step", "medications")),
        ("PHQ-9", "patient", lambda: _url("questionnaire_answer", "phq-9")),
        ("score history", "patient", lambda: _url("my_scores")),
        ("results", "patient", lambda: _url("results:my_results")),
        ("lab report", "patient", lambda: _url("results:my_report", report_id())),
        ("visit summary", "patient", lambda: _url("results:my_visit_summary", summary_visit())),
        ("seen now", "urgent", lambda: _url("ondemand:seen_now")),
        ("check-in", "patient", lambda: _url("video:check_in", upcoming_id)),
        ("visit record", "patient", lambda: _url("scheduling:visit_detail", visit_id)),
        ("reschedule", "patient", lambda: _url("scheduling:visit_reschedule", upcoming_id)),
        ("cancel", "patient", lambda: _url("scheduling:visit_cancel", upcoming_id)),
        (
            "questionnaire result",
            "patient",
            lambda: _url(
                "questionnaire_result", _pk(QuestionnaireResponse.objects.filter(patient=patient))
            ),
        ),
        ("my details", "patient", lambda: _url("profile_edit")),
        ("security", "patient", lambda: _url("account_security")),
        ("access log", "patient", lambda: _url("access_log")),
        ("clinician dashboard", "clinician", lambda: _url("clinician_dashboard")),
        ("clinician day", "clinician", lambda: _url("records:day")),
        ("patient chart", "clinician", lambda: _url("records:chart", patient.pk)),
        ("chart: health history", "clinician", lambda: _url("patient_intake", patient.pk)),
        ("chart: scores", "clinician", lambda: _url("patient_scores", patient.pk)),
        ("chart: safety alerts", "clinician", lambda: _url("patient_alerts", patient.pk)),
        (
            "safety alert",
            "clinician",
            lambda: _url("safety_alert_detail", _pk(SafetyAlert.objects.filter(patient=patient))),
        ),
        ("visit (clinician)", "clinician", lambda: _url("scheduling:visit_detail", visit_id)),
        ("visit note", "clinician", lambda: _url("records:visit_note", visit_id)),
        (
            "psychotherapy notes",
            "clinician",
            lambda: _url("records:psychotherapy_notes", visit_id),
        ),
        ("visit orders", "clinician", lambda: _url("records:visit_orders", visit_id)),
        (
            "prescription record",
            "physician",
            lambda: _url(
                "records:prescription_print",
                _pk(Prescription.objects.filter(prescriber=people["physician"])),
            ),
        ),
        ("result entry", "clinician", lambda: _url("results:visit_result_entry", visit_id)),
        (
            "lab report (clinician)",
            "physician",
            lambda: _url(
                "results:report_detail",
                _pk(LabReport.objects.filter(ordering_clinician=people["physician"])),
            ),
        ),
        ("critical results", "clinician", lambda: _url("results:critical_alerts")),
        ("on-demand queue", "physician", lambda: _url("ondemand:queue")),
        ("staff dashboard", "staff", lambda: _url("staff_dashboard")),
        (
            "staff day calendar",
            "staff",
            lambda: _url("scheduling:schedule_calendar", physician.pk, query=f"day={tomorrow}"),
        ),
        (
            "staff week calendar",
            "staff",
            lambda: _url("scheduling:schedule_calendar", physician.pk),
        ),
        ("hours editor", "staff", lambda: _url("scheduling:schedule_edit", physician.pk)),
        ("hours: one day", "staff", lambda: _url("scheduling:schedule_day", physician.pk, 1)),
        ("days off", "staff", lambda: _url("scheduling:schedule_exceptions", physician.pk)),
        ("staff booking", "staff", lambda: _url("scheduling:schedule_book", physician.pk)),
        ("lab inbox", "staff", lambda: _url("results:inbox")),
        ("lab upload", "staff", lambda: _url("results:inbox_upload")),
        (
            "lab message",
            "staff",
            lambda: _url("results:inbox_detail", _pk(InboundResult.objects.all())),
        ),
        ("home page", "public", lambda: _url("home")),
    ]


def _signed_in(user: User | None) -> tuple[Client, str]:
    """A client signed in as `user` past MFA, and its session cookie for the load generator."""
    client = Client()
    if user is None:
        return client, ""
    client.force_login(user)
    session = client.session
    session[MFA_ENROLLED_KEY] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key or ""
    return client, f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def signed_in_pages() -> list[tuple[str, str, Callable[[], str], Client, str]]:
    """(page, group, path, client, cookie) for every page, each client signed in as the page's
    person: the benchmark times them, and the two-size test renders them."""
    people = {
        "patient": User.objects.get(email=PATIENT),
        "urgent": User.objects.get(email=URGENT_PATIENT),
        "clinician": User.objects.get(email=CLINICIAN),
        "physician": User.objects.get(email=PHYSICIAN),
        "staff": User.objects.get(email=STAFF),
    }
    # The urgent-care patient has just checked a symptom, so urgent care is open to them.
    answer_symptom_questions(people["urgent"])
    clients = {group: _signed_in(user) for group, user in people.items()}
    clients["login"] = clients["bare"] = clients["public"] = _signed_in(None)
    clients["floor"] = clients["patient"]
    return [(name, group, path, *clients[group]) for name, group, path in _pages(people)]


def prepare(renders: int = 20) -> list[dict]:
    """Every page with its cookie, the queries and status of one request of it, and the median
    and 95th percentile of `renders` requests served in this process (no server, no network)."""
    pages = []
    for name, group, path, client, cookie in signed_in_pages():
        try:
            url = path()
        except NoReverseMatch:
            pages.append(Page(name, group, "", note="no such page"))
            continue
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        page = Page(name, group, url, cookie, len(queries), response.status_code)
        if response.status_code != 200:
            page.note = f"answers {response.status_code}"
        else:
            page.render_p50_ms, page.render_p95_ms = _render_times(client, url, renders)
        pages.append(page)
    return [asdict(page) for page in pages]


def _render_times(client: Client, url: str, renders: int) -> tuple[float, float]:
    samples = []
    for _ in range(renders):
        began = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    p95 = samples[max(0, math.ceil(0.95 * len(samples)) - 1)]
    return round(statistics.median(samples), 1), round(p95, 1)


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


def profile(pages: list[dict], folder) -> None:
    """A pyinstrument profile of 20 requests of each page, as text, one file per page."""
    from pyinstrument import Profiler

    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        if not page["path"] or page["status"] != 200:
            continue
        client = Client()
        if page["cookie"]:
            name, value = page["cookie"].split("=", 1)
            client.cookies[name] = value
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(20):
                client.get(page["path"])
        slug = "".join(ch if ch.isalnum() else "-" for ch in page["name"]).strip("-")
        (folder / f"{slug}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
