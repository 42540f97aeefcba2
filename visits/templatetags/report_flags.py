"""A result's flag in words and a symbol, and its reference range, for clinicians' report pages."""

from decimal import Decimal

from django import template

from visits.results.flags import Flag

register = template.Library()

WORDS = dict(Flag.CHOICES)


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


@register.filter
def flag_symbol(flag: str) -> str:
    """↑, ↓, ↑↑ or ↓↓ for a flag; nothing for a value in range or with no range."""
    return Flag.SYMBOLS.get(flag, "")


@register.filter
def flag_words(flag: str) -> str:
    """The flag in words: "Critically high"."""
    return WORDS.get(flag, "")


@register.filter
def reference_range(observation) -> str:
    """The range as the lab sent it, else as numbers: "3.5 to 5.1", "< 200", "> 40"."""
    if observation.reference_text:
        return observation.reference_text
    low, high = observation.reference_low, observation.reference_high
    if low is not None and high is not None:
        return f"{_number(low)} to {_number(high)}"
    if high is not None:
        return f"< {_number(high)}"
    if low is not None:
        return f"> {_number(low)}"
    return ""


@register.filter
def critical_limits(observation) -> str:
    """The lab's critical limits in words: "critical at or below 2.5 or at or above 6.5"."""
    parts = []
    if observation.critical_low is not None:
        parts.append(f"at or below {_number(observation.critical_low)}")
    if observation.critical_high is not None:
        parts.append(f"at or above {_number(observation.critical_high)}")
    return " or ".join(parts)
