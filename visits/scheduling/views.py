"""A patient books a visit step by step, and sees, cancels or moves their visits.

Type of visit -> providers licensed where the patient is -> a day -> a time -> confirm.
Each step is a page that works without JavaScript; htmx swaps the times when a day is chosen.
"""

import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Language, PatientProfile, ProviderProfile, Role
from accounts.policy import allow, can_change_visit, can_view_clinical, can_view_visit
from visits.audit import audit_read
from visits.intake.selectors import intake_missing_steps
from visits.questionnaires.selectors import check_ins_enabled
from visits.scheduling.availability import (
    bookable_providers,
    days_with_time,
    free_times,
    with_schedules,
)
from visits.scheduling.forms import BookingForm, ProviderFilterForm, ScopeForm, parse_start
from visits.scheduling.gate import (
    IntakeIncomplete,
    NeedsDetails,
    NeedsSymptomCheck,
    RedFlag,
    booking_refusal,
    valid_symptom_check,
)
from visits.scheduling.models import Visit, VisitType
from visits.scheduling.notifications import visit_calendar
from visits.scheduling.services import (
    BookingError,
    NotBookable,
    Scope,
    SlotTaken,
    free_times_between,
    is_late_cancellation,
    series_plan,
    series_starts,
    visit_book,
    visit_cancel,
    visit_reschedule,
    visit_series_book,
)
from visits.web import HtmxHttpRequest, client_ip, go

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


def _zone(profile: PatientProfile) -> ZoneInfo:
    return ZoneInfo(profile.time_zone)


def _day_bounds(day: datetime.date, zone: ZoneInfo) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    return start.astimezone(datetime.UTC), (start + datetime.timedelta(days=1)).astimezone(
        datetime.UTC
    )


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
            "days": len(days_with_time(free[provider.pk], _zone(profile))),
        }
        for provider in providers
    ]
    cards.sort(key=lambda card: (card["next_free"] is None, card["next_free"] or now))
    template = "visits/scheduling/booking_providers.html"
    if request.htmx:
        template += "#provider-list"
    return render(
        request,
        template,
        {
            "visit_type": visit_type,
            "profile": profile,
            "filters": filters,
            "cards": cards,
            "zone": _zone(profile),
            "search_days": SEARCH_DAYS,
            "step": 2,
        },
    )


def _times_context(
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
    context = _times_context(
        request, visit_type=visit_type, provider=provider, zone=_zone(profile), patient=request.user
    )
    template = "visits/scheduling/booking_times.html"
    if request.htmx:
        template += "#time-picker"
    return render(
        request,
        template,
        {
            **context,
            "visit_type": visit_type,
            "provider": provider,
            "profile": profile,
            "step": 3,
            "confirm_url": reverse("booking_confirm", args=[visit_type.slug, provider.pk]),
            "times_url": reverse("booking_times", args=[visit_type.slug, provider.pk]),
        },
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
    times_url = reverse("booking_times", args=[visit_type.slug, provider.pk])
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
        "zone": _zone(profile),
        "start": start,
        "form": form,
        "step": 5,
        "times_url": times_url,
        "action": reverse("booking_confirm", args=[visit_type.slug, provider.pk]),
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
            url = reverse("visit_detail", args=[visit.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return render(request, "visits/scheduling/booking_confirm.html", context)


def _series_step(request: HtmxHttpRequest, context: dict, form: BookingForm) -> HttpResponse:
    """Show which dates of the series are free and offer alternatives; book what the patient confirms."""
    visit_type, provider = context["visit_type"], context["provider"]
    provider_zone = ZoneInfo(provider.time_zone)
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
            url = reverse("visit_detail", args=[first.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    plan = series_plan(
        patient=request.user, provider=provider, visit_type=visit_type, starts=starts
    )
    context.update(plan=plan, clashes=sum(not session.free for session in plan))
    return render(request, "visits/scheduling/booking_series.html", context)


def _visit_for(request: HtmxHttpRequest, visit_id, *, change: bool = False) -> Visit:
    """The visit if this user may see (or change) it; 404 for anyone else's."""
    visit = get_object_or_404(
        Visit.objects.select_related(
            "visit_type", "provider__user", "patient__patient_profile", "series"
        ),
        pk=visit_id,
    )
    allowed = (
        can_change_visit(request.user, visit) if change else can_view_visit(request.user, visit)
    )
    if not allowed:
        raise Http404("No such visit.")
    return visit


def _viewer_zone(request: HtmxHttpRequest, visit: Visit) -> ZoneInfo:
    if request.user.role == Role.PATIENT:
        profile = getattr(visit.patient, "patient_profile", None)
        if profile:
            return ZoneInfo(profile.time_zone)
    return ZoneInfo(visit.provider.time_zone)


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_GET
def visit_detail(request: HtmxHttpRequest, visit_id) -> HttpResponse:
    """One visit: when, with whom, and what can be done about it."""
    visit = _visit_for(request, visit_id)
    audit_read(
        request,
        what="visit",
        records=[(visit.patient_id, visit.pk)],
    )
    now = timezone.now()
    series_visits = []
    if visit.series_id:
        series_visits = list(
            Visit.objects.filter(series_id=visit.series_id)
            .select_related("visit_type")
            .order_by("start")
        )
    responses, check_ins = [], None
    if can_view_clinical(request.user, visit.patient):
        responses = list(visit.questionnaire_responses.submitted().select_related("questionnaire"))
        if request.user.role == Role.CLINICIAN and visit.visit_type.questionnaires:
            check_ins = check_ins_enabled(patient=visit.patient, provider=visit.provider)
    return render(
        request,
        "visits/scheduling/visit_detail.html",
        {
            "visit": visit,
            "zone": _viewer_zone(request, visit),
            "upcoming": visit.status == Visit.Status.BOOKED and visit.end > now,
            "late": is_late_cancellation(visit, now=now),
            "series_visits": series_visits,
            "responses": responses,
            "check_ins": check_ins,
        },
    )


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_GET
def visit_ics(request: HtmxHttpRequest, visit_id) -> HttpResponse:
    """The visit as an .ics file for the person's calendar."""
    visit = _visit_for(request, visit_id)
    response = HttpResponse(
        visit_calendar([visit], cancelled=visit.is_cancelled),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="housecall-visit.ics"'
    return response


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_http_methods(["GET", "POST"])
def visit_cancel_view(request: HtmxHttpRequest, visit_id) -> HttpResponse:
    """Show the cancellation policy, then cancel this visit or part of its series."""
    visit = _visit_for(request, visit_id, change=True)
    now = timezone.now()
    if visit.status != Visit.Status.BOOKED or visit.end <= now:
        messages.info(request, "This visit can no longer be cancelled.")
        return redirect("visit_detail", visit.pk)
    form = ScopeForm(request.POST or None)
    if request.method == "POST" and (visit.series_id is None or form.is_valid()):
        scope = form.cleaned_data["scope"] if visit.series_id else Scope.THIS
        cancelled = visit_cancel(
            visit=visit,
            actor=request.user,
            scope=scope,
            note=request.POST.get("note", "")[:500],
            ip_address=client_ip(request),
        )
        count = len(cancelled)
        messages.success(
            request,
            "Your visit is cancelled." if count == 1 else f"{count} visits are cancelled.",
        )
        url = reverse("dashboard")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    by_patient = request.user == visit.patient
    return render(
        request,
        "visits/scheduling/visit_cancel.html",
        {
            "visit": visit,
            "form": form,
            "zone": _viewer_zone(request, visit),
            "late": by_patient and is_late_cancellation(visit, now=now),
            "by_patient": by_patient,
        },
    )


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_http_methods(["GET", "POST"])
def visit_reschedule_view(request: HtmxHttpRequest, visit_id) -> HttpResponse:
    """Choose a new time with the same provider, then move this visit or the rest of its series."""
    visit = _visit_for(request, visit_id, change=True)
    now = timezone.now()
    if visit.status != Visit.Status.BOOKED or visit.end <= now:
        messages.info(request, "This visit can no longer be moved.")
        return redirect("visit_detail", visit.pk)
    zone = _viewer_zone(request, visit)
    new_start = parse_start(request.POST.get("start") or request.GET.get("start", ""))
    form = ScopeForm(request.POST or None)
    context = {"visit": visit, "zone": zone, "form": form, "new_start": new_start}
    if new_start is None:
        context.update(
            _times_context(
                request,
                visit_type=visit.visit_type,
                provider=visit.provider,
                zone=zone,
                patient=visit.patient,
                ignore_visits=(visit.pk,),
            )
        )
        template = "visits/scheduling/visit_reschedule.html"
        if request.htmx:
            template += "#time-picker"
        context.update(
            times_url=reverse("visit_reschedule", args=[visit.pk]),
            confirm_url=reverse("visit_reschedule", args=[visit.pk]),
        )
        return render(request, template, context)
    if request.method == "POST" and (visit.series_id is None or form.is_valid()):
        scope = form.cleaned_data["scope"] if visit.series_id else Scope.THIS
        try:
            moved = visit_reschedule(
                visit=visit,
                new_start=new_start,
                actor=request.user,
                scope=scope,
                ip_address=client_ip(request),
            )
        except BookingError as error:
            context.update(taken=error, alternatives=getattr(error, "alternatives", []))
        else:
            messages.success(
                request,
                "Your visit has a new time."
                if len(moved) == 1
                else f"{len(moved)} visits have new times.",
            )
            url = reverse("visit_detail", args=[visit.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return render(request, "visits/scheduling/visit_reschedule_confirm.html", context)
