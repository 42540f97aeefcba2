"""An observation's flag, computed from its value and ranges: never typed by anyone."""

from decimal import Decimal


class Flag:
    """The flags a result can carry, with the words and symbol that say them without colour."""

    NONE = ""
    NORMAL = "normal"
    LOW = "low"
    HIGH = "high"
    CRITICAL_LOW = "critical_low"
    CRITICAL_HIGH = "critical_high"

    CHOICES = [
        (NONE, "No range"),
        (NORMAL, "In range"),
        (LOW, "Low"),
        (HIGH, "High"),
        (CRITICAL_LOW, "Critically low"),
        (CRITICAL_HIGH, "Critically high"),
    ]
    CRITICAL = (CRITICAL_LOW, CRITICAL_HIGH)
    SYMBOLS = {NORMAL: "", LOW: "↓", HIGH: "↑", CRITICAL_LOW: "↓↓", CRITICAL_HIGH: "↑↑", NONE: ""}


def compute_flag(
    value: Decimal | None,
    *,
    low: Decimal | None = None,
    high: Decimal | None = None,
    critical_low: Decimal | None = None,
    critical_high: Decimal | None = None,
) -> str:
    """The flag for `value`: critical beyond the critical limits, else low/high beyond the
    reference range, else normal; no flag when there is no number or no range to judge by."""
    if value is None:
        return Flag.NONE
    if critical_low is not None and value <= critical_low:
        return Flag.CRITICAL_LOW
    if critical_high is not None and value >= critical_high:
        return Flag.CRITICAL_HIGH
    if low is None and high is None:
        return Flag.NONE
    if low is not None and value < low:
        return Flag.LOW
    if high is not None and value > high:
        return Flag.HIGH
    return Flag.NORMAL
