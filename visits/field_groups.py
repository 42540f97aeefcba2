"""Choice fields whose group (label, choices, help, errors) is written once per answer.

A choice field's markup is the same for everyone who gives the same answer, yet Django builds
every option of it again on each page (the time-zone menu has 657): 100 µs to several ms a
field. A field made with `remembered` keeps each group it writes, keyed by what the markup is
made from: the field's own key (its definition), the answer and its errors. Only answers that
are among the field's choices are kept, never free text, so what is kept is bounded by the
choices and holds nothing a patient typed; anything else is written afresh.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.choices import BaseChoiceIterator, flatten_choices, normalize_choices
from django.utils.safestring import SafeString

WRITTEN_LIMIT = 4096
_written_groups: dict[tuple, SafeString] = {}


class FixedChoices(BaseChoiceIterator):
    """Choices made once: neither copied with each form nor made again each time they are read
    (as Django does for a list, or for a callable's choices)."""

    def __init__(self, choices: Iterable) -> None:
        self.choices = normalize_choices(list(choices))
        self.values = _values(self.choices)

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)

    def __copy__(self) -> "FixedChoices":
        return self

    def __deepcopy__(self, memo: dict) -> "FixedChoices":
        return self


class RememberedChoiceGroup(BoundField):
    """A choice field's bound field whose group is written once for each answer and errors."""

    def as_field_group(self) -> SafeString:
        value = self.value()
        chosen = value if isinstance(value, list) else [] if value in (None, "") else [value]
        errors = self.errors
        if not set(chosen) <= self.field.choice_values or any(  # type: ignore[attr-defined]
            type(error) is not str for error in errors
        ):
            return super().as_field_group()
        key = (
            self.field.group_key,  # type: ignore[attr-defined]
            self.form.is_bound,
            self.html_name,
            self.auto_id,
            tuple(value) if isinstance(value, list) else value,
            tuple(errors),
        )
        written = _written_groups.get(key)
        if written is None:
            written = super().as_field_group()
            if len(_written_groups) >= WRITTEN_LIMIT:
                _written_groups.clear()
            _written_groups[key] = written
        return written


def remembered[F: forms.ChoiceField](field: F, key: Any) -> F:
    """`field`, its groups kept by `key`: everything its markup is made from but the answer and
    errors (a questionnaire item's definition; a form's name for a field it always makes alike)."""
    field.bound_field_class = RememberedChoiceGroup
    field.group_key = key  # type: ignore[attr-defined]
    field.choice_values = _values(field.choices)  # type: ignore[attr-defined]
    return field


def _values(choices: Any) -> frozenset[str]:
    """Every choice's value as the form sends it, groups flattened."""
    flat: Iterable[tuple[Any, Any]] = flatten_choices(choices)
    return frozenset(str(value) for value, _label in flat)
