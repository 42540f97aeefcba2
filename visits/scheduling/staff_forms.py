"""Forms for booking, moving and cancelling visits for patients, and choosing a calendar view.

The patients and free times offered come from the view (visits.scheduling.selectors and
availability); the forms only validate the choice.
"""

import datetime
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from visits.scheduling.display import patient_label, when
from visits.scheduling.forms import (
    DATE_ERRORS,
    DATE_WIDGET,
    FocusableRadioSelect,
    ScopeForm,
    parse_start,
)
from visits.scheduling.models import VisitType
from visits.scheduling.services import Scope

REASON_LENGTH = 500
OUTSIDE_WINDOW_REASON_LENGTH = 200
MAX_STAFF_SERIES = 12


def start_choices(starts: Iterable[datetime.datetime], zone) -> list[tuple[str, str]]:
    return [(start.isoformat(), when(start.astimezone(zone))) for start in starts]


class StartField(forms.Field):
    """A free start time chosen from a list, sent as its ISO form."""

    widget = FocusableRadioSelect

    def to_python(self, value: Any) -> datetime.datetime | None:
        if value in self.empty_values:
            return None
        start = parse_start(str(value))
        if start is None:
            raise forms.ValidationError("Choose one of the free times.", code="invalid")
        return start


# Dates staff may ask for: nothing before this, nor further ahead than LATEST_AHEAD.
EARLIEST_DAY = datetime.date(2000, 1, 1)
LATEST_AHEAD = datetime.timedelta(days=2 * 365)


def latest_day() -> datetime.date:
    return timezone.localdate() + LATEST_AHEAD


def within_bounds(start: datetime.datetime) -> bool:
    """Whether a start (from a link) falls on a date staff may ask for."""
    return EARLIEST_DAY <= start.date() <= latest_day()


class BoundedDateField(forms.DateField):
    """A date from 2000 to two years ahead: days beyond either end hold nothing to show, and
    dates such as 0001-01-01 or 9999-12-31 would overflow the day arithmetic of the pages."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        last = latest_day()
        if not EARLIEST_DAY <= value <= last:
            raise forms.ValidationError(
                f"Choose a date from {date_format(EARLIEST_DAY, 'F j, Y')} "
                f"to {date_format(last, 'F j, Y')}.",
                code="out_of_range",
            )


def free_times_day() -> forms.DateField:
    """The day whose free times staff look at before choosing one."""
    return BoundedDateField(
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
    outside_window_reason = forms.CharField(
        label="Reason to book outside the usual booking window",
        required=False,
        max_length=OUTSIDE_WINDOW_REASON_LENGTH,
        help_text=(
            "Only if the visit must be sooner than the minimum notice, or further ahead than "
            "the booking horizon. Kept with the visit's booking note; then Show free times."
        ),
    )
    repeat = forms.TypedChoiceField(
        label="How often",
        choices=[("", "Once"), ("1", "Every week"), ("2", "Every two weeks")],
        coerce=int,
        required=False,
        empty_value=None,
        widget=FocusableRadioSelect,
        help_text="For visit types that can recur, such as therapy.",
    )
    sessions = forms.IntegerField(
        label="How many sessions",
        required=False,
        min_value=2,
        max_value=MAX_STAFF_SERIES,
        initial=6,
        error_messages={
            "min_value": "A series has at least 2 sessions.",
            "max_value": f"Book at most {MAX_STAFF_SERIES} sessions at once.",
            "invalid": "Enter the number of sessions.",
        },
    )
    reason = forms.CharField(
        label="Reason for the visit (optional)",
        required=False,
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The clinician reads this before the visit.",
    )
    other_complaint_confirmed = forms.BooleanField(
        label="The patient confirms this visit is for something other than those symptoms",
        required=False,
        help_text="Ask them first. Urgent care for those symptoms cannot be booked: they need "
        "emergency care.",
    )

    def __init__(
        self,
        *args,
        patients: QuerySet[User],
        visit_types: QuerySet[VisitType],
        may_book_outside_window: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["patient"]).queryset = patients
        self.fields["patient"].widget.choices = []
        offered = list(visit_types)  # read once: for the menu, and whether any recur
        kinds = cast(forms.ModelChoiceField, self.fields["visit_type"])
        kinds.queryset = visit_types
        # The menu's options are the types just read, each as the field's own iterator makes
        # it, rather than the types read again as the menu is drawn.
        choice = kinds.iterator(kinds).choice
        empty = [("", kinds.empty_label)] if kinds.empty_label is not None else []
        kinds.widget.choices = empty + [choice(kind) for kind in offered]
        self.fields["start"].widget.choices = []
        if not may_book_outside_window:
            del self.fields["outside_window_reason"]
        if not any(kind.can_recur for kind in offered):
            del self.fields["repeat"]
            del self.fields["sessions"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        visit_type = data.get("visit_type")
        if data.get("repeat"):
            if visit_type is not None and not visit_type.can_recur:
                self.add_error("repeat", f"{visit_type.name} visits cannot be booked as a series.")
            elif data.get("sessions") is None and "sessions" not in self.errors:
                self.add_error("sessions", "Enter the number of sessions.")
        note = self.outside_window_note()
        if note and len(data.get("reason", "")) + len(note) + 1 > REASON_LENGTH:
            self.add_error("reason", "Shorten the reason: with the booking note it is too long.")
        return data

    def outside_window_note(self) -> str:
        """The booking note kept with the visit's reason when staff book outside the window."""
        given = (self.cleaned_data.get("outside_window_reason") or "").strip()
        return f"Booked outside the usual booking window: {given}" if given else ""

    def offer(self, *, patients: list[User], starts: list[datetime.datetime], zone) -> None:
        """Show these patients (with the state each is in now) and free times to choose from."""
        self.fields["patient"].widget.choices = [
            (
                user.pk,
                f"{patient_label(user)}; in {user.patient_profile.get_current_state_display()}",
            )
            for user in patients
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

    week = BoundedDateField(required=False, error_messages=DATE_ERRORS)
    day = BoundedDateField(required=False, error_messages=DATE_ERRORS)
    type = forms.SlugField(required=False)
