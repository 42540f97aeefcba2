"""Forms for people's own details, with messages written for patients."""

import datetime
import re

from django import forms
from django.utils import timezone

from accounts.models import ALL_TIME_ZONES, COMMON_TIME_ZONES, PatientProfile
from accounts.states import US_STATES
from visits.field_groups import FixedChoices, remembered

OLDEST_AGE_YEARS = 125
_PHONE_DIGITS = re.compile(r"\d")
_PHONE_ALLOWED = re.compile(r"^[\d\s().+\-]+$")


def normalise_us_phone(raw: str) -> str:
    """Turn a US phone number as people type it into E.164 (+15125550123), or raise."""
    value = raw.strip()
    if not _PHONE_ALLOWED.match(value):
        raise forms.ValidationError(
            "Enter a US phone number using digits, e.g. (512) 555-0123.", code="phone_characters"
        )
    digits = "".join(_PHONE_DIGITS.findall(value))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise forms.ValidationError(
            "Enter a 10-digit US phone number, e.g. (512) 555-0123.", code="phone_length"
        )
    if digits[0] in "01" or digits[3] in "01":
        raise forms.ValidationError(
            "That is not a valid US phone number: check the area code and number.",
            code="phone_invalid",
        )
    return f"+1{digits}"


def time_zone_choices() -> list[tuple[str, object]]:
    """US zones first, then every other zone, for the time-zone menu."""
    common = {zone for zone, _ in COMMON_TIME_ZONES}
    others = [(zone, zone.replace("_", " ")) for zone in ALL_TIME_ZONES if zone not in common]
    return [
        ("", "Choose your time zone"),
        ("United States", COMMON_TIME_ZONES),
        ("Everywhere else", others),
    ]


class PatientProfileForm(forms.ModelForm):
    """A patient's legal name, birth date, phone, where they are now and their time zone."""

    # Both menus are the same for every patient but the answer: made once, and each menu written
    # once per answer (visits.field_groups).
    current_state = remembered(
        forms.ChoiceField(
            label="State you are in now",
            choices=FixedChoices([("", "Choose a state"), *US_STATES]),
            help_text="Clinicians can only see you in states where they are licensed. "
            "Update this if you travel.",
            error_messages={"required": "Choose the state you are in now."},
        ),
        "PatientProfileForm.current_state",
    )
    time_zone = remembered(
        forms.ChoiceField(
            label="Time zone",
            choices=FixedChoices(time_zone_choices()),
            help_text="Visit times are shown in this time zone.",
            error_messages={"required": "Choose your time zone."},
        ),
        "PatientProfileForm.time_zone",
    )

    class Meta:
        model = PatientProfile
        fields = [
            "legal_first_name",
            "legal_last_name",
            "preferred_name",
            "date_of_birth",
            "phone",
            "current_state",
            "time_zone",
        ]
        labels = {
            "legal_first_name": "Legal first name",
            "legal_last_name": "Legal last name",
            "preferred_name": "Name you go by (optional)",
            "date_of_birth": "Date of birth",
            "phone": "Mobile phone",
        }
        help_texts = {
            "legal_first_name": "As on your insurance card or ID.",
            "phone": "We call this number if a video visit drops. For example (512) 555-0123.",
        }
        error_messages = {
            "legal_first_name": {"required": "Enter your legal first name."},
            "legal_last_name": {"required": "Enter your legal last name."},
            "date_of_birth": {
                "required": "Enter your date of birth.",
                "invalid": "Enter your date of birth as a date, e.g. 1985-04-23.",
            },
            "phone": {"required": "Enter a phone number we can reach you on."},
        }
        widgets = {
            "legal_first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "legal_last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "preferred_name": forms.TextInput(attrs={"autocomplete": "nickname"}),
            "date_of_birth": forms.DateInput(
                attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"
            ),
            "phone": forms.TextInput(
                attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.attrs["data-default-browser-zone"] = "true"

    def clean_date_of_birth(self) -> datetime.date:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError("Your date of birth can't be in the future.", code="future")
        if born.year < today.year - OLDEST_AGE_YEARS:
            raise forms.ValidationError("Check the year of your date of birth.", code="too_old")
        return born

    def clean_phone(self) -> str:
        return normalise_us_phone(self.cleaned_data["phone"])

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"]
        if zone not in ALL_TIME_ZONES:
            raise forms.ValidationError("Choose a time zone from the list.", code="invalid_zone")
        return zone
