"""Forms of the hours editor: weekly blocks, copying a day, dated exceptions, stranded visits.

They validate against the Schedule loaded for the edit (no queries of their own); the view
turns their cleaned data into a ScheduleChange (visits.scheduling.hours), and nothing is
written until schedule_change_save.
"""

import datetime
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from visits.scheduling.display import clock, patient_name, span, when
from visits.scheduling.forms import (
    DATE_ERRORS,
    DATE_WIDGET,
    TIME_ERRORS,
    TIME_WIDGET,
    FocusableRadioSelect,
    parse_start,
)
from visits.scheduling.hours import CANCEL, KEEP, MOVE, Decision, Schedule, clashes
from visits.scheduling.models import ScheduleException, Visit, Weekday, WeeklyHours

MOVE_PREFIX = "move:"


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

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
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

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        source, targets = data.get("source"), data.get("targets")
        if source is None or not targets:
            return data
        data["targets"] = [day for day in targets if day != source]
        if not data["targets"]:
            self.add_error("targets", "Choose at least one day other than the one you copy.")
        return data


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

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
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

    def __init__(
        self,
        *args,
        visits: list[Visit],
        offers: dict[uuid.UUID, list[datetime.datetime]],
        zone: ZoneInfo,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.visits = visits
        self.zone = zone
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
    def field_name(visit: Visit) -> str:
        return f"visit-{visit.pk}"

    def clean(self) -> dict[str, Any]:
        """Moves are judged together: two visits may not be moved onto overlapping times."""
        super().clean()
        if all(self.field_name(visit) in self.cleaned_data for visit in self.visits):
            for first, second in clashes(self.decisions()):
                for this, other in ((first, second), (second, first)):
                    self.add_error(self.field_name(this.visit), self._clash(other))
        return self.cleaned_data

    def _clash(self, other: Decision) -> str:
        start = (other.start or other.visit.start).astimezone(self.zone)
        return (
            f"This new time overlaps the one chosen for {patient_name(other.visit.patient)}'s "
            f"visit ({when(start)}). Choose a different time for one of the two, "
            "or keep or cancel one of them."
        )

    def decisions(self) -> list[Decision]:
        """What happens to each visit, as chosen: keep, move (with the new start) or cancel."""
        result = []
        for visit in self.visits:
            choice = self.cleaned_data[self.field_name(visit)]
            if choice.startswith(MOVE_PREFIX):
                start = parse_start(choice.removeprefix(MOVE_PREFIX))
                result.append(Decision(visit, MOVE, start))
            else:
                result.append(Decision(visit, choice))
        return result
