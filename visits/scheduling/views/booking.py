"""A patient books a visit step by step.

Type of visit -> providers licensed where the patient is -> a day -> a time -> confirm.
Each step is a page that works without JavaScript; htmx swaps the times when a day is chosen.
"""

import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Language, PatientProfile, ProviderProfile, Role
from accounts.policy import allow
from visits.intake.selectors import intake_missing_steps
from visits.scheduling.availability import (
    bookable_providers,
    days_with_time,
    free_times,
    free_times_between,
    series_plan,
    with_schedules,
)
from visits.scheduling.forms import BookingForm, ProviderFilterForm, parse_start
from visits.scheduling.gate import (
    IntakeIncomplete,
    NeedsDetails,
    NeedsSymptomCheck,
    RedFlag,
    booking_refusal,
    valid_symptom_check,
)
from visits.scheduling.models import VisitType
from visits.scheduling.recurrence import series_starts
from visits.scheduling.services import (
    NotBookable,
    SlotTaken,
    visit_book,
    visit_series_book,
)
from visits.web import HtmxHttpRequest, client_ip, go, render_page

SEARCH_DAYS = 14


def _profile_or_none(request: HtmxHttpRequest) -> PatientProfile | None:
    return PatientProfile.objects.filter(user=request.user).first()


def _needs_details(request: HtmxHttpRequest) -> HttpResponse:
    messages.info(
        request,
        "Before booking, tell us who you are and the state you are in: "
        "clinicians can only see you where they are licensed.",
    )
    return redirect("profile_edit")


def _visit_type(slug: str) -> VisitType:
    return get_object_or_404(VisitType, slug=slug, is_active=True)


def _parse_day(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _gate_stop(request: HtmxHttpRequest, visit_type: VisitType) -> HttpResponse | None:
    """Where the booking gate sends a patient who may not book this visit type yet, if anywhere.

    A red flag stops the ordinary booking: the patient is told to get emergency care instead.
    A health history still to complete does not stop the steps: the patient may look at
    providers and times, and the confirm page says what is left.
    """
    refusal = booking_refusal(patient=request.user, visit_type=visit_type, now=timezone.now())
    if isinstance(refusal, NeedsDetails):
        return _needs_details(request)
    if isinstance(refusal, NeedsSymptomCheck):
        messages.info(request, refusal.message)
        return go(request, refusal.url)
    if isinstance(refusal, RedFlag):
        return render(
            request,
            "visits/scheduling/booking_emergency.html",
            {"response": refusal.response, "visit_type": visit_type},
        )
    return None


@allow(Role.PATIENT)
@require_GET
def booking_start(request: HtmxHttpRequest) -> HttpResponse:
    """Step 1: what the visit is for."""
    profile = _profile_or_none(request)
    if profile is None:
        return _needs_details(request)
    visit_types = VisitType.objects.filter(is_active=True)
    return render(
        request,
        "visits/scheduling/booking_start.html",
        {
            "visit_types": visit_types,
            "profile": profile,
            "step": 1,
            "intake_missing": intake_missing_steps(request.user),
        },
    )


@allow(Role.PATIENT)
@require_GET
def booking_providers(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Step 2: providers who offer this visit and are licensed where the patient is now."""
    profile = _profile_or_none(request)
    if profile is None:
        return _needs_details(request)
    visit_type = _visit_type(slug)
    if stop := _gate_stop(request, visit_type):
        return stop
    kinds = [
        (kind, label)
        for kind, label in ProviderProfile.Kind.choices
        if kind in visit_type.provider_kinds
    ]
    filters = ProviderFilterForm(
        request.GET or None,
        languages=Language.objects.values_list("code", "name"),
        kinds=kinds if len(kinds) > 1 else [],
    )
    language = kind = ""
    if filters.is_bound and filters.is_valid():
        language, kind = filters.cleaned_data["language"], filters.cleaned_data["kind"]
    now = timezone.now()
    window_end = now + datetime.timedelta(days=SEARCH_DAYS)
    providers = with_schedules(
        bookable_providers(
            visit_type=visit_type, state=profile.current_state, language=language, kind=kind
        ),
        start=now,
        end=window_end,
    )
    free = free_times(
        visit_type=visit_type,
        providers=providers,
        start=now,
        end=window_end,
        now=now,
        patient=request.user,
    )
    cards = [
        {
            "provider": provider,
            "next_free": free[provider.pk][0] if free[provider.pk] else None,
            "days": len(days_with_time(free[provider.pk], profile.zone)),
        }
        for provider in providers
    ]
    cards.sort(key=lambda card: (card["next_free"] is None, card["next_free"] or now))
    return render_page(
        request,
        "visits/scheduling/booking_providers.html",
        {
            "visit_type": visit_type,
            "profile": profile,
            "filters": filters,
            "cards": cards,
            "zone": profile.zone,
            "search_days": SEARCH_DAYS,
            "step": 2,
        },
        partial="provider-list",
    )


def times_context(
    request: HtmxHttpRequest,
    *,
    visit_type: VisitType,
    provider: ProviderProfile,
    zone: ZoneInfo,
    patient,
    ignore_visits: tuple = (),
) -> dict:
    """Days with free time in the next weeks, and the times on the chosen day."""
    now = timezone.now()
    horizon_days = min(visit_type.booking_horizon_days, 60)
    window_end = now + datetime.timedelta(days=horizon_days)
    free = free_times_between(
        provider=provider,
        visit_type=visit_type,
        start=now,
        end=window_end,
        now=now,
        patient=patient,
        ignore_visits=ignore_visits,
    )
    days = days_with_time(free, zone)
    chosen = _parse_day(request.GET.get("day"))
    if chosen not in days:
        chosen = min(days) if days else None
    times = [start for start in free if start.astimezone(zone).date() == chosen] if chosen else []
    return {
        "zone": zone,
        "days": sorted(days.items()),
        "chosen_day": chosen,
        "times": times,
    }


@allow(Role.PATIENT)
@require_GET
def booking_times(request: HtmxHttpRequest, slug: str, provider_id: int) -> HttpResponse:
    """Steps 3 and 4: a day with free time, then a time on it, in the patient's zone."""
    profile = _profile_or_none(request)
    if profile is None:
        return _needs_details(request)
    visit_type = _visit_type(slug)
    if stop := _gate_stop(request, visit_type):
        return stop
    provider = get_object_or_404(
        bookable_providers(visit_type=visit_type, state=profile.current_state), pk=provider_id
    )
    context = times_context(
        request, visit_type=visit_type, provider=provider, zone=profile.zone, patient=request.user
    )
    return render_page(
        request,
        "visits/scheduling/booking_times.html",
        {
            **context,
            "visit_type": visit_type,
            "provider": provider,
            "profile": profile,
            "step": 3,
            "confirm_url": reverse(
                "scheduling:booking_confirm", args=[visit_type.slug, provider.pk]
            ),
            "times_url": reverse("scheduling:booking_times", args=[visit_type.slug, provider.pk]),
        },
        partial="time-picker",
    )


def _booking_provider(request: HtmxHttpRequest, slug: str, provider_id: int):
    profile = _profile_or_none(request)
    if profile is None:
        return None, None, None
    visit_type = _visit_type(slug)
    provider = get_object_or_404(
        bookable_providers(visit_type=visit_type, state=profile.current_state), pk=provider_id
    )
    return profile, visit_type, provider


@allow(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def booking_confirm(request: HtmxHttpRequest, slug: str, provider_id: int) -> HttpResponse:
    """Step 5: check the details and the cancellation policy, then book (once or as a series)."""
    profile, visit_type, provider = _booking_provider(request, slug, provider_id)
    if profile is None:
        return _needs_details(request)
    if stop := _gate_stop(request, visit_type):
        return stop
    symptom_check = valid_symptom_check(request.user, now=timezone.now())
    start = parse_start(request.POST.get("start") or request.GET.get("start", ""))
    times_url = reverse("scheduling:booking_times", args=[visit_type.slug, provider.pk])
    if start is None:
        messages.info(request, "Choose a time first.")
        return redirect(times_url)
    form = BookingForm(
        request.POST or None,
        can_recur=visit_type.can_recur,
        first_start=start,
        initial={"reason": symptom_check.questionnaire.title if symptom_check else ""},
    )
    context = {
        "visit_type": visit_type,
        "provider": provider,
        "profile": profile,
        "zone": profile.zone,
        "start": start,
        "form": form,
        "step": 5,
        "times_url": times_url,
        "action": reverse("scheduling:booking_confirm", args=[visit_type.slug, provider.pk]),
    }
    if request.method == "POST" and form.is_valid():
        try:
            if form.every_weeks:
                return _series_step(request, context, form)
            visit = visit_book(
                patient=request.user,
                provider=provider,
                visit_type=visit_type,
                start=start,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                ip_address=client_ip(request),
            )
        except SlotTaken as taken:
            context.update(taken=taken, alternatives=taken.alternatives)
        except NotBookable as refused:
            if isinstance(refused.refusal, IntakeIncomplete):
                context["intake_missing"] = refused.refusal.missing
            else:
                form.add_error(None, str(refused))
        else:
            messages.success(
                request, "Your visit is booked. We've emailed you the details and a calendar file."
            )
            url = reverse("scheduling:visit_detail", args=[visit.pk])
            return go(request, url)
    return render(request, "visits/scheduling/booking_confirm.html", context)


def _series_step(request: HtmxHttpRequest, context: dict, form: BookingForm) -> HttpResponse:
    """Show which dates of the series are free and offer alternatives; book what the patient confirms."""
    visit_type, provider = context["visit_type"], context["provider"]
    provider_zone = provider.zone
    starts = series_starts(
        first=context["start"],
        zone=provider_zone,
        every_weeks=form.every_weeks,
        count=form.cleaned_data.get("sessions"),
        until=form.cleaned_data.get("until"),
    )
    if request.POST.get("confirm_series"):
        values = request.POST.getlist("session") + [
            value for key, value in request.POST.items() if key.startswith("session-")
        ]
        chosen = [parse_start(value) for value in values]
        chosen = [start for start in chosen if start is not None]
        if not chosen:
            form.add_error(None, "Choose at least one session to book.")
        else:
            visit_series = visit_series_book(
                patient=request.user,
                provider=provider,
                visit_type=visit_type,
                starts=chosen,
                every_weeks=form.every_weeks,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                ip_address=client_ip(request),
            )
            messages.success(
                request,
                f"Your {len(chosen)} sessions are booked. We've emailed you the dates and one calendar file.",
            )
            first = visit_series.visits.order_by("start").first()
            url = reverse("scheduling:visit_detail", args=[first.pk])
            return go(request, url)
    plan = series_plan(
        patient=request.user, provider=provider, visit_type=visit_type, starts=starts
    )
    context.update(plan=plan, clashes=sum(not session.free for session in plan))
    return render(request, "visits/scheduling/booking_series.html", context)
