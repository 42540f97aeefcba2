"""What a patient's chart shows a treating clinician: who they are, their health history as it
stood at each visit, answers and scores, past visits with their notes, prescriptions and lab
results. Every list is bounded ("show more" asks for a longer one) and the queries are fixed.

Psychotherapy notes are never read here: only their author sees them, on the visit's own page.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BigIntegerField
from django.http import QueryDict
from django.utils import timezone

from accounts import policy
from accounts.models import User
from config.prepared import Param, Params, Prepared, Viewer
from visits.intake.models import Intake, IntakeStep
from visits.intake.selectors import intake_summary
from visits.questionnaires import charts
from visits.questionnaires.selectors import SCORED_SLUGS, SCORES_PAGE
from visits.records import chart_rows
from visits.results.display import number
from visits.results.flags import Flag
from visits.results.models import LabReport, Observation

PAGE = 10
MOST_SHOWN = 500
# The standing record a clinician reads first; the full history is on the intake's page.
CHART_SECTIONS = [
    IntakeStep.HISTORY.value,
    IntakeStep.MEDICATIONS.value,
    IntakeStep.ALLERGIES.value,
    IntakeStep.EMERGENCY_CONTACT.value,
    IntakeStep.PHARMACY.value,
]
LISTS = ("visits", "answers", "prescriptions", "results")
# What the chart's score chart says of its figures: the page lists the latest, not all of them.
CHART_SCORES_DESC = (
    "The latest PHQ-9 and GAD-7 totals over time; lower is better. Every figure, older ones "
    "too, is listed on the score history page."
)


@dataclass(frozen=True)
class Shown:
    """How many rows of each list the chart shows: PAGE unless asked for more."""

    visits: int = PAGE
    answers: int = PAGE
    prescriptions: int = PAGE
    results: int = PAGE

    @classmethod
    def from_query(cls, query: QueryDict) -> "Shown":
        """From ?visits=20&results=30 …; anything not a number from PAGE to MOST_SHOWN is PAGE."""
        counts = {}
        for name in LISTS:
            raw = query.get(name, "")
            count = int(raw) if raw.isdigit() and len(raw) < 5 else PAGE
            counts[name] = count if PAGE <= count <= MOST_SHOWN else PAGE
        return cls(**counts)

    def more(self, name: str) -> str:
        """The query string that shows PAGE more of `name`, the other lists as they are."""
        counts = {other: getattr(self, other) for other in LISTS}
        counts[name] = min(counts[name] + PAGE, MOST_SHOWN)
        query = QueryDict(mutable=True)
        query.update({key: str(value) for key, value in counts.items() if value != PAGE})
        return f"?{query.urlencode()}#{name}"


def range_words(low: Decimal | None, high: Decimal | None, text: str) -> str:
    """The reference range as the lab sent it, else from its limits ("3.5 to 5.1" with a dash, "≤ 200", "≥ 40")."""
    if text:
        return text
    if low is not None and high is not None:
        return f"{number(low)}\N{EN DASH}{number(high)}"
    if high is not None:
        return f"≤ {number(high)}"
    if low is not None:
        return f"≥ {number(low)}"
    return ""


def _age(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _bounded(rows: list, count: int) -> tuple[list, bool]:
    return rows[:count], len(rows) > count


def _answers_and_scores(viewer, patient, count: int) -> tuple[list, bool, list]:
    """The newest `count` questionnaires (and whether there are more), and the latest PHQ-9 and
    GAD-7 ones for the score chart, newest first: as many as the first page of the score history
    charts, where the older ones are. One query when the questionnaires read hold them."""
    limit = max(count, SCORES_PAGE) + 1
    rows = chart_rows.answers(viewer, patient, limit)
    scored = [row for row in rows if row.slug in SCORED_SLUGS][:SCORES_PAGE]
    # The rows are the newest of all: they hold the newest scored ones when they are all there
    # are, or when a page of scored ones is among them.
    if len(rows) == limit and len(scored) < SCORES_PAGE:
        scored = chart_rows.answers(viewer, patient, SCORES_PAGE, scored_only=True)
    return rows[:count], len(rows) > count, scored


@dataclass(frozen=True)
class ObservationRow:
    """What the chart's table shows of one current observation, from its columns."""

    name: str
    display_value: str  # as Observation.display_value: the number unpadded, else the text
    unit: str
    range_words: str
    flag: str
    flag_symbol: str
    status: str

    def get_flag_display(self) -> str:
        """As Observation.get_flag_display()."""
        return FLAG_CHOICES.get(self.flag, self.flag)


FLAG_CHOICES = dict(Flag.CHOICES)
# observation_row()'s arguments, in its order.
OBSERVATION_COLUMNS = (
    "name", "value", "value_text", "unit", "flag", "status",
    "reference_low", "reference_high", "reference_text",
)  # fmt: skip


# The chart's queries, built and compiled once (config.prepared).
CURRENT_OBSERVATIONS = Prepared(
    lambda reports: (
        Observation.objects.filter(report_id__in=reports, superseded_by__isnull=True)
        .order_by("position", "pk")
        .values_list("report_id", *OBSERVATION_COLUMNS)
    ),
    reports=Params("reports", BigIntegerField()),
)
LAB_REPORTS = Prepared(
    lambda viewer, patient: policy.LAB_REPORTS.filter(
        LabReport.objects.filter(patient=patient), viewer
    ).order_by("-collected_at", "-received_at", "-pk"),
    viewer=Viewer(),
    patient=Param("patient", BigIntegerField()),
)
INTAKE = Prepared(
    lambda patient: (
        Intake.objects.filter(patient=patient).only("pk", "answers", "updated_at").order_by("pk")
    ),
    patient=Param("patient", BigIntegerField()),
)


def _observation_rows(report_ids: list[int]) -> dict[int, list[ObservationRow]]:
    """The current observations (a corrected value replaces the one it corrects) of these
    reports, by report, in the lab's order: one query of plain rows, none for no reports."""
    rows: dict[int, list[ObservationRow]] = {pk: [] for pk in report_ids}
    if not report_ids:
        return rows
    for report_id, *columns in CURRENT_OBSERVATIONS.run(reports=report_ids):
        rows[report_id].append(observation_row(*columns))
    return rows


def observation_row(
    name: str,
    value: Decimal | None,
    text: str,
    unit: str,
    flag: str,
    status: str,
    low: Decimal | None,
    high: Decimal | None,
    range_text: str,
) -> ObservationRow:
    """An observation's row from its columns (in _observation_rows' order)."""
    return ObservationRow(
        name=name,
        display_value=text if value is None else number(value),
        unit=unit,
        range_words=range_words(low, high, range_text),
        flag=flag,
        flag_symbol=Flag.SYMBOLS.get(flag, ""),
        status=status,
    )


def _lab_reports(viewer, patient, count: int) -> list[LabReport]:
    """Reports newest first, each with its current observations (`current_observations`)."""
    reports = LAB_REPORTS.run(viewer=viewer, patient=patient, limit=count + 1)
    observations = _observation_rows([report.pk for report in reports])
    for report in reports:
        report.current_observations = observations[report.pk]
    return reports


def chart_page(
    viewer, patient: User, *, shown: Shown, now: datetime.datetime | None = None
) -> dict:
    """Everything the chart shows; `patient` comes from policy.CLINICAL_PATIENTS. The caller
    records the read once with `audited`."""
    now = now or timezone.now()
    profile = patient.patient_profile_or_none
    intakes = INTAKE.run(patient=patient, limit=1)
    intake = intakes[0] if intakes else None
    visits, more_visits = _bounded(
        chart_rows.past_visits(viewer, patient, shown.visits + 1, now), shown.visits
    )
    answers, more_answers, scored = _answers_and_scores(viewer, patient, shown.answers)
    scored.reverse()  # oldest first
    score_chart = charts.line_chart(
        charts.series_of((row.slug, row.submitted_at, row.total, row.band) for row in scored)
    )
    prescriptions, more_prescriptions = _bounded(
        chart_rows.prescriptions(viewer, patient, shown.prescriptions + 1), shown.prescriptions
    )
    reports, more_reports = _bounded(_lab_reports(viewer, patient, shown.results), shown.results)
    notes = [visit.note for visit in visits if visit.note is not None]
    pid = patient.pk
    audited = {
        "details": [(pid, profile.pk)] if profile else [],
        "intake": [(pid, intake.pk)] if intake else [],
        "visit": [(pid, visit.pk) for visit in visits],
        "note": [(pid, note.pk) for note in notes],
        "answers": [(pid, response.pk) for response in [*answers, *scored]],
        "prescription": [(pid, rx.pk) for rx in prescriptions],
        "lab result": [(pid, report.pk) for report in reports],
    }
    return {
        "patient": patient,
        "profile": profile,
        "age": _age(profile.date_of_birth, timezone.localdate(now)) if profile else None,
        "intake": intake,
        "intake_summary": intake_summary(intake.answers if intake else {}, CHART_SECTIONS),
        "visits": visits,
        "answers": answers,
        "score_chart": charts.chart_markup(score_chart, desc=CHART_SCORES_DESC)
        if score_chart
        else "",
        "prescriptions": prescriptions,
        "reports": reports,
        "more": {
            "visits": shown.more("visits") if more_visits else "",
            "answers": shown.more("answers") if more_answers else "",
            "prescriptions": shown.more("prescriptions") if more_prescriptions else "",
            "results": shown.more("results") if more_reports else "",
        },
        "viewer": viewer,
        "audited": audited,
    }
