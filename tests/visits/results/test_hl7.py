"""Reading HL7 v2.5.1 ORU^R01 messages into plain values."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.visits.results.inbound import fixed, stored
from visits.results.hl7 import parse_hl7
from visits.results.messages import MessageError, parse_reference_range
from visits.results.models import ResultStatus

UTC = datetime.UTC
DOB = datetime.date(1988, 3, 9)


def sample(name: str, **overrides) -> str:
    values = {
        "record_number": "HC00001234",
        "family_name": "Rivera",
        "given_name": "Jordan",
        "birth_date": DOB,
        "order_number": "HCORDER0001",
        "filler_number": "ACME0001",
        "control_id": "CTL0001",
    }
    return fixed(name, **{**values, **overrides})


class TestReadsResults:
    def test_basic_metabolic_panel(self):
        """The BMP's patient, order, report and eight results are read as the lab sent them."""
        message = parse_hl7(sample("bmp.hl7"))
        assert message.format == "hl7v2"
        assert message.control_id == "CTL0001"
        assert message.patient.record_number == "HC00001234"
        assert (message.patient.family_name, message.patient.given_name) == ("Rivera", "Jordan")
        assert message.patient.birth_date == DOB
        [report] = message.reports
        assert report.placer_number == "HCORDER0001"
        assert report.filler_number == "ACME0001"
        assert report.loinc_code == "24321-2"
        assert report.name == "Basic metabolic 2000 panel - Serum or Plasma"
        assert report.status == ResultStatus.FINAL
        assert report.collected_at == datetime.datetime(2027, 2, 1, 14, 30, tzinfo=UTC)
        assert report.issued_at == datetime.datetime(2027, 2, 1, 18, 30, tzinfo=UTC)
        assert len(report.observations) == 8
        potassium = report.observations[1]
        assert potassium.loinc_code == "2823-3"
        assert potassium.value == Decimal("4.1")
        assert potassium.unit == "mmol/L"
        assert (potassium.reference.low, potassium.reference.high) == (
            Decimal("3.5"),
            Decimal("5.1"),
        )
        assert potassium.status == ResultStatus.FINAL
        assert message.notes == ()

    def test_lipid_panel_ranges_with_one_bound(self):
        """ "<200" is an upper bound only and ">40" a lower bound only."""
        report = parse_hl7(sample("lipid.hl7")).reports[0]
        by_code = {obs.loinc_code: obs for obs in report.observations}
        assert by_code["2093-3"].reference.high == Decimal("200")
        assert by_code["2093-3"].reference.low is None
        assert by_code["2085-9"].reference.low == Decimal("40")
        assert by_code["2085-9"].reference.high is None
        assert by_code["13457-7"].value == Decimal("165")

    def test_corrected_result_status(self):
        """OBX-11 C and OBR-25 C read as corrected; the unchanged results stay final."""
        report = parse_hl7(sample("bmp_corrected.hl7")).reports[0]
        assert report.status == ResultStatus.CORRECTED
        statuses = {obs.loinc_code: obs.status for obs in report.observations}
        assert statuses["2823-3"] == ResultStatus.CORRECTED
        assert statuses["2951-2"] == ResultStatus.FINAL

    def test_newline_separated_segments_are_read(self):
        """A message whose segments were saved with newlines instead of \\r still reads."""
        message = parse_hl7(sample("cbc.hl7").replace("\r", "\n"))
        assert len(message.reports[0].observations) == 6

    def test_names_with_escaped_delimiters(self):
        """A name holding an HL7 delimiter is escaped by the sender and read back whole."""
        message = parse_hl7(sample("bmp.hl7", family_name="Smith & Jones"))
        assert message.patient.family_name == "Smith & Jones"

    def test_time_with_offset_keeps_it(self):
        """A time with a UTC offset is that instant."""
        collected = datetime.datetime(2027, 2, 1, 8, 30, tzinfo=ZoneInfo("America/Chicago"))
        report = parse_hl7(sample("bmp.hl7", collected_at=collected)).reports[0]
        assert report.collected_at == collected

    def test_time_without_offset_is_the_labs_zone_and_says_so(self, settings):
        """A time without an offset is read in settings.LAB_TIME_ZONE, and the notes say so."""
        settings.LAB_TIME_ZONE = "America/New_York"
        message = parse_hl7(stored("no_offset.hl7"))
        assert message.reports[0].collected_at == datetime.datetime(
            2027, 2, 1, 14, 30, tzinfo=ZoneInfo("America/New_York")
        )
        assert message.notes == (
            "Times without a UTC offset were read as the lab's time (America/New_York).",
        )

    def test_text_and_coded_values(self):
        """ST values and CE values are kept as text; SN with a comparator too."""
        raw = sample("potassium_critical.hl7")
        raw = raw.replace(
            "OBX|1|NM|2823-3^Potassium [Moles/volume] in Serum or Plasma^LN||6.8|",
            "OBX|1|ST|5778-6^Color of Urine^LN||Yellow|",
        )
        raw += "OBX|2|CE|5797-8^Ketones^LN||260385009^Negative^SCT||||||F\r"
        raw += "OBX|3|SN|5803-2^pH^LN||<^5.0||||||F\r"
        raw += "OBX|4|SN|2823-3^Potassium^LN||=^4.2|mmol/L^^UCUM|3.5-5.1||||F\r"
        observations = parse_hl7(raw).reports[0].observations
        assert [(obs.value, obs.value_text) for obs in observations] == [
            (None, "Yellow"),
            (None, "Negative"),
            (None, "<5.0"),
            (Decimal("4.2"), ""),
        ]


class TestRefusesMalformed:
    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            (stored("garbage.txt"), "does not start with an MSH segment"),
            (sample("truncated.hl7"), "no report (no OBR segment)"),
            (sample("bad_date.hl7"), "collection time (OBR-7) of report 1 is not a real date"),
            (sample("nm_text.hl7"), "marked numeric (NM) but its value is not a number"),
            (stored("not_results.hl7"), "HL7 results come as ORU^R01"),
            ("MSH|^~\\&|", "HL7 results come as ORU^R01"),
        ],
    )
    def test_reason_in_plain_words(self, raw, reason):
        """Each malformed message is refused with a reason that names the fault."""
        with pytest.raises(MessageError) as refused:
            parse_hl7(raw)
        assert reason in refused.value.reason

    def test_reason_never_quotes_the_value(self):
        """A result value is never repeated in the reason (it may be printed or logged)."""
        with pytest.raises(MessageError) as refused:
            parse_hl7(sample("nm_text.hl7"))
        assert "HEMOLYZED" not in refused.value.reason

    def test_two_patients_in_one_message(self):
        """One message with two PID segments is refused rather than split by guesswork."""
        raw = sample("bmp.hl7")
        pid = next(line for line in raw.split("\r") if line.startswith("PID"))
        with pytest.raises(MessageError, match="more than one patient"):
            parse_hl7(raw + pid + "\r")

    @pytest.mark.parametrize(
        ("old", "new", "reason"),
        [
            ("||19880309|", "||19881309|", "date of birth (PID-7) is not a date"),
            ("|CTL0001|", "||", "no control id"),
            ("|2.5.1|", "|3.0|", "HL7 version 2"),
            ("|HH|||F|", "|HH|||Q|", "no result status"),
            ("HC00001234^^^", "^^^", "no record number"),
            ("+0000", "+9900", "offset from UTC that does not exist"),
        ],
    )
    def test_field_faults(self, old, new, reason):
        """A field that breaks the standard is named in the reason."""
        with pytest.raises(MessageError, match=reason.replace("(", r"\(").replace(")", r"\)")):
            parse_hl7(sample("potassium_critical.hl7").replace(old, new))


class TestReferenceRanges:
    @pytest.mark.parametrize(
        ("text", "low", "high"),
        [
            ("3.5-5.1", "3.5", "5.1"),
            (" 136 - 145 ", "136", "145"),
            ("<200", None, "200"),
            ("<=5", None, "5"),
            (">40", "40", None),
            ("Negative", None, None),
            ("", None, None),
        ],
    )
    def test_parsed(self, text, low, high):
        """OBX-7's usual forms give low and high; anything else is kept as text only."""
        found = parse_reference_range(text)
        assert found.low == (Decimal(low) if low else None)
        assert found.high == (Decimal(high) if high else None)
        assert found.text == text.strip()
