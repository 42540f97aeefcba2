"""A provider's calendar: a week or a day of working time, bookings and free start times."""

import datetime

from django.db.models import BigIntegerField, DateTimeField
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.policy import allow
from config.prepared import Param, Prepared, Viewer
from visits.audit import audit_read
from visits.scheduling.availability import (
    add_schedules,
    free_times,
    schedule_of,
)
from visits.scheduling.display import clock, patient_name
from visits.scheduling.hours import (
    covers,
    working,
)
from visits.scheduling.models import Visit, VisitType
from visits.scheduling.staff_forms import (
    CalendarForm,
)
from visits.scheduling.views import (
    local_midnight,
    schedule_for,
    zone_context,
)
from visits.scheduling.views.calendar_days import CalendarDay, CalendarVisit
from visits.templatetags.remembered_urls import remembered_reverse
from visits.web import HtmxHttpRequest

CALENDAR_TEMPLATE = "visits/scheduling/staff/schedule_calendar.html"
ONE_DAY = datetime.timedelta(days=1)
# What the calendar shows of a visit, its type and its patient: the columns loaded.
CALENDAR_VISIT_FIELDS = (
    "start",
    "end",
    "status",
    "patient_id",
    "visit_type__name",
    "patient__email",
    "patient__display_name",
    "patient__patient_profile__legal_first_name",
    "patient__patient_profile__legal_last_name",
)


def _calendar_range(form: CalendarForm, today: datetime.date) -> tuple[str, datetime.date, int]:
    """('day' or 'week', the first local date, how many days); this week for a date refused."""
    form.is_valid()
    data = form.cleaned_data
    if data.get("day"):
        return "day", data["day"], 1
    anchor = data.get("week") or today
    return "week", anchor - datetime.timedelta(days=anchor.weekday()), 7


# The calendar's reads, built and compiled once (config.prepared).
CALENDAR_VISITS = Prepared(
    lambda viewer, provider, start, end: (
        Visit.objects.visible_to(viewer)
        .filter(provider=provider, start__gte=start, start__lt=end)
        .select_related("visit_type", "patient__patient_profile")
        .only(*CALENDAR_VISIT_FIELDS)
        .order_by("start")
    ),
    viewer=Viewer(),
    provider=Param("provider", BigIntegerField()),
    start=Param("start", DateTimeField()),
    end=Param("end", DateTimeField()),
)
OFFERED = Prepared(
    lambda provider: VisitType.objects.filter(providers=provider, is_active=True),
    provider=Param("provider", BigIntegerField()),
)


@allow(Role.STAFF, Role.CLINICIAN)
@require_GET
def schedule_calendar(request: HtmxHttpRequest, provider_id: int) -> HttpResponse:
    """A week (or a day) of one provider's working time, bookings and free start times."""
    provider = schedule_for(request, provider_id)
    now = timezone.now()
    zone = provider.zone
    today = now.astimezone(zone).date()
    form = CalendarForm(request.GET)
    mode, first_day, length = _calendar_range(form, today)
    last_day = first_day + datetime.timedelta(days=length - 1)
    start, end = local_midnight(first_day, zone), local_midnight(last_day + ONE_DAY, zone)
    add_schedules([provider], start=start, end=end)
    offered = OFFERED.run(provider=provider)
    chosen_slug = form.cleaned_data.get("type") or ""
    date_problem = next(
        (str(error) for name in ("day", "week") for error in form.errors.get(name, [])), ""
    )
    visit_type = next((each for each in offered if each.slug == chosen_slug), None) or (
        offered[0] if offered else None
    )
    free = []
    if visit_type is not None:
        free = free_times(
            visit_type=visit_type, providers=[provider], start=start, end=end, now=now
        )[provider.pk]
    schedule = schedule_of(provider)
    worked = working(
        schedule.weekly,
        schedule.changes,
        zone,
        first_day,
        last_day,
    )
    visits = CALENDAR_VISITS.run(viewer=request.user, provider=provider, start=start, end=end)
    audit_read(
        request,
        what="visit",
        records=[(visit.patient_id, visit.pk) for visit in visits],
    )
    base = reverse("scheduling:schedule_calendar", args=[provider.pk])
    type_query = f"&type={visit_type.slug}" if visit_type is not None else ""
    free_for = visit_type.name.lower() if visit_type is not None else None
    days = {}
    for offset in range(length):
        date = first_day + datetime.timedelta(days=offset)
        days[date] = CalendarDay(
            date=date,
            working=[],
            link=f"{base}?day={date.isoformat()}{type_query}" if mode == "week" else "",
            is_today=date == today,
            free_for=free_for,
        )
    for work_start, work_end in worked:
        local = work_start.astimezone(zone)
        if local.date() in days:
            days[local.date()].working.append(
                f"{clock(local)}\N{EN DASH}{clock(work_end.astimezone(zone))}"
            )
    for visit in visits:
        local = visit.start.astimezone(zone)
        changeable = visit.status == Visit.Status.BOOKED and visit.start > now
        args = (provider.pk, visit.pk)
        days[local.date()].visits.append(
            CalendarVisit(
                visit=visit,
                start=clock(local),
                end=clock(visit.end.astimezone(zone)),
                patient=patient_name(visit.patient),
                type_name=visit.visit_type.name,
                status=visit.get_status_display(),
                outside=visit.holds_time and not covers(worked, visit.start, visit.end),
                changeable=changeable,
                move_url=remembered_reverse("scheduling:schedule_visit_move", args)
                if changeable
                else "",
                cancel_url=remembered_reverse("scheduling:schedule_visit_cancel", args)
                if changeable
                else "",
            )
        )
    # Each free start links to booking it: the address is built once, the time appended.
    book_url = (
        f"{reverse('scheduling:schedule_book', args=[provider.pk])}?type={visit_type.slug}&start="
        if visit_type is not None
        else ""
    )
    for each in free:
        local = each.astimezone(zone)
        # What urllib's quote() makes of an ISO time: only ":" and an offset's "+" need it.
        address = local.isoformat().replace(":", "%3A").replace("+", "%2B")
        days[local.date()].free.append((book_url + address, clock(local)))
    step = datetime.timedelta(days=length)
    key = "day" if mode == "day" else "week"
    return render(
        request,
        CALENDAR_TEMPLATE,
        {
            "provider": provider,
            **zone_context(provider, now),
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
            "date_problem": date_problem,
        },
    )
