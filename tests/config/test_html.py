"""The project's escaping gives what Django's gives, for every kind of value a page writes."""

import datetime

import pytest
from django.utils import html as django_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from config import html


class Marked:
    """An object that writes its own HTML, as a form's bound field does."""

    def __html__(self) -> str:
        return "<b>already HTML</b>"


VALUES = [
    "plain words",
    'Tom & Jerry\'s <clinic> "quoted"',
    "",
    "<script>alert(1)</script>",
    "naïve café · 10:00 AM",
    mark_safe("<em>safe</em> & sound"),
    SafeString("a &amp; b"),
    gettext_lazy("Book a visit"),
    7,
    0,
    2.5,
    None,
    datetime.date(2027, 3, 1),
    Marked(),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_escape_writes_what_django_writes(value):
    """Every value is escaped to the same text, and the result is safe to put in a page."""
    ours = html.escape(value)
    assert ours == str(django_html.escape(value))
    assert type(ours) is SafeString


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_conditional_escape_writes_what_django_writes(value):
    """Text already marked as HTML is kept as it is, and anything else escaped, as Django does."""
    ours, django = html.conditional_escape(value), django_html.conditional_escape(value)
    assert ours == str(django)
    assert type(ours) is type(django)


def test_escaping_is_not_undone_or_repeated():
    """An ampersand is escaped once, and an escaped value is not escaped again when it is
    written conditionally."""
    once = html.escape("R&D")
    assert once == "R&amp;D"
    assert html.conditional_escape(once) == "R&amp;D"
    assert html.escape(once) == "R&amp;amp;D"
