"""The project's widget templates write exactly the HTML Django's own templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from config.forms import FormRenderer

CHOICES = [("", "Choose one"), ("0", "Not at all"), ("1", "Several days <b>"), (2, "Most days")]
GROUPED = [("Pain", [("back", "Back pain"), ("head", "Headache")]), ("other", "Something else")]


class EveryWidget(forms.Form):
    name = forms.CharField(widget=forms.TextInput(attrs={"autocomplete": "name", "x": '"<&>'}))
    email = forms.EmailField(help_text="We write only about visits.")
    age = forms.IntegerField(min_value=0, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    mood = forms.ChoiceField(choices=CHOICES[1:], widget=forms.RadioSelect)
    symptom = forms.ChoiceField(choices=GROUPED, widget=forms.RadioSelect)
    days = forms.MultipleChoiceField(choices=CHOICES[1:], widget=forms.CheckboxSelectMultiple)
    pick = forms.ChoiceField(choices=CHOICES)
    grouped = forms.ChoiceField(choices=GROUPED)
    several = forms.MultipleChoiceField(choices=GROUPED, widget=forms.SelectMultiple)
    agree = forms.BooleanField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    trusted = forms.CharField(
        widget=forms.TextInput(attrs={"data-label": mark_safe("<i>kept</i>"), "disabled": False}),
        required=False,
    )


BOUND = {
    "name": 'Ana "Ann" <O\'Neil>',
    "email": "not an email",
    "age": "-1",
    "notes": "line one\n<script>x</script>",
    "mood": "1",
    "symptom": "head",
    "days": ["0", "2"],
    "pick": "2",
    "grouped": "back",
    "several": ["head", "other"],
    "agree": "on",
    "secret": "hunter2",
    "hidden": "h",
    "when": "2026-12-01",
}


@pytest.mark.parametrize("data", [None, BOUND], ids=["empty", "bound with errors"])
@pytest.mark.parametrize("field", list(EveryWidget.base_fields))
def test_each_widget_matches_djangos_own_templates(field: str, data):
    ours = EveryWidget(data, renderer=FormRenderer())[field]
    djangos = EveryWidget(data, renderer=DjangoTemplates())[field]
    assert ours.as_widget() == djangos.as_widget()


def test_the_project_renderer_uses_its_own_widget_templates():
    renderer = FormRenderer()
    template = renderer.get_template("django/forms/widgets/multiple_input.html")
    assert "widget_attrs" in template.template.source
