"""The chart's lab results, written in Python: a full page of reports holds dozens of
observation rows, and the template engine spent more on their lookups and filters than the rest
of the chart together, so the chart cost half as much again with a long record as with a short
one. `tests/visits/records/` holds the template the section was written with, and a test that
this writes what it wrote."""

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString

from config.html import conditional_escape
from visits.results.lines import written
from visits.templatetags.remembered_urls import remembered_reverse

register = template.Library()
DASH = "\N{EM DASH}"
DAY = "M j, Y"  # as {{ moment|date:"M j, Y" }}, in the viewer's zone


def _observation(observation) -> str:
    flag = (
        f"{conditional_escape(observation.flag_symbol)} "
        f"{conditional_escape(observation.get_flag_display())}"
        if observation.flag
        else DASH
    )
    corrected = " (corrected)" if observation.status == "corrected" else ""
    return (
        "\n          <tr>\n"
        f'            <th scope="row">{conditional_escape(observation.name)}</th>\n'
        f"            <td>{conditional_escape(observation.display_value)} "
        f"{conditional_escape(observation.unit)}</td>\n"
        f"            <td>{conditional_escape(observation.range_words or DASH)}</td>\n"
        f"            <td>{flag}{corrected}</td>\n"
        "          </tr>\n          "
    )


def _report(report) -> str:
    pk = report.pk
    url = conditional_escape(remembered_reverse("results:report_detail", [pk]))
    collected = f", collected {written(report.collected_at, DAY)}" if report.collected_at else ""
    if report.released_at:
        release = f"Released to the patient {written(report.released_at, DAY)}"
    elif report.held_at:
        release = f"Held from the patient: {conditional_escape(report.hold_reason)}"
    else:
        release = "Not yet released to the patient"
    table = ""
    if report.current_observations:
        rows = "".join(_observation(observation) for observation in report.current_observations)
        table = (
            "\n      "
            f'<div class="table-scroll" role="region" aria-labelledby="report-{pk}" tabindex="0">'
            "\n      <table>\n"
            '        <thead><tr><th scope="col">Test</th><th scope="col">Value</th>'
            '<th scope="col">Range</th><th scope="col">Flag</th></tr></thead>\n'
            f"        <tbody>\n          {rows}\n        </tbody>\n"
            "      </table>\n      </div>\n      "
        )
    return (
        "\n"
        f'    <article aria-labelledby="report-{pk}">\n'
        f'      <h3 id="report-{pk}"><a href="{url}">{conditional_escape(report.name)}</a>'
        f"{collected}</h3>\n"
        f"      <p>{conditional_escape(report.get_status_display())} · {release}</p>\n"
        f"      {table}\n"
        "    </article>\n  "
    )


@register.simple_tag
def chart_reports(reports: Iterable) -> SafeString:
    """Each report newest first, with its current observations; a line when there is none."""
    articles = "".join(_report(report) for report in reports)
    return SafeString(articles or '\n    <p class="empty">No lab results.</p>\n  ')
