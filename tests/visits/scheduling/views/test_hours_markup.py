"""The hours editor's weekdays and blocks, written by `{% weekday_hours %}` and
`{% block_item %}`, are exactly what the editor's template wrote, in every state a weekday is
shown in; and a blank form written once is the form's own markup."""

import datetime

import pytest
from django.http import QueryDict
from django.template import Context, engines
from django.utils import timezone

from tests.visits.scheduling.views.staff import hours
from visits.scheduling.hours import Schedule
from visits.scheduling.hours_forms import CopyDayForm, ScheduleExceptionForm, WeeklyBlockForm
from visits.scheduling.views.hours_page import BlockRow, blank_form, day_hours

pytestmark = pytest.mark.django_db

# The editor's two partials as the template wrote them, before the tags (the blank add form
# is `add_fields`, compared with the form's own markup below).
REFERENCE = """
{% partialdef weekday-hours %}
<section id="weekday-{{ day.weekday }}" class="weekday" aria-labelledby="weekday-{{ day.weekday }}-heading">
  <h3 id="weekday-{{ day.weekday }}-heading" tabindex="-1"{% if day.focus == "heading" %} autofocus{% endif %}>{{ day.label }}</h3>
  <p class="swap-status" role="status" aria-live="polite" tabindex="-1"{% if day.focus == "status" %} autofocus{% endif %}>{{ day.status }}</p>
  {% if day.rows %}
    <ul class="blocks">
      {% for row in day.rows %}{% partial block-row %}{% endfor %}
    </ul>
  {% else %}
    <p class="empty">Not working.</p>
  {% endif %}
  <form method="post" action="{% url 'scheduling:schedule_day' provider.pk day.weekday %}" hx-post="{% url 'scheduling:schedule_day' provider.pk day.weekday %}" hx-include="#weekday-{{ day.weekday }}" hx-target="#weekday-{{ day.weekday }}" hx-swap="outerHTML" class="block-form" novalidate>
    {% csrf_token %}
    <fieldset>
      <legend>Add hours on {{ day.label }}</legend>
      {{ day.add_fields }}
    </fieldset>
    <button type="submit" class="secondary">Add<span class="visually-hidden"> hours on {{ day.label }}</span></button>
  </form>
  <p><a href="{% url 'scheduling:schedule_edit' provider.pk %}?copy={{ day.weekday }}#copy-day" hx-get="{% url 'scheduling:schedule_copy' provider.pk %}?copy={{ day.weekday }}" hx-include="[name='copy-targets']" hx-target="#copy-day" hx-swap="outerHTML">Copy {{ day.label }} to other days</a></p>
</section>
{% endpartialdef %}

{% partialdef block-row %}
{% with block=row.block %}
<li id="block-{{ block.pk }}">
  {% if row.form %}
    <form method="post" action="{% url 'scheduling:schedule_block' provider.pk block.pk %}" hx-post="{% url 'scheduling:schedule_block' provider.pk block.pk %}" hx-include="#weekday-{{ day.weekday }}" hx-target="#weekday-{{ day.weekday }}" hx-swap="outerHTML" class="block-form" novalidate>
      {% csrf_token %}
      <fieldset>
        <legend>Change {{ day.label }} {{ block.start_time|time:"g:i A" }}\N{EN DASH}{{ block.end_time|time:"g:i A" }}</legend>
        {{ row.form }}
      </fieldset>
      <button type="submit">Save</button>
      <a href="{% url 'scheduling:schedule_day' provider.pk day.weekday %}" hx-get="{% url 'scheduling:schedule_block' provider.pk block.pk %}?close=1" hx-target="#block-{{ block.pk }}" hx-swap="outerHTML">Cancel<span class="visually-hidden"> changing {{ day.label }} {{ block.start_time|time:"g:i A" }} to {{ block.end_time|time:"g:i A" }}</span></a>
    </form>
  {% else %}
    <span class="block-time">{{ block.start_time|time:"g:i A" }}\N{EN DASH}{{ block.end_time|time:"g:i A" }}</span>
    <a href="{% url 'scheduling:schedule_block' provider.pk block.pk %}" hx-get="{% url 'scheduling:schedule_block' provider.pk block.pk %}" hx-target="#block-{{ block.pk }}" hx-swap="outerHTML"{% if refocus %} autofocus{% endif %}>Change<span class="visually-hidden"> {{ day.label }} {{ block.start_time|time:"g:i A" }} to {{ block.end_time|time:"g:i A" }}</span></a>
    <form method="post" action="{% url 'scheduling:schedule_block_remove' provider.pk block.pk %}" hx-post="{% url 'scheduling:schedule_block_remove' provider.pk block.pk %}" hx-include="#weekday-{{ day.weekday }}" hx-target="#weekday-{{ day.weekday }}" hx-swap="outerHTML" class="inline-form" novalidate>
      {% csrf_token %}
      <button type="submit" class="secondary outline">Remove<span class="visually-hidden"> {{ day.label }} {{ block.start_time|time:"g:i A" }} to {{ block.end_time|time:"g:i A" }}</span></button>
    </form>
  {% endif %}
</li>
{% endwith %}
{% endpartialdef %}
"""


def _render(partial: str, **values) -> str:
    template = engines["django"].from_string(REFERENCE).template
    return template.extra_data["partials"][partial].render(
        Context({"csrf_token": "TOKEN", **values})
    )


def _tag(source: str, **values) -> str:
    template = engines["django"].from_string("{% load hours_editor %}" + source)
    return template.template.render(Context({"csrf_token": "TOKEN", **values}))


def _schedule(provider) -> Schedule:
    return Schedule.load(provider, today=timezone.now().date())


def test_every_state_of_a_weekday_is_written_as_the_template_wrote_it(provider):
    """Blocks closed and open, bound with errors, typed add forms, status, focus, empty days."""
    second = hours(provider, 0, 13, 17)
    schedule = _schedule(provider)
    first = schedule.blocks_on(0)[0]
    typed = QueryDict(f"add0-start_time=10:00&block{second.pk}-start_time=14:00")
    bound = WeeklyBlockForm(
        {f"block{first.pk}-start_time": "11:00", f"block{first.pk}-end_time": "10:00"},
        schedule=schedule,
        weekday=0,
        block=first,
        prefix=f"block{first.pk}",
    )
    bound.is_valid()
    days = [
        day_hours(schedule, 0),
        day_hours(schedule, 0, carried=typed),
        day_hours(schedule, 0, edit_form=bound, status="Saved: Monday <b>.", carried=typed),
        day_hours(schedule, 3),
    ]
    days[1].focus, days[2].focus = "heading", "status"
    for day in days:
        values = {"provider": provider, "day": day}
        expected = _render("weekday-hours", **values)
        assert _tag("{% weekday_hours day %}", **values) == expected
        for row in day.rows:
            for refocus in (False, True):
                values = {"provider": provider, "day": day, "row": row, "refocus": refocus}
                expected = _render("block-row", **values)
                assert _tag("\n{% block_item row refocus %}\n", **values) == expected
    assert "autofocus" in _tag("{% block_item row True %}", row=BlockRow(first))


def test_a_blank_form_written_once_is_the_forms_own_markup(provider):
    """The blank add, copy and exception forms read the same as freshly made ones."""
    schedule = _schedule(provider)
    today = datetime.date(2030, 1, 1)
    made = [
        (("block", "add2"), lambda: WeeklyBlockForm(schedule=schedule, weekday=2, prefix="add2")),
        (
            ("copy", 3, (1, 4)),
            lambda: CopyDayForm(
                schedule=schedule, prefix="copy", initial={"source": 3, "targets": [1, 4]}
            ),
        ),
        (
            ("exception",),
            lambda: ScheduleExceptionForm(schedule=schedule, today=today, prefix="exception"),
        ),
    ]
    for key, make in made:
        assert blank_form(key, make) == make().render()
        assert blank_form(key, make) == make().render()  # and again, from memory
