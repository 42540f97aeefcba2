"""A patient books a visit step by step.

Type of visit -> providers licensed where the patient is -> a day -> a time -> confirm.
Each step is a page that works without JavaScript; htmx swaps the times when a day is chosen.
"""

import datetime
import functools
from collections.abc import Callable
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Language, ProviderProfile, Role
from accounts.policy import allow
from accounts.zones import zone_name
from config.prepared import Prepared
from visits.intake.selectors import intake_missing_steps
from visits.scheduling.availability import (
    days_with_time,
    free_times,
    series_plan,
)
from visits.scheduling.bookable import load_bookable
from visits.scheduling.display import clock, day_and_clock, day_name, short_day
from visits.scheduling.forms import (
    BookingForm,
    ProviderFilterForm,
    parse_day,
    parse_start,
)
from visits.scheduling.gate import (
    IntakeIncomplete,
    valid_symptom_check,
)
from visits.scheduling.models import VisitType
from visits.scheduling.recurrence import series_starts
from visits.scheduling.services import (
    NotBookable,
    SeriesClash,
    SlotTaken,
    visit_book,
    visit_series_book,
)
from visits.scheduling.views.booking_gate import (
    gate_for,
    gate_stop,
    needs_details,
    other_complaint_confirmed,
    profile_or_none,
    visit_type_for,
)
from visits.web import HtmxHttpRequest, client_ip, go, page_number, render_page

SEARCH_DAYS = 14
# The provider filter's languages: built and compiled once (config.prepared).
LANGUAGES = Prepared(lambda: Language.objects.values_list("code", "name"))
PROVIDERS_PER_PAGE = 10
MAX_PAGE = 1000


# The visit types offered, in their order (config.prepared: built and compiled once).
ACTIVE_VISIT_TYPES = Prepared(lambda: VisitType.objects.filter(is_active=True))


@allow(Role.PATIENT)
@require_GET
def booking_start(request: HtmxHttpRequest) -> HttpResponse:
    """Step 1: what the visit is for."""
    profile = profile_or_none(request)
    if profile is None:
        return needs_details(request)
    visit_types = ACTIVE_VISIT_TYPES.run()
    symptom_check = valid_symptom_check(request.user, now=timezone.now())
    return render(
        request,
        "visits/scheduling/booking_start.html",
        {
            "visit_types": visit_types,
            "profile": profile,
            "step": 1,
            "intake_missing": intake_missing_steps(request.user),
            "red_flag": symptom_check if symptom_check and symptom_check.has_emergency else None,
        },
    )


@allow(Role.PATIENT)
@require_GET
def booking_providers(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Step 2: providers who offer this visit and are licensed where the patient is now."""
    profile = profile_or_none(request)
    if profile is None:
        return needs_details(request)
    visit_type = visit_type_for(slug)
    if stop := gate_stop(request, visit_type):
        return stop
    kinds = [
        (kind, label)
        for kind, label in ProviderProfile.Kind.choices
        if kind in visit_type.provider_kinds
    ]
    filters = ProviderFilterForm(
        request.GET or None,
        languages=LANGUAGES.run(),
        kinds=kinds if len(kinds) > 1 else [],
    )
    language = kind = ""
    if filters.is_bound and filters.is_valid():
        language, kind = filters.cleaned_data["language"], filters.cleaned_data["kind"]
    page = page_number(request.GET.get("page"), last=MAX_PAGE)
    now = timezone.now()
    window_end = now + datetime.timedelta(days=SEARCH_DAYS)
    # One page of providers, by name, and one more row to know whether there is a next page:
    # the page costs the same with 3 providers or 300.
    first = (page - 1) * PROVIDERS_PER_PAGE
    providers = load_bookable(
        visit_type=visit_type,
        state=profile.current_state,
        now=now,
        start=now,
        end=window_end,
        language=language,
        kind=kind,
        offset=first,
        limit=PROVIDERS_PER_PAGE + 1,
    )
    more = len(providers) > PROVIDERS_PER_PAGE
    providers = providers[:PROVIDERS_PER_PAGE]
    # The first free start of each of the patient's days is all the cards show.
    first_each_day = free_times(
        visit_type=visit_type,
        providers=providers,
        start=now,
        end=window_end,
        now=now,
        patient=request.user,
        first_each_day_in=profile.zone,
    )
    cards = [
        provider_card(provider, first_each_day[provider.pk], profile.zone) for provider in providers
    ]
    query = request.GET.copy()
    query.pop("page", None)
    first_url = f"{request.path}?{query.urlencode()}" if query else request.path
    query["page"] = str(page + 1)
    more_url = f"{request.path}?{query.urlencode()}" if more else ""
    return render_page(
        request,
        "visits/scheduling/booking_providers.html",
        {
            "visit_type": visit_type,
            "profile": profile,
            "filters": filters,
            "cards": cards,
            "page": page,
            "first_number": first + 1,
            "more_url": more_url,
            "first_url": first_url,
            "zone": profile.zone,
            "search_days": SEARCH_DAYS,
            "step": 2,
        },
        # "Show more" asks htmx for the next cards alone, to add below the ones shown.
        partial="provider-page" if page > 1 else "provider-list",
    )


def provider_card(
    provider: ProviderProfile, first_each_day: list[datetime.datetime], zone: ZoneInfo
) -> dict:
    """What a provider's card says: the next free time in the patient's words, and on how many
    of the patient's days there is time."""
    next_free = first_each_day[0].astimezone(zone) if first_each_day else None
    return {
        "provider": provider,
        "next_free": next_free,
        "next_free_words": f"{day_and_clock(next_free)} {zone_name(zone)}" if next_free else "",
        "days": len(first_each_day),
    }


def times_context(
    request: HtmxHttpRequest,
    *,
    visit_type: VisitType,
    load: Callable[..., list[ProviderProfile]],
    zone: ZoneInfo,
    patient,
    ignore_visits: tuple = (),
) -> dict:
    """The provider (the one `load(now=, start=, end=)` loads with its schedule, else 404), the
    days with free time in the next weeks, and the times on the chosen day, worded once here
    for the picker."""
    now = timezone.now()
    horizon_days = min(visit_type.booking_horizon_days, 60)
    window_end = now + datetime.timedelta(days=horizon_days)
    # The provider is read once, with its hours: the same rows serve the heading and the times.
    loaded = load(now=now, start=now, end=window_end)
    if not loaded:
        raise Http404("No such provider.")
    provider = loaded[0]
    free = free_times(
        visit_type=visit_type,
        providers=[provider],
        start=now,
        end=window_end,
        now=now,
        patient=patient,
        ignore_visits=ignore_visits,
    )[provider.pk]
    days = days_with_time(free, zone)
    chosen = parse_day(request.GET.get("day"))
    if chosen not in days:
        chosen = min(days) if days else None
    times = [start for start in free if start.astimezone(zone).date() == chosen] if chosen else []
    return {
        "provider": provider,
        "zone": zone,
        "days": [
            {
                "iso": day.isoformat(),
                "label": short_day(day),
                "count": count,
                "chosen": day == chosen,
            }
            for day, count in sorted(days.items())
        ],
        "chosen_day": chosen,
        "chosen_day_words": day_name(chosen) if chosen else "",
        "times": [
            {
                "start": quote(start.astimezone(datetime.UTC).isoformat(), safe="/"),
                "label": clock(start.astimezone(zone)),
            }
            for start in times
        ],
    }


@allow(Role.PATIENT)
@require_GET
def booking_times(request: HtmxHttpRequest, slug: str, provider_id: int) -> HttpResponse:
    """Steps 3 and 4: a day with free time, then a time on it, in the patient's zone."""
    profile = profile_or_none(request)
    if profile is None:
        return needs_details(request)
    visit_type = visit_type_for(slug)
    if stop := gate_stop(request, visit_type):
        return stop
    context = times_context(
        request,
        visit_type=visit_type,
        load=functools.partial(
            load_bookable,
            visit_type=visit_type,
            state=profile.current_state,
            provider=provider_id,
            languages=False,
        ),
        zone=profile.zone,
        patient=request.user,
    )
    return render_page(
        request,
        "visits/scheduling/booking_times.html",
        {
            **context,
            "visit_type": visit_type,
            "profile": profile,
            "step": 3,
            "confirm_url": reverse(
                "scheduling:booking_confirm", args=[visit_type.slug, provider_id]
            ),
            "times_url": reverse("scheduling:booking_times", args=[visit_type.slug, provider_id]),
        },
        partial="time-picker",
    )


def _booking_provider(request: HtmxHttpRequest, slug: str, provider_id: int):
    profile = profile_or_none(request)
    if profile is None:
        return None, None, None
    visit_type = visit_type_for(slug)
    now = timezone.now()
    found = load_bookable(
        visit_type=visit_type,
        state=profile.current_state,
        now=now,
        provider=provider_id,
        languages=False,
    )
    if not found:
        raise Http404("No such provider.")
    return profile, visit_type, found[0]


@allow(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def booking_confirm(request: HtmxHttpRequest, slug: str, provider_id: int) -> HttpResponse:
    """Step 5: check the details and the cancellation policy, then book (once or as a series)."""
    profile, visit_type, provider = _booking_provider(request, slug, provider_id)
    if profile is None or visit_type is None or provider is None:
        return needs_details(request)
    answer = gate_for(request, visit_type)
    if stop := gate_stop(request, visit_type, answer):
        return stop
    confirmed = other_complaint_confirmed(answer)
    symptom_check = valid_symptom_check(request.user, now=timezone.now())
    raw_start = request.POST.get("start") or request.GET.get("start", "")
    start = parse_start(raw_start)
    times_url = reverse("scheduling:booking_times", args=[visit_type.slug, provider.pk])
    if start is None:
        messages.info(
            request,
            "That time cannot be booked. Choose one of the free times below."
            if raw_start
            else "Choose a time first.",
        )
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
        "other_complaint_confirmed": confirmed,
    }
    if request.method == "POST" and form.is_valid():
        if form.every_weeks:
            return _series_step(request, context, form)
        try:
            visit = visit_book(
                patient=request.user,
                provider=provider,
                visit_type=visit_type,
                start=start,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                ip_address=client_ip(request),
                other_complaint_confirmed=confirmed,
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


def _chosen_sessions(request: HtmxHttpRequest) -> list[datetime.datetime]:
    """The series dates the patient ticked, and the alternatives they picked for dates that clash."""
    values = request.POST.getlist("session") + [
        value for key, value in request.POST.items() if key.startswith("session-")
    ]
    parsed = [parse_start(value) for value in values]
    return sorted({start for start in parsed if start is not None})


def _series_step(request: HtmxHttpRequest, context: dict, form: BookingForm) -> HttpResponse:
    """Show which dates of the series are free and offer alternatives; book what the patient confirms.

    When a chosen date was taken meanwhile, the page comes back with every other chosen date
    kept as it was and alternatives offered on the clashing date only.
    """
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
        chosen = _chosen_sessions(request)
        if not chosen:
            form.add_error(None, "Choose at least one session to book.")
        else:
            try:
                visit_series = visit_series_book(
                    patient=request.user,
                    provider=provider,
                    visit_type=visit_type,
                    starts=chosen,
                    every_weeks=form.every_weeks,
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    ip_address=client_ip(request),
                    other_complaint_confirmed=context["other_complaint_confirmed"],
                )
            except SlotTaken as taken:
                plan = (
                    taken.plan
                    if isinstance(taken, SeriesClash)
                    else series_plan(
                        patient=request.user,
                        provider=provider,
                        visit_type=visit_type,
                        starts=chosen,
                    )
                )
                context.update(
                    plan=plan, clashes=sum(not session.free for session in plan), taken=taken
                )
                return render(request, "visits/scheduling/booking_series.html", context)
            except NotBookable as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    f"Your {len(chosen)} sessions are booked. "
                    "We've emailed you the dates and one calendar file.",
                )
                first = visit_series.visits.order_by("start").first()
                url = reverse("scheduling:visit_detail", args=[first.pk]) if first else "/"
                return go(request, url)
    plan = series_plan(
        patient=request.user, provider=provider, visit_type=visit_type, starts=starts
    )
    context.update(plan=plan, clashes=sum(not session.free for session in plan))
    return render(request, "visits/scheduling/booking_series.html", context)
