"""Staff and clinicians book visits for patients, one or a series; the services email them.

Moving and cancelling a patient's visit for them is in for_patient_visit.py.
"""

import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods

from accounts.models import ProviderProfile, Role
from accounts.policy import allow
from visits.audit import audit_read
from visits.scheduling.availability import (
    PlannedSession,
    free_times_between,
    series_plan,
)
from visits.scheduling.display import when
from visits.scheduling.forms import focus, parse_start
from visits.scheduling.gate import NotLicensed, Refusal, booking_gate
from visits.scheduling.models import VisitType
from visits.scheduling.recurrence import series_starts
from visits.scheduling.selectors import licensed_providers, patient_matches, searchable_patients
from visits.scheduling.services import (
    NotBookable,
    SlotTaken,
    visit_book,
    visit_series_book,
)
from visits.scheduling.staff_forms import (
    StaffBookingForm,
    within_bounds,
)
from visits.scheduling.views import (
    calendar_url,
    local_midnight,
    schedule_for,
    zone_context,
)
from visits.web import HtmxHttpRequest, client_ip, go, render_page

BOOK_TEMPLATE = "visits/scheduling/staff/visit_book.html"
# When the chosen day has no free time, look this far ahead for the next ones.
LOOK_AHEAD_DAYS = 14
OFFER_COUNT = 3
ONE_DAY = datetime.timedelta(days=1)
VISIT_RELATIONS = ("visit_type", "provider__user", "patient__patient_profile")


def free_starts_on(
    provider: ProviderProfile,
    visit_type: VisitType,
    day: datetime.date,
    *,
    now: datetime.datetime,
    patient=None,
    ignore_visits: tuple = (),
    outside_window: bool = False,
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
        outside_window=outside_window,
    )
    that_day = [each for each in free if each.astimezone(zone).date() == day]
    if that_day or not free:
        return that_day, False
    return free[:OFFER_COUNT], True


def _notice(visit_type: VisitType) -> str:
    minutes = visit_type.minimum_notice_minutes
    if minutes >= 120 and minutes % 60 == 0:
        return f"{minutes // 60} hours'"
    return f"{minutes} minutes'"


def _outside_window(
    visit_type: VisitType, start: datetime.datetime, now: datetime.datetime
) -> bool:
    """Whether a start is inside the minimum notice or past the booking horizon."""
    return start < now + visit_type.minimum_notice or start >= now + visit_type.booking_horizon


def window_note(
    visit_type: VisitType, day: datetime.date, zone: ZoneInfo, now: datetime.datetime
) -> str:
    """Why the hours of a day may hold no free time: the day has passed, is inside the
    minimum notice, or is past the booking horizon; empty when the window allows the day."""
    day_start, day_end = local_midnight(day, zone), local_midnight(day + ONE_DAY, zone)
    if day_end <= now:
        return f"{date_format(day, 'l, F j')} has passed."
    horizon = now + visit_type.booking_horizon
    if day_end > horizon:
        return (
            f"{visit_type.name} visits can be booked up to {visit_type.booking_horizon_days} "
            f"days ahead, so until {when(horizon.astimezone(zone))}."
        )
    if day_start < now + visit_type.minimum_notice:
        return (
            f"{visit_type.name} visits need at least {_notice(visit_type)} notice, so the "
            f"first possible time is {when((now + visit_type.minimum_notice).astimezone(zone))}."
        )
    return ""


def staff_refusal(refusal: Refusal, patient, provider: ProviderProfile) -> str:
    """The gate's refusal worded for the clinic: who is where, and who may not see them there."""
    if isinstance(refusal, NotLicensed):
        profile = patient.patient_profile
        return (
            f"{profile.legal_name} is in {profile.get_current_state_display()}; "
            f"{provider.user.display_name or provider} is not licensed there."
        )
    return refusal.staff_message


def posted_values(form_class, data) -> dict:
    """What was typed into a form, to show again without judging it yet."""
    return {name: data.get(name) for name in form_class.base_fields if name in data}


def unjudged[F: forms.Form](form: F, bound: forms.Form, *, keep: tuple[str, ...]) -> F:
    """`form` (the choices shown again, not judged yet) with the errors of `keep` from `bound`:
    a day that cannot be shown is said, not silently ignored."""
    form.cleaned_data = {}
    for name in keep:
        for error in bound.errors.get(name, []):
            form.add_error(name, error)
    return form


def _series_problem(
    plan: list[PlannedSession], visit_type: VisitType, zone: ZoneInfo, now: datetime.datetime
) -> str:
    """Which dates of a planned series are not free, and why, for the person booking it."""
    reasons = []
    for session in plan:
        if session.free:
            continue
        local = when(session.start.astimezone(zone))
        if session.start >= now + visit_type.booking_horizon:
            reasons.append(
                f"{local} (beyond the {visit_type.booking_horizon_days} days "
                f"{visit_type.name.lower()} can be booked ahead)"
            )
        else:
            reasons.append(f"{local} (not free)")
    if not reasons:
        return ""
    return (
        f"{len(reasons)} of the {len(plan)} sessions cannot be booked: {'; '.join(reasons)}. "
        "Choose another first time, or fewer sessions."
    )


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def visit_book_for_patient(request: HtmxHttpRequest, provider_id: int) -> HttpResponse:
    """Book a visit (or, for visit types that recur, a series) with this provider for a patient.

    The gate is asked as soon as a patient and visit type are chosen, so staff learn before
    choosing a time that, say, the provider is not licensed where the patient is (and which
    providers are). Staff may book outside the notice and horizon with a stated reason, kept
    with the visit's reason. The services email the patient.
    """
    provider = schedule_for(request, provider_id)
    zone, now = provider.zone, timezone.now()
    visit_types = provider.visit_types.filter(is_active=True)
    patients = searchable_patients(request.user, provider)
    may_book_outside_window = getattr(request.user, "role", None) == Role.STAFF

    def booking_form(*args, **kwargs) -> StaffBookingForm:
        return StaffBookingForm(
            *args,
            patients=patients,
            visit_types=visit_types,
            may_book_outside_window=may_book_outside_window,
            **kwargs,
        )

    booking = False
    if request.method == "POST":
        bound = booking_form(request.POST)
        booking = request.POST.get("action", "book") == "book"
        valid = bound.is_valid()
        chosen = bound.cleaned_data
        form = (
            bound
            if booking
            else unjudged(
                booking_form(initial=posted_values(bound, request.POST)),
                bound,
                keep=("day", "outside_window_reason"),
            )
        )
    else:
        chosen = _booking_initial(request, provider, visit_types, zone, now)
        valid = False
        form = booking_form(
            initial={
                **chosen,
                "visit_type": chosen.get("visit_type") and chosen["visit_type"].pk,
                "start": chosen.get("start") and chosen["start"].isoformat(),
            },
        )
    selected = chosen.get("patient")
    visit_type = chosen.get("visit_type")
    outside_window = may_book_outside_window and bool(
        (chosen.get("outside_window_reason") or "").strip()
    )
    refusal, red_flag_warning = None, None
    if selected is not None and visit_type is not None:
        answer = booking_gate(
            patient=selected,
            visit_type=visit_type,
            provider=provider,
            now=now,
            other_complaint_confirmed=bool(chosen.get("other_complaint_confirmed")),
        )
        refusal, red_flag_warning = answer.refusal, answer.red_flag_warning
    refused = staff_refusal(refusal, selected, provider) if refusal is not None else ""
    if booking and valid and refusal is not None:
        form.add_error(None, refused)
    alternatives: list[datetime.datetime] = []
    if booking and valid and refusal is None:
        booked = _book(request, provider, form, outside_window=outside_window, now=now)
        if isinstance(booked, HttpResponse):
            return booked
        alternatives = booked
    matches = patient_matches(patients, chosen.get("query") or "")
    if selected is not None and selected not in matches:
        matches.insert(0, selected)
    audit_read(
        request,
        what="patient",
        records=[(patient.pk, patient.pk) for patient in matches],
    )
    starts: list[datetime.datetime] = []
    later, note = False, ""
    if visit_type is not None and chosen.get("day") and refusal is None:
        starts, later = free_starts_on(
            provider,
            visit_type,
            chosen["day"],
            now=now,
            patient=selected,
            outside_window=outside_window,
        )
        if later or not starts:
            note = window_note(visit_type, chosen["day"], zone, now)
    if alternatives:
        starts, later = alternatives, False
    elsewhere = []
    if isinstance(refusal, NotLicensed) and selected is not None and visit_type is not None:
        state = selected.patient_profile.current_state
        elsewhere = [
            {
                "provider": other,
                "url": reverse("scheduling:schedule_book", args=[other.pk])
                + f"?type={visit_type.slug}",
            }
            for other in licensed_providers(request.user, visit_type, state, now=now)
            if other.pk != provider.pk
        ]
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
        "visit_type": visit_type,
        "offers_types": visit_types.exists(),
        "refused": refused,
        # Emergency symptom answers in the last 12 hours: said first, whatever is booked.
        "red_flag_warning": red_flag_warning.staff_message if red_flag_warning else "",
        "elsewhere": elsewhere,
        "window_note": note,
        "outside_window": outside_window,
    }
    return render_page(request, BOOK_TEMPLATE, context, partial="booking-form")


def _book(
    request: HtmxHttpRequest,
    provider: ProviderProfile,
    form: StaffBookingForm,
    *,
    outside_window: bool,
    now: datetime.datetime,
) -> HttpResponse | list[datetime.datetime]:
    """Book what the valid form asks for: a redirect when booked, else the alternatives (the
    errors are on the form)."""
    chosen = form.cleaned_data
    zone, visit_type, start = provider.zone, chosen["visit_type"], chosen["start"]
    reason = chosen["reason"]
    if outside_window and _outside_window(visit_type, start, now):
        reason = "\n".join(part for part in (reason, form.outside_window_note()) if part)
    every = chosen.get("repeat")
    try:
        if every:
            series = series_starts(
                first=start, zone=zone, every_weeks=every, count=chosen["sessions"]
            )
            problem = _series_problem(
                series_plan(
                    patient=chosen["patient"],
                    provider=provider,
                    visit_type=visit_type,
                    starts=series,
                    now=now,
                ),
                visit_type,
                zone,
                now,
            )
            if problem:
                form.add_error("start", problem)
                return []
            visit_series_book(
                patient=chosen["patient"],
                provider=provider,
                visit_type=visit_type,
                starts=series,
                every_weeks=every,
                reason=reason,
                actor=request.user,
                ip_address=client_ip(request),
                now=now,
                other_complaint_confirmed=chosen["other_complaint_confirmed"],
            )
            booked = f"{len(series)} {visit_type.name.lower()} sessions, the first"
        else:
            visit_book(
                patient=chosen["patient"],
                provider=provider,
                visit_type=visit_type,
                start=start,
                reason=reason,
                actor=request.user,
                ip_address=client_ip(request),
                now=now,
                allow_outside_window=outside_window,
                other_complaint_confirmed=chosen["other_complaint_confirmed"],
            )
            booked = visit_type.name
    except SlotTaken as taken:
        form.add_error("start", str(taken))
        return [] if every else taken.alternatives
    except NotBookable as refused:
        form.add_error(None, staff_refusal(refused.refusal, chosen["patient"], provider))
        return []
    local = start.astimezone(zone)
    messages.success(
        request,
        f"Booked: {booked} {when(local)}. The patient is emailed a confirmation.",
    )
    return go(request, calendar_url(provider, local.date()))


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
    if start is not None and within_bounds(start):
        chosen["start"] = start
        chosen["day"] = start.astimezone(zone).date()
    return chosen
