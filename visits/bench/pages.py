"""The pages the benchmark drives and the people it signs in as (the large clinic: `clinic`).

Runs inside Django (the `bench_pages` command's `--prepare` step, on the benchmark's own
database). Pages whose route does not resolve, or that do not answer 200 for
their person, are reported and left out rather than timed as errors.
"""

import datetime
import math
import statistics
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import ProviderProfile, User
from accounts.sessions import MFA_ENROLLED_KEY
from visits.bench.symptoms import answer_symptom_questions
from visits.questionnaires.models import QuestionnaireResponse
from visits.scheduling.models import Visit, VisitType

PATIENT = "priya.shah@demo.housecall.example"
URGENT_PATIENT = "alex.morgan@demo.housecall.example"
CLINICIAN = "daniel.reyes@demo.housecall.example"
PHYSICIAN = "maya.patel@demo.housecall.example"
STAFF = "jordan.lee@demo.housecall.example"


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
