"""Form rendering: every field in one accessible group, and Django's widgets, written in Python.

Django writes each input, label and choice through a template of its own, and radio buttons,
checkboxes and `<option>`s through two or three nested includes each: 100-300 µs a field, and
a third to a half of the time of a page full of forms (the PHQ-9, the hours editor). The
renderer writes the markup of Django's standard widget templates itself instead, character for
character (`tests/config/test_form_widgets.py` compares every kind with Django's templates);
any other template, or a widget with an option template of its own, is rendered as usual. The
field group (`_field_group`) is written here too, for the same reason: it is on every field.
"""

import functools
from collections.abc import Callable, Mapping
from typing import Any

from django.forms import BoundField
from django.forms.renderers import TemplatesSetting
from django.template.defaultfilters import stringformat
from django.utils.formats import localize
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]

from config.html import conditional_escape, escape

WIDGETS = "django/forms/widgets/"
# Django's templates that are nothing but `{% include "django/forms/widgets/input.html" %}`.
INPUTS = frozenset(
    f"{WIDGETS}{name}.html"
    for name in [
        "input",
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    ]
)
CHOICE_OPTIONS = frozenset(
    f"{WIDGETS}{name}.html" for name in ("input_option", "radio_option", "checkbox_option")
)
SELECT_OPTION = f"{WIDGETS}select_option.html"
# The name every field's group (label, input, help, errors) goes by: _field_group writes it,
# there is no such template.
FIELD_GROUP = "config.forms.field_group"


def _text(value: Any) -> str:
    """`{{ value }}`: localized, made text and escaped, as the template engine writes it."""
    if type(value) is str:  # most names and values: nothing to localize, nothing already safe
        return escape(value)
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`."""
    return conditional_escape(stringformat(value, "s"))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """Django's `attrs.html`: False leaves an attribute out, True writes its bare name."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: Mapping[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}'
        f"{_attrs(widget['attrs'])}>"
    )


def _choice_option(option: Mapping[str, Any]) -> str:
    """`input_option.html` (a radio button or checkbox, in its label), as it is included."""
    if not option["wrap_label"]:
        return f"{_input(option)}\n\n\n"
    attrs_id = option["attrs"].get("id")
    label_for = f' for="{_text(attrs_id)}"' if attrs_id else ""
    return f"<label{label_for}>{_input(option)}\n {_text(option['label'])}</label>\n\n"


def _multiple_input(widget: Mapping[str, Any]) -> str:
    attrs = widget["attrs"]
    html = ["<div"]
    if attrs.get("id"):
        html.append(f' id="{_text(attrs["id"])}"')
    if attrs.get("class"):
        html.append(f' class="{_text(attrs["class"])}"')
    html.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            html.append(f"\n  <div><label>{_text(group)}</label>")
        html.extend(f"<div>\n    {_choice_option(option)}</div>" for option in options)
        if group:
            html.append("\n  </div>")
    html.append("\n</div>")
    return "".join(html)


def _option(option: Mapping[str, Any]) -> str:
    return (
        f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_text(option['label'])}</option>\n"
    )


@functools.lru_cache(maxsize=8192)
def _plain_option(value: str | int, label: str) -> str:
    """An option with no attributes, from a plain value and label: a menu's options are the same
    on every page that shows it (the time-zone menu has 657), so each is written once."""
    return _option({"value": value, "label": label, "attrs": {}})


def _select(widget: Mapping[str, Any]) -> str:
    html = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            html.append(f'\n  <optgroup label="{_text(group)}">')
        html.extend(
            # Exactly str or int: a subclass (a safe string, a lazy label) is written afresh.
            _plain_option(option["value"], option["label"])
            if not option["attrs"]
            and type(option["value"]) in (str, int)
            and type(option["label"]) is str
            else _option(option)
            for option in options
        )
        if group:
            html.append("\n  </optgroup>")
    html.append("\n</select>")
    return "".join(html)


def _textarea(widget: Mapping[str, Any]) -> str:
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _label(context: Mapping[str, Any]) -> str:
    """`django/forms/label.html`: a field's `<label>` or `<legend>`."""
    if not context["use_tag"]:
        return _text(context["label"])
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{_text(context['label'])}</{tag}>"


def _field_group(field: BoundField) -> str:
    """One form field: its label, input, help text and errors, tied together for screen readers.

    A group of choices is a fieldset named by its legend and described by its help and errors
    (`aria-describedby`, which Django also puts on single inputs); a checkbox sits inside its
    label; errors follow the input, in a list with the id the input's `aria-describedby` names.
    """
    classes = ["field"]
    if field.errors:
        classes.append("field-invalid")
    if field.field.required or getattr(field.field, "required_item", False):
        classes.append("field-required")
    html = [f'<div class="{" ".join(classes)}">']
    if field.use_fieldset:
        described = field.aria_describedby
        described_by = f' aria-describedby="{_text(described)}"' if described else ""
        legend = field.legend_tag() if field.label else ""
        html.append(f"  <fieldset{described_by}>\n    {legend}\n    {field}\n  </fieldset>")
    elif field.widget_type == "checkbox":
        html.append(
            f'  <label for="{_text(field.id_for_label)}">{field} {_text(field.label)}</label>'
        )
    else:
        label = field.label_tag() if field.label else ""
        html.append(f"  {label}\n  {field}")
    if field.help_text:
        html.append(
            f'<small class="helptext" id="{_text(field.auto_id)}_helptext">{field.help_text}</small>'
        )
    if field.errors:
        errors = "".join(f"<li>{_text(error)}</li>" for error in field.errors)
        html.append(
            f'<ul class="errorlist field-errors" id="{_text(field.auto_id)}_error">{errors}</ul>'
        )
    html.append("</div>")
    return "\n".join(html)


def _options_are(widget: Mapping[str, Any], names: frozenset[str]) -> bool:
    return all(
        option["template_name"] in names
        for _, options, _ in widget["optgroups"]
        for option in options
    )


# The widgets of choices, each with its writer and the option templates that writer replaces.
CHOICE_WRITERS: dict[str, tuple[Callable[[Mapping[str, Any]], str], frozenset[str]]] = {
    f"{WIDGETS}radio.html": (_multiple_input, CHOICE_OPTIONS),
    f"{WIDGETS}checkbox_select.html": (_multiple_input, CHOICE_OPTIONS),
    f"{WIDGETS}multiple_input.html": (_multiple_input, CHOICE_OPTIONS),
    f"{WIDGETS}select.html": (_select, frozenset({SELECT_OPTION})),
}


def _written(template_name: str, context: Mapping[str, Any]) -> str | None:
    """The markup of one of Django's standard widget templates or of the field group, or None
    for any other template."""
    if template_name == FIELD_GROUP and isinstance(context.get("field"), BoundField):
        return _field_group(context["field"])
    if template_name == "django/forms/label.html":
        return _label(context)
    widget = context.get("widget")
    if widget is None:
        return None
    if template_name in INPUTS:
        return _input(widget)
    if template_name in CHOICE_WRITERS:
        write, option_templates = CHOICE_WRITERS[template_name]
        return write(widget) if _options_are(widget, option_templates) else None
    if template_name == f"{WIDGETS}textarea.html":
        return _textarea(widget)
    return None


class FormRenderer(TemplatesSetting):
    """Render forms and fields with Housecall's templates (label, help, errors tied to inputs)."""

    form_template_name = "forms/_form.html"
    field_template_name = FIELD_GROUP

    def render(self, template_name: str, context: dict, request=None) -> str:
        written = _written(template_name, context)
        if written is not None:
            return written
        return super().render(template_name, context, request=request)


def refuse_oversized_choices() -> None:
    """A chosen id too large for the database is an invalid choice, not a server error.

    SQLite cannot bind integers beyond 64 bits and raises OverflowError when the query runs;
    Django's model choice fields catch the errors of a bad value but not that one, so a posted
    id like 9223372036854775808 on any admin or app form would answer 500. Called once from
    AccountsConfig.ready(), for every model choice field in the project.
    """
    from django.core.exceptions import ValidationError
    from django.forms.models import ModelChoiceField, ModelMultipleChoiceField

    # _check_values is how Django's multiple choice turns ids into rows; the stubs omit it.
    single = ModelChoiceField.to_python
    multiple = getattr(ModelMultipleChoiceField, "_check_values")  # noqa: B009
    if getattr(single, "refuses_oversized", False):
        return

    def to_python(self, value):
        try:
            return single(self, value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None

    def check_values(self, value):
        try:
            return multiple(self, value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ""}
            ) from None

    to_python.refuses_oversized = True  # type: ignore[attr-defined]
    ModelChoiceField.to_python = to_python  # type: ignore[method-assign]
    setattr(ModelMultipleChoiceField, "_check_values", check_values)  # noqa: B010
