"""What every intake step form shares: raw answers in, saved answers out, errors as links.

Every step works from *raw answers*: a plain, JSON-safe dict of the strings the patient typed,
with a list of row dicts for steps that have rows. Drafts store raw answers as they are, valid or
not; a form bound to them validates, and the same raw answers fill an unbound form for display.
"""

from django import forms
from django.http import QueryDict

MAX_ROWS = 20
MAX_TYPED_LENGTH = 2000


def clip(value: str) -> str:
    """What was typed, cut to a sane length so a draft cannot grow without bound."""
    return value[:MAX_TYPED_LENGTH]


def anchor(field: forms.BoundField) -> str:
    """The id to link to for a field; a radio group's first option."""
    return field.id_for_label or f"{field.auto_id}_0"


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
        return {
            name: clip(str(data[name])) for name in cls.field_names() if data.get(name) is not None
        }

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

    def says_same_as(self, saved: dict | None) -> bool:
        """Whether these raw answers say exactly what the step already saved."""
        return saved is not None and self.is_valid() and self.answers() == saved

    def error_links(self) -> list[tuple[str, str]]:
        """(field id, message) for every error, for the summary at the top of the step."""
        return [
            (anchor(self[name]) if name in self.fields else "", str(message))
            for name, errors in self.errors.items()
            for message in errors
        ]
