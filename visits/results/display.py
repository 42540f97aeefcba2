"""How a result reads to a patient: its flag in words and a symbol, its range in words."""

from decimal import Decimal

from visits.results.flags import Flag

FLAG_WORDS = dict(Flag.CHOICES) | {Flag.NONE: "No range to compare with"}


def flag_words(flag: str) -> str:
    """The flag in words, e.g. "Critically low"."""
    return FLAG_WORDS.get(flag, FLAG_WORDS[Flag.NONE])


def flag_symbol(flag: str) -> str:
    """The flag's symbol, e.g. "↓↓"; none for a value in range or one without a range."""
    return Flag.SYMBOLS.get(flag, "")


def flag_label(flag: str) -> str:
    """Words and symbol together, never colour alone: "High ↑"."""
    return " ".join(part for part in (flag_words(flag), flag_symbol(flag)) if part)


def number(value: Decimal | None) -> str:
    """A stored decimal without its padding zeros: 4.1000 reads 4.1."""
    if value is None:
        return ""
    return f"{value.normalize():f}"


def range_words(low: Decimal | None, high: Decimal | None, text: str = "", unit: str = "") -> str:
    """The reference range as a patient reads it: "3.5 to 5.1 mmol/L", "200 or less mg/dL"."""
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{number(low)} to {number(high)}{suffix}"
    if high is not None:
        return f"{number(high)}{suffix} or less"
    if low is not None:
        return f"{number(low)}{suffix} or more"
    return text
