"""What a clinician's report page shows: the report, its observations and the values they
corrected, in a fixed number of queries whatever the number of observations."""

from collections import defaultdict

from django.db.models import BigIntegerField, QuerySet

from accounts import policy
from config.prepared import Param, Params, Prepared, Viewer
from visits.results.models import LabReport, Observation


def reports_for_clinician(user) -> QuerySet[LabReport]:
    """The reports this clinician may read (policy.LAB_REPORTS), with who ordered, held and
    entered each and the patient's profile."""
    return policy.LAB_REPORTS.filter(
        LabReport.objects.select_related(
            "patient__patient_profile", "ordering_clinician", "held_by", "entered_by", "order"
        ),
        user,
    )


REPORT = Param("report", BigIntegerField())
# The queries of every report page, built and compiled once (config.prepared).
CLINICIANS_REPORT = Prepared(
    lambda viewer, report: reports_for_clinician(viewer).filter(pk=report).order_by("pk"),
    viewer=Viewer(),
    report=REPORT,
)
REPORT_OBSERVATIONS = Prepared(
    lambda report: (
        Observation.objects.filter(report_id=report)
        .select_related("superseded_by", "critical_alert")
        .order_by("position", "pk")
    ),
    report=REPORT,
)
EARLIER_VALUES = Prepared(
    lambda corrected: Observation.objects.filter(superseded_by_id__in=corrected).order_by(
        "-created_at", "-pk"
    ),
    corrected=Params("corrected", BigIntegerField()),
)


def report_for_clinician(user, pk: int) -> LabReport | None:
    """One report this clinician may read (reports_for_clinician), or None: one query."""
    found = CLINICIANS_REPORT.run(viewer=user, report=pk, limit=1)
    return found[0] if found else None


def report_observations(report: LabReport) -> list[Observation]:
    """The report's observations in the lab's order, each with the value that replaced it (if
    corrected) and the earlier values it replaced (`earlier_values`), newest first: two queries
    in all."""
    observations = REPORT_OBSERVATIONS.run(report=report.pk)
    earlier: dict[int, list[Observation]] = defaultdict(list)
    if observations:
        for value in EARLIER_VALUES.run(corrected=[item.pk for item in observations]):
            earlier[value.superseded_by_id].append(value)
    for observation in observations:
        observation.earlier_values = earlier.get(observation.pk, [])
    return observations
