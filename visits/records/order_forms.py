"""The forms a clinician prescribes, orders a lab test and stops a prescription with."""

from django import forms

from visits.records.formulary import lab_tests
from visits.records.models import Prescription
from visits.records.orders import (
    LIMITS,
    MAX_QUANTITY,
    MAX_REFILLS,
    lab_order_problems,
    prescription_problems,
)


class PrescriptionForm(forms.Form):
    """A prescription: what, how much, how to take it, and the pharmacy (from the intake)."""

    medication = forms.CharField(
        label="Medication",
        max_length=LIMITS["medication"],
        help_text="Generic or brand name, e.g. Amoxicillin.",
        error_messages={"required": "Enter the medication."},
    )
    strength = forms.CharField(
        label="Strength",
        max_length=LIMITS["strength"],
        help_text="e.g. 500 mg, or 250 mg/5 mL.",
        error_messages={"required": "Enter the strength, e.g. 500 mg."},
    )
    form = forms.ChoiceField(
        label="Form",
        choices=[("", "Choose…"), *Prescription.Form.choices],
        error_messages={"required": "Choose the form.", "invalid_choice": "Choose the form."},
    )
    directions = forms.CharField(
        label="Directions",
        max_length=LIMITS["directions"],
        help_text="As the label should read, e.g. Take 1 capsule by mouth 3 times daily for 10 days.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Enter the directions, e.g. Take 1 capsule by mouth 3 times daily."
        },
    )
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=MAX_QUANTITY,
        error_messages={
            "required": "Enter a quantity of at least 1.",
            "invalid": "Enter the quantity as a whole number.",
            "min_value": "Enter a quantity of at least 1.",
            "max_value": f"Enter a quantity of at most {MAX_QUANTITY}.",
        },
    )
    quantity_unit = forms.CharField(
        label="Unit",
        required=False,
        max_length=LIMITS["quantity_unit"],
        help_text="e.g. capsules, mL.",
    )
    refills = forms.IntegerField(
        label="Refills",
        min_value=0,
        max_value=MAX_REFILLS,
        initial=0,
        error_messages={
            "required": f"Enter the number of refills, 0 to {MAX_REFILLS}.",
            "invalid": f"Refills must be a whole number from 0 to {MAX_REFILLS}.",
            "min_value": f"Refills must be a whole number from 0 to {MAX_REFILLS}.",
            "max_value": f"Refills must be a whole number from 0 to {MAX_REFILLS}.",
        },
    )
    substitution_allowed = forms.BooleanField(
        label="Substitution allowed (the pharmacy may dispense a generic equivalent)",
        required=False,
        initial=True,
    )
    pharmacy = forms.CharField(
        label="Pharmacy",
        required=False,
        max_length=LIMITS["pharmacy"],
        help_text="From the patient's health history; change it if they ask for another.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict:
        """The services' own checks (a controlled substance is refused), next to their fields."""
        cleaned = super().clean() or {}
        for name, message in prescription_problems(cleaned).items():
            if name in cleaned and not self.has_error(name):
                self.add_error(name, message)
        return cleaned


class LabOrderForm(forms.Form):
    """A lab test from the list, why, where the patient goes, and how they prepare."""

    loinc_code = forms.ChoiceField(
        label="Test",
        choices=[],
        error_messages={
            "required": "Choose a test from the list.",
            "invalid_choice": "Choose a test from the list.",
        },
    )
    reason = forms.CharField(
        label="Reason for the test",
        max_length=LIMITS["reason"],
        help_text="The clinical reason, as the lab and the patient will read it.",
        error_messages={"required": "Say why the test is needed."},
    )
    where_to_go = forms.CharField(
        label="Where to go",
        max_length=LIMITS["where_to_go"],
        help_text="e.g. Any Quest Diagnostics patient service center.",
        error_messages={"required": "Say where the patient should go, e.g. any Quest Diagnostics."},
    )
    instructions = forms.CharField(
        label="Instructions for the patient",
        required=False,
        max_length=LIMITS["instructions"],
        help_text="Leave empty to give the test's usual instructions (fasting, timing).",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a test…")] + [(t.loinc, t.label) for t in lab_tests().values()]
        self.fields["loinc_code"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        for name, message in lab_order_problems(cleaned).items():
            if name in cleaned and not self.has_error(name):
                self.add_error(name, message)
        return cleaned


class StopPrescriptionForm(forms.Form):
    """Why a prescription is stopped."""

    reason = forms.CharField(
        label="Reason for stopping",
        max_length=LIMITS["stop_reason"],
        error_messages={"required": "Say why the prescription is stopped."},
    )
