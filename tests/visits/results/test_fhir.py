"""Reading FHIR R4 results (Bundles and lone DiagnosticReports) into plain values."""

import datetime
import json
from decimal import Decimal

import pytest

from tests.visits.results.inbound import fixed, stored
from visits.results.fhir import parse_fhir
from visits.results.hl7 import parse_hl7
from visits.results.messages import MessageError
from visits.results.models import ResultStatus

DOB = datetime.date(1988, 3, 9)


def sample(name: str, **overrides) -> str:
    values = {
        "record_number": "HC00001234",
        "family_name": "Rivera",
        "given_name": "Jordan",
        "birth_date": DOB,
        "order_number": "HCORDER0001",
        "filler_number": "ACME0001",
        "control_id": "BUNDLE0001",
    }
    return fixed(name, **{**values, **overrides})


class TestReadsResults:
    def test_bundle_reads_as_the_hl7_message_does(self):
        """The BMP as a FHIR bundle gives the same patient, order and results as its HL7 twin."""
        bundle = parse_fhir(sample("bmp.json"))
        hl7 = parse_hl7(sample("bmp.hl7"))
        assert bundle.format == "fhir"
        assert bundle.control_id == "BUNDLE0001"
        assert bundle.patient == hl7.patient
        [report] = bundle.reports
        assert report.placer_number == "HCORDER0001"
        assert report.filler_number == "ACME0001"
        assert (report.loinc_code, report.status) == ("24321-2", ResultStatus.FINAL)
        assert report.collected_at == hl7.reports[0].collected_at
        assert report.performing_lab == "Acme Reference Laboratory"
        assert [
            (o.loinc_code, o.value, o.unit, o.reference.low, o.reference.high)
            for o in report.observations
        ] == [
            (o.loinc_code, o.value, o.unit, o.reference.low, o.reference.high)
            for o in hl7.reports[0].observations
        ]

    def test_critical_potassium_bundle(self):
        """The critical potassium bundle holds one result of 6.8 mmol/L."""
        [report] = parse_fhir(sample("potassium_critical.json")).reports
        [potassium] = report.observations
        assert (potassium.loinc_code, potassium.value, potassium.unit) == (
            "2823-3",
            Decimal("6.8"),
            "mmol/L",
        )

    def test_lone_diagnostic_report_with_contained_resources(self):
        """A DiagnosticReport alone, its Patient and Observation contained, reads too."""
        message = parse_fhir(sample("potassium_critical_report.json"))
        assert message.control_id == "BUNDLE0001"
        assert message.patient.record_number == "HC00001234"
        assert message.patient.birth_date == DOB
        assert message.reports[0].placer_number == "HCORDER0001"
        assert message.reports[0].observations[0].value == Decimal("6.8")

    @pytest.mark.parametrize("kind", ["collection", "transaction", "batch"])
    def test_bundle_types_that_carry_results(self, kind):
        """Collection, transaction and batch bundles are all read."""
        data = json.loads(sample("potassium_critical.json"))
        data["type"] = kind
        if kind != "collection":
            for entry in data["entry"]:
                resource = entry["resource"]
                entry["request"] = {"method": "POST", "url": resource["resourceType"]}
        assert parse_fhir(json.dumps(data)).reports[0].observations[0].value == Decimal("6.8")

    @pytest.mark.parametrize(
        ("status", "read_as"),
        [
            ("preliminary", ResultStatus.PRELIMINARY),
            ("amended", ResultStatus.CORRECTED),
            ("corrected", ResultStatus.CORRECTED),
            ("cancelled", ResultStatus.CANCELLED),
        ],
    )
    def test_statuses(self, status, read_as):
        """FHIR's statuses map onto preliminary, final, corrected and cancelled."""
        data = json.loads(sample("potassium_critical.json"))
        data["entry"][3]["resource"]["status"] = status
        data["entry"][2]["resource"]["status"] = status
        report = parse_fhir(json.dumps(data)).reports[0]
        assert (report.status, report.observations[0].status) == (read_as, read_as)

    def test_string_and_coded_values(self):
        """valueString and valueCodeableConcept are kept as text."""
        data = json.loads(sample("bmp.json"))
        first, second = data["entry"][3]["resource"], data["entry"][4]["resource"]
        del first["valueQuantity"], second["valueQuantity"]
        first["valueString"] = "Hemolyzed specimen"
        second["valueCodeableConcept"] = {"coding": [{"display": "Negative"}]}
        observations = parse_fhir(json.dumps(data)).reports[0].observations
        assert [(o.value, o.value_text) for o in observations[:2]] == [
            (None, "Hemolyzed specimen"),
            (None, "Negative"),
        ]


class TestRefusesMalformed:
    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            (stored("truncated.json"), "cut short or malformed"),
            (stored("invalid_fhir.json"), "does not follow FHIR R4: entry.1.resource.status"),
            (stored("searchset.json"), "bundle's type is not one that carries results"),
            ("[1, 2]", "not an object"),
            ('{"resourceType": "Patient"}', "expected a Bundle or a DiagnosticReport"),
        ],
    )
    def test_reason_in_plain_words(self, raw, reason):
        """Each malformed message is refused with a reason that names the fault."""
        with pytest.raises(MessageError) as refused:
            parse_fhir(raw)
        assert reason in refused.value.reason

    def test_time_without_offset_is_not_fhir(self):
        """FHIR requires an offset on a time; a bundle without one is refused by the models."""
        raw = sample("bmp.json").replace("2027-02-01T14:30:00+00:00", "2027-02-01T14:30:00")
        with pytest.raises(MessageError, match="does not follow FHIR R4"):
            parse_fhir(raw)

    def test_result_referred_to_but_missing(self):
        """A DiagnosticReport pointing at an Observation the bundle lacks is refused."""
        data = json.loads(sample("potassium_critical.json"))
        del data["entry"][3]
        with pytest.raises(MessageError, match="referred to but not in the message"):
            parse_fhir(json.dumps(data))

    def test_patient_without_identifier(self):
        """A patient with no identifier cannot be matched and is refused."""
        data = json.loads(sample("potassium_critical.json"))
        del data["entry"][0]["resource"]["identifier"]
        with pytest.raises(MessageError, match="no record number"):
            parse_fhir(json.dumps(data))

    def test_bundle_without_report(self):
        """A bundle holding no DiagnosticReport carries no results."""
        data = json.loads(sample("potassium_critical.json"))
        del data["entry"][2]
        with pytest.raises(MessageError, match="holds no DiagnosticReport"):
            parse_fhir(json.dumps(data))


def _resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _without_id(bundle: dict) -> None:
    bundle.pop("id", None)
    bundle.pop("identifier", None)


def _without_reports(bundle: dict) -> None:
    bundle["entry"] = [
        e for e in bundle["entry"] if e["resource"]["resourceType"] != "DiagnosticReport"
    ]


def _without_subject(bundle: dict) -> None:
    _resources(bundle, "DiagnosticReport")[0].pop("subject")


def _without_record_number(bundle: dict) -> None:
    _resources(bundle, "Patient")[0].pop("identifier", None)


def _subject_names_an_observation(bundle: dict) -> None:
    _resources(bundle, "DiagnosticReport")[0]["subject"] = {"reference": "Observation/obs-1"}


def _two_patients(bundle: dict) -> None:
    report = json.loads(json.dumps(_resources(bundle, "DiagnosticReport")[0]))
    report["id"] = "report-2"
    report["subject"] = {
        "identifier": {
            "type": {"coding": [{"code": "MR"}]},
            "value": "HC99999999",
        }
    }
    bundle["entry"].append({"fullUrl": "urn:uuid:report-2", "resource": report})


class TestRefusesWhatCannotBeTrusted:
    """Each malformed bundle is refused with a reason in plain words, never a crash."""

    @pytest.mark.parametrize(
        ("change", "reason"),
        [
            (_without_id, "no id"),
            (_without_reports, "no DiagnosticReport"),
            (_without_subject, "names no patient"),
            (_without_record_number, "no record number"),
            (_subject_names_an_observation, "names something else"),
            (_two_patients, "more than one patient"),
        ],
    )
    def test_refused_with_its_reason(self, change, reason):
        bundle = json.loads(sample("bmp.json"))
        change(bundle)
        with pytest.raises(MessageError, match=reason):
            parse_fhir(json.dumps(bundle))

    @pytest.mark.parametrize(
        "raw",
        ["[]", '"a string"', '{"resourceType": "Patient", "id": "p"}', '{"resourceType": 7}'],
    )
    def test_json_that_is_not_results(self, raw):
        with pytest.raises(MessageError):
            parse_fhir(raw)
