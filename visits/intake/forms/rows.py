"""The intake's steps with rows (medications, allergies): one small form per row, added and removed inline."""

from typing import cast

from django import forms
from django.forms import formset_factory
from django.http import QueryDict

from visits.intake.forms.base import MAX_ROWS, IntakeStepForm, anchor, clip


class RowForm(forms.Form):
    """One row of a list step; `number` is its place in the list, as the patient reads it."""

    number = 0


class MedicationRowForm(RowForm):
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


class AllergyRowForm(RowForm):
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
        for index, row in enumerate(self.row_forms()):
            row.number = index + 1
            if index == focus_row:
                first = next(iter(row.fields.values()))
                first.widget.attrs.update({"autofocus": True, "data-focus-on-swap": True})

    @staticmethod
    def asks_to_change_rows(data: QueryDict) -> bool:
        """Whether a post pressed "add" or "remove" rather than saving the step."""
        return "add_row" in data or "remove_row" in data

    @classmethod
    def change_rows(cls, raw: dict, data: QueryDict) -> tuple[dict, int | None, str]:
        """Add an empty row or remove one; returns the raw answers, the row to focus and a status."""
        rows = raw[cls.rows_key]
        if "add_row" in data:
            if len(rows) >= MAX_ROWS:
                return (
                    raw,
                    None,
                    f"You can list up to {MAX_ROWS} here; tell your clinician the rest.",
                )
            rows.append({})
            return raw, len(rows) - 1, f"Added {cls.row_noun} {len(rows)}."
        try:
            index = int(data.get("remove_row", ""))
        except ValueError:
            return raw, None, ""
        if 0 <= index < len(rows):
            del rows[index]
            return raw, None, f"Removed {cls.row_noun} {index + 1}."
        return raw, None, ""

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
                name: clip(data.get(f"{cls.rows_key}-{index}-{name}") or "")
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
        cleaned = super().clean() or {}
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

    def row_forms(self) -> list[RowForm]:
        """The list's rows, as the row forms they are."""
        return cast("list[RowForm]", self.rows.forms)

    def error_links(self) -> list[tuple[str, str]]:
        links = super().error_links()
        for row in self.row_forms():
            for name, errors in row.errors.items():
                label = f"{self.row_noun.capitalize()} {row.number}, {row[name].label.lower()}"
                links.extend((anchor(row[name]), f"{label}: {error}") for error in errors)
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
