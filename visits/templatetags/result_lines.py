"""The results page's rows, written in Python: medications, lab orders, reports and short
trends (visits.results.lines). With a long record each list is a full page, and the template
engine's lookups, loops and includes for those rows cost more than the rest of the page
together, so the page cost twice as much with a long record as with a short one.
`tests/visits/results/` holds the templates these rows were written with, and tests that each
tag writes what its template wrote, character for character."""

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString

from config.html import conditional_escape
from visits.results.lines import MedicationLine, OrderLine, ReportLine, ReportLineGroup, TrendLine
from visits.results.shown import ReportState

register = template.Library()
NO_PLACE = "Not given yet: ask the clinic where to go."
NO_INSTRUCTIONS = "No special instructions were given."


def _medication(rx: MedicationLine, level: str) -> str:
    ended = (
        f"<p><strong>{conditional_escape(rx.ended)}</strong>"
        f"{conditional_escape(rx.ended_detail)}</p>"
        if rx.ended
        else ""
    )
    return (
        '<li><article class="medication">\n'
        f"  <h{level}>{conditional_escape(rx.name)} <small>{conditional_escape(rx.form)}</small>"
        f"</h{level}>\n"
        f"  <p>{conditional_escape(rx.directions)}</p>\n"
        f'  <p class="medication-meta">{conditional_escape(rx.meta)}</p>\n'
        f"  {ended}\n"
        "</article></li>"
    )


@register.simple_tag
def medication_lines(medications: Iterable[MedicationLine], level: object) -> SafeString:
    """Prescriptions as list items, their names at heading `level`."""
    level = conditional_escape(str(level))
    return SafeString("\n" + "".join(_medication(rx, level) for rx in medications) + "\n")


def _order(order: OrderLine) -> str:
    reason = f"<dt>Why</dt><dd>{conditional_escape(order.reason)}</dd>" if order.reason else ""
    return (
        '<li><article class="lab-order">\n'
        f'  <h3 class="order-name">{conditional_escape(order.test_name)}</h3>\n'
        f'  <p class="order-meta">{conditional_escape(order.ordered)} '
        f"<strong>{conditional_escape(order.status_words)}</strong></p>\n"
        '  <dl class="facts">\n'
        f"    {reason}\n"
        f"    <dt>Where to go</dt><dd>{conditional_escape(order.where_to_go or NO_PLACE)}</dd>\n"
        "    <dt>What to do</dt>"
        f"<dd>{conditional_escape(order.instructions or NO_INSTRUCTIONS)}</dd>\n"
        "  </dl>\n"
        "</article></li>"
    )


@register.simple_tag
def order_lines(orders: Iterable[OrderLine]) -> SafeString:
    """Lab orders as list items, with where to go and what to do."""
    return SafeString("\n" + "".join(_order(order) for order in orders) + "\n")


def _trend_row(row: dict) -> str:
    symbol = (
        f' <span aria-hidden="true">{conditional_escape(row["flag_symbol"])}</span>'
        if row["flag_symbol"]
        else ""
    )
    return (
        "\n        "
        f'<tr><th scope="row">{conditional_escape(row["when"])}</th>'
        f"<td>{conditional_escape(row['value'])}</td>"
        f'<td><span class="flag flag-{conditional_escape(row["flag"])}">'
        f"{conditional_escape(row['flag_words'])}{symbol}</span></td></tr>\n      "
    )


def _trend(trend: TrendLine, level: str) -> str:
    anchor = conditional_escape(trend.anchor)
    rows = "".join(_trend_row(row) for row in trend.rows)
    return (
        "\n"
        f'<section class="trend trend-short" id="{anchor}" aria-labelledby="{anchor}-heading">\n'
        f'  <h{level} id="{anchor}-heading">{conditional_escape(trend.heading)}</h{level}>\n'
        '  <table class="striped">\n'
        f"    <caption>{conditional_escape(trend.caption)}</caption>\n"
        '    <thead><tr><th scope="col">Date collected</th><th scope="col">Result</th>'
        '<th scope="col">Flag</th></tr></thead>\n'
        "    <tbody>\n"
        f"      {rows}\n"
        "    </tbody>\n"
        "  </table>\n"
        f'  <p><a href="{conditional_escape(trend.history_url)}">Every '
        f"{conditional_escape(trend.name)} result, as a chart and a table</a></p>\n"
        "</section>\n"
    )


@register.simple_tag
def trend_lines(trends: Iterable[TrendLine], level: object) -> SafeString:
    """Short trends, each a test's last few values newest first, headed at `level`."""
    level = conditional_escape(str(level))
    return SafeString("\n" + "".join(_trend(trend, level) for trend in trends) + "\n")


def _report(line: ReportLine, zone_name: str) -> str:
    pk = line.pk
    name = conditional_escape(line.name)
    url = conditional_escape(line.url)
    new = " is-new" if line.is_new else ""
    badge = ' <span class="badge-new">New</span>' if line.is_new else ""
    lab = f" · {conditional_escape(line.lab)}" if line.lab else ""
    if line.is_released:
        state = (
            f'<p class="report-counts">{conditional_escape(line.counts)} <a href="{url}">'
            f'See the values<span class="visually-hidden"> of {name}</span></a></p>'
        )
    elif line.state == ReportState.PENDING_REVIEW:
        when = (
            f"released by {conditional_escape(line.release_by)} {zone_name} at the latest"
            if line.release_by
            else "your clinician is reviewing it and will release it soon"
        )
        state = (
            '<p class="report-state pending"><strong>Pending review</strong> — '
            f"{when}. Your clinician is looking at these results first so they can talk them "
            "through with you.</p>"
        )
    else:
        state = (
            '<p class="report-state waiting"><strong>Waiting for the lab</strong> — the final '
            "results are not in yet. They appear here as soon as they are.</p>"
        )
    return (
        "\n"
        f'<article class="lab-report{new}" id="report-{pk}" aria-labelledby="report-{pk}-name">\n'
        f'  <h4 id="report-{pk}-name" class="report-name"><a href="{url}">{name}</a>{badge}</h4>\n'
        f'  <p class="report-meta">{conditional_escape(line.when)} {zone_name}{lab}</p>\n'
        f"  \n    {state}\n  \n"
        "</article>\n        "
    )


def _group(group: ReportLineGroup, zone_name: str) -> str:
    anchor = conditional_escape(group.anchor)
    heading = (
        f"{conditional_escape(group.heading)} <small>{conditional_escape(group.ordered)}</small>"
        if group.order_id
        else "Other results"
    )
    reports = "".join(_report(line, zone_name) for line in group.reports)
    return (
        "\n      "
        f'<section class="order-group" id="{anchor}" aria-labelledby="{anchor}-heading">\n'
        f'        <h3 id="{anchor}-heading">{heading}</h3>\n'
        f"        {reports}\n"
        "      </section>\n    "
    )


@register.simple_tag
def report_groups(groups: Iterable[ReportLineGroup], zone_name: str) -> SafeString:
    """The listed reports under the lab order each answers, times in `zone_name`."""
    zone = conditional_escape(zone_name)
    return SafeString("".join(_group(group, zone) for group in groups))
