"""Importing lab messages: matched to the right patient and order, or kept for staff with why."""

import datetime
from decimal import Decimal

import pytest

from tests.accounts.factories import PatientProfileFactory, UserFactory
from tests.visits.results.inbound import fixed, lab_order, message, message_for, stored
from visits.audit import AuditEvent
from visits.records.models import LabOrder
from visits.results.flags import Flag
from visits.results.importer import (
    ResolveRefused,
    critical_limits,
    decode_message,
    import_message,
    inbound_attach,
    inbound_reject,
)
from visits.results.messages import MessageError
from visits.results.models import (
    CriticalResultAlert,
    InboundResult,
    LabReport,
    Observation,
    ResultStatus,
)

pytestmark = pytest.mark.django_db

MATCHED = InboundResult.State.MATCHED
UNMATCHED = InboundResult.State.UNMATCHED


@pytest.fixture
def order():
    patient = PatientProfileFactory(
        intake=False,
        legal_first_name="Ana",
        legal_last_name="O'Brien",
        date_of_birth=datetime.date(1984, 11, 2),
    ).user
    return lab_order(patient)


def nothing_attached():
    return not LabReport.objects.exists() and not Observation.objects.exists()


class TestMatched:
    @pytest.mark.parametrize("name", ["bmp.hl7", "bmp.json"])
    def test_basic_metabolic_panel(self, order, name):
        """A BMP for a known patient and order becomes a report with its eight results."""
        inbound = import_message(message(name, order), source="drop/bmp")
        assert inbound.state == MATCHED
        assert inbound.reason == ""
        assert inbound.patient == order.patient
        [report] = inbound.reports.all()
        assert report.order == order
        assert report.patient == order.patient
        assert report.ordering_clinician == order.ordering_clinician
        assert report.source == ("fhir" if name.endswith("json") else "hl7v2")
        assert report.status == ResultStatus.FINAL
        assert report.performing_lab
        observations = list(report.observations.all())
        assert len(observations) == 8
        assert {obs.flag for obs in observations} == {Flag.NORMAL}
        assert all(obs.patient_id == order.patient_id for obs in observations)
        potassium = next(obs for obs in observations if obs.loinc_code == "2823-3")
        assert potassium.value == Decimal("4.1")
        assert (potassium.critical_low, potassium.critical_high) == (Decimal("2.8"), Decimal("6.2"))
        order.refresh_from_db()
        assert order.status == LabOrder.Status.RESULTED

    def test_final_report_is_released(self, order):
        """A final report is released to the patient at once (21st Century Cures Act)."""
        inbound = import_message(message("cbc.hl7", order), source="drop")
        assert inbound.reports.get().released_at is not None

    def test_raw_message_is_kept(self, order):
        """The message is kept exactly as it came, carriage returns and all."""
        raw = message("cbc.hl7", order)
        inbound = import_message(raw, source="drop/cbc.hl7")
        inbound.refresh_from_db()
        assert inbound.raw == raw
        assert "\r" in inbound.raw
        assert inbound.identifiers["orders"] == [order.number]

    def test_lipid_panel_flags_ldl_high(self, order):
        """The lipid panel's LDL over its "<130" range is flagged high; the rest are in range."""
        inbound = import_message(message("lipid.hl7", order), source="drop")
        flags = {obs.loinc_code: obs.flag for obs in inbound.reports.get().observations.all()}
        assert flags == {
            "2093-3": Flag.NORMAL,
            "2571-8": Flag.NORMAL,
            "2085-9": Flag.NORMAL,
            "13457-7": Flag.HIGH,
        }
        assert not CriticalResultAlert.objects.exists()

    @pytest.mark.parametrize(
        "name",
        ["potassium_critical.hl7", "potassium_critical.json", "potassium_critical_report.json"],
    )
    def test_critical_potassium_raises_an_alert(self, order, name):
        """A potassium of 6.8 mmol/L is critical high and alerts the ordering clinician."""
        inbound = import_message(message(name, order), source="drop")
        assert inbound.state == MATCHED
        potassium = inbound.reports.get().observations.get()
        assert potassium.flag == Flag.CRITICAL_HIGH
        alert = CriticalResultAlert.objects.get()
        assert alert.observation == potassium
        assert alert.clinician == order.ordering_clinician
        assert alert.patient == order.patient
        assert alert.acknowledged_at is None

    def test_panel_with_one_high_and_one_critical_value(self, order):
        """The glucose of 182 is high, the potassium of 6.8 critical high: one alert, for it."""
        inbound = import_message(message("bmp_high_critical.hl7", order), source="drop")
        observations = inbound.reports.get().observations.all()
        flags = {obs.loinc_code: obs.flag for obs in observations}
        assert flags.pop("2345-7") == Flag.HIGH
        assert flags.pop("2823-3") == Flag.CRITICAL_HIGH
        assert set(flags.values()) == {Flag.NORMAL}
        assert len(flags) == 6
        alert = CriticalResultAlert.objects.get()
        assert (alert.observation.loinc_code, alert.observation.value) == ("2823-3", Decimal("6.8"))
        assert alert.clinician == order.ordering_clinician

    def test_critical_limits_only_in_their_unit(self, order):
        """A glucose in mmol/L is not judged by limits written in mg/dL."""
        raw = message("bmp.hl7", order).replace(
            "|92|mg/dL^^UCUM|70-99|", "|5.1|mmol/L^^UCUM|3.9-5.5|"
        )
        inbound = import_message(raw, source="drop")
        glucose = inbound.reports.get().observations.get(loinc_code="2345-7")
        assert (glucose.critical_low, glucose.critical_high) == (None, None)
        assert glucose.flag == Flag.NORMAL

    def test_critical_limits_table_names_its_source(self):
        """The table holds the common critical tests by LOINC."""
        limits = critical_limits()
        assert limits["2823-3"].low == Decimal("2.8")
        assert limits["2951-2"].high == Decimal("160")
        assert limits["718-7"].low == Decimal("7")
        assert limits["6301-6"].low is None

    def test_preliminary_report_leaves_order_partial(self, order):
        """A preliminary report marks its order as having some results, and is not released."""
        raw = message("cbc.hl7", order).replace("|||F\r", "|||P\r").replace("|N|||F|", "|N|||P|")
        inbound = import_message(raw, source="drop")
        report = inbound.reports.get()
        assert report.status == ResultStatus.PRELIMINARY
        assert report.released_at is None
        order.refresh_from_db()
        assert order.status == LabOrder.Status.PARTIAL

    def test_uploaded_by_a_person_is_audited(self, order):
        """A message a staff member uploaded records them as having created the report."""
        staff = UserFactory(role="staff")
        inbound = import_message(message("cbc.hl7", order), source="upload", received_by=staff)
        event = AuditEvent.objects.get()
        assert (event.actor, event.patient, event.action) == (
            staff,
            order.patient,
            AuditEvent.Action.CREATE,
        )
        assert event.object_id == str(inbound.reports.get().pk)

    def test_names_agree_ignoring_case_and_punctuation(self, order):
        """OBRIEN in capitals without the apostrophe is the same last name as O'Brien."""
        inbound = import_message(message("cbc.hl7", order, family_name="OBRIEN"), source="drop")
        assert inbound.state == MATCHED


class TestCorrected:
    def test_correction_supersedes_the_earlier_result_and_keeps_both(self, order):
        """The corrected potassium supersedes the first one; both rows are kept, the rest once."""
        first = import_message(message("bmp.hl7", order, filler_number="ACME77"), source="drop")
        second = import_message(
            message("bmp_corrected.hl7", order, filler_number="ACME77"), source="drop"
        )
        assert second.state == MATCHED
        report = first.reports.get()
        assert list(second.reports.all()) == [report]
        report.refresh_from_db()
        assert report.status == ResultStatus.CORRECTED
        potassiums = list(report.observations.filter(loinc_code="2823-3").order_by("pk"))
        assert [(obs.value, obs.status) for obs in potassiums] == [
            (Decimal("4.1"), ResultStatus.FINAL),
            (Decimal("4.4"), ResultStatus.CORRECTED),
        ]
        assert potassiums[0].superseded_by == potassiums[1]
        assert potassiums[1].superseded_by is None
        assert report.observations.count() == 9
        assert report.observations.filter(superseded_by__isnull=True).count() == 8

    def test_critical_value_corrected_keeps_its_alert_and_alerts_the_new_one(self, order):
        """A critical potassium corrected to another critical value raises a second alert."""
        import_message(message("potassium_critical.hl7", order, filler_number="K1"), source="d")
        raw = message("potassium_critical.hl7", order, filler_number="K1")
        raw = raw.replace("||6.8|", "||7.1|").replace("|HH|||F|", "|HH|||C|")
        import_message(raw, source="d")
        assert CriticalResultAlert.objects.count() == 2
        assert Observation.objects.filter(superseded_by__isnull=False).count() == 1


class TestDuplicates:
    def test_exact_duplicate_is_not_stored_twice(self, order):
        """The same message sent twice is kept once and its results recorded once."""
        raw = message("cbc.hl7", order)
        first = import_message(raw, source="drop")
        again = import_message(raw, source="drop again")
        assert again.pk == first.pk
        assert InboundResult.objects.count() == 1
        assert Observation.objects.count() == 6

    def test_same_control_id_with_other_content_waits_for_staff(self, order):
        """A different message reusing a control id is kept but not attached."""
        import_message(message("cbc.hl7", order, control_id="CTL9"), source="drop")
        other = import_message(message("lipid.hl7", order, control_id="CTL9"), source="drop")
        assert other.state == UNMATCHED
        assert "same control id" in other.reason
        assert LabReport.objects.count() == 1


class TestUnmatched:
    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            (lambda: stored("garbage.txt"), "could not be read"),
            (lambda: fixed("truncated.hl7"), "could not be read"),
            (lambda: fixed("bad_date.hl7"), "not a real date"),
            (lambda: fixed("nm_text.hl7"), "not a number"),
            (lambda: stored("truncated.json"), "cut short"),
            (lambda: stored("invalid_fhir.json"), "does not follow FHIR R4"),
            (lambda: fixed("bmp.hl7").replace("||140|", "||99999999999|"), "too large"),
            (lambda: fixed("bmp.json").replace('"value": 140', '"value": 1e12'), "too large"),
        ],
    )
    def test_malformed_is_kept_with_the_parse_error(self, raw, reason):
        """A message that cannot be read is kept, unmatched, with what is wrong with it."""
        text = raw()
        inbound = import_message(text, source="drop")
        assert inbound.state == UNMATCHED
        assert inbound.reason.startswith("The message could not be read.")
        assert reason in inbound.reason
        assert inbound.raw == text
        assert nothing_attached()

    @pytest.mark.parametrize("name", ["garbage.txt", "truncated.json"])
    def test_malformed_format_is_guessed(self, name):
        """JSON is kept as FHIR, anything else as HL7 v2."""
        inbound = import_message(stored(name), source="drop")
        assert inbound.format == ("fhir" if name.endswith("json") else "hl7v2")

    @pytest.mark.parametrize("name", ["bmp.hl7", "bmp.json"])
    def test_unknown_patient(self, name):
        """A record number nobody has leaves the message for staff, identifiers kept."""
        inbound = import_message(fixed(name), source="drop")
        assert inbound.state == UNMATCHED
        assert inbound.reason == "No patient has the record number the message gives."
        assert inbound.patient is None
        assert inbound.identifiers["record_number"] == "HC99999999"
        assert inbound.identifiers["family_name"] == "Nobody"
        assert inbound.identifiers["birth_date"] == "1970-01-01"
        assert nothing_attached()

    def test_unknown_patient_static_message(self):
        """The stored unknown-patient message waits for staff."""
        inbound = import_message(stored("unknown_patient.hl7"), source="drop")
        assert inbound.reason == "No patient has the record number the message gives."
        assert inbound.identifiers["notes"] == []

    def test_how_times_were_read_is_kept(self):
        """A message whose times had no offset keeps the note saying how they were read."""
        inbound = import_message(stored("no_offset.hl7"), source="drop")
        assert inbound.identifiers["notes"] == [
            "Times without a UTC offset were read as the lab's time (UTC)."
        ]

    @pytest.mark.parametrize("name", ["bmp.hl7", "potassium_critical.json"])
    def test_record_number_of_one_patient_birth_date_of_another(self, order, name):
        """Identifiers that disagree never attach the results to either patient."""
        other = PatientProfileFactory(intake=False, date_of_birth=datetime.date(1950, 1, 1)).user
        raw = message(name, order, birth_date=other.patient_profile.date_of_birth)
        inbound = import_message(raw, source="drop")
        assert inbound.state == UNMATCHED
        assert inbound.reason == (
            "The record number belongs to a patient, but the date of birth differs."
        )
        assert inbound.patient is None
        assert nothing_attached()
        assert not CriticalResultAlert.objects.exists()

    def test_last_name_differs(self, order):
        """A matching record number and birth date under another last name is not trusted."""
        inbound = import_message(message("bmp.hl7", order, family_name="Nguyen"), source="d")
        assert (
            inbound.reason == "The record number belongs to a patient, but the last name differs."
        )
        assert nothing_attached()

    def test_no_birth_date_to_confirm(self, order):
        """A message that gives no birth date cannot confirm the patient."""
        profile = order.patient.patient_profile
        raw = message("bmp.hl7", order).replace(profile.date_of_birth.strftime("|%Y%m%d|"), "||")
        inbound = import_message(raw, source="d")
        assert "gives no date of birth" in inbound.reason
        assert nothing_attached()

    @pytest.mark.parametrize("name", ["potassium_critical.hl7", "potassium_critical.json"])
    def test_order_of_another_patient(self, order, name):
        """The right patient with another patient's order number waits for staff."""
        others_order = lab_order()
        raw = message_for(name, patient=order.patient, order_number=others_order.number)
        inbound = import_message(raw, source="drop")
        assert inbound.state == UNMATCHED
        assert "names an order of another patient" in inbound.reason
        assert nothing_attached()
        assert not CriticalResultAlert.objects.exists()

    def test_order_we_have_no_record_of(self, order):
        """A known patient with an order number we never issued waits for staff."""
        raw = message_for("cbc.hl7", patient=order.patient, order_number="HCNOSUCH")
        inbound = import_message(raw, source="drop")
        assert "names an order number we have no order for" in inbound.reason
        assert nothing_attached()

    def test_reasons_never_quote_identifiers(self, order):
        """A reason may be printed: it never repeats the record number or names."""
        inbound = import_message(message("bmp.hl7", order, family_name="Nguyen"), source="d")
        profile = order.patient.patient_profile
        for value in (profile.record_number, "Nguyen", profile.legal_last_name, order.number):
            assert value not in inbound.reason


class TestResolve:
    def test_attach_to_the_right_patient(self, order):
        """Staff attach an unknown-patient message to the patient and order: it imports."""
        staff = UserFactory(role="staff")
        inbound = import_message(fixed("potassium_critical.hl7"), source="drop")
        resolved = inbound_attach(inbound=inbound, patient=order.patient, order=order, actor=staff)
        assert resolved.state == InboundResult.State.RESOLVED
        assert (resolved.resolved_by, resolved.patient) == (staff, order.patient)
        assert resolved.resolved_at is not None
        report = resolved.reports.get()
        assert (report.order, report.patient) == (order, order.patient)
        assert CriticalResultAlert.objects.get().clinician == order.ordering_clinician
        assert AuditEvent.objects.filter(actor=staff, patient=order.patient).count() == 2

    def test_order_of_another_patient_is_refused(self, order):
        """An order of another patient cannot be the one a message is attached to."""
        inbound = import_message(fixed("cbc.hl7"), source="drop")
        with pytest.raises(ResolveRefused, match="another patient"):
            inbound_attach(
                inbound=inbound, patient=order.patient, order=lab_order(), actor=UserFactory()
            )
        assert nothing_attached()

    def test_unreadable_message_cannot_be_attached(self, order):
        """A message that cannot be read can only be rejected."""
        inbound = import_message(stored("garbage.txt"), source="drop")
        with pytest.raises(ResolveRefused, match="cannot be read"):
            inbound_attach(inbound=inbound, patient=order.patient, order=order, actor=UserFactory())

    def test_reject_keeps_the_message_with_the_reason(self):
        """A rejected message stays kept with who rejected it and why."""
        staff = UserFactory(role="staff")
        inbound = import_message(stored("garbage.txt"), source="drop")
        rejected = inbound_reject(inbound=inbound, reason="Not ours: another clinic's", actor=staff)
        assert rejected.state == InboundResult.State.REJECTED
        assert rejected.resolution_note == "Not ours: another clinic's"
        assert rejected.resolved_by == staff
        with pytest.raises(ResolveRefused, match="already been dealt with"):
            inbound_reject(inbound=inbound, reason="again", actor=staff)


class TestDecode:
    def test_latin_1_text_is_read(self):
        """HL7 v2 files in Latin-1 decode."""
        assert decode_message("MSH|Pérez".encode("latin-1")) == "MSH|Pérez"

    @pytest.mark.parametrize("data", [b"\x00\x01\x02PNG", b"\x89PNG\r\n\x1a\n\x00", b"", b"  \n"])
    def test_binary_and_empty_refused(self, data):
        """Binary files and empty files are not lab messages."""
        with pytest.raises(MessageError):
            decode_message(data)
