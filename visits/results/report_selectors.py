"""What a clinician's report page shows: the report, its observations and the values they
corrected, in a fixed number of queries whatever the number of observations."""

from django.db.models import Prefetch, QuerySet

from accounts import policy
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


def report_observations(report: LabReport) -> list[Observation]:
    """The report's observations in the lab's order, each with the value that replaced it (if
    corrected) and the earlier values it replaced, newest first: three queries in all."""
    earlier = Observation.objects.order_by("-created_at", "-pk")
    return list(
        report.observations.select_related("superseded_by", "critical_alert")
        .prefetch_related(Prefetch("supersedes", queryset=earlier, to_attr="earlier_values"))
        .order_by("position", "pk")
    )
