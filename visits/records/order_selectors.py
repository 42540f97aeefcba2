"""What the orders page and the printable prescription show, read in a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Q, UUIDField

from config.prepared import Param, Prepared
from visits.intake.models import IntakeStep
from visits.intake.selectors import format_phone, intake_of
from visits.records.models import LabOrder, Prescription
from visits.scheduling.models import Visit


@dataclass(frozen=True)
class HealthHistoryFacts:
    """What the prescriber needs from the patient's intake as it stands."""

    intake_id: int | None
    pharmacy: str
    allergies: list[dict] = field(default_factory=list)
    no_known_allergies: bool = False
    allergies_given: bool = False


def pharmacy_words(saved: dict | None) -> str:
    """The intake's pharmacy step as one line: name, address, phone."""
    if not saved:
        return ""
    parts = [saved.get("name", ""), saved.get("address", ""), format_phone(saved.get("phone", ""))]
    return ", ".join(part for part in parts if part)


def health_history_facts(patient_id: int) -> HealthHistoryFacts:
    """The patient's preferred pharmacy and allergies, from their intake, in one query."""
    intake = intake_of(patient_id)
    if intake is None:
        return HealthHistoryFacts(intake_id=None, pharmacy="")
    answers = intake.answers or {}
    allergies = answers.get(IntakeStep.ALLERGIES.value)
    return HealthHistoryFacts(
        intake_id=intake.pk,
        pharmacy=pharmacy_words(answers.get(IntakeStep.PHARMACY.value)),
        allergies=list((allergies or {}).get("allergies") or []),
        no_known_allergies=bool((allergies or {}).get("no_known_allergies")),
        allergies_given=allergies is not None,
    )


@dataclass(frozen=True)
class VisitOrders:
    """A visit's prescriptions and lab orders, the patient's active prescriptions from other
    visits, and what the intake says of pharmacy and allergies."""

    patient_id: int
    prescriptions: list[Prescription]
    lab_orders: list[LabOrder]
    elsewhere: list[Prescription]
    history: HealthHistoryFacts

    def records(self) -> dict[str, list[tuple[int, object]]]:
        """What the page shows, by kind, for the audit."""
        shown: dict[str, list[tuple[int, object]]] = {
            "prescription": [(rx.patient_id, rx.pk) for rx in self.prescriptions + self.elsewhere],
            "lab order": [(order.patient_id, order.pk) for order in self.lab_orders],
        }
        if self.history.intake_id is not None:
            shown["health history"] = [(self.patient_id, self.history.intake_id)]
        return shown


# The orders page's queries, built and compiled once (config.prepared).
VISIT = Param("visit", UUIDField())
PRESCRIPTIONS = Prepared(
    lambda visit, patient: (
        Prescription.objects.filter(
            Q(visit=visit) | Q(patient_id=patient, status=Prescription.Status.ACTIVE)
        )
        .select_related("status_changed_by", "prescriber")
        .order_by()
    ),
    visit=VISIT,
    patient=Param("patient", BigIntegerField()),
)
LAB_ORDERS = Prepared(
    lambda visit: LabOrder.objects.filter(visit=visit).order_by("created_at", "pk"), visit=VISIT
)


def visit_orders(visit: Visit) -> VisitOrders:
    """Everything the orders page shows for a visit the viewer may read, in three queries.

    The visit's prescriptions and the patient's active ones from other visits come in one
    query, oldest first, and are parted here; the others are listed newest first.
    """
    prescriptions: list[Prescription] = []
    elsewhere: list[Prescription] = []
    # Sorted here: an ORDER BY over a select of three tables' columns cost the ORM more to
    # compile than sorting a visit's prescriptions does.
    rows = PRESCRIPTIONS.run(visit=visit.pk, patient=visit.patient_id)
    for rx in sorted(rows, key=lambda rx: (rx.created_at, rx.pk)):
        (prescriptions if rx.visit_id == visit.pk else elsewhere).append(rx)
    elsewhere.sort(key=lambda rx: rx.pk)
    elsewhere.sort(key=lambda rx: rx.created_at, reverse=True)
    lab_orders = LAB_ORDERS.run(visit=visit.pk)
    return VisitOrders(
        patient_id=visit.patient_id,
        prescriptions=prescriptions,
        lab_orders=lab_orders,
        elsewhere=elsewhere,
        history=health_history_facts(visit.patient_id),
    )
