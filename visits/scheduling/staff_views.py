"""Schedules for clinic staff (every provider) and clinicians (their own).

The schedule editor changes weekly hours and dated exceptions; an edit that would leave booked
visits outside the hours first asks, visit by visit, whether to keep, move or cancel each, and
then saves the edit and those choices in one transaction. The calendar shows a week or a day of
bookings and free time; staff book, move and cancel visits for patients, who are emailed by the
services.
"""

import datetime
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from accounts.models import ProviderProfile, Role
from accounts.policy import allow, can_manage_schedule
from visits.audit import audit_read
from visits.scheduling.availability import free_times, with_schedules
from visits.scheduling.forms import parse_start
from visits.scheduling.gate import booking_refusal
from visits.scheduling.models import ScheduleException, Visit, VisitType, Weekday, WeeklyHours
from visits.scheduling.services import (
    NotBookable,
    Scope,
    SlotTaken,
    free_times_between,
    provider_free_times,
    visit_book,
    visit_cancel,
    visit_reschedule,
)
from visits.scheduling.slots import (
    DatedChange,
    WeeklyBlock,
    merge_intervals,
    nearest,
    working_hours,
)
from visits.scheduling.staff_forms import (
    CANCEL,
    KEEP,
    CalendarForm,
    CopyDayForm,
    Schedule,
    ScheduleChange,
    ScheduleExceptionForm,
    StaffBookingForm,
    StaffCancelForm,
    StaffMoveForm,
    StrandedVisitsForm,
    WeeklyBlockForm,
    block_removal,
    dated_change,
    exception_removal,
    focus,
    patient_matches,
    patient_name,
    searchable_patients,
    weekly_block,
    when,
)
from visits.web import HtmxHttpRequest, client_ip

EDIT_TEMPLATE = "visits/scheduling/staff/schedule_edit.html"
CONFIRM_TEMPLATE = "visits/scheduling/staff/schedule_confirm.html"
CALENDAR_TEMPLATE = "visits/scheduling/staff/schedule_calendar.html"
BOOK_TEMPLATE = "visits/scheduling/staff/visit_book.html"
MOVE_TEMPLATE = "visits/scheduling/staff/visit_move.html"
CANCEL_TEMPLATE = "visits/scheduling/staff/visit_cancel.html"

ONE_DAY = datetime.timedelta(days=1)
# Free times offered for a stranded visit: the nearest few within a week either side.
OFFER_DAYS = 7
OFFER_COUNT = 3
# When the chosen day has no free time, look this far ahead for the next ones.
LOOK_AHEAD_DAYS = 14
STRANDED_PREFIX = "stranded"
WEEKDAY_DIGITS = [str(weekday) for weekday in range(7)]
VISIT_RELATIONS = ("visit_type", "provider__user", "patient__patient_profile")


# Who may open which schedule, and small helpers every view uses.


def _provider(request: HtmxHttpRequest, provider_id: int) -> ProviderProfile:
    """The provider whose schedule this is; 404 for anyone the user may not manage."""
    provider = ProviderProfile.objects.select_related("user").filter(pk=provider_id).first()
    if provider is None or not can_manage_schedule(request.user, provider):
        raise Http404("No such schedule.")
    return provider


def _zone(provider: ProviderProfile) -> ZoneInfo:
    return ZoneInfo(provider.time_zone)


def _local_midnight(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=zone).astimezone(datetime.UTC)


def _go(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """Leave the page: a client redirect for htmx, a plain redirect otherwise."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _editor_url(provider: ProviderProfile, weekday: int | None = None) -> str:
    url = reverse("schedule_edit", args=[provider.pk])
    return url if weekday is None else f"{url}#weekday-{weekday}"


def _calendar_url(provider: ProviderProfile, day: datetime.date) -> str:
    return reverse("schedule_calendar", args=[provider.pk]) + f"?day={day.isoformat()}"


def _zone_context(provider: ProviderProfile, now: datetime.datetime) -> dict:
    zone = _zone(provider)
    return {"zone_name": provider.time_zone, "zone_abbreviation": now.astimezone(zone).tzname()}


# The schedule editor.


@dataclass
class DayHours:
    """One weekday of the editor: its blocks, the form to add one, and a block being changed."""

    weekday: int
    label: str
    blocks: list[WeeklyHours]
    add_form: WeeklyBlockForm
    editing: int | None = None
    edit_form: WeeklyBlockForm | None = None
    status: str = ""
    focus: str = ""


def _day_hours(
    schedule: Schedule,
    weekday: int,
    *,
    add_form: WeeklyBlockForm | None = None,
    edit_form: WeeklyBlockForm | None = None,
    status: str = "",
) -> DayHours:
    return DayHours(
        weekday=weekday,
        label=Weekday(weekday).label,
        blocks=schedule.blocks_on(weekday),
        add_form=add_form
        or WeeklyBlockForm(schedule=schedule, weekday=weekday, prefix=f"add{weekday}"),
        editing=edit_form.block.pk if edit_form is not None else None,
        edit_form=edit_form,
        status=status,
    )


def _editor_context(
    request: HtmxHttpRequest,
    provider: ProviderProfile,
    schedule: Schedule,
    *,
    day: DayHours | None = None,
    copy_form: CopyDayForm | None = None,
    exception_form: ScheduleExceptionForm | None = None,
    exceptions_status: str = "",
) -> dict:
    now = timezone.now()
    today = now.astimezone(_zone(provider)).date()
    days = [_day_hours(schedule, weekday) for weekday in range(7)]
    if day is not None:
        days[day.weekday] = day
    copy_source = request.GET.get("copy", "")
    return {
        "problem": _problem(day, copy_form, exception_form),
        "provider": provider,
        **_zone_context(provider, now),
        "days": days,
        "copy_form": copy_form
        or CopyDayForm(
            schedule=schedule,
            prefix="copy",
            initial={"source": int(copy_source) if copy_source in WEEKDAY_DIGITS else 0},
        ),
        "exception_form": exception_form
        or ScheduleExceptionForm(schedule=schedule, today=today, prefix="exception"),
        "upcoming": [each for each in schedule.exceptions if each.end_date >= today],
        "exceptions_status": exceptions_status,
    }


def _problem(
    day: DayHours | None,
    copy_form: CopyDayForm | None,
    exception_form: ScheduleExceptionForm | None,
) -> dict | None:
    """What was not saved and where to look, for the top of a page reloaded without htmx."""
    if day is not None:
        for form in (day.add_form, day.edit_form):
            if form is not None and form.is_bound and form.errors:
                return {
                    "text": f"{day.label}'s hours are not saved yet. Check the times.",
                    "anchor": f"weekday-{day.weekday}",
                }
    if copy_form is not None and copy_form.errors:
        return {"text": "Nothing is copied yet. Check the days chosen.", "anchor": "copy-day"}
    if exception_form is not None and exception_form.errors:
        return {
            "text": "The time off or extra hours are not added yet. Check the details.",
            "anchor": "schedule-exceptions",
        }
    return None


@contextmanager
def _editing(request: HtmxHttpRequest, provider: ProviderProfile) -> Iterator[None]:
    """For a post, hold the provider's row so two edits of one schedule never interleave.

    Forms validate against the hours read inside this transaction, and the visits an edit
    would strand are found in it too; SQLite serialises the whole transaction anyway.
    """
    if request.method != "POST":
        yield
        return
    with transaction.atomic():
        list(
            ProviderProfile.objects.select_for_update()
            .filter(pk=provider.pk)
            .values_list("pk", flat=True)
        )
        yield


def _load(provider: ProviderProfile) -> Schedule:
    return Schedule.load(provider, today=timezone.now().astimezone(_zone(provider)).date())


def _autofocus(form) -> None:
    """After htmx swaps a form in, focus its first field with an error, else its first field."""
    names = [name for name in form.fields if name in form.errors] or list(form.fields)
    focus(form, names[0])


def _render_day(
    request: HtmxHttpRequest, provider: ProviderProfile, schedule: Schedule, day: DayHours
) -> HttpResponse:
    """One weekday's blocks for htmx to swap in, or the whole editor showing that day so."""
    if request.htmx:
        form = day.edit_form or (day.add_form if day.add_form.is_bound else None)
        if form is not None:
            _autofocus(form)
        else:
            day.focus = "status" if day.status else "heading"
        return render(request, EDIT_TEMPLATE + "#weekday-hours", {"provider": provider, "day": day})
    return render(request, EDIT_TEMPLATE, _editor_context(request, provider, schedule, day=day))


def _render_exceptions(
    request: HtmxHttpRequest,
    provider: ProviderProfile,
    schedule: Schedule,
    *,
    form: ScheduleExceptionForm | None = None,
    status: str = "",
) -> HttpResponse:
    context = _editor_context(
        request, provider, schedule, exception_form=form, exceptions_status=status
    )
    if request.htmx:
        if form is not None:
            _autofocus(form)
        return render(request, EDIT_TEMPLATE + "#schedule-exceptions", context)
    return render(request, EDIT_TEMPLATE, context)


def _day_saved(request: HtmxHttpRequest, provider: ProviderProfile, weekday: int):
    """After an inline change: the weekday afresh, saying what was saved."""

    def respond(change: ScheduleChange) -> HttpResponse:
        schedule = _load(provider)
        day = _day_hours(schedule, weekday, status=f"Saved: {change.summary}.")
        return _render_day(request, provider, schedule, day)

    return respond


def _exceptions_saved(request: HtmxHttpRequest, provider: ProviderProfile):
    def respond(change: ScheduleChange) -> HttpResponse:
        return _render_exceptions(
            request, provider, _load(provider), status=f"Saved: {change.summary}."
        )

    return respond


@allow(Role.STAFF, Role.CLINICIAN)
@require_GET
def schedule_edit(request: HtmxHttpRequest, provider_id: int) -> HttpResponse:
    """A provider's weekly hours by weekday and their upcoming exceptions, in the provider's zone."""
    provider = _provider(request, provider_id)
    return render(request, EDIT_TEMPLATE, _editor_context(request, provider, _load(provider)))


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def schedule_day(request: HtmxHttpRequest, provider_id: int, weekday: int) -> HttpResponse:
    """One weekday's blocks; posting adds a block to that day."""
    if weekday not in range(7):
        raise Http404("No such weekday.")
    provider = _provider(request, provider_id)
    with _editing(request, provider):
        schedule = _load(provider)
        if request.method == "POST":
            form = WeeklyBlockForm(
                request.POST, schedule=schedule, weekday=weekday, prefix=f"add{weekday}"
            )
            if form.is_valid():
                return _make_change(
                    request,
                    provider,
                    schedule,
                    form.change(),
                    inline=_day_saved(request, provider, weekday),
                    back_to=_editor_url(provider, weekday),
                )
            day = _day_hours(schedule, weekday, add_form=form)
        else:
            day = _day_hours(schedule, weekday)
        return _render_day(request, provider, schedule, day)


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def schedule_block(request: HtmxHttpRequest, provider_id: int, block_id: int) -> HttpResponse:
    """Change one block's times, in place in its weekday."""
    provider = _provider(request, provider_id)
    with _editing(request, provider):
        block = get_object_or_404(WeeklyHours, pk=block_id, provider=provider)
        schedule = _load(provider)
        form = WeeklyBlockForm(
            request.POST if request.method == "POST" else None,
            schedule=schedule,
            weekday=block.weekday,
            block=block,
            prefix=f"block{block.pk}",
        )
        if request.method == "POST" and form.is_valid():
            return _make_change(
                request,
                provider,
                schedule,
                form.change(),
                inline=_day_saved(request, provider, block.weekday),
                back_to=_editor_url(provider, block.weekday),
            )
        day = _day_hours(schedule, block.weekday, edit_form=form)
        return _render_day(request, provider, schedule, day)


@allow(Role.STAFF, Role.CLINICIAN)
@require_POST
def schedule_block_remove(
    request: HtmxHttpRequest, provider_id: int, block_id: int
) -> HttpResponse:
    """Remove one block from the week."""
    provider = _provider(request, provider_id)
    with _editing(request, provider):
        block = get_object_or_404(WeeklyHours, pk=block_id, provider=provider)
        schedule = _load(provider)
        return _make_change(
            request,
            provider,
            schedule,
            block_removal(schedule, block),
            inline=_day_saved(request, provider, block.weekday),
            back_to=_editor_url(provider, block.weekday),
        )


@allow(Role.STAFF, Role.CLINICIAN)
@require_POST
def schedule_copy(request: HtmxHttpRequest, provider_id: int) -> HttpResponse:
    """Copy one weekday's hours to the days ticked, replacing theirs."""
    provider = _provider(request, provider_id)
    with _editing(request, provider):
        schedule = _load(provider)
        form = CopyDayForm(request.POST, schedule=schedule, prefix="copy")
        if form.is_valid():
            return _make_change(
                request,
                provider,
                schedule,
                form.change(),
                inline=None,
                back_to=_editor_url(provider),
            )
        context = _editor_context(request, provider, schedule, copy_form=form)
        if request.htmx:
            return render(request, EDIT_TEMPLATE + "#copy-day", context)
        return render(request, EDIT_TEMPLATE, context)


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def schedule_exceptions(request: HtmxHttpRequest, provider_id: int) -> HttpResponse:
    """Upcoming time off and extra hours; posting adds one."""
    provider = _provider(request, provider_id)
    with _editing(request, provider):
        schedule = _load(provider)
        if request.method != "POST":
            return _render_exceptions(request, provider, schedule)
        today = timezone.now().astimezone(_zone(provider)).date()
        form = ScheduleExceptionForm(
            request.POST, schedule=schedule, today=today, prefix="exception"
        )
        if form.is_valid():
            return _make_change(
                request,
                provider,
                schedule,
                form.change(),
                inline=_exceptions_saved(request, provider),
                back_to=_editor_url(provider) + "#schedule-exceptions",
            )
        return _render_exceptions(request, provider, schedule, form=form)


@allow(Role.STAFF, Role.CLINICIAN)
@require_POST
def schedule_exception_remove(
    request: HtmxHttpRequest, provider_id: int, exception_id: int
) -> HttpResponse:
    """Remove time off or extra hours, so the regular week applies again."""
    provider = _provider(request, provider_id)
    with _editing(request, provider):
        exception = get_object_or_404(ScheduleException, pk=exception_id, provider=provider)
        schedule = _load(provider)
        return _make_change(
            request,
            provider,
            schedule,
            exception_removal(schedule, exception),
            inline=_exceptions_saved(request, provider),
            back_to=_editor_url(provider) + "#schedule-exceptions",
        )


# Edits that would leave booked visits outside the hours.


def _covers(intervals: list[tuple], start: datetime.datetime, end: datetime.datetime) -> bool:
    """Whether one of these merged, sorted intervals holds all of [start, end)."""
    index = bisect_right(intervals, (start, datetime.datetime.max.replace(tzinfo=datetime.UTC)))
    return index > 0 and intervals[index - 1][0] <= start and intervals[index - 1][1] >= end


def _working(
    weekly: list[WeeklyBlock],
    dated: list[DatedChange],
    zone: ZoneInfo,
    first_day: datetime.date,
    last_day: datetime.date,
) -> list[tuple]:
    return merge_intervals(
        working_hours(
            weekly=weekly, changes=dated, zone=zone, first_day=first_day, last_day=last_day
        )
    )


def visits_left_outside(
    provider: ProviderProfile,
    schedule: Schedule,
    change: ScheduleChange,
    *,
    now: datetime.datetime,
) -> list[Visit]:
    """Upcoming booked visits inside the hours now that the change would leave outside them."""
    visits = list(
        Visit.objects.filter(provider=provider, status=Visit.Status.BOOKED, start__gt=now)
        .select_related(*VISIT_RELATIONS)
        .order_by("start")
    )
    if not visits:
        return []
    zone = _zone(provider)
    first_day = visits[0].start.astimezone(zone).date() - ONE_DAY
    last_day = max(visit.end for visit in visits).astimezone(zone).date() + ONE_DAY
    before = _working(schedule.weekly(), schedule.dated(), zone, first_day, last_day)
    after = _working(change.weekly, change.dated, zone, first_day, last_day)
    return [
        visit
        for visit in visits
        if _covers(before, visit.start, visit.end) and not _covers(after, visit.start, visit.end)
    ]


def _free_times_after(
    provider: ProviderProfile,
    change: ScheduleChange,
    visits: list[Visit],
    *,
    now: datetime.datetime,
) -> dict:
    """The nearest free times for each visit as they would be with the change saved.

    The change is saved inside a savepoint, the free times are read through the booking
    services, and the savepoint is rolled back: nothing is kept.
    """
    offers = {}
    with transaction.atomic():
        change.save()
        for visit in visits:
            free = provider_free_times(
                provider=provider,
                visit_type=visit.visit_type,
                around=visit.start,
                now=now,
                patient=visit.patient,
                days=OFFER_DAYS,
                ignore_visits=(visit.pk,),
            )
            offers[visit.pk] = nearest(free, visit.start, OFFER_COUNT)
        transaction.set_rollback(True)
    return offers


class _MoveFailed(Exception):
    """A chosen time was taken meanwhile: undo the whole edit and ask again."""


def _resolve(
    request: HtmxHttpRequest, decisions: StrandedVisitsForm, *, now: datetime.datetime
) -> Counter:
    """Carry out each choice: cancellations first, so moves can use the time they free."""
    note = decisions.cleaned_data["note"]
    done: Counter = Counter()
    order = {KEEP: 0, CANCEL: 1, "move": 2}
    for visit, choice, start in sorted(decisions.decisions(), key=lambda each: order[each[1]]):
        if choice == CANCEL:
            visit_cancel(
                visit=visit,
                actor=request.user,
                scope=Scope.THIS,
                note=note,
                ip_address=client_ip(request),
                now=now,
            )
        elif choice == "move":
            try:
                visit_reschedule(
                    visit=visit,
                    new_start=start,
                    actor=request.user,
                    scope=Scope.THIS,
                    note=note,
                    ip_address=client_ip(request),
                    now=now,
                )
            except SlotTaken:
                decisions.add_error(
                    decisions.field_name(visit),
                    "That time is no longer free. Choose another, or keep or cancel the visit.",
                )
                raise _MoveFailed from None
        done[choice] += 1
    return done


def _outcome(done: Counter) -> str:
    parts = []
    for key, verb in (("move", "moved"), (CANCEL, "cancelled"), (KEEP, "kept")):
        if done[key]:
            parts.append(f"{done[key]} visit{'s' if done[key] != 1 else ''} {verb}")
    moved_or_cancelled = done["move"] + done[CANCEL]
    told = " The patients are emailed." if moved_or_cancelled > 1 else ""
    if moved_or_cancelled == 1:
        told = " The patient is emailed."
    return ", ".join(parts) + "." + told


def _confirm_step(
    request: HtmxHttpRequest,
    provider: ProviderProfile,
    change: ScheduleChange,
    decisions: StrandedVisitsForm,
) -> HttpResponse:
    """Ask what happens to each stranded visit, carrying the pending edit in hidden fields."""
    audit_read(
        request,
        what="visit",
        records=[(visit.patient_id, visit.pk) for visit in decisions.visits],
    )
    pending = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirm")
        and not name.startswith(STRANDED_PREFIX + "-")
        for value in values
    ]
    context = {
        "provider": provider,
        **_zone_context(provider, timezone.now()),
        "change": change,
        "decisions": decisions,
        "pending": pending,
        "action": request.path,
    }
    if request.htmx:
        response = render(request, CONFIRM_TEMPLATE + "#confirm-step", context)
        return reswap(retarget(response, "#schedule-area"), "outerHTML")
    return render(request, CONFIRM_TEMPLATE, context)


def _make_change(
    request: HtmxHttpRequest,
    provider: ProviderProfile,
    schedule: Schedule,
    change: ScheduleChange,
    *,
    inline: Callable[[ScheduleChange], HttpResponse] | None,
    back_to: str,
) -> HttpResponse:
    """Save an edit of the hours, unless it strands booked visits: then ask about each first.

    Runs inside _editing(), so the visits are found in the transaction that saves: one booked
    since the question was asked is asked about too, never silently left outside the hours.
    """
    now = timezone.now()
    confirming = request.POST.get("confirm") == "1"
    decisions = None
    try:
        with transaction.atomic():
            stranded = visits_left_outside(provider, schedule, change, now=now)
            if not stranded:
                change.save()
            else:
                decisions = StrandedVisitsForm(
                    request.POST if confirming else None,
                    visits=stranded,
                    offers=_free_times_after(provider, change, stranded, now=now),
                    zone=_zone(provider),
                    prefix=STRANDED_PREFIX,
                )
                if not decisions.is_valid():
                    return _confirm_step(request, provider, change, decisions)
                change.save()
                done = _resolve(request, decisions, now=now)
    except _MoveFailed:
        return _confirm_step(request, provider, change, decisions)
    if decisions is not None:
        messages.success(request, f"Saved: {change.summary}. {_outcome(done)}")
        return _go(request, back_to)
    if inline is not None and request.htmx:
        return inline(change)
    messages.success(request, f"Saved: {change.summary}.")
    return _go(request, back_to)


# The calendar.


@dataclass
class CalendarDay:
    """One local day of a provider's calendar: working time, visits and free starts."""

    date: datetime.date
    working: list[tuple[datetime.datetime, datetime.datetime]]
    visits: list[dict] = field(default_factory=list)
    free: list[datetime.datetime] = field(default_factory=list)


def _calendar_range(form: CalendarForm, today: datetime.date) -> tuple[str, datetime.date, int]:
    """('day' or 'week', the first local date, how many days)."""
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("day"):
        return "day", data["day"], 1
    anchor = data.get("week") or today
    return "week", anchor - datetime.timedelta(days=anchor.weekday()), 7


@allow(Role.STAFF, Role.CLINICIAN)
@require_GET
def schedule_calendar(request: HtmxHttpRequest, provider_id: int) -> HttpResponse:
    """A week (or a day) of one provider's working time, bookings and free start times."""
    provider = _provider(request, provider_id)
    now = timezone.now()
    zone = _zone(provider)
    today = now.astimezone(zone).date()
    form = CalendarForm(request.GET)
    mode, first_day, length = _calendar_range(form, today)
    last_day = first_day + datetime.timedelta(days=length - 1)
    start, end = _local_midnight(first_day, zone), _local_midnight(last_day + ONE_DAY, zone)
    [provider] = with_schedules(
        ProviderProfile.objects.filter(pk=provider.pk).select_related("user"), start=start, end=end
    )
    offered = list(provider.visit_types.filter(is_active=True))
    chosen_slug = form.cleaned_data.get("type") if form.is_valid() else ""
    visit_type = next((each for each in offered if each.slug == chosen_slug), None) or (
        offered[0] if offered else None
    )
    free = []
    if visit_type is not None:
        free = free_times(
            visit_type=visit_type, providers=[provider], start=start, end=end, now=now
        )[provider.pk]
    working = _working(
        [weekly_block(block) for block in provider.weekly_hours.all()],
        [dated_change(each) for each in provider.schedule_exceptions.all()],
        zone,
        first_day,
        last_day,
    )
    visits = list(
        Visit.objects.visible_to(request.user)
        .filter(provider=provider, start__gte=start, start__lt=end)
        .select_related("visit_type", "patient__patient_profile")
        .order_by("start")
    )
    audit_read(
        request,
        what="visit",
        records=[(visit.patient_id, visit.pk) for visit in visits],
    )
    days = {
        first_day + datetime.timedelta(days=offset): CalendarDay(
            date=first_day + datetime.timedelta(days=offset), working=[]
        )
        for offset in range(length)
    }
    for work_start, work_end in working:
        local = work_start.astimezone(zone)
        if local.date() in days:
            days[local.date()].working.append((local, work_end.astimezone(zone)))
    for visit in visits:
        local = visit.start.astimezone(zone)
        days[local.date()].visits.append(
            {
                "visit": visit,
                "start": local,
                "end": visit.end.astimezone(zone),
                "patient": patient_name(visit.patient),
                "outside": visit.holds_time and not _covers(working, visit.start, visit.end),
                "changeable": visit.status == Visit.Status.BOOKED and visit.start > now,
            }
        )
    for each in free:
        local = each.astimezone(zone)
        days[local.date()].free.append(local)
    step = datetime.timedelta(days=length)
    key = "day" if mode == "day" else "week"
    type_query = f"&type={visit_type.slug}" if visit_type is not None else ""
    base = reverse("schedule_calendar", args=[provider.pk])
    return render(
        request,
        CALENDAR_TEMPLATE,
        {
            "provider": provider,
            **_zone_context(provider, now),
            "mode": mode,
            "first_day": first_day,
            "last_day": last_day,
            "days": list(days.values()),
            "offered": offered,
            "visit_type": visit_type,
            "previous_url": f"{base}?{key}={(first_day - step).isoformat()}{type_query}",
            "next_url": f"{base}?{key}={(first_day + step).isoformat()}{type_query}",
            "week_url": f"{base}?week={first_day.isoformat()}{type_query}",
            "today_url": f"{base}?{key}={today.isoformat()}{type_query}",
            "today": today,
        },
    )


# Booking, moving and cancelling visits for patients.


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
    zone = _zone(provider)
    start = _local_midnight(day, zone)
    end = _local_midnight(day + datetime.timedelta(days=LOOK_AHEAD_DAYS), zone)
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
    provider = _provider(request, provider_id)
    zone, now = _zone(provider), timezone.now()
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
            return _go(request, _calendar_url(provider, local.date()))
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
        **_zone_context(provider, now),
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
    template = BOOK_TEMPLATE + "#booking-form" if request.htmx else BOOK_TEMPLATE
    return render(request, template, context)


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
        local = visit.start.astimezone(_zone(provider))
        return visit, _go(request, _calendar_url(provider, local.date()))
    return visit, None


def _visit_context(provider: ProviderProfile, visit: Visit, now: datetime.datetime) -> dict:
    zone = _zone(provider)
    return {
        "provider": provider,
        **_zone_context(provider, now),
        "visit": visit,
        "patient": patient_name(visit.patient),
        "local_start": visit.start.astimezone(zone),
        "local_end": visit.end.astimezone(zone),
        "calendar_url": _calendar_url(provider, visit.start.astimezone(zone).date()),
    }


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def visit_move_for_patient(request: HtmxHttpRequest, provider_id: int, visit_id) -> HttpResponse:
    """Move a visit (or the rest of its series) to a free time with the same provider."""
    provider = _provider(request, provider_id)
    visit, refused = _changeable_visit(request, provider, visit_id)
    if refused is not None:
        return refused
    zone, now = _zone(provider), timezone.now()
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
            return _go(request, _calendar_url(provider, local.date()))
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
    template = MOVE_TEMPLATE + "#move-form" if request.htmx else MOVE_TEMPLATE
    return render(request, template, context)


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def visit_cancel_for_patient(request: HtmxHttpRequest, provider_id: int, visit_id) -> HttpResponse:
    """Cancel a visit (or part of its series) with an optional message to the patient."""
    provider = _provider(request, provider_id)
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
        return _go(request, _visit_context(provider, visit, now)["calendar_url"])
    audit_read(
        request,
        what="visit",
        records=[(visit.patient_id, visit.pk)],
    )
    context = {**_visit_context(provider, visit, now), "form": form}
    template = CANCEL_TEMPLATE + "#cancel-form" if request.htmx else CANCEL_TEMPLATE
    return render(request, template, context)
