"""Each role's home page in the clinic."""

import datetime

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import PatientProfile, ProviderLicense, ProviderProfile, Role
from accounts.policy import allow
from visits.audit import AuditEvent, audit_page
from visits.intake.selectors import intake_missing_steps
from visits.questionnaires.selectors import due_before_visits, open_alerts_for
from visits.scheduling.models import Visit
from visits.web import HtmxHttpRequest

PAST_VISITS_SHOWN = 10


@allow(Role.PATIENT)
@require_GET
def patient_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """What a patient should do next, and their upcoming and past visits."""
    profile = PatientProfile.objects.filter(user=request.user).first()
    now = timezone.now()
    visits = Visit.objects.visible_to(request.user).select_related("visit_type", "provider__user")
    upcoming = list(visits.filter(status=Visit.Status.BOOKED).upcoming(now))
    past = list(
        visits.exclude(status=Visit.Status.BOOKED, end__gt=now).order_by("-start")[
            :PAST_VISITS_SHOWN
        ]
    )
    due = due_before_visits(patient=request.user, visits=upcoming, now=now)
    return render(
        request,
        "visits/patient_dashboard.html",
        {
            "profile": profile,
            "zone": profile.zone if profile else datetime.UTC,
            "upcoming": upcoming,
            "past": past,
            "due": due,
            "intake_missing": intake_missing_steps(request.user) if profile else None,
        },
    )


@allow(Role.CLINICIAN)
@require_GET
def clinician_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """A clinician's day, in their own time zone, and how patients find them."""
    provider = (
        ProviderProfile.objects.filter(user=request.user)
        .prefetch_related("licenses", "languages")
        .first()
    )
    today: list[Visit] = []
    zone = datetime.UTC
    if provider is not None:
        zone = provider.zone
        day_start = datetime.datetime.combine(
            timezone.now().astimezone(zone).date(), datetime.time(), tzinfo=zone
        )
        today = list(
            Visit.objects.visible_to(request.user)
            .active()
            .filter(start__gte=day_start, start__lt=day_start + datetime.timedelta(days=1))
            .select_related("visit_type", "patient__patient_profile")
            .order_by("start")
        )
    alerts = list(open_alerts_for(request.user))
    audit_page(
        request,
        {
            "visit": [(visit.patient_id, visit.pk) for visit in today],
            "safety alert": [(alert.patient_id, alert.pk) for alert in alerts],
        },
    )
    return render(
        request,
        "visits/clinician_dashboard.html",
        {"provider": provider, "today": today, "zone": zone, "alerts": alerts},
    )


@allow(Role.STAFF)
@require_GET
def staff_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The clinic's providers, where they are licensed and what they offer."""
    providers = ProviderProfile.objects.select_related("user").prefetch_related(
        Prefetch("licenses", queryset=ProviderLicense.objects.only("provider_id", "state")),
        "languages",
    )
    return render(request, "visits/staff_dashboard.html", {"providers": providers})


ACCESS_LOG_SHOWN = 100


@allow(Role.PATIENT)
@require_GET
def access_log(request: HtmxHttpRequest) -> HttpResponse:
    """Who opened the patient's record, when and what they looked at."""
    events = (
        AuditEvent.objects.filter(patient=request.user)
        .select_related("actor")
        .order_by("-at")[:ACCESS_LOG_SHOWN]
    )
    profile = PatientProfile.objects.filter(user=request.user).first()
    return render(
        request,
        "visits/access_log.html",
        {"events": events, "zone": profile.zone if profile else datetime.UTC},
    )
