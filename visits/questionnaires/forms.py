"""A Django form built from a questionnaire definition, so every item gets a label and its errors."""

import json

from django import forms

from visits.field_groups import remembered
from visits.questionnaires import engine
from visits.questionnaires.models import SafetyAlert


def _marked_required(field: forms.Field, required: bool) -> forms.Field:
    """Mark an item the questionnaire requires (checked by the engine on submit, so drafts with
    gaps still save); the field template shows it as required."""
    field.required_item = required  # type: ignore[attr-defined]  # read by the field group (config/forms.py)
    return field


def _field(item: dict) -> forms.Field:
    common = {"label": item["text"], "required": False}
    kind = item["type"]
    if kind in {"single", "yes_no"}:
        return remembered(
            forms.ChoiceField(
                choices=[(str(o["value"]), o["label"]) for o in engine.options_of(item)],
                widget=forms.RadioSelect,
                **common,
            ),
            json.dumps(item, sort_keys=True),
        )
    if kind == "multiple":
        return remembered(
            forms.MultipleChoiceField(
                choices=[(str(o["value"]), o["label"]) for o in engine.options_of(item)],
                widget=forms.CheckboxSelectMultiple,
                help_text="Choose all that apply.",
                **common,
            ),
            json.dumps(item, sort_keys=True),
        )
    if kind == "number":
        unit = item.get("unit", "")
        return forms.CharField(
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            help_text=f"In {unit}." if unit else "",
            **common,
        )
    if kind == "date":
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.CharField(
        max_length=item.get("max_length", 500),
        widget=forms.Textarea(attrs={"rows": 2}),
        **common,
    )


class QuestionnaireForm(forms.Form):
    """The items to ask now (branching applied), bound to what the patient has answered so far."""

    def __init__(
        self, definition: dict, answers: dict, *, data=None, errors: dict | None = None
    ) -> None:
        super().__init__(data=data)
        self.definition = definition
        for item in engine.visible_items(definition, answers):
            self.fields[item["id"]] = _marked_required(_field(item), item.get("required", False))
        if data is None:
            self.initial = {
                key: ([str(v) for v in value] if isinstance(value, list) else str(value))
                for key, value in answers.items()
            }
        self._engine_errors = errors or {}

    def full_clean(self) -> None:
        super().full_clean()
        for item_id, message in self._engine_errors.items():
            if item_id in self.fields:
                self.add_error(item_id, message)


class AlertAcknowledgeForm(forms.Form):
    """What the clinician did about a safety alert: one outcome, and a note (needed for Other)."""

    outcome = forms.ChoiceField(
        label="What did you do?",
        choices=SafetyAlert.Outcome.choices,
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
            cleaned.get("outcome") == SafetyAlert.Outcome.OTHER
            and not cleaned.get("note", "").strip()
        ):
            self.add_error("note", "Say what you did, since you chose Other.")
        return cleaned
