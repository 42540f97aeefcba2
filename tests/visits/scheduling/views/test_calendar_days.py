"""A calendar day written by `CalendarDay.section` is exactly what the calendar's template
wrote, for weeks and single days, with and without visits, free times and a visit type."""

import datetime

import pytest
from django.template import Context, engines
from django.urls import reverse

from visits.scheduling.models import Visit
from visits.scheduling.views.calendar_days import CalendarDay, CalendarVisit

pytestmark = pytest.mark.django_db

# The calendar's loop over its days as the template wrote it, before `section`.
REFERENCE = """
{% for day in days %}
  <section class="calendar-day" aria-labelledby="day-{{ day.iso }}">
    <h2 id="day-{{ day.iso }}">{% if mode == "week" %}<a href="{{ base_url }}?day={{ day.iso }}{% if visit_type %}&amp;type={{ visit_type.slug }}{% endif %}">{{ day.words }}</a>{% else %}{{ day.words }}{% endif %}{% if day.date == today %} (today){% endif %}</h2>
    <p><strong>Working:</strong>
      {% for hours in day.working %}{{ hours }}{% if not forloop.last %}, {% endif %}{% empty %}not working{% endfor %}
    </p>
    {% if day.visits %}
      <div class="table-scroll" role="region" aria-labelledby="visits-{{ day.iso }}" tabindex="0">
        <table class="striped">
          <caption id="visits-{{ day.iso }}">Visits on {{ day.words }}</caption>
          <thead>
            <tr><th scope="col">Time</th><th scope="col">Patient</th><th scope="col">Visit type</th><th scope="col">Status</th><th scope="col">Change</th></tr>
          </thead>
          <tbody>
            {% for item in day.visits %}
              <tr>
                <th scope="row">{{ item.start }}\N{EN DASH}{{ item.end }}</th>
                <td>{{ item.patient }}</td>
                <td>{{ item.visit.visit_type.name }}</td>
                <td>{{ item.visit.get_status_display }}{% if item.outside %} <span class="badge">outside the hours</span>{% endif %}</td>
                <td>
                  {% if item.changeable %}
                    <a href="{% url 'scheduling:schedule_visit_move' provider.pk item.visit.pk %}">Move<span class="visually-hidden"> the {{ item.start }} visit</span></a>
                    <a href="{% url 'scheduling:schedule_visit_cancel' provider.pk item.visit.pk %}">Cancel<span class="visually-hidden"> the {{ item.start }} visit</span></a>
                  {% endif %}
                </td>
              </tr>
            {% endfor %}
          </tbody>
        </table>
      </div>
    {% else %}
      <p class="empty">No visits.</p>
    {% endif %}
    {% if visit_type %}
      <h3 class="free-heading">Free start times for {{ visit_type.name|lower }}</h3>
      {% if day.free %}
        <ul class="free-times">
          {{ day.free_links }}
        </ul>
      {% else %}
        <p class="empty">None.</p>
      {% endif %}
    {% endif %}
  </section>
{% endfor %}
"""


def _visit(visit: Visit, *, changeable: bool, outside: bool) -> CalendarVisit:
    args = [visit.provider_id, visit.pk]
    return CalendarVisit(
        visit=visit,
        start="10:00 AM",
        end="10:20 AM",
        patient="Jordan <Rivera>",
        type_name=visit.visit_type.name,
        status=visit.get_status_display(),
        outside=outside,
        changeable=changeable,
        move_url=reverse("scheduling:schedule_visit_move", args=args) if changeable else "",
        cancel_url=reverse("scheduling:schedule_visit_cancel", args=args) if changeable else "",
    )


@pytest.mark.parametrize("mode", ["week", "day"])
@pytest.mark.parametrize("with_type", [True, False])
def test_each_day_is_written_as_the_template_wrote_it(provider, monday_visit, mode, with_type):
    """Headings, working time, visits (changeable or not, outside the hours) and free times."""
    visit_type = monday_visit.visit_type if with_type else None
    base = reverse("scheduling:schedule_calendar", args=[provider.pk])
    today = datetime.date(2030, 1, 8)
    type_query = f"&type={visit_type.slug}" if visit_type else ""
    free = [("/schedules/1/book/?type=x&start=2030-01-07T09%3A00%3A00-06%3A00", "9:00 AM")]
    states = [
        ([], [], []),
        (
            ["9:00 AM\N{EN DASH}12:00 PM"],
            [_visit(monday_visit, changeable=True, outside=False)],
            free,
        ),
        (
            ["9:00 AM\N{EN DASH}12:00 PM", "1:00 PM\N{EN DASH}5:00 PM"],
            [
                _visit(monday_visit, changeable=False, outside=True),
                _visit(monday_visit, changeable=True, outside=True),
            ],
            free * 3,
        ),
    ]
    days = []
    for offset, (working, visits, free_times) in enumerate(states * 2):
        date = datetime.date(2030, 1, 6) + datetime.timedelta(days=offset)
        days.append(
            CalendarDay(
                date=date,
                working=working,
                visits=visits,
                free=free_times,
                link=f"{base}?day={date.isoformat()}{type_query}" if mode == "week" else "",
                is_today=date == today,
                free_for=visit_type.name.lower() if visit_type else None,
            )
        )
    values = {
        "days": days,
        "mode": mode,
        "base_url": base,
        "visit_type": visit_type,
        "today": today,
        "provider": provider,
    }
    engine = engines["django"]
    expected = engine.from_string(REFERENCE).template.render(Context(values))
    written = engine.from_string("{% for day in days %}{{ day.section }}{% endfor %}")
    assert "\n" + written.template.render(Context(values)) + "\n" == expected
