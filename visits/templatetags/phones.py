"""Phone numbers as people read them: `{{ number|phone }}` shows +15125550123 as (512) 555-0123."""

from django import template

from visits.intake.selectors import format_phone

register = template.Library()


@register.filter
def phone(number: str) -> str:
    """A stored E.164 number as it is read aloud; anything else as stored."""
    return format_phone(number or "")
