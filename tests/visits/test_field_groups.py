import copy

from django import forms
from django.http import QueryDict

from accounts.forms import PatientProfileForm
from visits import field_groups
from visits.field_groups import FixedChoices, remembered


def _fresh(field) -> str:
    return str(super(type(field), field).as_field_group())


class TestRememberedChoiceGroup:
    def test_each_menu_is_the_group_written_afresh(self):
        """The profile's menus, kept per answer, are the markup written again each time."""
        field_groups._written_groups.clear()
        for data in (None, QueryDict("time_zone=America/Chicago&current_state=TX"), QueryDict("")):
            for _ in range(2):
                form = PatientProfileForm(data)
                for name in ("time_zone", "current_state"):
                    assert str(form[name].as_field_group()) == _fresh(form[name])
        assert field_groups._written_groups

    def test_an_answer_outside_the_choices_is_not_kept(self):
        """A posted value that is not a choice is written afresh and never kept."""
        field_groups._written_groups.clear()
        form = PatientProfileForm(QueryDict("time_zone=Mars/Olympus"))
        assert "Choose your time zone" in str(form["time_zone"].as_field_group())
        assert field_groups._written_groups == {}

    def test_groups_are_kept_apart_by_key(self):
        """Two fields with different keys never share a kept group."""

        class Pick(forms.Form):
            first = remembered(forms.ChoiceField(choices=[("a", "A")]), "first")
            second = remembered(forms.ChoiceField(choices=[("a", "Other A")]), "second")

        form = Pick()
        assert "Other A" not in str(form["first"].as_field_group())
        assert "Other A" in str(form["second"].as_field_group())


class TestFixedChoices:
    def test_copies_share_the_choices_made_once(self):
        """A form's copy of the field reads the same choices, not a copy of them."""
        choices = FixedChoices([("", "None"), ("Group", [("x", "X")])])
        assert copy.deepcopy(choices) is choices
        assert list(choices) == [("", "None"), ("Group", [("x", "X")])]
        assert choices.values == {"", "x"}
