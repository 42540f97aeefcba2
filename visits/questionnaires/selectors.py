"""Reads about questionnaires: what is due before visits, alerts a clinician must see, scores."""

import datetime
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    IntegerField,
    Prefetch,
    QuerySet,
    UUIDField,
    Window,
)
from django.utils import timezone
from django.utils.safestring import SafeString

from accounts import policy
from accounts.models import ProviderProfile, Role, User
from config.html import escape
from config.prepared import Param, Params, Prepared, Viewer, empty
from visits.intake.selectors import emergency_contact
from visits.questionnaires import charts
from visits.questionnaires.models import (
    AlertRecipient,
    CheckInPreference,
    Questionnaire,
    QuestionnaireResponse,
    SafetyAlert,
)
from visits.scheduling.models import Visit

DUE_WITHIN = datetime.timedelta(days=7)


# Whether a clinician switched a client's check-ins off: on every visit page, built and
# compiled once (config.prepared).
SWITCHED_OFF_BY = Prepared(
    lambda patient, provider: (
        CheckInPreference.objects.filter(patient=patient, provider=provider, enabled=False)
        .order_by()
        .values_list("pk", flat=True)
    ),
    patient=Param("patient", BigIntegerField()),
    provider=Param("provider", BigIntegerField()),
)


def _due_rows(visits, patient, slugs) -> QuerySet:
    """What due_before_visits reads, in one query (UNION ALL, each kind of row with its own
    columns and the others empty): the answers already given for the visits, the clinicians who
    switched the patient's check-ins off, and the questionnaires' titles."""
    done = (
        QuestionnaireResponse.objects.submitted()
        .filter(visit__in=visits)
        .order_by()
        .annotate(
            provider_=empty(BigIntegerField()),
            title_=empty(CharField()),
            version_=empty(IntegerField()),
        )
        .values_list("visit_id", "provider_", "questionnaire__slug", "title_", "version_")
    )
    switched_off = (
        CheckInPreference.objects.filter(patient=patient, enabled=False)
        .order_by()
        .annotate(
            visit_=empty(UUIDField()),
            slug_=empty(CharField()),
            title_=empty(CharField()),
            version_=empty(IntegerField()),
        )
        .values_list("visit_", "provider_id", "slug_", "title_", "version_")
    )
    titles = (
        Questionnaire.objects.filter(slug__in=slugs)
        .order_by()
        .annotate(visit_=empty(UUIDField()), provider_=empty(BigIntegerField()))
        .values_list("visit_", "provider_", "slug", "title", "version")
    )
    return done.union(switched_off, titles, all=True).order_by()


DUE_ROWS = Prepared(
    _due_rows,
    visits=Params("visits", UUIDField()),
    patient=Param("patient", BigIntegerField()),
    slugs=Params("slugs", CharField()),
)


def newest_titles(rows) -> dict[str, str]:
    """Each questionnaire's title from (slug, title) rows ordered by slug, newest version first:
    the newest version is the one a patient answers."""
    titles: dict[str, str] = {}
    for slug, title in rows:
        titles.setdefault(slug, title)
    return titles


def due_before_visits(*, patient, visits: list[Visit], now: datetime.datetime) -> list[dict]:
    """Questionnaires to answer before visits in the next week, unless answered or switched off.

    Each questionnaire is listed once per day (in the viewer's zone), for the day's first visit
    that asks for it: two sessions on one day need one PHQ-9, and an answer given for either
    counts for both.
    """
    soon = sorted(
        (
            visit
            for visit in visits
            if visit.start - now <= DUE_WITHIN and visit.visit_type.questionnaires
        ),
        key=lambda visit: visit.start,
    )
    if not soon:
        return []
    day_of = {visit.pk: timezone.localtime(visit.start).date() for visit in soon}
    done: set[tuple[datetime.date, str]] = set()
    switched_off: set[int] = set()
    title_rows: list[tuple[str, int, str]] = []
    rows = DUE_ROWS.run(
        visits=[visit.pk for visit in soon],
        patient=patient,
        slugs=sorted({slug for visit in soon for slug in visit.visit_type.questionnaires}),
    )
    for visit_id, provider_id, slug, title, version in rows:
        if visit_id is not None:  # an answer given for one of the visits
            done.add((day_of[visit_id], slug))
        elif provider_id is not None:  # a clinician who switched check-ins off
            switched_off.add(provider_id)
        else:
            title_rows.append((slug, version, title))
    title_rows.sort(key=lambda row: (row[0], -row[1]))
    titles = newest_titles((slug, title) for slug, _, title in title_rows)
    due = []
    listed = set(done)
    for visit in soon:
        if visit.provider_id in switched_off:
            continue
        for slug in visit.visit_type.questionnaires:
            key = (day_of[visit.pk], slug)
            if key in listed:
                continue
            listed.add(key)
            due.append({"visit": visit, "slug": slug, "title": titles.get(slug, slug)})
    return due


BEHAVIORAL_HEALTH_KINDS = (ProviderProfile.Kind.THERAPIST, ProviderProfile.Kind.PSYCHIATRIST)
HISTORY_PAGE = 50
# PHQ-9 and GAD-7 totals on the score history, charted and listed, a page at a time.
SCORES_PAGE = 20


def treating_clinicians(patient) -> list[User]:
    """The clinicians who treat the patient now, by the policy's one definition of "treats"."""
    candidates = (
        User.objects.filter(role=Role.CLINICIAN, provider_profile__visits__patient=patient)
        .select_related("provider_profile")
        .distinct()
        .order_by("pk")
    )
    return [clinician for clinician in candidates if policy.treats(clinician, patient)]


def alert_routing(*, patient, visit: Visit | None) -> list[User]:
    """Who a safety alert goes to first.

    The clinician of the visit the answers were given for; for answers not tied to a visit (or
    a visit whose clinician no longer treats the patient), the patient's behavioral-health
    clinicians; if they have none, every clinician who treats them.
    """
    treating = treating_clinicians(patient)
    if visit is not None:
        own = [clinician for clinician in treating if clinician.pk == visit.provider.user_id]
        if own:
            return own
    behavioral = [
        clinician
        for clinician in treating
        if clinician.provider_profile.kind in BEHAVIORAL_HEALTH_KINDS
    ]
    return behavioral or treating


# What the clinician's dashboards show of an open alert: whose it is, how to call them, why and
# when it was raised. Only these columns are loaded.
OPEN_ALERT_FIELDS = (
    "patient_id",
    "reason",
    "created_at",
    "escalated_at",
    "patient__email",
    "patient__patient_profile__legal_first_name",
    "patient__patient_profile__legal_last_name",
    "patient__patient_profile__preferred_name",
    "patient__patient_profile__phone",
)


def _open_alerts(clinician) -> QuerySet[SafetyAlert]:
    return (
        policy.ASSIGNED_SAFETY_ALERTS.filter(
            SafetyAlert.objects.filter(acknowledged_at__isnull=True), clinician
        )
        .select_related("patient__patient_profile")
        .only(*OPEN_ALERT_FIELDS)
        .order_by("created_at")
    )


# On every page of the clinician's day: built and compiled once (config.prepared).
OPEN_ALERTS = Prepared(_open_alerts, clinician=Viewer("clinician"))


def open_alerts_for(clinician) -> list[SafetyAlert]:
    """Unacknowledged safety alerts this clinician must answer: assigned or escalated to them
    (policy.ASSIGNED_SAFETY_ALERTS decides), oldest first, as the dashboards list them."""
    return OPEN_ALERTS.run(clinician=clinician)


def _with_recipients(alerts: QuerySet[SafetyAlert]) -> QuerySet[SafetyAlert]:
    recipients = AlertRecipient.objects.select_related("clinician").order_by("added_at", "pk")
    return alerts.select_related("acknowledged_by", "response__questionnaire").prefetch_related(
        Prefetch("recipients", queryset=recipients)
    )


def for_alert_page(alerts: QuerySet[SafetyAlert]) -> QuerySet[SafetyAlert]:
    """`alerts` (from the policy's rule) with what alert_page() shows of each, so the page reads
    its alert once."""
    return _with_recipients(alerts.select_related("patient__patient_profile", "response__visit"))


def alert_page(alert: SafetyAlert) -> dict:
    """What the response page shows about one alert read with for_alert_page(): whom to call,
    who has it, and its answers and visit. The caller records the read once for the page."""
    return {
        "alert": alert,
        "patient": alert.patient,
        "profile": alert.patient.patient_profile_or_none,
        "emergency_contact": emergency_contact(alert.patient),
        "visit": alert.response.visit,
    }


# A patient's alerts, newest first (config.prepared: built and compiled once).
ALERT_HISTORY = Prepared(
    lambda patient: _with_recipients(SafetyAlert.objects.filter(patient=patient)).order_by(
        "-created_at", "-pk"
    ),
    patient=Param("patient", BigIntegerField()),
)


def alert_history(patient, *, page: int = 1) -> dict:
    """A patient's safety alerts, newest first, HISTORY_PAGE at a time, with who had each and
    what was done. `patient` comes from the policy; the caller records the read once."""
    page = max(page, 1)
    start = (page - 1) * HISTORY_PAGE
    alerts = ALERT_HISTORY.run(patient=patient, offset=start, limit=HISTORY_PAGE + 1)
    return {
        "patient": patient,
        "alerts": alerts[:HISTORY_PAGE],
        "page": page,
        "next_page": page + 1 if len(alerts) > HISTORY_PAGE else None,
    }


SCORED_SLUGS = ["phq-9", "gad-7"]


@dataclass(frozen=True)
class ScoreRow:
    """One submitted PHQ-9 or GAD-7 on the score history, in words."""

    slug: str
    title: str
    submitted_at: datetime.datetime
    submitted_on: str
    total: int
    band: str


def _rows_markup(rows: list[ScoreRow]) -> SafeString:
    """The table's rows, written once here rather than through four lookups a row."""
    return SafeString(
        "".join(
            f'\n      <tr><td data-label="Date">{row.submitted_on}</td><th scope="row" '
            f'data-label="Questionnaire">{escape(row.title)}</th><td data-label="Total">'
            f'{row.total}</td><td data-label="Severity">{escape(row.band)}</td></tr>\n    '
            for row in rows
        )
    )


# The page shows totals as plain values, not each response's answers nor its questionnaire, and
# each row says how many there are in all (counted before the page is cut). Built and compiled
# once (config.prepared).
SCORES = Prepared(
    lambda patient: (
        QuestionnaireResponse.objects.submitted()
        .filter(patient=patient, questionnaire__slug__in=SCORED_SLUGS)
        .annotate(in_all=Window(Count("pk")))
        .order_by("-submitted_at", "-pk")
        .values_list(
            "questionnaire__slug", "questionnaire__title", "submitted_at", "total", "band", "in_all"
        )
    ),
    patient=Param("patient", BigIntegerField()),
)


def score_history(patient, *, page: int = 1) -> dict:
    """One page of a patient's submitted PHQ-9 and GAD-7 responses, SCORES_PAGE of them, newest
    page first and oldest first within it, with their chart and how many there are in all.

    `patient` comes from the policy; the caller records the read once for the page, and only
    when there is something to read (`responses`).
    """
    start = (page - 1) * SCORES_PAGE
    found = SCORES.run(patient=patient, offset=start, limit=SCORES_PAGE + 1)
    older = len(found) > SCORES_PAGE
    zone = timezone.get_current_timezone()
    rows = [
        ScoreRow(slug, title, when, charts.day_words(when, zone), total, band)
        for slug, title, when, total, band, _in_all in found[:SCORES_PAGE][::-1]
    ]
    series = charts.series_of((row.slug, row.submitted_at, row.total, row.band) for row in rows)
    chart = charts.line_chart(series)
    return {
        "patient": patient,
        "chart": chart,
        "chart_markup": charts.chart_markup(chart) if chart else "",
        "series": series,
        "responses": rows,
        "rows_markup": _rows_markup(rows),
        "total": found[0][-1] if found else 0,
        "page": page,
        "older_page": page + 1 if older else None,
        "newer_page": page - 1 if page > 1 else None,
    }


def check_ins_enabled(*, patient, provider) -> bool:
    """Check-ins are on unless this clinician switched them off for this client."""
    return not SWITCHED_OFF_BY.run(patient=patient, provider=provider, limit=1)
