"""The intake's step forms: each turns what was typed (a draft or a post) into saved answers.

Every step works from *raw answers*: a plain, JSON-safe dict of the strings the patient typed,
with a list of row dicts for steps that have rows. Drafts store raw answers as they are, valid or
not; a form bound to them validates, and the same raw answers fill an unbound form for display.
"""

import re

from django import forms
from django.forms import formset_factory
from django.http import QueryDict

from accounts.forms import normalise_us_phone
from accounts.states import US_STATES
from visits.intake.consents import CONSENTS, ConsentDocument
from visits.intake.models import IntakeStep

MAX_ROWS = 20
MAX_TYPED_LENGTH = 2000
ZIP_MESSAGE = "Enter a 5-digit ZIP code, or ZIP+4 such as 78701-1234."
_ZIP = re.compile(r"^(\d{5})(?:[-\s]?(\d{4}))?$")


def _clip(value: str) -> str:
    """What was typed, cut to a sane length so a draft cannot grow without bound."""
    return value[:MAX_TYPED_LENGTH]


def _anchor(field: forms.BoundField) -> str:
    """The id to link to for a field; a radio group's first option."""
    return field.id_for_label or f"{field.auto_id}_0"


def same_name(typed: str, legal_name: str) -> bool:
    """Whether a typed signature is the legal name, ignoring case and extra spaces."""
    return " ".join(typed.split()).casefold() == " ".join(legal_name.split()).casefold()


class IntakeStepForm(forms.Form):
    """One step of the intake, bound to raw answers to validate or filled with them to show."""

    def __init__(self, raw: dict | None = None, *, bound: bool = False, **kwargs) -> None:
        raw = raw or {}
        if bound:
            super().__init__(data=self.flatten(raw), **kwargs)
        else:
            super().__init__(initial=raw, **kwargs)
        self.raw = raw

    @classmethod
    def field_names(cls) -> list[str]:
        return list(cls.base_fields)

    @classmethod
    def raw_from(cls, data: QueryDict | dict) -> dict:
        """The raw answers in a post: this step's fields only, as typed."""
        return {name: _clip(data[name]) for name in cls.field_names() if data.get(name) is not None}

    @classmethod
    def raw_from_answers(cls, answers: dict) -> dict:
        """Saved answers as raw answers, to show them in the form again."""
        raw = {}
        for name, value in answers.items():
            if value is True:
                raw[name] = "on"
            elif isinstance(value, list) and all(isinstance(item, str) for item in value):
                raw[name] = "\n".join(value)
            elif isinstance(value, str) and value:
                raw[name] = value
        return raw

    def flatten(self, raw: dict) -> dict:
        """The raw answers as form data."""
        return {name: value for name, value in raw.items() if isinstance(value, str)}

    def answers(self) -> dict:
        """The answers to save, once valid."""
        return dict(self.cleaned_data)

    def error_links(self) -> list[tuple[str, str]]:
        """(field id, message) for every error, for the summary at the top of the step."""
        return [
            (_anchor(self[name]) if name in self.fields else "", message)
            for name, errors in self.errors.items()
            for message in errors
        ]


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
        cleaned = super().clean()
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


class MedicationRowForm(forms.Form):
    """One medicine the patient takes."""

    name = forms.CharField(
        label="Medicine",
        max_length=200,
        error_messages={"required": "Enter the medicine's name, or remove this row."},
    )
    dose = forms.CharField(label="Dose", max_length=100, required=False, help_text="e.g. 10 mg")
    frequency = forms.CharField(
        label="How often", max_length=100, required=False, help_text="e.g. once a day"
    )


class AllergyRowForm(forms.Form):
    """One allergy: what to, the reaction and how severe it is."""

    SEVERITIES = [("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")]

    substance = forms.CharField(
        label="Allergic to",
        max_length=200,
        help_text="A medicine, food or other substance.",
        error_messages={"required": "Enter what you are allergic to, or remove this row."},
    )
    reaction = forms.CharField(
        label="Reaction (optional)", max_length=200, required=False, help_text="e.g. hives"
    )
    severity = forms.ChoiceField(
        label="Severity",
        choices=[("", "Choose how severe"), *SEVERITIES],
        error_messages={
            "required": "Choose how severe the reaction is.",
            "invalid_choice": "Choose mild, moderate or severe.",
        },
    )


class RowsStepForm(IntakeStepForm):
    """A step with a list of rows, or an explicit answer that there is nothing to list.

    An empty list is not an answer: the patient either lists rows or ticks the explicit box.
    """

    row_form: type[forms.Form]
    rows_key: str
    row_noun: str
    none_field: str
    missing_message: str
    contradiction_message: str

    def __init__(
        self,
        raw: dict | None = None,
        *,
        bound: bool = False,
        focus_row: int | None = None,
        **kwargs,
    ) -> None:
        super().__init__(raw, bound=bound, **kwargs)
        formset_class = formset_factory(
            self.row_form, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS
        )
        if bound:
            self.rows = formset_class(data=self.data, prefix=self.rows_key)
        else:
            initial = self.raw_rows(self.raw)
            if not initial and not self.raw.get(self.none_field):
                initial = [{}]  # somewhere to start typing; an empty row is ignored when saved
            self.rows = formset_class(initial=initial, prefix=self.rows_key)
        for index, row in enumerate(self.rows.forms):
            row.number = index + 1
            if index == focus_row:
                first = next(iter(row.fields.values()))
                first.widget.attrs.update({"autofocus": True, "data-focus-on-swap": True})

    @classmethod
    def raw_rows(cls, raw: dict) -> list[dict]:
        return [row for row in raw.get(cls.rows_key, []) if isinstance(row, dict)][:MAX_ROWS]

    @classmethod
    def raw_from(cls, data: QueryDict | dict) -> dict:
        raw = super().raw_from(data)
        try:
            count = int(data.get(f"{cls.rows_key}-TOTAL_FORMS") or 0)
        except ValueError:
            count = 0
        raw[cls.rows_key] = [
            {
                name: _clip(data.get(f"{cls.rows_key}-{index}-{name}") or "")
                for name in cls.row_form.base_fields
            }
            for index in range(max(0, min(count, MAX_ROWS)))
        ]
        return raw

    @classmethod
    def raw_from_answers(cls, answers: dict) -> dict:
        raw = super().raw_from_answers({k: v for k, v in answers.items() if k != cls.rows_key})
        raw[cls.rows_key] = [dict(row) for row in answers.get(cls.rows_key, [])]
        return raw

    def flatten(self, raw: dict) -> dict:
        data = super().flatten(raw)
        rows = self.raw_rows(raw)
        data.update(
            {
                f"{self.rows_key}-TOTAL_FORMS": str(len(rows)),
                f"{self.rows_key}-INITIAL_FORMS": "0",
            }
        )
        for index, row in enumerate(rows):
            for name, value in row.items():
                data[f"{self.rows_key}-{index}-{name}"] = value
        return data

    def listed_rows(self) -> list[forms.Form]:
        """Rows with anything typed in them; empty rows are ignored."""
        return [row for row in self.rows.forms if row.has_changed()]

    def clean(self) -> dict:
        cleaned = super().clean()
        listed = self.listed_rows()
        if cleaned.get(self.none_field) and listed:
            self.add_error(self.none_field, self.contradiction_message)
        elif not cleaned.get(self.none_field) and not listed:
            self.add_error(self.none_field, self.missing_message)
        return cleaned

    def is_valid(self) -> bool:
        rows_valid = self.rows.is_valid()
        return super().is_valid() and rows_valid

    def answers(self) -> dict:
        return {
            self.none_field: self.cleaned_data[self.none_field],
            self.rows_key: [dict(row.cleaned_data) for row in self.listed_rows()],
        }

    def error_links(self) -> list[tuple[str, str]]:
        links = super().error_links()
        for row in self.rows.forms:
            for name, errors in row.errors.items():
                label = f"{self.row_noun.capitalize()} {row.number}, {row[name].label.lower()}"
                links.extend((_anchor(row[name]), f"{label}: {error}") for error in errors)
        return links


class MedicationsForm(RowsStepForm):
    """Step 5: the medicines the patient takes, or that they take none."""

    row_form = MedicationRowForm
    rows_key = "medications"
    row_noun = "medication"
    none_field = "no_medications"
    missing_message = "List the medicines you take, or tick “I take no medications”."
    contradiction_message = (
        "You ticked “I take no medications” but listed some: remove them or untick the box."
    )

    no_medications = forms.BooleanField(label="I take no medications", required=False)


class AllergiesForm(RowsStepForm):
    """Step 6: allergies, or the explicit answer “no known allergies”."""

    row_form = AllergyRowForm
    rows_key = "allergies"
    row_noun = "allergy"
    none_field = "no_known_allergies"
    missing_message = "List your allergies, or tick “I have no known allergies”."
    contradiction_message = (
        "You ticked “I have no known allergies” but listed some: remove them or untick the box."
    )

    no_known_allergies = forms.BooleanField(
        label="I have no known allergies (to medicines, foods or anything else)", required=False
    )


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


class ConsentsForm(IntakeStepForm):
    """Step 8: each consent read in full and signed by typing the legal name."""

    def __init__(
        self,
        raw: dict | None = None,
        *,
        bound: bool = False,
        legal_name: str = "",
        to_sign: list[ConsentDocument] = (),
        **kwargs,
    ) -> None:
        super().__init__(raw, bound=bound, **kwargs)
        self.legal_name = legal_name
        self.to_sign = list(to_sign)
        for document in self.to_sign:
            self.fields[self.field_for(document)] = forms.CharField(
                label=f"Your full legal name, to sign the {document.title.lower()}",
                max_length=250,
                help_text=f"Type it as in your details: {legal_name}.",
                error_messages={
                    "required": f"Type your full legal name to sign the {document.title.lower()}."
                },
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )

    @staticmethod
    def field_for(document: ConsentDocument) -> str:
        return f"sign_{document.slug}"

    @classmethod
    def field_names(cls) -> list[str]:
        return [cls.field_for(document) for document in CONSENTS.values()]

    def clean(self) -> dict:
        cleaned = super().clean()
        for document in self.to_sign:
            name = self.field_for(document)
            typed = cleaned.get(name)
            if typed and not same_name(typed, self.legal_name):
                self.add_error(
                    name,
                    forms.ValidationError(
                        f"The name you typed doesn't match your legal name, {self.legal_name}. "
                        "Type it as in your details (if it has changed, update your details first).",
                        code="name_mismatch",
                    ),
                )
        return cleaned

    def signatures(self) -> dict[str, str]:
        """Document slug → the name as typed, once valid."""
        return {
            document.slug: self.cleaned_data[self.field_for(document)] for document in self.to_sign
        }


STEP_FORMS: dict[IntakeStep, type[IntakeStepForm]] = {
    IntakeStep.DEMOGRAPHICS: DemographicsForm,
    IntakeStep.EMERGENCY_CONTACT: EmergencyContactForm,
    IntakeStep.INSURANCE: InsuranceForm,
    IntakeStep.HISTORY: HistoryForm,
    IntakeStep.MEDICATIONS: MedicationsForm,
    IntakeStep.ALLERGIES: AllergiesForm,
    IntakeStep.PHARMACY: PharmacyForm,
    IntakeStep.CONSENTS: ConsentsForm,
}
