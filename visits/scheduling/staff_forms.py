"""Forms for editing a provider's hours and for booking, moving and cancelling visits for patients.

Schedule forms validate against the provider's current hours and describe the edit they would
make as a ScheduleChange: the week it leaves behind (to find visits it would strand) and how to
save it. Nothing is written until the view says so.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django import forms
from django.db.models import Q, QuerySet
from django.utils.dateformat import format as date_format

from accounts.models import ProviderProfile, Role, User
from visits.scheduling.forms import ScopeForm, parse_start
from visits.scheduling.models import ScheduleException, Visit, VisitType, Weekday, WeeklyHours
from visits.scheduling.services import Scope
from visits.scheduling.slots import DatedChange, WeeklyBlock

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_ERRORS = {"invalid": "Enter a time like 09:00 or 17:30."}
DATE_ERRORS = {"invalid": "Enter a date like 2027-03-31."}

KEEP = "keep"
CANCEL = "cancel"
MOVE_PREFIX = "move:"
PATIENT_MATCHES = 10


class FocusableRadioSelect(forms.RadioSelect):
    """Radio buttons whose first option alone takes focus after an htmx swap, when asked to."""

    focus_first = False

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if self.focus_first and index == 0:
            option["attrs"]["autofocus"] = True
        return option


def focus(form: forms.Form, name: str) -> None:
    """Ask for this field (the first option of a list) to take focus after an htmx swap."""
    if name not in form.fields:
        return
    widget = form.fields[name].widget
    if isinstance(widget, FocusableRadioSelect):
        widget.focus_first = True
    else:
        widget.attrs["autofocus"] = True


def clock(value: datetime.time | datetime.datetime) -> str:
    """A wall-clock time as people read it: 9:00 AM."""
    return date_format(value, "g:i A")


def when(value: datetime.datetime) -> str:
    """A local date and time as people read it: Monday, January 12, 9:00 AM CST."""
    return date_format(value, "l, F j, g:i A T")


def span(start: datetime.time, end: datetime.time) -> str:
    return f"{clock(start)} to {clock(end)}"


def patient_name(user: User) -> str:
    """The name clinic staff know a patient by: the legal name, else what they call themselves."""
    profile = getattr(user, "patient_profile", None)
    return profile.legal_name if profile else (user.display_name or user.email)


# The schedule as it stands, and the edits proposed to it.


@dataclass
class Schedule:
    """A provider's weekly hours and the exceptions that still matter, loaded for one edit."""

    provider: ProviderProfile
    blocks: list[WeeklyHours]
    exceptions: list[ScheduleException]

    @classmethod
    def load(cls, provider: ProviderProfile, *, today: datetime.date) -> "Schedule":
        """Every weekly block, and the exceptions from yesterday on (earlier ones change nothing)."""
        return cls(
            provider=provider,
            blocks=list(WeeklyHours.objects.filter(provider=provider)),
            exceptions=list(
                ScheduleException.objects.filter(
                    provider=provider, end_date__gte=today - datetime.timedelta(days=1)
                )
            ),
        )

    def blocks_on(self, weekday: int) -> list[WeeklyHours]:
        return sorted(
            (block for block in self.blocks if block.weekday == weekday),
            key=lambda block: block.start_time,
        )

    def weekly(self) -> list[WeeklyBlock]:
        return [weekly_block(block) for block in self.blocks]

    def dated(self) -> list[DatedChange]:
        return [dated_change(exception) for exception in self.exceptions]


def weekly_block(block: WeeklyHours) -> WeeklyBlock:
    return WeeklyBlock(block.weekday, block.start_time, block.end_time)


def dated_change(exception: ScheduleException) -> DatedChange:
    return DatedChange(
        extra=exception.kind == ScheduleException.Kind.EXTRA_HOURS,
        first_day=exception.start_date,
        last_day=exception.end_date,
        start=exception.start_time,
        end=exception.end_time,
    )


@dataclass
class ScheduleChange:
    """One edit to a provider's hours before it is saved: the week it leaves, and how to save it.

    `save` may run more than once (a trial run that is rolled back, then the real one), so it
    works from ids and fresh rows, never from instances it changes.
    """

    weekly: list[WeeklyBlock]
    dated: list[DatedChange]
    save: Callable[[], None]
    summary: str
    weekdays: tuple[int, ...] = field(default=())


def block_removal(schedule: Schedule, block: WeeklyHours) -> ScheduleChange:
    """Take one block out of the week."""
    return ScheduleChange(
        weekly=[weekly_block(each) for each in schedule.blocks if each.pk != block.pk],
        dated=schedule.dated(),
        save=lambda: WeeklyHours.objects.filter(pk=block.pk).delete(),
        summary=f"Remove {block.get_weekday_display()} {span(block.start_time, block.end_time)}",
        weekdays=(block.weekday,),
    )


def exception_removal(schedule: Schedule, exception: ScheduleException) -> ScheduleChange:
    """Take one dated exception away, so the regular week applies again."""
    return ScheduleChange(
        weekly=schedule.weekly(),
        dated=[dated_change(each) for each in schedule.exceptions if each.pk != exception.pk],
        save=lambda: ScheduleException.objects.filter(pk=exception.pk).delete(),
        summary=f"Remove {exception_summary(exception).lower()}",
    )


def exception_summary(exception: ScheduleException) -> str:
    """Time off, Monday, January 12 to Friday, January 16, 1:00 PM to 5:00 PM."""
    days = date_format(exception.start_date, "l, F j")
    if exception.end_date != exception.start_date:
        days += " to " + date_format(exception.end_date, "l, F j")
    times = (
        "whole day" if exception.is_whole_day else span(exception.start_time, exception.end_time)
    )
    return f"{exception.get_kind_display()}, {days}, {times}"


# Weekly hours.


class WeeklyBlockForm(forms.Form):
    """One block of regular hours on one weekday: start before end, clear of the day's other blocks."""

    start_time = forms.TimeField(
        label="From",
        widget=TIME_WIDGET,
        error_messages={"required": "Enter the time the block starts.", **TIME_ERRORS},
    )
    end_time = forms.TimeField(
        label="Until",
        widget=TIME_WIDGET,
        error_messages={"required": "Enter the time the block ends.", **TIME_ERRORS},
    )

    def __init__(
        self,
        *args,
        schedule: Schedule,
        weekday: int,
        block: WeeklyHours | None = None,
        **kwargs,
    ) -> None:
        if block is not None:
            kwargs.setdefault(
                "initial", {"start_time": block.start_time, "end_time": block.end_time}
            )
        super().__init__(*args, **kwargs)
        self.schedule = schedule
        self.weekday = weekday
        self.block = block
        self.day_name = Weekday(weekday).label

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start is None or end is None:
            return data
        if end <= start:
            self.add_error("end_time", "The end must be after the start.")
            return data
        for other in self.schedule.blocks_on(self.weekday):
            if self.block is not None and other.pk == self.block.pk:
                continue
            if start < other.end_time and other.start_time < end:
                self.add_error(
                    "start_time",
                    f"This overlaps {self.day_name}'s {span(other.start_time, other.end_time)} "
                    "block. Choose times that don't overlap, or change that block instead.",
                )
                break
        return data

    def change(self) -> ScheduleChange:
        """The week with this block added, or changed, and how to save it."""
        start, end = self.cleaned_data["start_time"], self.cleaned_data["end_time"]
        provider, weekday, block = self.schedule.provider, self.weekday, self.block
        weekly = [
            weekly_block(each)
            for each in self.schedule.blocks
            if block is None or each.pk != block.pk
        ]
        weekly.append(WeeklyBlock(weekday, start, end))
        if block is None:

            def save() -> None:
                WeeklyHours.objects.create(
                    provider=provider, weekday=weekday, start_time=start, end_time=end
                )

            summary = f"Add {self.day_name} {span(start, end)}"
        else:

            def save() -> None:
                WeeklyHours.objects.filter(pk=block.pk).update(start_time=start, end_time=end)

            summary = (
                f"Change {self.day_name} {span(block.start_time, block.end_time)} "
                f"to {span(start, end)}"
            )
        return ScheduleChange(
            weekly=weekly,
            dated=self.schedule.dated(),
            save=save,
            summary=summary,
            weekdays=(weekday,),
        )


class CopyDayForm(forms.Form):
    """Copy one weekday's blocks to other weekdays, replacing what those days had."""

    source = forms.TypedChoiceField(
        label="Copy the hours of",
        choices=Weekday.choices,
        coerce=int,
        error_messages={"required": "Choose the day to copy."},
    )
    targets = forms.TypedMultipleChoiceField(
        label="To these days (their hours are replaced)",
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one day to copy to."},
    )

    def __init__(self, *args, schedule: Schedule, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.schedule = schedule

    def clean(self) -> dict:
        data = super().clean()
        source, targets = data.get("source"), data.get("targets")
        if source is None or not targets:
            return data
        data["targets"] = [day for day in targets if day != source]
        if not data["targets"]:
            self.add_error("targets", "Choose at least one day other than the one you copy.")
        return data

    def change(self) -> ScheduleChange:
        source, targets = self.cleaned_data["source"], self.cleaned_data["targets"]
        provider = self.schedule.provider
        copied = [(block.start_time, block.end_time) for block in self.schedule.blocks_on(source)]
        weekly = [
            weekly_block(each) for each in self.schedule.blocks if each.weekday not in targets
        ]
        weekly += [WeeklyBlock(day, start, end) for day in targets for start, end in copied]

        def save() -> None:
            WeeklyHours.objects.filter(provider=provider, weekday__in=targets).delete()
            WeeklyHours.objects.bulk_create(
                WeeklyHours(provider=provider, weekday=day, start_time=start, end_time=end)
                for day in targets
                for start, end in copied
            )

        names = ", ".join(Weekday(day).label for day in sorted(targets))
        return ScheduleChange(
            weekly=weekly,
            dated=self.schedule.dated(),
            save=save,
            summary=f"Copy {Weekday(source).label}'s hours to {names}",
            weekdays=(source, *targets),
        )


# Dated exceptions.


class ScheduleExceptionForm(forms.ModelForm):
    """Time off for a day, a range or part of a day; or extra hours on a date (times required)."""

    kind = forms.ChoiceField(
        label="What kind of change",
        choices=ScheduleException.Kind.choices,
        widget=FocusableRadioSelect,
        initial=ScheduleException.Kind.TIME_OFF,
        error_messages={"required": "Choose time off or extra hours."},
    )

    class Meta:
        model = ScheduleException
        fields = ["kind", "start_date", "end_date", "start_time", "end_time", "note"]
        labels = {
            "start_date": "Date",
            "end_date": "Last date (optional, for several days)",
            "start_time": "From",
            "end_time": "Until",
            "note": "Note (optional)",
        }
        help_texts = {
            "end_date": "Leave empty for a single day.",
            "start_time": "For part of a day, and for extra hours. "
            "Leave both times empty for whole days off.",
            "note": "For the clinic, e.g. conference. Patients don't see it.",
        }
        widgets = {
            "start_date": DATE_WIDGET,
            "end_date": DATE_WIDGET,
            "start_time": TIME_WIDGET,
            "end_time": TIME_WIDGET,
        }
        error_messages = {
            "start_date": {"required": "Enter the date.", **DATE_ERRORS},
            "end_date": DATE_ERRORS,
            "start_time": TIME_ERRORS,
            "end_time": TIME_ERRORS,
        }

    def __init__(self, *args, schedule: Schedule, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.schedule = schedule
        self.today = today
        self.fields["end_date"].required = False

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("start_date"), data.get("end_date")
        if first is not None and first < self.today:
            self.add_error("start_date", "Choose today or a later date.")
        if first is not None and last is not None and last < first:
            self.add_error("end_date", "The last date can't be before the first date.")
        elif first is not None and last is None and "end_date" not in self.errors:
            data["end_date"] = first
        start, end = data.get("start_time"), data.get("end_time")
        if "start_time" in self.errors or "end_time" in self.errors:
            return data
        if (start is None) != (end is None):
            missing = "end_time" if end is None else "start_time"
            self.add_error(
                missing,
                "Give both a start and an end time, or neither for whole days.",
            )
        elif start is None and data.get("kind") == ScheduleException.Kind.EXTRA_HOURS:
            self.add_error("start_time", "Extra hours need a start and an end time.")
        elif start is not None and end <= start:
            self.add_error("end_time", "The end must be after the start.")
        return data

    def change(self) -> ScheduleChange:
        data = self.cleaned_data
        provider = self.schedule.provider
        exception = ScheduleException(provider=provider, **data)

        def save() -> None:
            ScheduleException.objects.create(provider=provider, **data)

        return ScheduleChange(
            weekly=self.schedule.weekly(),
            dated=[*self.schedule.dated(), dated_change(exception)],
            save=save,
            summary=f"Add {exception_summary(exception).lower()}",
        )


# What happens to visits an edit would leave outside the hours.


class StrandedVisitsForm(forms.Form):
    """For each booked visit outside the new hours: keep it, move it to a free time, or cancel it."""

    label_suffix = ""
    note = forms.CharField(
        label="Message to the patients whose visits are moved or cancelled (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="It is added to the email they receive.",
    )

    def __init__(self, *args, visits: list, offers: dict, zone, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.visits = visits
        for visit in visits:
            local = visit.start.astimezone(zone)
            choices = [(KEEP, f"Keep it at {clock(local)}, outside the new hours")]
            choices += [
                (MOVE_PREFIX + start.isoformat(), f"Move it to {when(start.astimezone(zone))}")
                for start in offers.get(visit.pk, [])
            ]
            choices.append((CANCEL, "Cancel it and email the patient"))
            self.fields[self.field_name(visit)] = forms.ChoiceField(
                label=f"{patient_name(visit.patient)}: {visit.visit_type.name}, {when(local)}",
                choices=choices,
                widget=FocusableRadioSelect,
                error_messages={
                    "required": "Choose what happens to this visit.",
                    "invalid_choice": "That choice is no longer offered. Choose again.",
                },
            )
        self.order_fields([self.field_name(visit) for visit in visits])

    @staticmethod
    def field_name(visit) -> str:
        return f"visit-{visit.pk}"

    def decisions(self) -> list[tuple]:
        """(visit, keep/move/cancel, new start or None) for each visit, as chosen."""
        result = []
        for visit in self.visits:
            choice = self.cleaned_data[self.field_name(visit)]
            if choice.startswith(MOVE_PREFIX):
                result.append((visit, "move", parse_start(choice.removeprefix(MOVE_PREFIX))))
            else:
                result.append((visit, choice, None))
        return result


# Booking, moving and cancelling for a patient.


def searchable_patients(user, provider: ProviderProfile) -> QuerySet[User]:
    """Patients with details the person may book for: every one for staff, a clinician's own for them.

    A clinician finds only the patients they have had visits with (accounts.policy.treats), so
    the search never becomes a directory of the clinic's patients (minimum necessary).
    """
    patients = User.objects.filter(role=Role.PATIENT, patient_profile__isnull=False)
    if user.role != Role.STAFF:
        patients = patients.filter(
            pk__in=Visit.objects.filter(provider=provider).values("patient_id")
        )
    return patients.select_related("patient_profile").order_by(
        "patient_profile__legal_last_name", "patient_profile__legal_first_name", "pk"
    )


def patient_matches(patients: QuerySet[User], query: str) -> list[User]:
    """Patients whose name or email contains every word typed."""
    words = query.split()
    if not words or len(query.strip()) < 2:
        return []
    for word in words:
        patients = patients.filter(
            Q(patient_profile__legal_first_name__icontains=word)
            | Q(patient_profile__legal_last_name__icontains=word)
            | Q(patient_profile__preferred_name__icontains=word)
            | Q(display_name__icontains=word)
            | Q(email__icontains=word)
        )
    return list(patients[:PATIENT_MATCHES])


def patient_label(user: User) -> str:
    profile = user.patient_profile
    return (
        f"{profile.legal_name}, born {date_format(profile.date_of_birth, 'N j, Y')}, {user.email}"
    )


def start_choices(starts: Iterable[datetime.datetime], zone) -> list[tuple[str, str]]:
    return [(start.isoformat(), when(start.astimezone(zone))) for start in starts]


class StartField(forms.CharField):
    """A free start time chosen from a list, sent as its ISO form."""

    widget = FocusableRadioSelect

    def to_python(self, value) -> datetime.datetime | None:
        value = super().to_python(value)
        if not value:
            return None
        start = parse_start(value)
        if start is None:
            raise forms.ValidationError("Choose one of the free times.", code="invalid")
        return start


def free_times_day() -> forms.DateField:
    """The day whose free times staff look at before choosing one."""
    return forms.DateField(
        label="Day",
        widget=DATE_WIDGET,
        help_text="Then choose Show free times.",
        error_messages={"required": "Choose a day.", **DATE_ERRORS},
    )


def message_to_patient(help_text: str) -> forms.CharField:
    """An optional note from staff, added to the email the patient gets."""
    return forms.CharField(
        label="Message to the patient (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=help_text,
    )


class StaffBookingForm(forms.Form):
    """Book a visit for a patient: who, what kind of visit, which free time and why."""

    query = forms.CharField(
        label="Find the patient",
        required=False,
        max_length=100,
        help_text="Part of their name or email address, then choose Search.",
    )
    patient = forms.ModelChoiceField(
        label="Patient",
        queryset=User.objects.none(),
        widget=FocusableRadioSelect,
        empty_label=None,
        error_messages={
            "required": "Search for the patient and choose them.",
            "invalid_choice": "Choose one of the patients found.",
        },
    )
    visit_type = forms.ModelChoiceField(
        label="Visit type",
        queryset=VisitType.objects.none(),
        empty_label="Choose a visit type",
        error_messages={"required": "Choose the kind of visit."},
    )
    day = free_times_day()
    start = StartField(
        label="Time",
        error_messages={"required": "Choose one of the free times."},
    )
    reason = forms.CharField(
        label="Reason for the visit (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The clinician reads this before the visit.",
    )

    def __init__(
        self,
        *args,
        patients: QuerySet[User],
        visit_types: QuerySet[VisitType],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = patients
        self.fields["patient"].widget.choices = []
        self.fields["visit_type"].queryset = visit_types
        self.fields["start"].widget.choices = []

    def offer(self, *, patients: list[User], starts: list[datetime.datetime], zone) -> None:
        """Show these patients and free times to choose from."""
        self.fields["patient"].widget.choices = [
            (user.pk, patient_label(user)) for user in patients
        ]
        self.fields["start"].widget.choices = start_choices(starts, zone)


class StaffScopeForm(ScopeForm):
    """Asks which visits of a series a change applies to, and only for a visit in a series."""

    def __init__(self, *args, in_series: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not in_series:
            del self.fields["scope"]
        else:
            self.fields["scope"].widget = FocusableRadioSelect(choices=Scope.CHOICES)


class StaffMoveForm(StaffScopeForm):
    """Move a visit to a free time with the same provider; for a series, which visits move."""

    field_order = ["day", "start", "scope", "note"]
    day = free_times_day()
    start = StartField(
        label="New time",
        error_messages={"required": "Choose one of the free times."},
    )
    note = message_to_patient("It is added to the email telling them the new time.")

    def __init__(self, *args, in_series: bool, **kwargs) -> None:
        super().__init__(*args, in_series=in_series, **kwargs)
        self.fields["start"].widget.choices = []

    def offer(self, *, starts: list[datetime.datetime], zone) -> None:
        self.fields["start"].widget.choices = start_choices(starts, zone)


class StaffCancelForm(StaffScopeForm):
    """Cancel a visit, or part of its series, with an optional message to the patient."""

    note = message_to_patient("It is added to the email telling them the visit is cancelled.")


class CalendarForm(forms.Form):
    """Which week or day of the calendar, and which visit type's free times to show."""

    week = forms.DateField(required=False)
    day = forms.DateField(required=False)
    type = forms.SlugField(required=False)
