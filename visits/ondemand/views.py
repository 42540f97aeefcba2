"""The on-demand pages: a patient asks to be seen now and waits; a physician on duty takes them.

The waiting page and the physician's queue poll themselves (htmx, every
settings.ON_DEMAND_POLL_SECONDS) with the X-Housecall-Background header, so polling never counts
as the person's activity for the idle logout (accounts.middleware.SessionTimeoutMiddleware).
Every queue read first runs the sweep when something is due (idle patients, physicians who did
not join). The physician's queue shows no name or other identifier, only the state, the
waiting time and the complaint's title: who the patient is appears once they are taken, on the
visit (recorded as its creation, by the service).
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import ProviderProfile, Role
from accounts.policy import allow
from accounts.sessions import BACKGROUND_HEADER
from visits.ondemand import services
from visits.ondemand.gate import NobodyOnDuty, seen_now_gate
from visits.ondemand.hours import opening_hours
from visits.ondemand.models import QueueEntry
from visits.ondemand.selectors import last_wait, latest_entry, open_duty, place_of, queue_for
from visits.scheduling.gate import (
    IntakeIncomplete,
    NeedsDetails,
    NeedsSymptomCheck,
    RedFlag,
    Refusal,
)
from visits.web import SignedInRequest, client_ip, go, render_page

Status = QueueEntry.Status
# An ended wait is explained on the seen-now page for this long after it ended.
OUTCOME_SHOWN_FOR = datetime.timedelta(hours=1)


def _sweep(now: datetime.datetime) -> None:
    """The lazy sweep: only when something is due, so most reads write nothing."""
    if services.sweep_is_due(now=now):
        services.queue_sweep(now=now)


def _poll_context() -> dict:
    return {
        "poll_seconds": settings.ON_DEMAND_POLL_SECONDS,
        "background_header": BACKGROUND_HEADER,
    }


@allow(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def seen_now(request: SignedInRequest) -> HttpResponse:
    """Ask to be seen now: the hours, whether the patient may, and the button to join."""
    now = timezone.now()
    _sweep(now)
    entry = last_wait(request.user)
    if entry is not None and entry.status in (Status.WAITING, Status.TAKEN):
        return go(request, reverse("ondemand:waiting"))
    if request.method == "POST":
        try:
            services.queue_join(patient=request.user, now=now)
        except services.OnDemandRefused as refused:
            messages.warning(request, str(refused))
            return go(request, reverse("ondemand:seen_now"))
        return go(request, reverse("ondemand:waiting"))
    answer = seen_now_gate(patient=request.user, now=now)
    recent = (
        entry
        if entry is not None and entry.ended_at and entry.ended_at > now - OUTCOME_SHOWN_FOR
        else None
    )
    return render_page(
        request,
        "visits/ondemand/seen_now.html",
        {
            "hours": opening_hours(now),
            "refusal": answer.refusal,
            "next_step": _next_step(answer.refusal),
            "red_flag": isinstance(answer.refusal, RedFlag),
            "profile": answer.profile,
            "last_entry": recent,
        },
    )


def _next_step(refusal: Refusal | None) -> tuple[str, str] | None:
    """Where a refused patient goes next, and the button's words (none after a red flag)."""
    if isinstance(refusal, NobodyOnDuty):
        return refusal.url, "Book the next free time"
    if isinstance(refusal, NeedsSymptomCheck):
        return refusal.url, "Answer the symptom questions"
    if isinstance(refusal, NeedsDetails):
        return refusal.url, "Add your details"
    if isinstance(refusal, IntakeIncomplete):
        return reverse("intake_start"), "Complete your health history"
    return None


@allow(Role.PATIENT)
@require_GET
def waiting(request: SignedInRequest) -> HttpResponse:
    """The patient's place in the queue, polled by the page itself until a physician joins."""
    now = timezone.now()
    _sweep(now)
    entry = latest_entry(request.user)
    if entry is None:
        return go(request, reverse("ondemand:seen_now"))
    place = None
    if entry.status in (Status.WAITING, Status.TAKEN):
        services.queue_seen(entry=entry, now=now)
        if entry.status == Status.TAKEN and entry.physician_joined_at and entry.visit_id:
            return go(request, reverse("video:room", args=[entry.visit_id]))
        if entry.status == Status.WAITING:
            place = place_of(entry, now=now)
    return render_page(
        request,
        "visits/ondemand/waiting.html",
        {
            "entry": entry,
            "place": place,
            "hours": opening_hours(now),
            "book_url": reverse("scheduling:booking_providers", args=["urgent-care"]),
            "minutes_per_patient": settings.ON_DEMAND_MINUTES_PER_PATIENT,
            **_poll_context(),
        },
        partial="queue-status",
    )


@allow(Role.PATIENT)
@require_POST
def leave(request: SignedInRequest) -> HttpResponse:
    """The patient leaves the queue."""
    if services.queue_leave(patient=request.user):
        messages.info(request, "You left the queue. You can ask to be seen again at any time.")
    else:
        messages.info(request, "You were not waiting in the queue any more.")
    return go(request, reverse("ondemand:seen_now"))


def _physician(request: SignedInRequest) -> ProviderProfile:
    """The signed-in clinician's provider profile (the sign-in backend loaded it with the user);
    clinicians without one may not use the queue."""
    provider = request.user.provider_profile_or_none
    if provider is None:
        raise PermissionDenied
    return provider


@allow(Role.CLINICIAN)
@require_GET
def queue(request: SignedInRequest) -> HttpResponse:
    """The physician's duty switch and, on duty, the patients they may take, oldest first."""
    provider = _physician(request)
    now = timezone.now()
    _sweep(now)
    duty = open_duty(provider)
    waiting_for_you = []
    if duty is not None:
        shown = queue_for(request.user)
        waiting_for_you = list(
            QueueEntry.objects.filter(
                taken_by=provider, status=Status.TAKEN, physician_joined_at__isnull=True
            ).values_list("visit_id", flat=True)
        )
    else:
        shown = None
    return render_page(
        request,
        "visits/ondemand/queue.html",
        {
            "provider": provider,
            "is_physician": provider.kind == ProviderProfile.Kind.PHYSICIAN,
            "duty": duty,
            "queue": shown,
            "waiting_for_you": waiting_for_you,
            "hours": opening_hours(now),
            **_poll_context(),
        },
        partial="physician-queue",
    )


DUTY_RETURNS = {"dashboard": "clinician_dashboard", "queue": "ondemand:queue"}


@allow(Role.CLINICIAN)
@require_POST
def duty(request: SignedInRequest) -> HttpResponse:
    """Go on duty (on=1) or off duty (anything else), then back to the queue or the dashboard."""
    provider = _physician(request)
    back = reverse(DUTY_RETURNS.get(request.POST.get("next", ""), "ondemand:queue"))
    if request.POST.get("on") == "1":
        try:
            services.duty_start(provider=provider)
        except services.OnDemandRefused as refused:
            messages.warning(request, str(refused))
            return go(request, back)
        messages.success(request, "You are on duty: patients who ask to be seen now can reach you.")
    elif services.duty_end(provider=provider):
        messages.info(request, "You are off duty. Patients waiting stay in the queue for others.")
    return go(request, back)


@allow(Role.CLINICIAN)
@require_POST
def take(request: SignedInRequest) -> HttpResponse:
    """Take the next patient: the visit starts and the physician goes to its room."""
    provider = _physician(request)
    try:
        taken = services.take_next(
            provider=provider, actor=request.user, ip_address=client_ip(request)
        )
    except services.OnDemandRefused as refused:
        messages.warning(request, str(refused))
        return go(request, reverse("ondemand:queue"))
    return go(request, reverse("video:room", args=[taken.visit.pk]))
