"""Patients' booking forms (what the visit is for, how often, which visits of a series), and
the widgets and parsing every scheduling form shares."""

import datetime

from django import forms
from django.utils import timezone

from visits.scheduling.models import VisitSeries
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


def parse_start(value: str) -> datetime.datetime | None:
    """An aware UTC start from its ISO form in a link or form, or None if it is not one."""
    try:
        start = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if start.tzinfo is None:
        return None
    return start.astimezone(datetime.UTC)


class ProviderFilterForm(forms.Form):
    """Narrow the providers by the language they speak and their kind of practice."""

    language = forms.ChoiceField(label="Language", required=False)
    kind = forms.ChoiceField(label="Kind of provider", required=False)

    def __init__(self, *args, languages=(), kinds=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", "Any language"), *languages]
        self.fields["kind"].choices = [("", "Any"), *kinds]


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
    until = forms.DateField(
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
        data = super().clean()
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


class ScopeForm(forms.Form):
    """For a visit in a series: which visits the change applies to."""

    scope = forms.ChoiceField(
        label="Apply to",
        choices=Scope.CHOICES,
        initial=Scope.THIS,
        widget=forms.RadioSelect,
    )
