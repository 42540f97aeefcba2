"""Reads of the visit record that several pages share."""

from dataclasses import dataclass

from visits.records.models import Prescription

PAST_PRESCRIPTIONS_LISTED = 20


@dataclass(frozen=True)
class MedicationList:
    """A patient's prescriptions: every active one, and the most recent past ones (completed or
    stopped), with whether there are more past ones than shown."""

    active: list[Prescription]
    past: list[Prescription]
    more_past: bool


def medication_list(patient, *, past_limit: int = PAST_PRESCRIPTIONS_LISTED) -> MedicationList:
    """The patient's medication list in two queries, whatever their number of prescriptions.

    `patient` must come from a policy rule the viewer passed; the caller audits what it shows.
    """
    rows = Prescription.objects.filter(patient=patient).select_related(
        "prescriber__provider_profile", "status_changed_by"
    )
    active = list(rows.filter(status=Prescription.Status.ACTIVE).order_by("-created_at", "pk"))
    past = list(
        rows.exclude(status=Prescription.Status.ACTIVE).order_by("-status_changed_at", "-pk")[
            : past_limit + 1
        ]
    )
    return MedicationList(active=active, past=past[:past_limit], more_past=len(past) > past_limit)
