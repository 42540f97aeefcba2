"""The HTML of form widgets, made in Python where Django's templates include one per attribute
list and one per choice.

Django renders each radio button, checkbox and `<option>` through two or three nested template
includes (`input_option.html`, `input.html`, `attrs.html`); a PHQ-9 page has 40 of them, and
the includes were a third of its time. The project's widget templates
(`templates/django/forms/widgets/`) write the same markup with the filter below instead.
`tests/config/test_form_widgets.py` checks every widget kind against Django's own templates.
"""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def widget_attrs(attrs: dict) -> SafeString:
    """` name="value"` for each attribute, as Django's `attrs.html` writes them: False leaves the
    attribute out, True writes its bare name, anything else its text, escaped."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above
