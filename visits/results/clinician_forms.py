"""Clinicians' forms on results: holding a report, acknowledging a critical value, entering a
result by hand. Messages are written for the clinician reading them."""

import re
from decimal import Decimal, InvalidOperation

from django import forms

from visits.results.models import CriticalResultAlert, ResultStatus

LOINC = re.compile(r"^\d{1,7}-\d$")


class HoldForm(forms.Form):
    """Why releasing the result now could harm the patient: required to hold it."""

    reason = forms.CharField(
        label="Why hold these results?",
        max_length=500,
        help_text="Only when releasing them now is reasonably likely to endanger the life or "
        "physical safety of the patient or someone else (45 CFR 171.201). The patient sees "
        "that the results are pending review and the latest date they will be released, not "
        "this reason.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why releasing these results now could harm the patient."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(
                "Say why releasing these results now could harm the patient."
            )
        return reason


class CriticalAcknowledgeForm(forms.Form):
    """What the clinician did about a critical result: one outcome, and a note (needed for Other)."""

    outcome = forms.ChoiceField(
        label="What did you do?",
        choices=CriticalResultAlert.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what you did."},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=500,
        help_text="Needed when you choose Other; optional otherwise.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if (
            cleaned.get("outcome") == CriticalResultAlert.Outcome.OTHER
            and not cleaned.get("note", "").strip()
        ):
            self.add_error("note", "Say what you did, since you chose Other.")
        return cleaned


def _limit(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": "Enter a number, such as 3.5."},
    )


class ResultEntryForm(forms.Form):
    """One result typed in from a lab's report: the flag is computed from the ranges, never typed."""

    name = forms.CharField(label="Test", max_length=200, help_text="For example, Potassium.")
    loinc_code = forms.CharField(
        label="LOINC code",
        max_length=16,
        required=False,
        help_text="As on the lab's report, for example 2823-3.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    value = forms.CharField(
        label="Result",
        max_length=200,
        help_text="A number (6.8) or words (Negative).",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter the result."},
    )
    unit = forms.CharField(
        label="Unit",
        max_length=40,
        required=False,
        help_text="UCUM, for example mmol/L.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reference_low = _limit("Reference range: low")
    reference_high = _limit("Reference range: high")
    critical_low = _limit("Critical at or below", "Only if the lab gives critical limits.")
    critical_high = _limit("Critical at or above", "Only if the lab gives critical limits.")
    status = forms.ChoiceField(
        label="Status",
        choices=[
            (ResultStatus.FINAL, "Final"),
            (ResultStatus.PRELIMINARY, "Preliminary"),
            (ResultStatus.CORRECTED, "Corrected"),
        ],
        initial=ResultStatus.FINAL,
        help_text="A final or corrected result is released to the patient at once, unless you "
        "hold it below.",
    )
    collected_at = forms.DateTimeField(
        label="Collected",
        required=False,
        help_text="Date and time the sample was taken, in your time zone.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Enter a date and time, such as 2026-12-01 09:30."},
    )

    hold = forms.BooleanField(
        label="Hold from the patient for my review",
        required=False,
        help_text="Only when releasing it now is reasonably likely to endanger the patient's or "
        "someone else's life or safety; it releases itself a few days after it is final at "
        "the latest.",
    )
    hold_reason = forms.CharField(
        label="Why hold it?",
        max_length=500,
        required=False,
        help_text="The patient sees that it is pending review, not this reason.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, can_hold: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not can_hold:  # only the ordering clinician may hold a result
            del self.fields["hold"]
            del self.fields["hold_reason"]

    def clean_loinc_code(self) -> str:
        code = self.cleaned_data["loinc_code"].strip()
        if code and not LOINC.match(code):
            raise forms.ValidationError(
                "A LOINC code is digits, a dash and one check digit: 2823-3."
            )
        return code

    def clean_value(self) -> str:
        return self.cleaned_data["value"].strip()

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        low, high = cleaned.get("reference_low"), cleaned.get("reference_high")
        if low is not None and high is not None and low > high:
            self.add_error("reference_high", "The high end of the range is below its low end.")
        critical_low, critical_high = cleaned.get("critical_low"), cleaned.get("critical_high")
        if critical_low is not None and low is not None and critical_low >= low:
            self.add_error("critical_low", "A critical low limit lies below the reference range.")
        if critical_high is not None and high is not None and critical_high <= high:
            self.add_error("critical_high", "A critical high limit lies above the reference range.")
        if cleaned.get("hold") and not cleaned.get("hold_reason", "").strip():
            self.add_error("hold_reason", "Say why releasing it now could harm the patient.")
        limits = ("reference_low", "reference_high", "critical_low", "critical_high")
        has_range = any(cleaned.get(name) is not None for name in limits)
        if has_range and "value" in cleaned and self.number is None:
            self.add_error("value", "A range needs a number as the result, such as 6.8.")
        return cleaned

    @property
    def number(self) -> Decimal | None:
        """The result as a number, or None when it is words."""
        text = (self.cleaned_data.get("value") or "").replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        if not number.is_finite() or abs(number) >= Decimal("1e10"):
            return None
        return number.quantize(Decimal("0.0001"))
