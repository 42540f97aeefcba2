"""The hours editor: a provider's weekly hours by weekday, and their dated exceptions.

An edit that would leave booked visits outside the hours first asks, visit by visit, whether to
keep, move or cancel each; schedule_change_save (visits.scheduling.hours) then saves the edit
and those choices in one transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
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
from visits.scheduling.models import ScheduleException, WeeklyHours
from visits.scheduling.views import (
    editor_url,
    schedule_for,
)
from visits.scheduling.views.hours_change import change_made
from visits.scheduling.views.hours_page import (
    EDIT_TEMPLATE,
    WEEKDAY_DIGITS,
    BlockRow,
    DayHours,
    day_hours,
    editor_context,
)
from visits.web import HtmxHttpRequest


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
    request: HtmxHttpRequest,
    provider: ProviderProfile,
    schedule: Schedule,
    day: DayHours,
    *,
    acted: WeeklyBlockForm | None = None,
) -> HttpResponse:
    """One weekday's blocks for htmx to swap in, or the whole editor showing that day so.

    After the swap, focus goes to the form acted on when it needs attention, else to the
    day's status (or heading).
    """
    if request.htmx:
        if acted is not None:
            _autofocus(acted)
        else:
            day.focus = "status" if day.status else "heading"
        return render(request, EDIT_TEMPLATE + "#weekday-hours", {"provider": provider, "day": day})
    return render(request, EDIT_TEMPLATE, editor_context(request, provider, schedule, day=day))


def _render_exceptions(
    request: HtmxHttpRequest,
    provider: ProviderProfile,
    schedule: Schedule,
    *,
    form: ScheduleExceptionForm | None = None,
    status: str = "",
) -> HttpResponse:
    context = editor_context(
        request, provider, schedule, exception_form=form, exceptions_status=status
    )
    if request.htmx:
        if form is not None:
            _autofocus(form)
        return render(request, EDIT_TEMPLATE + "#schedule-exceptions", context)
    return render(request, EDIT_TEMPLATE, context)


def _day_saved(request: HtmxHttpRequest, provider: ProviderProfile, weekday: int, settled: str):
    """After an inline change: the weekday afresh, saying what was saved, with the times still
    being typed in its other forms kept open (the form `settled` is done)."""

    def respond(change: ScheduleChange) -> HttpResponse:
        schedule = _load(provider)
        day = day_hours(
            schedule,
            weekday,
            status=f"Saved: {change.summary}.",
            carried=request.POST,
            settled=frozenset({settled}),
        )
        return _render_day(request, provider, schedule, day)

    return respond


def _area_saved(request: HtmxHttpRequest, provider: ProviderProfile):
    """After an edit saved with its stranded visits: the whole editor afresh, saying so."""

    def respond(status: str) -> HttpResponse:
        context = editor_context(request, provider, _load(provider))
        context["area_status"] = status
        return render(request, EDIT_TEMPLATE + "#schedule-area", context)

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
    return render(request, EDIT_TEMPLATE, editor_context(request, provider, _load(provider)))


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
                    inline=_day_saved(request, provider, weekday, settled=f"add{weekday}"),
                    saved_area=_area_saved(request, provider),
                    back_to=editor_url(provider, weekday),
                )
            day = day_hours(schedule, weekday, add_form=form, carried=request.POST)
            return _render_day(request, provider, schedule, day, acted=form)
        day = day_hours(schedule, weekday)
        return _render_day(request, provider, schedule, day)


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def schedule_block(request: HtmxHttpRequest, provider_id: int, block_id: int) -> HttpResponse:
    """Change one block's times, in place in its weekday.

    With htmx, opening (or closing, `?close=1`) the form swaps only that block's row, so what
    is typed elsewhere in the day stays as it is.
    """
    provider = schedule_for(request, provider_id)
    with _editing(request, provider):
        block = get_object_or_404(WeeklyHours, pk=block_id, provider=provider)
        schedule = _load(provider)
        prefix = f"block{block.pk}"
        form = WeeklyBlockForm(
            request.POST if request.method == "POST" else None,
            schedule=schedule,
            weekday=block.weekday,
            block=block,
            prefix=prefix,
        )
        if request.method == "POST" and form.is_valid():
            return change_made(
                request,
                provider,
                schedule,
                block_changed(schedule, block, **_times(form)),
                inline=_day_saved(request, provider, block.weekday, settled=prefix),
                saved_area=_area_saved(request, provider),
                back_to=editor_url(provider, block.weekday),
            )
        if request.method == "POST":
            day = day_hours(schedule, block.weekday, edit_form=form, carried=request.POST)
            return _render_day(request, provider, schedule, day, acted=form)
        closing = request.GET.get("close") == "1"
        if request.htmx:
            if not closing:
                _autofocus(form)
            day = day_hours(schedule, block.weekday)
            row = BlockRow(block, None if closing else form)
            return render(
                request,
                EDIT_TEMPLATE + "#block-row",
                {"provider": provider, "day": day, "row": row, "refocus": closing},
            )
        day = day_hours(schedule, block.weekday, edit_form=None if closing else form)
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
            inline=_day_saved(request, provider, block.weekday, settled=f"block{block.pk}"),
            saved_area=_area_saved(request, provider),
            back_to=editor_url(provider, block.weekday),
        )


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def schedule_copy(request: HtmxHttpRequest, provider_id: int) -> HttpResponse:
    """Copy one weekday's hours to the days ticked, replacing theirs.

    A weekday's "Copy to other days" link gets the copy form with that day chosen (`?copy=`);
    with htmx only the copy form is swapped, keeping the days already ticked, so forms being
    typed elsewhere on the page are not lost.
    """
    provider = schedule_for(request, provider_id)
    with _editing(request, provider):
        schedule = _load(provider)
        if request.method != "POST":
            if not request.htmx:
                return redirect(editor_url(provider) + f"?copy={request.GET.get('copy', '')}")
            ticked = [day for day in request.GET.getlist("copy-targets") if day in WEEKDAY_DIGITS]
            context = editor_context(
                request, provider, schedule, copy_ticked=tuple(int(day) for day in ticked)
            )
            context["copy_focus"] = True
            return render(request, EDIT_TEMPLATE + "#copy-day", context)
        form = CopyDayForm(request.POST, schedule=schedule, prefix="copy")
        if form.is_valid():
            data = form.cleaned_data
            return change_made(
                request,
                provider,
                schedule,
                days_copied(schedule, data["source"], data["targets"]),
                inline=None,
                saved_area=_area_saved(request, provider),
                back_to=editor_url(provider),
            )
        context = editor_context(request, provider, schedule, copy_form=form)
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
                saved_area=_area_saved(request, provider),
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
            saved_area=_area_saved(request, provider),
            back_to=editor_url(provider) + "#schedule-exceptions",
        )
