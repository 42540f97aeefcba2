"""The intake's steps that are plain questions: who and where, whom to call, who pays, history, pharmacy."""

import re

from django import forms

from accounts.forms import normalise_us_phone
from accounts.states import US_STATES
from visits.intake.forms.base import MAX_TYPED_LENGTH, IntakeStepForm

ZIP_MESSAGE = "Enter a 5-digit ZIP code, or ZIP+4 such as 78701-1234."
_ZIP = re.compile(r"^(\d{5})(?:[-\s]?(\d{4}))?$")


class DemographicsForm(IntakeStepForm):
    """Step 1: legal sex and gender (optional) and the home address."""

    legal_sex = forms.ChoiceField(
        label="Sex on your ID or insurance (optional)",
        choices=[
            ("female", "Female"),
            ("male", "Male"),
            ("x", "X or another marker"),
            ("not-given", "I'd rather not say"),
        ],
        widget=forms.RadioSelect,
        required=False,
        help_text="Insurers and laboratories use this to match your records.",
    )
    gender_identity = forms.CharField(
        label="Gender identity (optional)",
        max_length=100,
        required=False,
        help_text="In your own words, e.g. woman, man, non-binary.",
    )
    address_line1 = forms.CharField(
        label="Address line 1",
        max_length=200,
        error_messages={"required": "Enter the first line of your home address."},
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line2 = forms.CharField(
        label="Address line 2 (optional)",
        max_length=200,
        required=False,
        help_text="Apartment, suite or unit.",
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        label="City",
        max_length=100,
        error_messages={"required": "Enter your city or town."},
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    state = forms.ChoiceField(
        label="State",
        choices=[("", "Choose a state"), *US_STATES],
        error_messages={
            "required": "Choose the state of your home address.",
            "invalid_choice": "Choose a state from the list.",
        },
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
    )
    zip_code = forms.CharField(
        label="ZIP code",
        max_length=12,
        help_text="5 digits, or ZIP+4 such as 78701-1234.",
        error_messages={"required": "Enter your ZIP code.", "max_length": ZIP_MESSAGE},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )

    def clean_zip_code(self) -> str:
        match = _ZIP.match(self.cleaned_data["zip_code"].strip())
        if match is None:
            raise forms.ValidationError(ZIP_MESSAGE, code="zip")
        first, plus_four = match.groups()
        return f"{first}-{plus_four}" if plus_four else first


class EmergencyContactForm(IntakeStepForm):
    """Step 2: who we call if something happens during a visit."""

    name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter your emergency contact's name."},
    )
    relationship = forms.CharField(
        label="Relationship to you",
        max_length=100,
        help_text="e.g. spouse, parent, friend.",
        error_messages={"required": "Enter how this person is related to you."},
    )
    phone = forms.CharField(
        label="Phone",
        max_length=30,
        help_text="For example (512) 555-0123.",
        error_messages={"required": "Enter a phone number for your emergency contact."},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self) -> str:
        return normalise_us_phone(self.cleaned_data["phone"])


class InsuranceForm(IntakeStepForm):
    """Step 3: the insurance card, or an explicit choice to pay for visits oneself."""

    INSURANCE = "insurance"
    SELF_PAY = "self-pay"
    INSURANCE_FIELDS = {
        "payer": "Enter the name of your insurance company.",
        "member_id": "Enter your member ID from your insurance card.",
        "subscriber_name": "Enter the policy holder's name.",
        "subscriber_relationship": "Choose your relationship to the policy holder.",
    }

    payment = forms.ChoiceField(
        label="How will you pay for visits?",
        choices=[(INSURANCE, "With my health insurance"), (SELF_PAY, "I'll pay myself (self-pay)")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you'll use insurance or pay yourself."},
    )
    payer = forms.CharField(
        label="Insurance company", max_length=200, required=False, help_text="As on your card."
    )
    member_id = forms.CharField(label="Member ID", max_length=64, required=False)
    group_number = forms.CharField(
        label="Group number (if your card shows one)", max_length=64, required=False
    )
    subscriber_name = forms.CharField(
        label="Policy holder's full name",
        max_length=200,
        required=False,
        help_text="The subscriber: you, or the person whose plan covers you.",
    )
    subscriber_relationship = forms.ChoiceField(
        label="Your relationship to the policy holder",
        choices=[
            ("", "Choose one"),
            ("self", "I am the policy holder"),
            ("spouse", "Spouse or partner"),
            ("child", "Child"),
            ("other", "Other"),
        ],
        required=False,
    )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("payment") == self.SELF_PAY:
            # Self-pay makes the card unnecessary; nothing half-typed is kept as insurance.
            for name in [*self.INSURANCE_FIELDS, "group_number"]:
                cleaned[name] = ""
        elif cleaned.get("payment") == self.INSURANCE:
            for name, message in self.INSURANCE_FIELDS.items():
                if name in cleaned and not cleaned[name]:
                    self.add_error(name, forms.ValidationError(message, code="required"))
        return cleaned


class HistoryForm(IntakeStepForm):
    """Step 4: past and present conditions and surgeries, one per line."""

    conditions = forms.CharField(
        label="Health conditions",
        max_length=MAX_TYPED_LENGTH,
        required=False,
        help_text="One per line, e.g. asthma, type 2 diabetes. Leave empty if none.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    surgeries = forms.CharField(
        label="Surgeries and hospital stays",
        max_length=MAX_TYPED_LENGTH,
        required=False,
        help_text="One per line, with the year if you know it. Leave empty if none.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def answers(self) -> dict:
        return {
            name: [line.strip() for line in self.cleaned_data[name].splitlines() if line.strip()]
            for name in ("conditions", "surgeries")
        }


class PharmacyForm(IntakeStepForm):
    """Step 7: where prescriptions are sent."""

    name = forms.CharField(
        label="Pharmacy name",
        max_length=200,
        help_text="e.g. CVS on South Congress.",
        error_messages={"required": "Enter the name of your pharmacy."},
    )
    phone = forms.CharField(
        label="Pharmacy phone",
        max_length=30,
        error_messages={"required": "Enter the pharmacy's phone number."},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label="Pharmacy address",
        max_length=300,
        help_text="Street, city and state.",
        error_messages={"required": "Enter the pharmacy's address."},
    )

    def clean_phone(self) -> str:
        return normalise_us_phone(self.cleaned_data["phone"])
