"""HL7 v2.5.1 ORU^R01 (unsolicited observation results) read with python-hl7 into plain values.

The structure read is MSH, PID, [PV1], then per report ORC, OBR, {NTE}, {OBX, {NTE}}. A time
without a UTC offset is read as the lab's local time (settings.LAB_TIME_ZONE, UTC unless set)
and the message's notes say so. Reasons for refusing a message never quote result values.
"""

import datetime
import re

import hl7
from hl7.exceptions import HL7Exception

from visits.results.messages import (
    RESULT_STATUSES,
    MessageError,
    ObservationMessage,
    PatientIdentifiers,
    ReferenceRange,
    ReportMessage,
    ResultMessage,
    lab_zone,
    parse_decimal,
    parse_reference_range,
)

FORMAT = "hl7v2"
NUMERIC_TYPES = ("NM",)
TEXT_TYPES = ("ST", "TX", "FT", "CE", "CWE", "CF", "CNE", "IS", "ID")
# DTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]
_DTM = re.compile(
    r"(?P<year>\d{4})(?P<month>\d{2})?(?P<day>\d{2})?(?P<hour>\d{2})?(?P<minute>\d{2})?"
    r"(?P<second>\d{2})?(?:\.(?P<fraction>\d{1,4}))?(?P<offset>[+-]\d{4})?"
)


def looks_like_hl7(raw: str) -> bool:
    """Whether the text is meant as an HL7 v2 message (it starts with its MSH segment)."""
    return raw.lstrip().startswith("MSH")


def parse_hl7(raw: str) -> ResultMessage:
    """Read an ORU^R01 message; raises MessageError saying what is wrong with it."""
    text = raw.strip().replace("\r\n", "\r").replace("\n", "\r")
    if not text.startswith("MSH") or len(text) < 8:
        raise MessageError("It is not an HL7 v2 message: it does not start with an MSH segment.")
    try:
        message = hl7.parse(text)
    except (HL7Exception, ValueError, IndexError) as error:
        raise MessageError("The HL7 message's segments could not be read.") from error
    reader = _Reader(message)
    return reader.read()


class _Reader:
    """Walks one parsed message's segments in order."""

    def __init__(self, message: hl7.Message) -> None:
        self.message = message
        self.notes: list[str] = []
        msh = message.segments("MSH")[0]
        self.component_separator = str(msh[2])[:1] or "^"
        self.repetition_separator = str(msh[2])[1:2] or "~"

    # Fields and components -------------------------------------------------------------

    def field(self, segment: hl7.Segment, number: int) -> str:
        """The field's whole text (all its repetitions), or "" when the segment is shorter."""
        if number >= len(segment):
            return ""
        return str(segment[number])

    def components(self, segment: hl7.Segment, number: int, repetition: int = 0) -> list[str]:
        """The (unescaped) components of one repetition of a field."""
        repetitions = self.field(segment, number).split(self.repetition_separator)
        if repetition >= len(repetitions):
            return []
        return [
            self.message.unescape(part)
            for part in repetitions[repetition].split(self.component_separator)
        ]

    def component(self, segment: hl7.Segment, number: int, index: int = 1) -> str:
        parts = self.components(segment, number)
        return parts[index - 1].strip() if len(parts) >= index else ""

    # The message ------------------------------------------------------------------------

    def read(self) -> ResultMessage:
        msh = self.message.segments("MSH")[0]
        kind = self.components(msh, 9)
        if kind[:2] != ["ORU", "R01"]:
            raise MessageError(
                "It is not a lab results message: HL7 results come as ORU^R01 messages."
            )
        control_id = self.field(msh, 10).strip()
        if not control_id:
            raise MessageError("The message has no control id (MSH-10).")
        version = self.component(msh, 12)
        if not version.startswith("2."):
            raise MessageError("The message does not say it is HL7 version 2 (MSH-12).")
        performing_lab = self.component(msh, 4) or self.component(msh, 4, 2)

        patient: PatientIdentifiers | None = None
        reports: list[dict] = []
        placer_from_orc = ""
        filler_from_orc = ""
        for segment in self.message:
            name = str(segment[0])
            if name == "PID":
                if patient is not None:
                    raise MessageError(
                        "The message carries results for more than one patient; "
                        "ask the lab to send one patient per message."
                    )
                patient = self.patient(segment)
            elif name == "ORC":
                placer_from_orc = self.component(segment, 2)
                filler_from_orc = self.component(segment, 3)
            elif name == "OBR":
                if patient is None:
                    raise MessageError("A report (OBR) comes before the patient (PID).")
                reports.append(
                    self.report(segment, placer_from_orc, filler_from_orc, performing_lab)
                )
                placer_from_orc = filler_from_orc = ""
            elif name == "OBX":
                if not reports:
                    raise MessageError("A result (OBX) comes before any report (OBR).")
                report = reports[-1]
                report["observations"].append(
                    self.observation(segment, len(report["observations"]) + 1, report)
                )
        if patient is None:
            raise MessageError("The message names no patient (no PID segment).")
        if not reports:
            raise MessageError("The message has no report (no OBR segment).")
        for report in reports:
            if not report["observations"]:
                raise MessageError(f"The report “{report['name']}” has no results (no OBX).")
        return ResultMessage(
            format=FORMAT,
            control_id=control_id,
            patient=patient,
            reports=tuple(
                ReportMessage(**{**report, "observations": tuple(report["observations"])})
                for report in reports
            ),
            notes=tuple(dict.fromkeys(self.notes)),
        )

    def patient(self, pid: hl7.Segment) -> PatientIdentifiers:
        record_number = ""
        repetitions = self.field(pid, 3).split(self.repetition_separator)
        for index in range(len(repetitions)):
            parts = self.components(pid, 3, index)
            identifier = parts[0].strip() if parts else ""
            kind = parts[4].strip() if len(parts) > 4 else ""
            if identifier and (kind == "MR" or not record_number):
                record_number = identifier
                if kind == "MR":
                    break
        if not record_number:
            raise MessageError("The patient has no record number (PID-3).")
        birth = self.field(pid, 7).strip()
        birth_date = None
        if birth:
            if not re.fullmatch(r"\d{8}(\d*)?([+-]\d{4})?", birth):
                raise MessageError("The patient's date of birth (PID-7) is not a date.")
            try:
                birth_date = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
            except ValueError as error:
                raise MessageError("The patient's date of birth (PID-7) is not a date.") from error
        return PatientIdentifiers(
            record_number=record_number[:40],
            family_name=self.component(pid, 5, 1)[:100],
            given_name=self.component(pid, 5, 2)[:100],
            birth_date=birth_date,
        )

    def report(
        self, obr: hl7.Segment, placer_from_orc: str, filler_from_orc: str, performing_lab: str
    ) -> dict:
        number = self.field(obr, 1).strip() or "?"
        code, name = self.coded(obr, 4)
        status_code = self.field(obr, 25).strip() or "F"
        if status_code not in RESULT_STATUSES:
            raise MessageError(f"Report {number} has a result status (OBR-25) HL7 does not define.")
        return {
            "placer_number": (self.component(obr, 2) or placer_from_orc)[:40],
            "filler_number": (self.component(obr, 3) or filler_from_orc)[:64],
            "name": (name or code or "Lab report")[:200],
            "loinc_code": code[:16],
            "status": RESULT_STATUSES[status_code],
            "collected_at": self.time(obr, 7, f"collection time (OBR-7) of report {number}"),
            "issued_at": self.time(obr, 22, f"result time (OBR-22) of report {number}"),
            "performing_lab": performing_lab[:200],
            "observations": [],
        }

    def observation(self, obx: hl7.Segment, position: int, report: dict) -> ObservationMessage:
        value_type = self.field(obx, 2).strip()
        code, name = self.coded(obx, 3)
        label = f"Result {position} of “{report['name']}”"
        if not code and not name:
            raise MessageError(f"{label} does not say what it measures (OBX-3).")
        raw_value = self.message.unescape(self.field(obx, 5)).strip()
        value = None
        value_text = ""
        if value_type in NUMERIC_TYPES:
            value = parse_decimal(raw_value) if raw_value else None
            if raw_value and value is None:
                raise MessageError(f"{label} is marked numeric (NM) but its value is not a number.")
        elif value_type == "SN":
            value, value_text = self.structured_numeric(obx, label)
        elif value_type in TEXT_TYPES or not value_type:
            parts = self.components(obx, 5)
            value_text = parts[1] if value_type in ("CE", "CWE") and len(parts) > 1 else raw_value
            value_text = value_text.strip()[:200]
        else:
            raise MessageError(f"{label} has a value type (OBX-2) this clinic cannot read.")
        status_code = self.field(obx, 11).strip()
        if status_code not in RESULT_STATUSES:
            raise MessageError(f"{label} has no result status HL7 defines (OBX-11).")
        unit = self.component(obx, 6)
        return ObservationMessage(
            loinc_code=code[:16],
            name=(name or code)[:200],
            value=value,
            value_text=value_text,
            unit=unit[:40],
            reference=parse_reference_range(self.field(obx, 7))
            if self.field(obx, 7)
            else ReferenceRange(),
            status=RESULT_STATUSES[status_code],
            observed_at=self.time(obx, 14, f"time (OBX-14) of {label[0].lower()}{label[1:]}")
            or report["collected_at"],
        )

    def structured_numeric(self, obx: hl7.Segment, label: str):
        parts = [*self.components(obx, 5), "", "", "", ""]
        comparator, number = parts[0].strip(), parts[1].strip()
        value = parse_decimal(number)
        if value is None or parts[2].strip():
            if not number:
                raise MessageError(f"{label} is a structured number (SN) without a number.")
            # Ratios and ranges ("1:128", "2-4") are kept as the lab wrote them.
            return None, "".join(parts[:4]).strip()[:200]
        if comparator in ("", "="):
            return value, ""
        return None, f"{comparator}{number}"[:200]

    def coded(self, segment: hl7.Segment, number: int) -> tuple[str, str]:
        """A coded element's LOINC code and text: the primary coding, or the alternate if that
        is the LOINC one (CE/CWE: code^text^system^alt code^alt text^alt system)."""
        parts = self.components(segment, number) + [""] * 6
        code, text, system = parts[0].strip(), parts[1].strip(), parts[2].strip()
        if system != "LN" and parts[5].strip() == "LN":
            return parts[3].strip(), text or parts[4].strip()
        if system and system != "LN":
            return "", text or code
        return code, text

    def time(self, segment: hl7.Segment, number: int, what: str) -> datetime.datetime | None:
        text = self.components(segment, number)
        value = text[0].strip() if text else ""
        if not value:
            return None
        match = _DTM.fullmatch(value)
        if match is None:
            raise MessageError(f"The {what} is not an HL7 date and time.")
        try:
            moment = datetime.datetime(
                int(match["year"]),
                int(match["month"] or 1),
                int(match["day"] or 1),
                int(match["hour"] or 0),
                int(match["minute"] or 0),
                int(match["second"] or 0),
                int((match["fraction"] or "0").ljust(6, "0")[:6]),
            )
        except ValueError as error:
            raise MessageError(f"The {what} is not a real date and time.") from error
        if match["offset"]:
            sign = 1 if match["offset"][0] == "+" else -1
            hours, minutes = int(match["offset"][1:3]), int(match["offset"][3:5])
            if hours > 14 or minutes > 59:
                raise MessageError(f"The {what} has an offset from UTC that does not exist.")
            zone = datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))
            return moment.replace(tzinfo=zone)
        zone_name = str(lab_zone())
        self.notes.append(f"Times without a UTC offset were read as the lab's time ({zone_name}).")
        return moment.replace(tzinfo=lab_zone())
