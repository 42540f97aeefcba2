"""Patients' booking forms (what the visit is for, how often, which visits of a series), and
the widgets and parsing every scheduling form shares."""

import datetime
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.dateformat import format as date_format

from visits.scheduling.models import Visit, VisitSeries
from visits.scheduling.recurrence import MAX_SERIES_SESSIONS
from visits.scheduling.services import Scope

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_ERRORS = {"invalid": "Enter a time like 09:00 or 17:30."}
DATE_ERRORS = {"invalid": "Enter a date like 2027-03-31."}


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


# Every date or time a scheduling page parses from a link or a form lies in this window, so no
# arithmetic on it (a week before, a day after, a shift to another zone) can overflow.
EARLIEST_DAY = datetime.date(2000, 1, 1)
MAX_DAYS_AHEAD = 2 * 366


def date_window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The first and last day a scheduling page accepts: from 2000 to two years from today."""
    today = today or timezone.localdate()
    return EARLIEST_DAY, today + datetime.timedelta(days=MAX_DAYS_AHEAD)


def in_date_window(day: datetime.date, today: datetime.date | None = None) -> bool:
    """Whether a day lies in the window every scheduling page accepts."""
    first, last = date_window(today)
    return first <= day <= last


def out_of_window_message(today: datetime.date | None = None) -> str:
    """What to tell someone whose date lies outside the window, written for them."""
    first, last = date_window(today)
    return (
        f"Choose a date between {date_format(first, 'F j, Y')} and {date_format(last, 'F j, Y')}."
    )


def parse_day(value: object) -> datetime.date | None:
    """A day from its ISO form (2027-03-31) in a link or form; None if it is not one in the window.

    Every scheduling view that reads `?day=` or `?week=` calls this, so a day like 0001-01-01
    or 9999-12-31 is treated as no day at all rather than overflowing later.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return None
    return day if in_date_window(day) else None


def parse_start(value: object) -> datetime.datetime | None:
    """An aware UTC start from its ISO form in a link or form; None if it is not one in the window.

    Times without an offset are refused; an offset is applied only once the local date is known
    to be in the window, so 0001-01-01T00:00:00+05:00 or 9999-12-31T23:59:00-05:00 never
    overflow.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        start = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if start.tzinfo is None or not in_date_window(start.date()):
        return None
    return start.astimezone(datetime.UTC)


class WindowDateField(forms.DateField):
    """A date field that accepts only days in the scheduling window, with a message saying so."""

    def validate(self, value) -> None:
        super().validate(value)
        if value and not in_date_window(value):
            raise forms.ValidationError(out_of_window_message(), code="out_of_window")


class ProviderFilterForm(forms.Form):
    """Narrow the providers by the language they speak and their kind of practice."""

    language = forms.ChoiceField(label="Language", required=False)
    kind = forms.ChoiceField(label="Kind of provider", required=False)

    def __init__(self, *args, languages=(), kinds=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        language = cast(forms.ChoiceField, self.fields["language"])
        kind = cast(forms.ChoiceField, self.fields["kind"])
        language.choices = [("", "Any language"), *languages]
        kind.choices = [("", "Any"), *kinds]


class BookingForm(forms.Form):
    """The last step: why the patient is coming and, for therapy, whether it repeats."""

    reason = forms.CharField(
        label="What would you like help with? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your clinician reads this before the visit. You can leave it empty.",
    )
    repeat = forms.ChoiceField(
        label="How often",
        required=False,
        choices=[("", "Just this once"), *VisitSeries.Frequency.choices],
        widget=forms.RadioSelect,
        initial="",
    )
    sessions = forms.IntegerField(
        label="Number of sessions",
        required=False,
        min_value=2,
        max_value=MAX_SERIES_SESSIONS,
        help_text=f"From 2 to {MAX_SERIES_SESSIONS}. Or give an end date instead.",
        error_messages={
            "min_value": "A series has at least 2 sessions.",
            "max_value": f"Book at most {MAX_SERIES_SESSIONS} sessions at a time.",
        },
    )
    until = WindowDateField(
        label="Or: last date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the last date as a date, e.g. 2027-03-31."},
    )

    def __init__(self, *args, can_recur: bool = False, first_start=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.first_start = first_start
        if not can_recur:
            for name in ("repeat", "sessions", "until"):
                del self.fields[name]

    def clean(self) -> dict:
        data = super().clean() or {}
        if not data.get("repeat"):
            return data
        sessions, until = data.get("sessions"), data.get("until")
        if (
            not sessions
            and not until
            and "sessions" not in self.errors
            and "until" not in self.errors
        ):
            self.add_error("sessions", "Say how many sessions, or the last date.")
        if sessions and until:
            self.add_error("until", "Give a number of sessions or a last date, not both.")
        if until and self.first_start and until <= timezone.localdate(self.first_start):
            self.add_error("until", "The last date must be after the first session.")
        return data

    @property
    def every_weeks(self) -> int:
        return int(self.cleaned_data.get("repeat") or 0)


class OtherComplaintForm(forms.Form):
    """After a red-flag symptom check: the patient confirms this visit is for something else."""

    something_else = forms.BooleanField(
        label="This visit is for something else, not the symptoms I described",
        error_messages={
            "required": "Tick the box to confirm this visit is for something else, "
            "or get emergency care for your symptoms."
        },
    )


class ScopeForm(forms.Form):
    """For a visit in a series: which visits the change applies to."""

    scope = forms.ChoiceField(
        label="Apply to",
        choices=Scope.CHOICES,
        initial=Scope.THIS,
        widget=forms.RadioSelect,
    )


class CancelReasonForm(forms.Form):
    """The patient's reason for cancelling: one from a list, and their own words if they wish.

    What they write is theirs, kept on the visit for the clinic; it is never sent back to them
    as a message from the clinic.
    """

    reason = forms.ChoiceField(
        label="Why are you cancelling?",
        choices=Visit.CancelReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason, so the clinic knows."},
    )
    details = forms.CharField(
        label="Anything you'd like the clinic to know (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Your own words, read by the clinic.",
    )
