"""Staff and clinicians book, move and cancel visits for patients; the services email them."""

import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.models import ProviderProfile, Role
from accounts.policy import allow
from visits.audit import audit_read
from visits.scheduling.availability import (
    free_times_between,
)
from visits.scheduling.display import patient_name, when
from visits.scheduling.forms import focus, parse_start
from visits.scheduling.gate import booking_refusal
from visits.scheduling.models import Visit, VisitType
from visits.scheduling.selectors import patient_matches, searchable_patients
from visits.scheduling.services import (
    NotBookable,
    Scope,
    SlotTaken,
    visit_book,
    visit_cancel,
    visit_reschedule,
)
from visits.scheduling.staff_forms import (
    StaffBookingForm,
    StaffCancelForm,
    StaffMoveForm,
)
from visits.scheduling.views import (
    calendar_url,
    local_midnight,
    schedule_for,
    zone_context,
)
from visits.web import HtmxHttpRequest, client_ip, go, render_page

BOOK_TEMPLATE = "visits/scheduling/staff/visit_book.html"
MOVE_TEMPLATE = "visits/scheduling/staff/visit_move.html"
CANCEL_TEMPLATE = "visits/scheduling/staff/visit_cancel.html"
# When the chosen day has no free time, look this far ahead for the next ones.
LOOK_AHEAD_DAYS = 14
OFFER_COUNT = 3
VISIT_RELATIONS = ("visit_type", "provider__user", "patient__patient_profile")


def _free_starts(
    provider: ProviderProfile,
    visit_type: VisitType,
    day: datetime.date,
    *,
    now: datetime.datetime,
    patient=None,
    ignore_visits: tuple = (),
) -> tuple[list[datetime.datetime], bool]:
    """Free starts on this local day or, if it has none, the first few after it (and True)."""
    zone = provider.zone
    start = local_midnight(day, zone)
    end = local_midnight(day + datetime.timedelta(days=LOOK_AHEAD_DAYS), zone)
    free = free_times_between(
        provider=provider,
        visit_type=visit_type,
        start=start,
        end=end,
        now=now,
        patient=patient,
        ignore_visits=ignore_visits,
    )
    that_day = [each for each in free if each.astimezone(zone).date() == day]
    if that_day or not free:
        return that_day, False
    return free[:OFFER_COUNT], True


def _posted(form_class, data) -> dict:
    """What was typed into a form, to show again without judging it yet."""
    return {name: data.get(name) for name in form_class.base_fields if name in data}


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def visit_book_for_patient(request: HtmxHttpRequest, provider_id: int) -> HttpResponse:
    """Book a visit with this provider for a patient; the patient is emailed by the service."""
    provider = schedule_for(request, provider_id)
    zone, now = provider.zone, timezone.now()
    visit_types = provider.visit_types.filter(is_active=True)
    patients = searchable_patients(request.user, provider)
    options = {"patients": patients, "visit_types": visit_types}
    booking = False
    if request.method == "POST":
        bound = StaffBookingForm(request.POST, **options)
        booking = request.POST.get("action", "book") == "book"
        valid = bound.is_valid()
        chosen = bound.cleaned_data
        form = (
            bound if booking else StaffBookingForm(initial=_posted(bound, request.POST), **options)
        )
    else:
        chosen = _booking_initial(request, provider, visit_types, zone, now)
        valid = False
        form = StaffBookingForm(
            initial={
                **chosen,
                "visit_type": chosen.get("visit_type") and chosen["visit_type"].pk,
                "start": chosen.get("start") and chosen["start"].isoformat(),
            },
            **options,
        )
    alternatives: list[datetime.datetime] = []
    refusal = None
    if booking and valid:
        refusal = booking_refusal(
            patient=chosen["patient"], visit_type=chosen["visit_type"], provider=provider, now=now
        )
        if refusal is not None:
            form.add_error(None, refusal.staff_message)
    if booking and valid and refusal is None:
        try:
            visit = visit_book(
                patient=chosen["patient"],
                provider=provider,
                visit_type=chosen["visit_type"],
                start=chosen["start"],
                reason=chosen["reason"],
                actor=request.user,
                ip_address=client_ip(request),
                now=now,
            )
        except SlotTaken as taken:
            form.add_error("start", str(taken))
            alternatives = taken.alternatives
        except NotBookable as refused:
            form.add_error(None, str(refused))
        else:
            local = visit.start.astimezone(zone)
            messages.success(
                request,
                f"Booked: {visit.visit_type.name}, {when(local)}. "
                "The patient is emailed a confirmation.",
            )
            return go(request, calendar_url(provider, local.date()))
    matches = patient_matches(patients, chosen.get("query") or "")
    selected = chosen.get("patient")
    if selected is not None and selected not in matches:
        matches.insert(0, selected)
    audit_read(
        request,
        what="patient",
        records=[(patient.pk, patient.pk) for patient in matches],
    )
    starts, later = [], False
    if chosen.get("visit_type") and chosen.get("day"):
        starts, later = _free_starts(
            provider, chosen["visit_type"], chosen["day"], now=now, patient=selected
        )
    if alternatives:
        starts, later = alternatives, False
    form.offer(patients=matches, starts=starts, zone=zone)
    if request.htmx and not form.errors:
        action = request.POST.get("action")
        focus(form, "patient" if action == "search" and matches else "start" if starts else "")
    context = {
        "provider": provider,
        **zone_context(provider, now),
        "form": form,
        "searched": bool((chosen.get("query") or "").strip()),
        "found": matches,
        "starts": starts,
        "later": later,
        "alternatives": alternatives,
        "day": chosen.get("day"),
        "visit_type": chosen.get("visit_type"),
        "offers_types": visit_types.exists(),
    }
    return render_page(request, BOOK_TEMPLATE, context, partial="booking-form")


def _booking_initial(
    request: HtmxHttpRequest,
    provider: ProviderProfile,
    visit_types,
    zone: ZoneInfo,
    now: datetime.datetime,
) -> dict:
    """A time chosen on the calendar (?type=…&start=…), else today in the provider's zone."""
    chosen: dict = {"day": now.astimezone(zone).date()}
    slug = request.GET.get("type", "")
    offered = list(visit_types)
    visit_type = next((each for each in offered if each.slug == slug), None)
    if visit_type is None and len(offered) == 1:
        visit_type = offered[0]
    if visit_type is not None:
        chosen["visit_type"] = visit_type
    start = parse_start(request.GET.get("start", ""))
    if start is not None:
        chosen["start"] = start
        chosen["day"] = start.astimezone(zone).date()
    return chosen


def _changeable_visit(
    request: HtmxHttpRequest, provider: ProviderProfile, visit_id
) -> tuple[Visit, HttpResponse | None]:
    """The visit if it is this provider's and the user may see it (else 404), and whether it can change."""
    visit = (
        Visit.objects.visible_to(request.user)
        .filter(provider=provider, pk=visit_id)
        .select_related(*VISIT_RELATIONS)
        .first()
    )
    if visit is None:
        raise Http404("No such visit.")
    if visit.status != Visit.Status.BOOKED or visit.start <= timezone.now():
        messages.error(
            request, "That visit can no longer be changed: it is cancelled or has already begun."
        )
        local = visit.start.astimezone(provider.zone)
        return visit, go(request, calendar_url(provider, local.date()))
    return visit, None


def _visit_context(provider: ProviderProfile, visit: Visit, now: datetime.datetime) -> dict:
    zone = provider.zone
    return {
        "provider": provider,
        **zone_context(provider, now),
        "visit": visit,
        "patient": patient_name(visit.patient),
        "local_start": visit.start.astimezone(zone),
        "local_end": visit.end.astimezone(zone),
        "calendar_url": calendar_url(provider, visit.start.astimezone(zone).date()),
    }


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def visit_move_for_patient(request: HtmxHttpRequest, provider_id: int, visit_id) -> HttpResponse:
    """Move a visit (or the rest of its series) to a free time with the same provider."""
    provider = schedule_for(request, provider_id)
    visit, refused = _changeable_visit(request, provider, visit_id)
    if refused is not None:
        return refused
    zone, now = provider.zone, timezone.now()
    in_series = visit.series_id is not None
    moving = False
    if request.method == "POST":
        bound = StaffMoveForm(request.POST, in_series=in_series)
        moving = request.POST.get("action", "move") == "move"
        valid = bound.is_valid()
        chosen = bound.cleaned_data
        form = (
            bound
            if moving
            else StaffMoveForm(initial=_posted(bound, request.POST), in_series=in_series)
        )
    else:
        chosen = {"day": visit.start.astimezone(zone).date()}
        valid = False
        form = StaffMoveForm(initial=chosen, in_series=in_series)
    alternatives: list[datetime.datetime] = []
    if moving and valid:
        try:
            moved = visit_reschedule(
                visit=visit,
                new_start=chosen["start"],
                actor=request.user,
                scope=chosen.get("scope", Scope.THIS),
                note=chosen["note"],
                ip_address=client_ip(request),
                now=now,
            )
        except SlotTaken as taken:
            form.add_error("start", str(taken))
            alternatives = taken.alternatives
        else:
            local = moved[0].start.astimezone(zone) if moved else chosen["start"]
            count = f"{len(moved)} visits" if len(moved) != 1 else "The visit"
            messages.success(
                request,
                f"{count} moved, first to {when(local)}. The patient is emailed the new time.",
            )
            return go(request, calendar_url(provider, local.date()))
    audit_read(
        request,
        what="visit",
        records=[(visit.patient_id, visit.pk)],
    )
    starts, later = [], False
    if chosen.get("day"):
        starts, later = _free_starts(
            provider,
            visit.visit_type,
            chosen["day"],
            now=now,
            patient=visit.patient,
            ignore_visits=(visit.pk,),
        )
    starts = [each for each in starts if each != visit.start]
    if alternatives:
        starts, later = alternatives, False
    form.offer(starts=starts, zone=zone)
    if request.htmx and not form.errors and starts:
        focus(form, "start")
    context = {
        **_visit_context(provider, visit, now),
        "form": form,
        "starts": starts,
        "later": later,
        "day": chosen.get("day"),
    }
    return render_page(request, MOVE_TEMPLATE, context, partial="move-form")


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def visit_cancel_for_patient(request: HtmxHttpRequest, provider_id: int, visit_id) -> HttpResponse:
    """Cancel a visit (or part of its series) with an optional message to the patient."""
    provider = schedule_for(request, provider_id)
    visit, refused = _changeable_visit(request, provider, visit_id)
    if refused is not None:
        return refused
    now = timezone.now()
    in_series = visit.series_id is not None
    form = StaffCancelForm(request.POST if request.method == "POST" else None, in_series=in_series)
    if request.method == "POST" and form.is_valid():
        cancelled = visit_cancel(
            visit=visit,
            actor=request.user,
            scope=form.cleaned_data.get("scope", Scope.THIS),
            note=form.cleaned_data["note"],
            ip_address=client_ip(request),
            now=now,
        )
        count = f"{len(cancelled)} visits" if len(cancelled) != 1 else "The visit"
        messages.success(request, f"{count} cancelled. The patient is emailed.")
        return go(request, _visit_context(provider, visit, now)["calendar_url"])
    audit_read(
        request,
        what="visit",
        records=[(visit.patient_id, visit.pk)],
    )
    context = {**_visit_context(provider, visit, now), "form": form}
    return render_page(request, CANCEL_TEMPLATE, context, partial="cancel-form")
