"""The chart's past visits (with their notes), questionnaires and prescriptions, read as plain
values and written in words once here, so the page prints each row without a filter, tag or
model method per field. `chart.py` decides what is shown; this module only reads and words it.
"""

import datetime
import functools
import uuid
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    Case,
    DateTimeField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.safestring import SafeString

from accounts import policy
from config.prepared import Param, Params, Prepared, Viewer
from visits.intake.models import IntakeVersion
from visits.questionnaires.models import QuestionnaireResponse
from visits.questionnaires.selectors import SCORED_SLUGS
from visits.records.models import NoteAddendum, NoteDiagnosis, Prescription, VisitNote
from visits.scheduling.display import MONTHS, clock
from visits.scheduling.models import Visit
from visits.templatetags.remembered_urls import remembered_reverse
from visits.templatetags.zones import zone_words

NOTE_PARTS = (
    ("subjective", "Subjective"),
    ("objective", "Objective"),
    ("assessment", "Assessment"),
    ("plan", "Plan"),
)
VISIT_STATUSES = dict(Visit.Status.choices)
RX_STATUSES = dict(Prescription.Status.choices)
RX_FORMS = dict(Prescription.Form.choices)


def long_day(value: datetime.date) -> str:
    """A date as the chart writes it: November 17, 2026 ("F j, Y")."""
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year:04d}"


def short_day(value: datetime.date) -> str:
    """A date in short: Nov 17, 2026 ("M j, Y")."""
    return f"{MONTHS[value.month - 1][:3]} {value.day}, {value.year:04d}"


def _moment(value: datetime.datetime) -> str:
    """A local date and time: November 17, 2026, 10:00 AM ("F j, Y, g:i A")."""
    local = timezone.localtime(value)
    return f"{long_day(local)}, {clock(local)}"


def _name(display_name: str, email: str) -> str:
    # User.get_full_name, from the two columns it reads.
    return display_name or email


@dataclass(frozen=True)
class NoteShown:
    """A visit's note as the chart prints it: its heading, parts, diagnoses and addenda."""

    pk: int
    heading: str
    parts: list[tuple[str, SafeString]]
    diagnoses: list[str]
    addenda: list[tuple[str, SafeString]]


@dataclass(frozen=True)
class PastVisit:
    """One past visit on the chart, in words, with its links and the note the viewer may read."""

    pk: uuid.UUID
    heading: str
    summary: str
    history_url: str
    history_words: str
    note_url: str
    orders_url: str
    note: NoteShown | None


def _version_at() -> Coalesce:
    # As intake.selectors.intake_as_of: the latest made by the visit's start, else the first.
    versions = IntakeVersion.objects.filter(patient=OuterRef("patient"))
    return Coalesce(
        Subquery(
            versions.filter(created_at__lte=OuterRef("start"))
            .order_by("-created_at", "-number")
            .values("number")[:1]
        ),
        Subquery(versions.order_by("number").values("number")[:1]),
    )


# The chart's queries, built and compiled once (config.prepared) and run with the viewer, the
# patient and the rows shown.
NOTES = Prepared(
    lambda viewer, visits: (
        policy.VISIT_NOTES.filter(
            VisitNote.objects.filter(Q(status=VisitNote.Status.SIGNED) | Q(author=viewer)), viewer
        )
        .filter(visit_id__in=visits)
        .values(
            "pk",
            "visit_id",
            "status",
            "signed_at",
            "author__display_name",
            "author__email",
            *(field for field, _ in NOTE_PARTS),
        )
    ),
    viewer=Viewer(),
    visits=Params("visits", UUIDField()),
)
NOTE_DIAGNOSES = Prepared(
    lambda notes: (
        NoteDiagnosis.objects.filter(note_id__in=notes)
        .order_by("position", "pk")
        .values_list("note_id", "code", "description")
    ),
    notes=Params("notes", BigIntegerField()),
)
NOTE_ADDENDA = Prepared(
    lambda notes: (
        NoteAddendum.objects.filter(note_id__in=notes)
        .order_by("created_at", "pk")
        .values_list("note_id", "author__display_name", "author__email", "created_at", "text")
    ),
    notes=Params("notes", BigIntegerField()),
)
PATIENT = Param("patient", BigIntegerField())


def _notes(viewer, visit_ids: list) -> dict:
    """The notes of these visits the viewer may read (signed, or their own draft), by visit:
    three queries, or none for no visits."""
    if not visit_ids:
        return {}
    rows = NOTES.run(viewer=viewer, visits=visit_ids)
    if not rows:
        return {}
    note_ids = [row["pk"] for row in rows]
    diagnoses: dict[int, list[str]] = {pk: [] for pk in note_ids}
    for note_id, code, description in NOTE_DIAGNOSES.run(notes=note_ids):
        diagnoses[note_id].append(f"{code} {description}")
    addenda: dict[int, list[tuple[str, SafeString]]] = {pk: [] for pk in note_ids}
    for note_id, display_name, email, created_at, text in NOTE_ADDENDA.run(notes=note_ids):
        heading = f"Addendum by {_name(display_name, email)}, {_moment(created_at)}:"
        addenda[note_id].append((heading, linebreaksbr(text, autoescape=True)))
    shown = {}
    for row in rows:
        if row["status"] == VisitNote.Status.SIGNED:
            author = _name(row["author__display_name"], row["author__email"])
            heading = f"Note signed by {author} on {_moment(row['signed_at'])}"
        else:
            heading = "Your draft note (not signed)"
        parts = [
            (label, linebreaksbr(row[field], autoescape=True))
            for field, label in NOTE_PARTS
            if row[field]
        ]
        shown[row["visit_id"]] = NoteShown(
            row["pk"], heading, parts, diagnoses[row["pk"]], addenda[row["pk"]]
        )
    return shown


PAST_VISITS = Prepared(
    lambda viewer, patient, now: (
        policy.CLINICAL_RECORDS.filter(Visit.objects.filter(patient=patient), viewer)
        .filter(start__lt=now)
        .annotate(intake_version=_version_at())
        .order_by("-start", "pk")
        .values(
            "pk",
            "start",
            "status",
            "reason",
            "intake_version",
            "visit_type__name",
            "provider__credentials",
            "provider__user_id",
            "provider__user__display_name",
            "provider__user__email",
        )
    ),
    viewer=Viewer(),
    patient=PATIENT,
    now=Param("now", DateTimeField()),
)


def past_visits(viewer, patient, limit: int, now: datetime.datetime) -> list[PastVisit]:
    """Up to `limit` of the patient's visits that began, newest first (with any clinician), each
    with the intake version in effect at it and its note if the viewer may read it."""
    rows = PAST_VISITS.run(viewer=viewer, patient=patient, now=now, limit=limit)
    notes = _notes(viewer, [row["pk"] for row in rows])
    history_url = remembered_reverse("patient_intake", [patient.pk])
    visits = []
    for row in rows:
        start, pk = row["start"], row["pk"]
        local = timezone.localtime(start)
        # ProviderProfile.__str__, from the columns it reads.
        provider = _name(row["provider__user__display_name"], row["provider__user__email"])
        if row["provider__credentials"]:
            provider = f"{provider}, {row['provider__credentials']}"
        heading = (
            f"{long_day(local)}, {clock(local)} {zone_words(local)}: "
            f"{row['visit_type__name']} with {provider}"
        )
        summary = str(VISIT_STATUSES.get(row["status"], row["status"]))
        if row["reason"]:
            summary += f" · Reason: {row['reason']}"
        version = row["intake_version"]
        own = row["provider__user_id"] == viewer.pk
        visits.append(
            PastVisit(
                pk=pk,
                heading=heading,
                summary=summary,
                history_url=f"{history_url}?visit={pk}",
                history_words="Health history as it stood then"
                + (f" (version {version})" if version else ""),
                note_url=remembered_reverse("records:visit_note", [pk]) if own else "",
                orders_url=remembered_reverse("records:visit_orders", [pk]) if own else "",
                note=notes.get(pk),
            )
        )
    return visits


@dataclass(frozen=True)
class AnswerRow:
    """One submitted questionnaire on the chart, in words."""

    pk: int
    slug: str
    submitted_at: datetime.datetime
    total: int | None
    band: str
    day: str
    url: str
    title: str
    score: str
    red_flag: bool


def _answers(viewer, patient, *, scored_only: bool) -> QuerySet:
    responses = policy.CLINICAL_RECORDS.filter(QuestionnaireResponse.objects.submitted(), viewer)
    responses = responses.filter(patient=patient)
    if scored_only:
        responses = responses.filter(questionnaire__slug__in=SCORED_SLUGS)
    return responses.order_by("-submitted_at", "-pk").values_list(
        "pk",
        "submitted_at",
        "total",
        "band",
        "flags",
        "questionnaire__slug",
        "questionnaire__title",
    )


ANSWERS = {
    scored_only: Prepared(
        functools.partial(_answers, scored_only=scored_only), viewer=Viewer(), patient=PATIENT
    )
    for scored_only in (True, False)
}


def answers(viewer, patient, limit: int, *, scored_only: bool = False) -> list[AnswerRow]:
    """Up to `limit` of the patient's submitted questionnaires, newest first; only PHQ-9 and
    GAD-7 ones when `scored_only`."""
    rows = ANSWERS[scored_only].run(viewer=viewer, patient=patient, limit=limit)
    return [
        AnswerRow(
            pk=pk,
            slug=slug,
            submitted_at=submitted_at,
            total=total,
            band=band,
            day=short_day(timezone.localtime(submitted_at)),
            url=remembered_reverse("questionnaire_result", [pk]),
            title=title,
            score="" if total is None else f", {total} ({band})",
            red_flag=bool(flags),
        )
        for pk, submitted_at, total, band, flags, slug, title in rows
    ]


@dataclass(frozen=True)
class PrescriptionRow:
    """One prescription on the chart, in words."""

    pk: int
    medication: str
    directions: str
    amount: str
    status: str
    prescribed: str


def _prescriptions(viewer, patient) -> QuerySet:
    inactive = Case(
        When(status=Prescription.Status.ACTIVE, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        policy.CLINICAL_RECORDS.filter(Prescription.objects.filter(patient=patient), viewer)
        .annotate(inactive=inactive)
        .order_by("inactive", "-created_at", "-pk")
        .values(
            "pk",
            "medication",
            "strength",
            "form",
            "directions",
            "quantity",
            "quantity_unit",
            "refills",
            "status",
            "stop_reason",
            "created_at",
            "prescriber__display_name",
            "prescriber__email",
        )
    )


PRESCRIPTIONS = Prepared(_prescriptions, viewer=Viewer(), patient=PATIENT)


def prescriptions(viewer, patient, limit: int) -> list[PrescriptionRow]:
    """Up to `limit` prescriptions, active ones first, then the others, newest first."""
    rows = PRESCRIPTIONS.run(viewer=viewer, patient=patient, limit=limit)
    shown = []
    for row in rows:
        form = str(RX_FORMS.get(row["form"], row["form"])).lower()
        status = str(RX_STATUSES.get(row["status"], row["status"]))
        if row["stop_reason"]:
            status += f": {row['stop_reason']}"
        refills = row["refills"]
        prescriber = _name(row["prescriber__display_name"], row["prescriber__email"])
        shown.append(
            PrescriptionRow(
                pk=row["pk"],
                medication=f"{row['medication']} {row['strength']} {form}",
                directions=row["directions"],
                amount=f"{row['quantity']} {row['quantity_unit']}, {refills} "
                f"refill{'' if refills == 1 else 's'}",
                status=status,
                prescribed=f"{short_day(timezone.localtime(row['created_at']))} by {prescriber}",
            )
        )
    return shown
