"""Reads about intakes: who may see which sections, completeness, what was true when, and the
page a patient's intake is read on."""

import datetime
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import BigIntegerField

from accounts import policy
from accounts.models import ProviderProfile, User
from accounts.policy import IntakeAccess, intake_access
from accounts.zones import viewer_zone_key
from config.prepared import Param, Params, Prepared, Viewer
from visits.intake import display, forms
from visits.intake.models import Intake, IntakeStep, IntakeVersion, missing_steps
from visits.results.lines import provider_name
from visits.scheduling.display import month_day
from visits.scheduling.models import Visit

VISITS_LISTED = 20

ALL_SECTIONS = [step.value for step in IntakeStep]
# Minimum necessary for the front desk: who the patient is, whom to call and who pays.
STAFF_SECTIONS = [
    IntakeStep.DEMOGRAPHICS.value,
    IntakeStep.EMERGENCY_CONTACT.value,
    IntakeStep.INSURANCE.value,
]


def intake_sections_visible_to(user, patient) -> list[str]:
    """The intake sections this user may read for this patient (the rule is accounts.policy's);
    an empty list means none at all."""
    return _sections(intake_access(user, patient))


def _sections(access: str | None) -> list[str]:
    if access == IntakeAccess.FULL:
        return list(ALL_SECTIONS)
    if access == IntakeAccess.FRONT_DESK:
        return list(STAFF_SECTIONS)
    return []


PATIENT = Param("patient", BigIntegerField())
# On the patient's home page and the booking pages (config.prepared: built and compiled once).
INTAKE_ANSWERS = Prepared(
    lambda patient: (
        Intake.objects.filter(patient=patient).order_by("pk").values_list("answers", flat=True)
    ),
    patient=PATIENT,
)


def intake_missing_steps(patient) -> list[str]:
    """Titles of the intake steps the patient has still to save, in order."""
    answers = INTAKE_ANSWERS.run(patient=patient, limit=1)
    return [step.label for step in missing_steps((answers[0] if answers else None) or {})]


def intake_is_complete(patient) -> bool:
    """Whether every step is saved and every current consent is signed."""
    return not intake_missing_steps(patient)


# Everyone who may read any of the intake may read its front-desk sections; whether they may
# read all of it (policy.intake_access) is answered in the query that loads the patient.
INTAKE_PATIENT = Prepared(
    lambda viewer, patient: policy.CLINICAL_PATIENTS.annotate(
        policy.FRONT_DESK_PATIENTS.filter(
            User.objects.select_related("patient_profile"), viewer
        ).filter(pk=patient),
        viewer,
        "reads_clinical",
    ).order_by("pk"),
    viewer=Viewer(),
    patient=PATIENT,
)
INTAKE = Prepared(
    lambda patient: Intake.objects.filter(patient=patient).order_by("pk"), patient=PATIENT
)
# The visit's provider is named from a query of its own: joined here, PostgreSQL's plan for
# the prepared query (planned once for every patient) read the providers' users once for each
# of a long-treated patient's visits, 6 ms against 0.7.
VISITS_OF_PATIENT = Prepared(
    lambda viewer, patient: (
        Visit.objects.visible_to(viewer)
        .filter(patient=patient)
        .order_by("-start")
        .values("pk", "start", "visit_type__name", "provider_id")
    ),
    viewer=Viewer(),
    patient=PATIENT,
)
PROVIDER_NAMES = Prepared(
    lambda providers: (
        ProviderProfile.objects.filter(pk__in=providers)
        .order_by()
        .values_list("pk", "credentials", "user__display_name", "user__email")
    ),
    providers=Params("providers", BigIntegerField()),
)


@dataclass(frozen=True)
class VisitListed:
    """A visit the intake can be read as at: its id, and its line (when, what, with whom)."""

    pk: uuid.UUID
    words: str


def _visits_listed(viewer, patient, zone: ZoneInfo) -> list[VisitListed]:
    """The patient's latest visits the viewer may see, worded in the viewer's zone: two queries
    (one when there are none)."""
    rows = VISITS_OF_PATIENT.run(viewer=viewer, patient=patient, limit=VISITS_LISTED)
    providers = sorted({row["provider_id"] for row in rows})
    names = {
        pk: provider_name(display_name, email, credentials)
        for pk, credentials, display_name, email in (
            PROVIDER_NAMES.run(providers=providers) if providers else []
        )
    }
    listed = []
    for row in rows:
        local = row["start"].astimezone(zone)
        day = f"{month_day(local)}, {local.year}"  # as the date filter's "M j, Y"
        words = f"{day}: {row['visit_type__name']} with {names[row['provider_id']]}"
        listed.append(VisitListed(row["pk"], words))
    return listed


def intake_of(patient) -> Intake | None:
    """The patient's intake, if they have begun one: one query."""
    found = INTAKE.run(patient=patient, limit=1)
    return found[0] if found else None


def intake_patient(viewer, patient_id: int) -> tuple[User, str] | None:
    """The patient whose intake the viewer may read, and how much of it (IntakeAccess: all of
    it, or its front-desk sections); None if they may not: one query."""
    found = INTAKE_PATIENT.run(viewer=viewer, patient=patient_id, limit=1)
    if not found:
        return None
    patient = found[0]
    return patient, IntakeAccess.FULL if patient.reads_clinical else IntakeAccess.FRONT_DESK


def intake_as_of(patient, when: datetime.datetime) -> IntakeVersion | None:
    """The snapshot in effect at `when`: the latest made at or before it, else the earliest."""
    versions = IntakeVersion.objects.filter(patient=patient)
    return (
        versions.filter(created_at__lte=when).order_by("-created_at", "-number").first()
        or versions.order_by("number").first()
    )


@dataclass(frozen=True)
class IntakePage:
    """What a patient's intake page shows one viewer, and the record its reading touches."""

    context: dict
    record: tuple[int, str]


def intake_page(
    viewer, patient, *, visit: Visit | None = None, access: str | None = None
) -> IntakePage:
    """A patient's intake as it stands, or as it was at `visit`, in the sections `viewer` may see.

    `patient` comes from the policy's patient rules and `visit` from the visits the viewer may
    see; the caller records the read (`record`) once for the page. `access` is
    policy.intake_access's answer when the caller has it already, else it is asked here.
    """
    sections = _sections(access if access is not None else intake_access(viewer, patient))
    intake = intake_of(patient)
    version = intake_as_of(patient, visit.start) if visit is not None else None
    answers = version.answers if version else (intake.answers if intake else {})
    object_id = ""
    if intake is not None:
        object_id = f"{intake.pk}@v{version.number}" if version else str(intake.pk)
    profile = patient.patient_profile_or_none
    is_own = viewer.pk == patient.pk
    zone = ZoneInfo(viewer_zone_key(viewer))
    visits = [] if is_own else _visits_listed(viewer, patient, zone)
    context = {
        "patient": patient,
        "profile": profile,
        "is_own": is_own,
        "intake": intake,
        "summary": intake_summary(answers, sections),
        "hidden_sections": display.listed(
            [step.label.lower() for step in IntakeStep if step.value not in sections]
        ),
        "visit": visit,
        "version": version,
        "visits": visits,
        "zone": zone,
        "drafts": [IntakeStep(slug).label for slug in intake.drafts] if is_own and intake else [],
    }
    return IntakePage(context=context, record=(patient.pk, object_id))


def format_phone(number: str) -> str:
    """+15125550123 as (512) 555-0123; anything else as stored."""
    if len(number) == 12 and number.startswith("+1") and number[2:].isdigit():
        digits = number[2:]
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return number


def emergency_contact(patient) -> dict | None:
    """Whom to call for the patient, from their intake as it stands: name, relationship, the
    phone as stored (E.164, for `tel:` links) and as shown; None if they have not given one."""
    answers = INTAKE_ANSWERS.run(patient=patient, limit=1)
    saved = ((answers[0] if answers else None) or {}).get(IntakeStep.EMERGENCY_CONTACT.value)
    if not saved:
        return None
    phone = saved.get("phone", "")
    return {
        "name": saved.get("name", ""),
        "relationship": saved.get("relationship", ""),
        "phone": phone,
        "phone_shown": format_phone(phone),
    }


# How each answer reads to a clinician or the front desk (the forms speak to the patient).
SUMMARY_FIELDS = {
    IntakeStep.DEMOGRAPHICS: [("legal_sex", "Legal sex"), ("gender_identity", "Gender identity")],
    IntakeStep.EMERGENCY_CONTACT: [
        ("name", "Name"),
        ("relationship", "Relationship"),
        ("phone", "Phone"),
    ],
    IntakeStep.INSURANCE: [
        ("payment", "Payment"),
        ("payer", "Insurance company"),
        ("member_id", "Member ID"),
        ("group_number", "Group number"),
        ("subscriber_name", "Subscriber (policy holder)"),
        ("subscriber_relationship", "Patient's relationship to subscriber"),
    ],
    IntakeStep.PHARMACY: [("name", "Name"), ("phone", "Phone"), ("address", "Address")],
}
SHOWN_VALUES = {
    "legal_sex": {
        "female": "Female",
        "male": "Male",
        "x": "X or another marker",
        "not-given": "Prefers not to say",
    },
    "payment": {
        forms.InsuranceForm.INSURANCE: "Insurance",
        forms.InsuranceForm.SELF_PAY: "Self-pay",
    },
    "subscriber_relationship": {
        "self": "Self",
        "spouse": "Spouse or partner",
        "child": "Child",
        "other": "Other",
    },
    "severity": dict(forms.AllergyRowForm.SEVERITIES),
}


def _shown(name: str, value: str) -> str:
    if name == "phone":
        return format_phone(value)
    return SHOWN_VALUES.get(name, {}).get(value, value)


def _facts(step: IntakeStep, saved: dict) -> list[tuple[str, list[str]]]:
    """(label, lines shown) for each answer of a step, with codes as words."""
    fields = SUMMARY_FIELDS[step]
    if step == IntakeStep.INSURANCE and saved["payment"] == forms.InsuranceForm.SELF_PAY:
        fields = fields[:1]
    return [(label, [_shown(name, saved.get(name, "")) or "Not given"]) for name, label in fields]


def intake_summary(answers: dict, sections: list[str]) -> list[dict]:
    """The saved answers of the visible sections, ready to read: facts, lists and tables."""
    summary = []
    for step in IntakeStep:
        if step.value not in sections:
            continue
        saved = answers.get(step.value)
        entry: dict[str, Any] = {
            "step": step,
            "answered": saved is not None,
            "facts": [],
            "table": None,
        }
        summary.append(entry)
        if saved is None:
            continue
        if step in SUMMARY_FIELDS:
            entry["facts"] = _facts(step, saved)
        if step == IntakeStep.DEMOGRAPHICS:
            city_line = f"{saved['city']}, {saved['state']} {saved['zip_code']}"
            address = [saved["address_line1"], saved.get("address_line2", ""), city_line]
            entry["facts"].append(("Home address", [line for line in address if line]))
        elif step == IntakeStep.HISTORY:
            entry["facts"] = [
                ("Health conditions", saved["conditions"] or ["None reported"]),
                ("Surgeries and hospital stays", saved["surgeries"] or ["None reported"]),
            ]
        elif step == IntakeStep.MEDICATIONS:
            if saved["no_medications"]:
                entry["facts"] = [("Medications", ["Takes no medications"])]
            entry["table"] = _table(
                ["Medicine", "Dose", "How often"],
                [[row["name"], row["dose"], row["frequency"]] for row in saved["medications"]],
            )
        elif step == IntakeStep.ALLERGIES:
            if saved["no_known_allergies"]:
                entry["facts"] = [("Allergies", ["No known allergies"])]
            entry["table"] = _table(
                ["Allergic to", "Reaction", "Severity"],
                [
                    [row["substance"], row["reaction"], _shown("severity", row["severity"])]
                    for row in saved["allergies"]
                ],
            )
        elif step == IntakeStep.CONSENTS:
            entry["signatures"] = [
                {**signature, "signed_at": datetime.datetime.fromisoformat(signature["signed_at"])}
                for signature in saved.values()
            ]
    return summary


def _table(headers: list[str], rows: list[list[str]]) -> dict | None:
    return {"headers": headers, "rows": rows} if rows else None
