"""The hours editor's page as it is drawn: each weekday's blocks with the forms open on it, the
copy and exception forms, and what was not saved, for views/hours.py to render."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from accounts.models import ProviderProfile
from visits.scheduling.display import WEEKDAYS, clock
from visits.scheduling.hours import Schedule
from visits.scheduling.hours_forms import CopyDayForm, ScheduleExceptionForm, WeeklyBlockForm
from visits.scheduling.models import Weekday, WeeklyHours
from visits.scheduling.views import zone_context
from visits.templatetags.remembered_urls import remembered_reverse
from visits.web import HtmxHttpRequest

EDIT_TEMPLATE = "visits/scheduling/staff/schedule_edit.html"
WEEKDAY_DIGITS = [str(weekday) for weekday in range(7)]


# Forms nobody has typed into, as written: the same markup on every view of the editor.
_BLANK_FORMS: dict[tuple, SafeString] = {}


def blank_form(key: tuple, make: Callable[[], forms.BaseForm]) -> SafeString:
    """The markup of a form nobody has typed into, written once for each `key`: everything it
    depends on besides its class (its prefix, its initial choices). The editor shows nine such
    forms on every view of it, and each costs a few hundred calls to write."""
    key = (*key, get_language())
    written = _BLANK_FORMS.get(key)
    if written is None:
        if len(_BLANK_FORMS) >= 1024:
            _BLANK_FORMS.clear()
        written = _BLANK_FORMS[key] = make().render()
    return written


@dataclass
class BlockRow:
    """One block of a weekday, with its change form when it is open, and its times and links
    worded once ("8:00 AM to 12:00 PM" with an en dash, "Monday 8:00 AM to 12:00 PM")."""

    block: WeeklyHours
    form: WeeklyBlockForm | None = None
    label: str = field(init=False)
    span: str = field(init=False)
    words: str = field(init=False)
    url: str = field(init=False)
    remove_url: str = field(init=False)
    day_url: str = field(init=False)

    def __post_init__(self) -> None:
        block = self.block
        start, end = clock(block.start_time), clock(block.end_time)
        self.label = WEEKDAYS[block.weekday]
        self.span = f"{start}\N{EN DASH}{end}"
        self.words = f"{self.label} {start} to {end}"
        args = (block.provider_id, block.pk)
        self.url = remembered_reverse("scheduling:schedule_block", args)
        self.remove_url = remembered_reverse("scheduling:schedule_block_remove", args)
        self.day_url = remembered_reverse(
            "scheduling:schedule_day", (block.provider_id, block.weekday)
        )


@dataclass
class DayHours:
    """One weekday of the editor: its blocks (some with their change forms open), and the form
    to add one (None while it is blank, then written once: `add_fields`), with its links."""

    provider_id: int
    weekday: int
    label: str
    rows: list[BlockRow]
    add_form: WeeklyBlockForm | None
    status: str = ""
    focus: str = ""

    @property
    def blocks(self) -> list[WeeklyHours]:
        return [row.block for row in self.rows]

    def forms(self) -> list[WeeklyBlockForm]:
        opened = [row.form for row in self.rows if row.form is not None]
        return opened + ([self.add_form] if self.add_form is not None else [])

    @property
    def add_fields(self) -> SafeString:
        if self.add_form is not None:
            return self.add_form.render()
        prefix = f"add{self.weekday}"
        return blank_form(
            ("block", prefix),
            lambda: WeeklyBlockForm(schedule=None, weekday=self.weekday, prefix=prefix),  # type: ignore[arg-type]
        )

    @property
    def add_url(self) -> str:
        return remembered_reverse("scheduling:schedule_day", (self.provider_id, self.weekday))

    @property
    def copy_url(self) -> str:
        return remembered_reverse("scheduling:schedule_copy", (self.provider_id,))

    @property
    def editor_url(self) -> str:
        return remembered_reverse("scheduling:schedule_edit", (self.provider_id,))


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
    if add_form is None and typed is not None:
        add_form = WeeklyBlockForm(
            schedule=schedule, weekday=weekday, prefix=add_prefix, initial=typed
        )
    return DayHours(
        provider_id=schedule.provider.pk,
        weekday=weekday,
        label=Weekday(weekday).label,
        rows=rows,
        add_form=add_form,
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
    copy_ticked: tuple[int, ...] = (),
) -> dict:
    """The whole editor's context; the forms nobody has typed into are written once (`*_fields`)."""
    now = timezone.now()
    today = now.astimezone(provider.zone).date()
    days = [day_hours(schedule, weekday) for weekday in range(7)]
    if day is not None:
        days[day.weekday] = day
    copy_source = request.GET.get("copy", "")
    source = int(copy_source) if copy_source in WEEKDAY_DIGITS else 0
    initial: dict = {"source": source}
    if copy_ticked:
        initial["targets"] = list(copy_ticked)
    return {
        "problem": problem(day, copy_form, exception_form),
        "provider": provider,
        **zone_context(provider, now),
        "days": days,
        "copy_form": copy_form,
        "copy_fields": copy_form.render()
        if copy_form is not None
        else blank_form(
            ("copy", source, copy_ticked),
            lambda: CopyDayForm(schedule=schedule, prefix="copy", initial=initial),
        ),
        "exception_form": exception_form,
        "exception_fields": exception_form.render()
        if exception_form is not None
        else blank_form(
            ("exception",),
            lambda: ScheduleExceptionForm(schedule=schedule, today=today, prefix="exception"),
        ),
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
