"""Model choice fields refuse an id too large for the database, in words, never with a 500."""

import pytest
from django import forms
from django.contrib.auth.models import Permission

from accounts.models import User

pytestmark = pytest.mark.django_db

TOO_LARGE = "9223372036854775808"  # one past the largest 64-bit integer


class Choices(forms.Form):
    person = forms.ModelChoiceField(queryset=User.objects.all())
    permissions = forms.ModelMultipleChoiceField(queryset=Permission.objects.all())


def test_an_oversized_id_is_an_invalid_choice():
    """Both kinds of model choice refuse the value with their usual message."""
    form = Choices({"person": TOO_LARGE, "permissions": [TOO_LARGE]})
    assert not form.is_valid()
    assert "Select a valid choice" in form.errors["person"][0]
    assert "Select a valid choice" in form.errors["permissions"][0]
