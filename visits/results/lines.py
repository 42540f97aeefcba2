"""The patient's results page, written once in Python: each listed report, visit, medication,
lab order and short trend as plain values and the words the page shows, so a row costs a few
attribute reads in the template rather than filters, tags and includes of its own.

The words are those the templates wrote before (the `date` filter's formats, the same
sentences), so the page reads the same.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from visits.records.models import Prescription
from visits.results.display import flag_symbol, flag_words, number
from visits.results.shown import ReportState
from visits.templatetags.english_dates import date as date_words


def written(value: datetime.datetime | None, format_string: str) -> str:
    """An aware time in the viewer's zone, as the `date` filter writes it with this format."""
    if value is None:
        return ""
    return date_words(timezone.localtime(value), format_string)


def full_name(display_name: str | None, email: str | None) -> str:
    """A user's name as User.get_full_name() gives it, from the two columns."""
    return display_name or email or ""


# Reports


@dataclass
class ReportLine:
    """One report in the results page's list: its name, when, and its values counted."""

    pk: int
    patient_id: int
    name: str
    state: str
    is_new: bool
    url: str
    when: str  # "Collected Oct 21, 2026, 8:20 AM"
    lab: str
    counts: SafeString | str = ""  # for a released report: how many values, how many flagged
    release_by: str = ""  # for one pending review: the latest it will be released

    @property
    def is_released(self) -> bool:
        return self.state == ReportState.RELEASED


@dataclass
class ReportLineGroup:
    """The listed reports that came back for one lab order (or, without an order, on their own)."""

    order_id: int | None
    heading: str  # the order's test name, or "" for results without an order
    ordered: str  # "ordered Dec 1, 2026 by Dr. Maya Patel"
    reports: list[ReportLine] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"order-{self.order_id}" if self.order_id else "results-without-order"


def counts_words(*, results: int, flagged: int, corrected: bool, preliminary: bool) -> SafeString:
    """A released report's values counted, as the list says it."""
    if not results:
        return SafeString("The lab sent no values with this report.")
    flagged_words = (
        format_html(", <strong>{} outside the normal range</strong>", flagged)
        if flagged
        else ", all in the normal range or with no range"
    )
    tail = ("; the lab corrected a value" if corrected else "") + (
        "; preliminary, the lab may still change them" if preliminary else ""
    )
    return format_html(
        "{} result{}{}{}.", results, "" if results == 1 else "s", flagged_words, tail
    )


def report_line(row: dict, state: str, counts: dict | None) -> ReportLine:
    """A report's row (from the results page's query) as the list shows it."""
    collected = row["collected_at"]
    when = (
        f"Collected {written(collected, 'M j, Y, g:i A')}"
        if collected
        else f"Received {written(row['received_at'], 'M j, Y, g:i A')}"
    )
    line = ReportLine(
        pk=row["pk"],
        patient_id=row["patient_id"],
        name=row["name"],
        state=state,
        is_new=state == ReportState.RELEASED and row["first_opened_at"] is None,
        url=reverse("results:my_report", args=[row["pk"]]),
        when=when,
        lab=row["performing_lab"],
    )
    if state == ReportState.RELEASED:
        counts = counts or {}
        line.counts = counts_words(
            results=counts.get("results", 0),
            flagged=counts.get("flagged", 0),
            corrected=bool(counts.get("corrections")),
            preliminary=row["status"] == "preliminary",
        )
    elif state == ReportState.PENDING_REVIEW:
        line.release_by = written(row["release_by"], "l, F j, Y, g:i A")
    return line


def report_line_groups(rows: list[dict], lines: list[ReportLine]) -> list[ReportLineGroup]:
    """The lines grouped by the order they answer, in the order of their first report."""
    groups: dict[int | None, ReportLineGroup] = {}
    for row, line in zip(rows, lines, strict=True):
        order_id = row["order_id"]
        group = groups.get(order_id)
        if group is None:
            ordered = ""
            if order_id is not None:
                clinician = full_name(
                    row["order__ordering_clinician__display_name"],
                    row["order__ordering_clinician__email"],
                )
                ordered = f"ordered {written(row['order__created_at'], 'M j, Y')}"
                if row["order__ordering_clinician_id"] is not None:
                    ordered += f" by {clinician}"
            group = groups[order_id] = ReportLineGroup(
                order_id, row["order__test_name"] or "", ordered
            )
        group.reports.append(line)
    return list(groups.values())


# Short trends


@dataclass
class TrendLine:
    """A test's last few values as the short trend writes them, newest first."""

    anchor: str
    heading: str  # "Potassium (mmol/L)"
    caption: str
    history_url: str
    name: str
    rows: list[dict]


def trend_line(trend) -> TrendLine:
    """A trend (visits.results.trends.Trend) as the results page and a report list it."""
    unit = f" {trend.unit}" if trend.unit else ""
    caption = f"{trend.name}: the last {len(trend.points)} results, newest first"
    if trend.range:
        caption += f"; normal range {trend.range}"
    url = reverse("results:my_test_history", args=[trend.loinc_code])
    return TrendLine(
        anchor=trend.anchor,
        heading=f"{trend.name} ({trend.unit})" if trend.unit else trend.name,
        caption=caption,
        history_url=f"{url}?unit={quote(trend.unit, safe='')}",
        name=trend.name,
        rows=[
            {
                "when": written(point.when, "M j, Y"),
                "value": number(point.value) + unit,
                "flag": point.flag or "none",
                "flag_words": flag_words(point.flag),
                "flag_symbol": flag_symbol(point.flag),
            }
            for point in reversed(trend.points)
        ],
    )


# Visits with summaries, medications and lab orders

SUMMARY_LINE_COLUMNS = (
    "pk",
    "patient_id",
    "visit_id",
    "visit__start",
    "visit__visit_type__name",
    "visit__provider__credentials",
    "visit__provider__user__display_name",
    "visit__provider__user__email",
)


@dataclass
class SummaryLine:
    """A visit with its after-visit summary, as the results page links to it."""

    pk: int
    patient_id: int
    visit_id: object
    url: str
    text: str  # "Oct 21, 2026: Therapy with Dr. Maya Patel, MD"


def provider_name(display_name: str | None, email: str | None, credentials: str | None) -> str:
    """A provider as ProviderProfile.__str__ names them, from the columns."""
    name = full_name(display_name, email)
    return f"{name}, {credentials}" if credentials else name


def summary_line(row: dict) -> SummaryLine:
    """A released summary's row as the results page lists it."""
    provider = provider_name(
        row["visit__provider__user__display_name"],
        row["visit__provider__user__email"],
        row["visit__provider__credentials"],
    )
    return SummaryLine(
        pk=row["pk"],
        patient_id=row["patient_id"],
        visit_id=row["visit_id"],
        url=reverse("results:my_visit_summary", args=[row["visit_id"]]),
        text=(
            f"{written(row['visit__start'], 'M j, Y')}: "
            f"{row['visit__visit_type__name']} with {provider}"
        ),
    )


MEDICATION_LINE_COLUMNS = (
    "pk",
    "patient_id",
    "medication",
    "strength",
    "form",
    "directions",
    "quantity",
    "quantity_unit",
    "refills",
    "substitution_allowed",
    "pharmacy",
    "status",
    "stop_reason",
    "status_changed_at",
    "created_at",
    "prescriber__display_name",
    "prescriber__email",
)


FORM_WORDS = dict(Prescription.Form.choices)
STATUS_WORDS = dict(Prescription.Status.choices)


@dataclass
class MedicationLine:
    """A prescription as the patient reads it."""

    pk: int
    patient_id: int
    medication: str
    name: str  # "Amoxicillin 500 mg"
    form: str  # "capsule"
    directions: str
    meta: str  # "30 capsules, 0 refills. Prescribed Oct 21, 2026 by Dr. Maya Patel, to CVS."
    ended: str = ""  # "Stopped", for one no longer active
    ended_detail: str = ""  # " on Nov 2, 2026: Cough gone"


def medication_line(row: dict) -> MedicationLine:
    """A prescription's row as the results page and a visit summary show it."""
    unit = f" {row['quantity_unit']}" if row["quantity_unit"] else ""
    refills = row["refills"]
    meta = (
        f"{row['quantity']}{unit}, {refills} refill{'' if refills == 1 else 's'}"
        f"{'' if row['substitution_allowed'] else ', brand as written (no generic)'}. "
        f"Prescribed {written(row['created_at'], 'M j, Y')} by "
        f"{full_name(row['prescriber__display_name'], row['prescriber__email'])}"
        f"{', to ' + row['pharmacy'] if row['pharmacy'] else ''}."
    )
    line = MedicationLine(
        pk=row["pk"],
        patient_id=row["patient_id"],
        medication=row["medication"],
        name=f"{row['medication']} {row['strength']}",
        form=str(FORM_WORDS.get(row["form"], row["form"])).lower(),
        directions=row["directions"],
        meta=meta,
    )
    if row["status"] != Prescription.Status.ACTIVE:
        line.ended = str(STATUS_WORDS.get(row["status"], row["status"]))
        if row["status_changed_at"]:
            line.ended_detail = f" on {written(row['status_changed_at'], 'M j, Y')}"
        if row["stop_reason"]:
            line.ended_detail += f": {row['stop_reason']}"
    return line


ORDER_LINE_COLUMNS = (
    "pk",
    "patient_id",
    "test_name",
    "created_at",
    "status",
    "reason",
    "where_to_go",
    "instructions",
    "ordering_clinician__display_name",
    "ordering_clinician__email",
)


@dataclass
class OrderLine:
    """A lab order with where to go and what to do."""

    pk: int
    patient_id: int
    test_name: str
    ordered: str  # "Ordered Oct 21, 2026 by Dr. Maya Patel."
    status_words: str
    reason: str
    where_to_go: str
    instructions: str


def order_line(row: dict, status_words: dict) -> OrderLine:
    """A lab order's row as the results page and a visit summary show it."""
    clinician = full_name(row["ordering_clinician__display_name"], row["ordering_clinician__email"])
    ordered = f"Ordered {written(row['created_at'], 'M j, Y')}"
    return OrderLine(
        pk=row["pk"],
        patient_id=row["patient_id"],
        test_name=row["test_name"],
        ordered=f"{ordered} by {clinician}." if clinician else f"{ordered}.",
        status_words=status_words.get(row["status"], ""),
        reason=row["reason"],
        where_to_go=row["where_to_go"],
        instructions=row["instructions"],
    )
