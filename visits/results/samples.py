"""Sample lab messages, written after the standards' published examples (HL7 v2.5.1 ORU^R01 as
in the Lab Results Interface guide; FHIR R4 Bundles of a DiagnosticReport with Observations),
as templates rendered for a given patient and order. Tests, the demo seeding and browser tests
use them; a lab's real messages never pass through here."""

import datetime
import json
import uuid
from pathlib import Path
from string import Template

from visits.records.models import LabOrder

SAMPLES_DIR = Path(__file__).parent / "samples"

# name: what it shows
SAMPLES = {
    "bmp.hl7": "A basic metabolic panel, all in range",
    "bmp.json": "The same basic metabolic panel as a FHIR R4 Bundle",
    "bmp_corrected.hl7": "The basic metabolic panel re-sent with its potassium corrected",
    "bmp_high_critical.hl7": (
        "A basic metabolic panel with one high value (glucose) and one critical (potassium)"
    ),
    "cbc.hl7": "A complete blood count, all in range",
    "lipid.hl7": "A lipid panel with one high value (LDL cholesterol)",
    "potassium_critical.hl7": "A potassium at a critical level (6.8 mmol/L)",
    "potassium_critical.json": "The critical potassium as a FHIR R4 Bundle",
    "potassium_critical_report.json": "The critical potassium as a lone FHIR DiagnosticReport",
    "bad_date.hl7": "Malformed: a collection time that is not a date",
    "nm_text.hl7": "Malformed: a numeric (NM) result whose value is text",
    "truncated.hl7": "Malformed: the transfer stopped in the middle of the PID segment",
}

COLLECTED_AT = datetime.datetime(2027, 2, 1, 14, 30, tzinfo=datetime.UTC)


def _hl7_text(value: str) -> str:
    """A value inside an HL7 field, its delimiters escaped (HL7 v2 section 2.7)."""
    escapes = {"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\"}
    return "".join(escapes.get(ch, ch) for ch in value)


def _json_text(value: str) -> str:
    return json.dumps(value)[1:-1]


def _hl7_time(moment: datetime.datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S%z")


def render_sample(
    name: str,
    *,
    record_number: str,
    family_name: str,
    given_name: str,
    birth_date: datetime.date,
    order_number: str,
    filler_number: str | None = None,
    control_id: str | None = None,
    collected_at: datetime.datetime | None = None,
) -> str:
    """The sample `name` (a key of SAMPLES) for this patient and order. Each call is a new
    message (a fresh control id) unless `control_id` is given; pass the same `filler_number`
    to a report and its correction."""
    if name not in SAMPLES:
        raise KeyError(f"No sample message named {name!r}.")
    collected = collected_at or COLLECTED_AT
    issued = collected + datetime.timedelta(hours=4)
    sent = issued + datetime.timedelta(minutes=5)
    is_json = name.endswith(".json")
    escape = _json_text if is_json else _hl7_text
    values = {
        "mrn": record_number,
        "family": family_name,
        "given": given_name,
        "order": order_number,
        "filler": filler_number or f"ACME{uuid.uuid4().hex[:8].upper()}",
        "control_id": control_id or uuid.uuid4().hex[:20].upper(),
        "clinician_npi": "1234567893",
        "clinician_family": "Okafor",
        "clinician_given": "Ada",
    }
    # Bytes, not read_text(): HL7 segments end in \r, which universal newlines would change.
    text = Template((SAMPLES_DIR / name).read_bytes().decode("utf-8"))
    return text.substitute(
        {key: escape(value) for key, value in values.items()},
        dob=birth_date.strftime("%Y%m%d"),
        dob_iso=birth_date.isoformat(),
        collected=_hl7_time(collected),
        issued=_hl7_time(issued),
        sent=_hl7_time(sent),
        collected_iso=collected.isoformat(),
        issued_iso=issued.isoformat(),
        sent_iso=sent.isoformat(),
    )


def sample_for_order(name: str, order: LabOrder, **overrides) -> str:
    """The sample `name` rendered for this order's patient and number, as its lab would send it."""
    profile = order.patient.patient_profile
    values = {
        "record_number": profile.record_number,
        "family_name": profile.legal_last_name,
        "given_name": profile.legal_first_name,
        "birth_date": profile.date_of_birth,
        "order_number": order.number,
    }
    return render_sample(name, **{**values, **overrides})
