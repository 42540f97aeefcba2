"""Each role's home page in the clinic."""

import datetime
from dataclasses import dataclass
from typing import cast

from django.db.models import BigIntegerField, DateTimeField, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import ProviderLicense, ProviderProfile, Role, User
from accounts.policy import allow
from accounts.states import US_STATES
from accounts.zones import zone_name
from config.prepared import IfGiven, Param, Params, Prepared, Viewer
from visits.audit import (
    ACCESS_LOG_COUNTED,
    access_log_events,
    access_log_total,
    audit_page,
    event_summary,
)
from visits.intake.selectors import intake_missing_steps
from visits.questionnaires.selectors import DUE_WITHIN, due_before_visits, open_alerts_for
from visits.results.critical import open_critical_alerts_for
from visits.results.lines import full_name
from visits.results.selectors import new_results_count
from visits.scheduling.bookable import LANGUAGES_SPOKEN
from visits.scheduling.display import clock, day_name, month_day
from visits.scheduling.models import Visit, VisitQuerySet
from visits.scheduling.recent_changes import DashboardVisit, recent_changes, visits_between
from visits.templatetags.remembered_urls import remembered_reverse
from visits.web import HtmxHttpRequest, page_number

PAST_VISITS_SHOWN = 10
# Upcoming visits are shown this many at a time, with "show more" for the next ones.
UPCOMING_VISITS_SHOWN = 10
# Providers on the staff dashboard, a page at a time.
PROVIDERS_SHOWN = 20


def signed_in(request: HtmxHttpRequest) -> User:
    """The signed-in user: every view here has an @allow rule, which admits only signed-in roles."""
    return cast(User, request.user)


# What the patient's home page reads of each visit: its card, its questionnaires, its video.
PATIENT_DASHBOARD_VISIT_FIELDS = (
    "start",
    "end",
    "status",
    "series_id",
    "patient_id",
    "visit_type__name",
    "visit_type__questionnaires",
    "provider__credentials",
    "provider__user__display_name",
    "provider__user__email",
)
SEEN_STATUSES = (Visit.Status.CHECKED_IN, Visit.Status.IN_PROGRESS, Visit.Status.COMPLETED)


def _patient_visits(viewer) -> VisitQuerySet:
    return (
        Visit.objects.visible_to(viewer)
        .select_related("visit_type", "provider__user")
        .only(*PATIENT_DASHBOARD_VISIT_FIELDS)
    )


# The home page's two lists, built and compiled once (config.prepared).
NOW = Param("now", DateTimeField())


def _upcoming(viewer, now, before) -> VisitQuerySet:
    """The patient's booked visits still to come, in order; those starting by `before` if given."""
    visits = _patient_visits(viewer).filter(status=Visit.Status.BOOKED).upcoming(now)
    return visits if before is None else visits.filter(start__lte=before)


UPCOMING = Prepared(
    _upcoming,
    viewer=Viewer(),
    now=NOW,
    before=IfGiven("before", DateTimeField()),
)
PAST = Prepared(
    lambda viewer, now: (
        _patient_visits(viewer).exclude(status=Visit.Status.BOOKED, end__gt=now).order_by("-start")
    ),
    viewer=Viewer(),
    now=NOW,
)


@allow(Role.PATIENT)
@require_GET
def patient_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """What a patient should do next, and their upcoming and past visits."""
    user = signed_in(request)
    profile = user.patient_profile_or_none
    now = timezone.now()
    page = page_number(request.GET.get("upcoming"))
    offset = (page - 1) * UPCOMING_VISITS_SHOWN
    upcoming = UPCOMING.run(viewer=user, now=now, limit=UPCOMING_VISITS_SHOWN + 1, offset=offset)
    more_upcoming = len(upcoming) > UPCOMING_VISITS_SHOWN
    upcoming = upcoming[:UPCOMING_VISITS_SHOWN]
    past = PAST.run(viewer=user, now=now, limit=PAST_VISITS_SHOWN)
    # Questionnaires are due for the coming week's visits: the first page holds them all unless
    # the week alone has more visits than a page (or another page is shown).
    soon = upcoming
    if page > 1 or (more_upcoming and upcoming[-1].start - now <= DUE_WITHIN):
        soon = UPCOMING.run(viewer=user, now=now, before=now + DUE_WITHIN)
    due = due_before_visits(patient=user, visits=soon, now=now)
    # The first-visit checklist is for patients who have not yet had a visit. The past visits
    # shown answer it, unless a full page of them holds none the patient had.
    had_a_visit = any(_had(visit, now) for visit in past) or (
        len(past) == PAST_VISITS_SHOWN
        and _patient_visits(user)
        .filter(Q(status__in=SEEN_STATUSES) | Q(status=Visit.Status.BOOKED, end__lte=now))
        .exists()
    )
    zone = profile.zone if profile else datetime.UTC
    return render(
        request,
        "visits/patient_dashboard.html",
        {
            "profile": profile,
            "zone": zone,
            "upcoming": [VisitLine.of(visit, zone) for visit in upcoming],
            "upcoming_page": page,
            "more_upcoming": more_upcoming,
            "past": [VisitLine.of(visit, zone) for visit in past],
            "due": due,
            "had_a_visit": had_a_visit,
            "intake_missing": intake_missing_steps(user) if profile else None,
            "new_results": new_results_count(user, user),
        },
    )


@dataclass(frozen=True)
class VisitLine:
    """One visit on the patient's home page, worded once here in their zone, not by filters."""

    visit: Visit
    title: str  # Follow-up visit with Dr. Daniel Reyes
    url: str
    day: str  # Tuesday, January 13
    time: str  # 9:00 AM Central time
    date: str  # Jan 13, 2026
    status: str  # booked, cancelled, ...

    @classmethod
    def of(cls, visit: Visit, zone: datetime.tzinfo) -> "VisitLine":
        start = visit.start.astimezone(zone)
        return cls(
            visit=visit,
            title=f"{visit.visit_type.name} with {visit.provider}",
            url=remembered_reverse("scheduling:visit_detail", [visit.pk]),
            day=day_name(start),
            time=f"{clock(start)} {zone_name(zone)}",
            date=f"{month_day(start)}, {start.year}",
            status=visit.get_status_display().lower(),
        )


def _had(visit: Visit, now: datetime.datetime) -> bool:
    """Whether the patient has had this visit: seen, or booked and over (a no-show not marked)."""
    return visit.status in SEEN_STATUSES or (
        visit.status == Visit.Status.BOOKED and visit.end <= now
    )


@allow(Role.CLINICIAN)
@require_GET
def clinician_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """A clinician's day, in their own time zone, recent changes, and how patients find them."""
    user = signed_in(request)
    # The sign-in backend loaded the profile with the user; only its licences and languages
    # are read here, as plain values.
    provider = user.provider_profile_or_none
    today: list[DashboardVisit] = []
    changes: list[DashboardVisit] = []
    zone: datetime.tzinfo = datetime.UTC
    if provider is not None:
        zone = provider.zone
        now = timezone.now()
        day_start = datetime.datetime.combine(
            now.astimezone(zone).date(), datetime.time(), tzinfo=zone
        )
        today = visits_between(user, day_start, day_start + datetime.timedelta(days=1))
        changes = recent_changes(user, provider=provider, now=now)
    alerts = open_alerts_for(user)
    critical_alerts = open_critical_alerts_for(user)
    shown = {(visit.patient_id, visit.pk) for visit in today}
    shown |= {(visit.patient_id, visit.pk) for visit in changes}
    audit_page(
        request,
        {
            "visit": sorted(shown, key=str),
            "safety alert": [(alert.patient_id, alert.pk) for alert in alerts],
            "critical result alert": [(alert.patient_id, alert.pk) for alert in critical_alerts],
        },
    )
    # Each row's times are worded once here, in the clinician's zone, not by filters per row.
    today_rows = [{"visit": visit, "time": clock(visit.start.astimezone(zone))} for visit in today]
    change_rows = []
    for visit in changes:
        start, at = visit.start.astimezone(zone), visit.updated_at.astimezone(zone)
        change_rows.append(
            {
                "visit": visit,
                "when": f"{day_name(start)} at {clock(start)}",
                "changed": f"{visit.change.lower()} {month_day(at)} at {clock(at)}",
            }
        )
    return render(
        request,
        "visits/clinician_dashboard.html",
        {
            "provider": provider,
            "practice": _practice(provider) if provider is not None else {},
            "today": today_rows,
            "changes": change_rows,
            "zone": zone,
            "alerts": alerts,
            "critical_alerts": critical_alerts,
        },
    )


# The states each provider is licensed in, in order (config.prepared: built and compiled once).
LICENSED_STATES = Prepared(
    lambda providers: (
        ProviderLicense.objects.filter(provider_id__in=providers)
        .order_by("provider_id", "state")
        .values_list("provider_id", "state")
    ),
    providers=Params("providers", BigIntegerField()),
)
STAFF_PROVIDERS = Prepared(
    lambda: (
        ProviderProfile.objects.select_related("user")
        .only("kind", "credentials", "time_zone", "user__display_name", "user__email")
        .order_by("user__display_name", "pk")
    )
)


def _practice(provider: ProviderProfile) -> dict[str, str]:
    """How patients find the clinician, in words: practice, licensed states, languages."""
    kind = provider.get_kind_display()
    states = dict(US_STATES)
    licensed = [
        str(states.get(state, state)) for _, state in LICENSED_STATES.run(providers=[provider.pk])
    ]
    languages = [name for _, name in LANGUAGES_SPOKEN.run(providers=[provider.pk])]
    return {
        "kind": f"{kind}, {provider.credentials}" if provider.credentials else kind,
        "licensed_in": ", ".join(licensed)
        or "No state licenses on file: ask the clinic to add yours.",
        "languages": ", ".join(languages) or "None listed",
    }


@allow(Role.STAFF)
@require_GET
def staff_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The clinic's providers, where they are licensed and what they offer, a page at a time."""
    page = page_number(request.GET.get("page"))
    offset = (page - 1) * PROVIDERS_SHOWN
    providers = STAFF_PROVIDERS.run(offset=offset, limit=PROVIDERS_SHOWN + 1)
    shown = providers[:PROVIDERS_SHOWN]
    return render(
        request,
        "visits/staff_dashboard.html",
        {
            "providers": _provider_rows(shown),
            "page": page,
            "more": len(providers) > PROVIDERS_SHOWN,
        },
    )


@dataclass(frozen=True)
class ProviderRow:
    """One provider on the staff dashboard, in words."""

    pk: int
    name: str
    kind: str
    licensed_in: str
    languages: str
    time_zone: str


def _provider_rows(providers: list[ProviderProfile]) -> list[ProviderRow]:
    """The providers' rows, their licences and languages read as plain values (two queries)."""
    ids = [provider.pk for provider in providers]
    states: dict[int, list[str]] = {pk: [] for pk in ids}
    languages: dict[int, list[str]] = {pk: [] for pk in ids}
    if ids:
        for provider_id, state in LICENSED_STATES.run(providers=ids):
            states[provider_id].append(state)
        for provider_id, name in LANGUAGES_SPOKEN.run(providers=ids):
            languages[provider_id].append(name)
    return [
        ProviderRow(
            pk=provider.pk,
            name=str(provider),
            kind=provider.get_kind_display(),
            licensed_in=", ".join(states[provider.pk]) or "None",
            languages=", ".join(languages[provider.pk]) or "None",
            time_zone=provider.time_zone,
        )
        for provider in providers
    ]


# Accesses to the patient's record, a page at a time, newest first.
ACCESS_LOG_SHOWN = 20


ROLE_WORDS = {role: label.lower() for role, label in Role.choices}


def _access_row(event: dict, zone: datetime.tzinfo, zone_words: str) -> dict:
    """One row of the access log, worded once here in the patient's zone."""
    local = event["at"].astimezone(zone)
    return {
        # As the date filter's "M j, Y, g:i A".
        "when": f"{month_day(local)}, {local.year}, {clock(local)} {zone_words}",
        "who": full_name(event["actor__display_name"], event["actor__email"]),
        "role": ROLE_WORDS.get(event["actor__role"], event["actor__role"]),
        "summary": event_summary(event["action"], event["what"], event["count"], event["page"]),
    }


@allow(Role.PATIENT)
@require_GET
def access_log(request: HtmxHttpRequest) -> HttpResponse:
    """Who opened the patient's record, when and what they looked at."""
    user = signed_in(request)
    page = page_number(request.GET.get("page"))
    start = (page - 1) * ACCESS_LOG_SHOWN
    events = access_log_events(user, offset=start, limit=ACCESS_LOG_SHOWN + 1)
    profile = user.patient_profile_or_none
    zone = profile.zone if profile else datetime.UTC
    # Each row's words are made once here rather than through four filters per row.
    zone_words = zone_name(zone)
    total = access_log_total(user)
    rows = [_access_row(event, zone, zone_words) for event in events[:ACCESS_LOG_SHOWN]]
    return render(
        request,
        "visits/access_log.html",
        {
            "events": rows,
            "zone": zone,
            "page": page,
            "first_shown": start + 1,
            "last_shown": start + len(rows),
            "total": total,
            "total_words": (
                f"more than {ACCESS_LOG_COUNTED:,}" if total > ACCESS_LOG_COUNTED else str(total)
            ),
            "older_page": page + 1 if len(events) > ACCESS_LOG_SHOWN else None,
            "newer_page": page - 1 if page > 1 else None,
        },
    )
