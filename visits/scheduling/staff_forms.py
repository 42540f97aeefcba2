"""Forms for booking, moving and cancelling visits for patients, and choosing a calendar view.

The patients and free times offered come from the view (visits.scheduling.selectors and
availability); the forms only validate the choice.
"""

import datetime
from collections.abc import Iterable

from django import forms
from django.db.models import QuerySet

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
