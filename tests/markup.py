"""A piece of markup written in Python, rendered beside the template it replaced: both in one
template, so they share one context (and one CSRF token), and split apart to be compared."""

from pathlib import Path

from django.template import engines
from django.template.backends.django import Template

BETWEEN = "\n--- the same written in Python ---\n"


def side_by_side(reference: Path, written: str) -> Template:
    """The reference template's text, then `written` (the tag that replaced it)."""
    return engines["django"].from_string(reference.read_text() + BETWEEN + written)


def rendered(both: Template, context: dict | None = None, request=None) -> tuple[str, str]:
    """What the reference wrote and what the tag wrote, from one render."""
    reference, written = both.render(context, request).split(BETWEEN)
    return reference, written
