"""The hours editor's page as it is drawn: each weekday's blocks with the forms open on it, the
copy and exception forms, and what was not saved, for views/hours.py to render."""

from dataclasses import dataclass

from django.http import QueryDict
from django.utils import timezone

from accounts.models import ProviderProfile
from visits.scheduling.hours import Schedule
from visits.scheduling.hours_forms import CopyDayForm, ScheduleExceptionForm, WeeklyBlockForm
from visits.scheduling.models import Weekday, WeeklyHours
from visits.scheduling.views import zone_context
from visits.web import HtmxHttpRequest

EDIT_TEMPLATE = "visits/scheduling/staff/schedule_edit.html"
WEEKDAY_DIGITS = [str(weekday) for weekday in range(7)]


@dataclass
class BlockRow:
    """One block of a weekday, with its change form when it is open."""

    block: WeeklyHours
    form: WeeklyBlockForm | None = None


@dataclass
class DayHours:
    """One weekday of the editor: its blocks (some with their change forms open), and the form
    to add one."""

    weekday: int
    label: str
    rows: list[BlockRow]
    add_form: WeeklyBlockForm
    status: str = ""
    focus: str = ""

    @property
    def blocks(self) -> list[WeeklyHours]:
        return [row.block for row in self.rows]

    def forms(self) -> list[WeeklyBlockForm]:
        return [row.form for row in self.rows if row.form is not None] + [self.add_form]


def typed_times(carried: QueryDict | None, prefix: str) -> dict[str, str] | None:
    """The times typed into the form with this prefix, sent along with another of the day's
    forms (htmx includes the whole weekday), so a swap of the day shows them again."""
    if carried is None:
        return None
    typed = {
        name: str(carried[f"{prefix}-{name}"])
        for name in ("start_time", "end_time")
        if f"{prefix}-{name}" in carried
    }
    return typed or None


def day_hours(
    schedule: Schedule,
    weekday: int,
    *,
    add_form: WeeklyBlockForm | None = None,
    edit_form: WeeklyBlockForm | None = None,
    status: str = "",
    carried: QueryDict | None = None,
    settled: frozenset[str] = frozenset(),
) -> DayHours:
    """A weekday as it now is, with `edit_form` open and any other form whose times were
    `carried` (typed, not saved) open with them again, except the forms now `settled` (saved
    or closed, by prefix)."""
    rows = []
    for block in schedule.blocks_on(weekday):
        prefix = f"block{block.pk}"
        typed = None if prefix in settled else typed_times(carried, prefix)
        if edit_form is not None and edit_form.block is not None and edit_form.block.pk == block.pk:
            rows.append(BlockRow(block, edit_form))
        elif typed is not None:
            rows.append(
                BlockRow(
                    block,
                    WeeklyBlockForm(
                        schedule=schedule,
                        weekday=weekday,
                        block=block,
                        prefix=prefix,
                        initial=typed,
                    ),
                )
            )
        else:
            rows.append(BlockRow(block))
    add_prefix = f"add{weekday}"
    typed = None if add_prefix in settled else typed_times(carried, add_prefix)
    return DayHours(
        weekday=weekday,
        label=Weekday(weekday).label,
        rows=rows,
        add_form=add_form
        or WeeklyBlockForm(schedule=schedule, weekday=weekday, prefix=add_prefix, initial=typed),
        status=status,
    )


def editor_context(
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
    days = [day_hours(schedule, weekday) for weekday in range(7)]
    if day is not None:
        days[day.weekday] = day
    copy_source = request.GET.get("copy", "")
    return {
        "problem": problem(day, copy_form, exception_form),
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


def problem(
    day: DayHours | None,
    copy_form: CopyDayForm | None,
    exception_form: ScheduleExceptionForm | None,
) -> dict | None:
    """What was not saved and where to look, for the top of a page reloaded without htmx."""
    if day is not None:
        for form in day.forms():
            if form.is_bound and form.errors:
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
