"""The form renderer writes exactly the HTML Django's own widget templates write."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from config.forms import FormRenderer

CHOICES = [("", "Choose one"), ("0", "Not at all"), ("1", "Several days <b>"), (2, "Most days")]
GROUPED = [("Pain", [("back", "Back pain"), ("head", "Headache")]), ("other", "Something else")]
# Labels the template engine localizes or escapes: numbers, dates, lazy text, markup.
ODD_LABELS = [
    ("a", Decimal("1234.5")),
    ("b", datetime.date(2026, 12, 1)),
    ("c", gettext_lazy("Lazy")),
    ("d", mark_safe("<em>safe</em>")),
    (3, 7),
]


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
    odd = forms.ChoiceField(choices=ODD_LABELS, required=False)
    odd_radio = forms.ChoiceField(choices=ODD_LABELS, widget=forms.RadioSelect, required=False)
    clearable = forms.FileField(required=False)
    split = forms.SplitDateTimeField(required=False)
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


@pytest.mark.parametrize("data", [None, BOUND], ids=["empty", "bound with errors"])
@pytest.mark.parametrize("field", list(EveryWidget.base_fields))
def test_each_label_and_legend_matches_djangos_own_template(field: str, data):
    ours = EveryWidget(data, renderer=FormRenderer())[field]
    djangos = EveryWidget(data, renderer=DjangoTemplates())[field]
    assert ours.label_tag() == djangos.label_tag()
    assert ours.legend_tag() == djangos.legend_tag()
    assert ours.label_tag(attrs={"class": "x"}, label_suffix="?") == djangos.label_tag(
        attrs={"class": "x"}, label_suffix="?"
    )


def test_a_label_without_an_id_is_plain_text():
    form = EveryWidget(auto_id=False, renderer=FormRenderer())
    assert form["name"].label_tag() == "Name:"


class StarOption(forms.RadioSelect):
    option_template_name = "forms/_star_option.html"


def test_a_widget_with_its_own_option_template_renders_through_the_templates(monkeypatch):
    """Only Django's own templates are written here: anything else goes to the template engine."""
    sent_to_templates = []

    def templates(self, template_name, context, request=None):
        sent_to_templates.append(template_name)
        return "<from the template>"

    monkeypatch.setattr(TemplatesSetting, "render", templates)
    renderer = FormRenderer()
    stars = StarOption(choices=CHOICES[1:]).render("stars", "1", renderer=renderer)
    plain = forms.RadioSelect(choices=CHOICES[1:]).render("mood", "1", renderer=renderer)
    assert stars == "<from the template>"
    assert sent_to_templates == ["django/forms/widgets/radio.html"]
    assert 'value="1" checked' in plain


def test_a_menu_written_again_marks_only_the_value_chosen_this_time():
    """A menu's plain options are written once and reused: the chosen one never sticks."""
    for _ in range(2):
        for value in ("", "0", "1", "2"):
            ours = EveryWidget({"pick": value}, renderer=FormRenderer())["pick"].as_widget()
            djangos = EveryWidget({"pick": value}, renderer=DjangoTemplates())["pick"].as_widget()
            assert ours == djangos
            assert ours.count("selected") == 1
