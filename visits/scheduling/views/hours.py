"""The hours editor: a provider's weekly hours by weekday, and their dated exceptions.

An edit that would leave booked visits outside the hours first asks, visit by visit, whether to
keep, move or cancel each; schedule_change_save (visits.scheduling.hours) then saves the edit
and those choices in one transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import ProviderProfile, Role
from accounts.policy import allow
from visits.scheduling.forms import focus
from visits.scheduling.hours import (
    Schedule,
    ScheduleChange,
    block_added,
    block_changed,
    block_removal,
    days_copied,
    exception_added,
    exception_removal,
)
from visits.scheduling.hours_forms import (
    CopyDayForm,
    ScheduleExceptionForm,
    WeeklyBlockForm,
)
from visits.scheduling.models import ScheduleException, Weekday, WeeklyHours
from visits.scheduling.views import (
    editor_url,
    schedule_for,
    zone_context,
)
from visits.scheduling.views.hours_change import change_made
from visits.web import HtmxHttpRequest

EDIT_TEMPLATE = "visits/scheduling/staff/schedule_edit.html"
WEEKDAY_DIGITS = [str(weekday) for weekday in range(7)]


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
    today = now.astimezone(provider.zone).date()
    days = [_day_hours(schedule, weekday) for weekday in range(7)]
    if day is not None:
        days[day.weekday] = day
    copy_source = request.GET.get("copy", "")
    return {
        "problem": _problem(day, copy_form, exception_form),
        "provider": provider,
        **zone_context(provider, now),
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


def _times(form: WeeklyBlockForm) -> dict:
    return {"start": form.cleaned_data["start_time"], "end": form.cleaned_data["end_time"]}


def _load(provider: ProviderProfile) -> Schedule:
    return Schedule.load(provider, today=timezone.now().astimezone(provider.zone).date())


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
    provider = schedule_for(request, provider_id)
    return render(request, EDIT_TEMPLATE, _editor_context(request, provider, _load(provider)))


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def schedule_day(request: HtmxHttpRequest, provider_id: int, weekday: int) -> HttpResponse:
    """One weekday's blocks; posting adds a block to that day."""
    if weekday not in range(7):
        raise Http404("No such weekday.")
    provider = schedule_for(request, provider_id)
    with _editing(request, provider):
        schedule = _load(provider)
        if request.method == "POST":
            form = WeeklyBlockForm(
                request.POST, schedule=schedule, weekday=weekday, prefix=f"add{weekday}"
            )
            if form.is_valid():
                return change_made(
                    request,
                    provider,
                    schedule,
                    block_added(schedule, weekday, **_times(form)),
                    inline=_day_saved(request, provider, weekday),
                    back_to=editor_url(provider, weekday),
                )
            day = _day_hours(schedule, weekday, add_form=form)
        else:
            day = _day_hours(schedule, weekday)
        return _render_day(request, provider, schedule, day)


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def schedule_block(request: HtmxHttpRequest, provider_id: int, block_id: int) -> HttpResponse:
    """Change one block's times, in place in its weekday."""
    provider = schedule_for(request, provider_id)
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
            return change_made(
                request,
                provider,
                schedule,
                block_changed(schedule, block, **_times(form)),
                inline=_day_saved(request, provider, block.weekday),
                back_to=editor_url(provider, block.weekday),
            )
        day = _day_hours(schedule, block.weekday, edit_form=form)
        return _render_day(request, provider, schedule, day)


@allow(Role.STAFF, Role.CLINICIAN)
@require_POST
def schedule_block_remove(
    request: HtmxHttpRequest, provider_id: int, block_id: int
) -> HttpResponse:
    """Remove one block from the week."""
    provider = schedule_for(request, provider_id)
    with _editing(request, provider):
        block = get_object_or_404(WeeklyHours, pk=block_id, provider=provider)
        schedule = _load(provider)
        return change_made(
            request,
            provider,
            schedule,
            block_removal(schedule, block),
            inline=_day_saved(request, provider, block.weekday),
            back_to=editor_url(provider, block.weekday),
        )


@allow(Role.STAFF, Role.CLINICIAN)
@require_POST
def schedule_copy(request: HtmxHttpRequest, provider_id: int) -> HttpResponse:
    """Copy one weekday's hours to the days ticked, replacing theirs."""
    provider = schedule_for(request, provider_id)
    with _editing(request, provider):
        schedule = _load(provider)
        form = CopyDayForm(request.POST, schedule=schedule, prefix="copy")
        if form.is_valid():
            data = form.cleaned_data
            return change_made(
                request,
                provider,
                schedule,
                days_copied(schedule, data["source"], data["targets"]),
                inline=None,
                back_to=editor_url(provider),
            )
        context = _editor_context(request, provider, schedule, copy_form=form)
        if request.htmx:
            return render(request, EDIT_TEMPLATE + "#copy-day", context)
        return render(request, EDIT_TEMPLATE, context)


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def schedule_exceptions(request: HtmxHttpRequest, provider_id: int) -> HttpResponse:
    """Upcoming time off and extra hours; posting adds one."""
    provider = schedule_for(request, provider_id)
    with _editing(request, provider):
        schedule = _load(provider)
        if request.method != "POST":
            return _render_exceptions(request, provider, schedule)
        today = timezone.now().astimezone(provider.zone).date()
        form = ScheduleExceptionForm(
            request.POST, schedule=schedule, today=today, prefix="exception"
        )
        if form.is_valid():
            return change_made(
                request,
                provider,
                schedule,
                exception_added(schedule, form.cleaned_data),
                inline=_exceptions_saved(request, provider),
                back_to=editor_url(provider) + "#schedule-exceptions",
            )
        return _render_exceptions(request, provider, schedule, form=form)


@allow(Role.STAFF, Role.CLINICIAN)
@require_POST
def schedule_exception_remove(
    request: HtmxHttpRequest, provider_id: int, exception_id: int
) -> HttpResponse:
    """Remove time off or extra hours, so the regular week applies again."""
    provider = schedule_for(request, provider_id)
    with _editing(request, provider):
        exception = get_object_or_404(ScheduleException, pk=exception_id, provider=provider)
        schedule = _load(provider)
        return change_made(
            request,
            provider,
            schedule,
            exception_removal(schedule, exception),
            inline=_exceptions_saved(request, provider),
            back_to=editor_url(provider) + "#schedule-exceptions",
        )
