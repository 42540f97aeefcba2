"""Prescribing and lab orders: every check, the controlled-substance list, status changes, audit."""

import datetime

import pytest

from tests.visits.records.order_factories import (
    AMOXICILLIN,
    clinician_profile,
    visit_in_progress,
    written_prescription,
)
from visits.audit import AuditEvent
from visits.records.formulary import controlled_substance, lab_test, lab_tests, words
from visits.records.models import LabOrder, Prescription
from visits.records.orders import (
    OrderInvalid,
    OrderRefused,
    lab_order_create,
    prescription_complete,
    prescription_create,
    prescription_stop,
)
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db

REFUSAL = "Housecall cannot prescribe controlled substances."


@pytest.fixture
def visit():
    return visit_in_progress()


def prescribe(visit, **changes):
    return prescription_create(
        visit=visit, actor=visit.provider.user, ip_address="203.0.113.9", **(AMOXICILLIN | changes)
    )


class TestControlledSubstanceList:
    def test_oxycodone_is_refused_with_its_schedule(self):
        """The refusal names the drug, its schedule and why, in the prescriber's words."""
        substance = controlled_substance("oxycodone")
        assert substance is not None
        assert substance.refusal == (
            "Oxycodone is a Schedule II controlled substance; "
            "Housecall cannot prescribe controlled substances."
        )

    @pytest.mark.parametrize(
        ("medication", "schedule", "generic"),
        [
            ("Adderall XR 20mg", "II", "amphetamine"),
            ("VYVANSE 30 mg", "II", "lisdexamfetamine"),
            ("Ritalin LA", "II", "methylphenidate"),
            ("hydrocodone/acetaminophen", "II", "hydrocodone"),
            ("Norco 5-325", "II", "hydrocodone"),
            ("Fentanyl patch", "II", "fentanyl"),
            ("Xanax", "IV", "alprazolam"),
            ("lorazepam 1mg", "IV", "lorazepam"),
            ("Ambien CR", "IV", "zolpidem"),
            ("Tramadol HCl", "IV", "tramadol"),
            ("Soma 350 mg", "IV", "carisoprodol"),
            ("Suboxone film", "III", "buprenorphine"),
            ("Testosterone cypionate", "III", "testosterone"),
            ("Depo-Testosterone", "III", "testosterone"),
            ("Tylenol with Codeine #3", "III", "acetaminophen with codeine"),
            ("Tylenol #3", "III", "acetaminophen with codeine"),
            ("Lyrica", "V", "pregabalin"),
            ("promethazine with codeine syrup", "V", "promethazine with codeine"),
            ("Provigil", "IV", "modafinil"),
            ("ketamine", "III", "ketamine"),
        ],
    )
    def test_generic_and_brand_names_are_matched_on_words_in_any_case(
        self, medication, schedule, generic
    ):
        """A listed name anywhere among the medication's words, in any case, is refused; a
        combination product gets its own schedule, not its ingredient's."""
        substance = controlled_substance(medication)
        assert substance is not None, medication
        assert (substance.schedule, substance.generic) == (schedule, generic)

    @pytest.mark.parametrize(
        "medication",
        [
            "Amoxicillin",
            "Somatropin",  # contains "Soma" (carisoprodol), a different medicine
            "Oxymetazoline nasal spray",
            "Methylprednisolone",
            "Gabapentin",
            "Lisinopril",
            "Sertraline",
        ],
    )
    def test_a_name_merely_containing_the_letters_of_one_is_not_refused(self, medication):
        """Only whole words match: Somatropin is not Soma."""
        assert controlled_substance(medication) is None

    def test_brand_refusal_names_the_generic(self):
        substance = controlled_substance("Adderall XR 20mg")
        assert substance is not None
        assert substance.refusal.startswith("Adderall (amphetamine) is a Schedule II")

    def test_the_list_covers_the_common_schedules_ii_to_v(self):
        """The data keeps about sixty substances or more, in each of schedules II to V."""
        from visits.records.formulary import _controlled_names

        schedules = {substance.schedule for _, substance in _controlled_names()}
        generics = {substance.generic for _, substance in _controlled_names()}
        assert schedules == {"II", "III", "IV", "V"}
        assert len(generics) >= 60

    def test_words_split_letters_from_digits(self):
        assert words("Adderall XR 20mg") == ("adderall", "xr", "20", "mg")


class TestLabTests:
    @pytest.mark.parametrize(
        ("loinc", "name"),
        [
            ("51990-0", "Basic metabolic panel (BMP)"),
            ("24323-8", "Comprehensive metabolic panel (CMP)"),
            ("58410-2", "Complete blood count (CBC)"),
            ("24331-1", "Lipid panel"),
            ("4548-4", "Hemoglobin A1c"),
            ("3016-3", "TSH"),
            ("24356-8", "Urinalysis"),
            ("630-4", "Urine culture"),
            ("1989-3", "Vitamin D, 25-hydroxy"),
            ("2276-4", "Ferritin"),
            ("2823-3", "Potassium"),
        ],
    )
    def test_common_tests_carry_their_loinc_codes(self, loinc, name):
        test = lab_test(loinc)
        assert test is not None
        assert test.name == name

    def test_every_code_has_a_valid_loinc_check_digit(self):
        """LOINC codes end in a mod-10 check digit; a typo in the data fails here."""
        for code in lab_tests():
            number, check = code.split("-")
            digits = [int(d) for d in number]
            # Luhn over the number: double every other digit from the right.
            total = 0
            for position, digit in enumerate(reversed(digits)):
                if position % 2 == 0:
                    digit *= 2
                    digit = digit - 9 if digit > 9 else digit
                total += digit
            assert (10 - total % 10) % 10 == int(check), code


class TestPrescribing:
    def test_the_visits_clinician_prescribes_and_it_is_audited(self, visit):
        """Every field is kept as given, the prescriber is the visit's clinician, and the audit
        event is written with it."""
        prescription = prescribe(visit)
        assert prescription.patient == visit.patient
        assert prescription.prescriber == visit.provider.user
        assert (prescription.medication, prescription.strength) == ("Amoxicillin", "500 mg")
        assert prescription.quantity == 30
        assert prescription.refills == 0
        assert prescription.substitution_allowed is True
        assert prescription.status == Prescription.Status.ACTIVE
        event = AuditEvent.objects.get(what="prescription")
        assert event.action == AuditEvent.Action.CREATE
        assert event.patient == visit.patient
        assert event.actor == visit.provider.user
        assert event.object_id == str(prescription.pk)
        assert event.ip_address == "203.0.113.9"

    def test_a_completed_visit_can_still_be_prescribed_from(self):
        visit = visit_in_progress(status=Visit.Status.COMPLETED)
        assert prescribe(visit).pk

    @pytest.mark.parametrize(
        "status",
        [
            Visit.Status.BOOKED,
            Visit.Status.CHECKED_IN,
            Visit.Status.CANCELLED,
            Visit.Status.NO_SHOW,
        ],
    )
    def test_a_visit_that_has_not_started_or_never_happened_is_refused(self, status):
        visit = visit_in_progress(status=status)
        with pytest.raises(OrderRefused, match="once the visit has started"):
            prescribe(visit)
        assert not Prescription.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_another_clinician_cannot_prescribe_from_the_visit(self, visit):
        other = clinician_profile()
        with pytest.raises(OrderRefused, match="visit's own clinician"):
            prescription_create(visit=visit, actor=other.user, **AMOXICILLIN)
        assert not Prescription.objects.exists()

    def test_a_controlled_substance_is_refused_with_the_reason(self, visit):
        with pytest.raises(OrderInvalid) as refused:
            prescribe(visit, medication="Oxycodone")
        assert refused.value.errors == {
            "medication": "Oxycodone is a Schedule II controlled substance; " + REFUSAL
        }
        assert not Prescription.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_a_brand_name_with_strength_is_refused_too(self, visit):
        with pytest.raises(OrderInvalid) as refused:
            prescribe(visit, medication="Adderall XR 20mg")
        assert REFUSAL in refused.value.errors["medication"]

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"medication": "  "}, "medication", "Enter the medication."),
            ({"strength": ""}, "strength", "Enter the strength"),
            ({"form": "suppository"}, "form", "Choose the form."),
            ({"directions": ""}, "directions", "Enter the directions"),
            ({"quantity": 0}, "quantity", "at least 1"),
            ({"quantity": -5}, "quantity", "at least 1"),
            ({"quantity": 10_000}, "quantity", "at most 9999"),
            ({"refills": -1}, "refills", "from 0 to 11"),
            ({"refills": 12}, "refills", "from 0 to 11"),
            ({"substitution_allowed": None}, "substitution_allowed", "generic"),
            ({"medication": "A" * 201}, "medication", "under 201 characters"),
            ({"pharmacy": "P" * 301}, "pharmacy", "under 301 characters"),
        ],
    )
    def test_each_value_is_checked(self, visit, changes, field, message):
        with pytest.raises(OrderInvalid) as refused:
            prescribe(visit, **changes)
        assert message in refused.value.errors[field]
        assert not Prescription.objects.exists()

    def test_eleven_refills_and_no_substitution_are_allowed(self, visit):
        prescription = prescribe(visit, refills=11, substitution_allowed=False)
        assert (prescription.refills, prescription.substitution_allowed) == (11, False)

    def test_text_is_trimmed(self, visit):
        prescription = prescribe(visit, medication="  Amoxicillin ", pharmacy=" Walgreens ")
        assert (prescription.medication, prescription.pharmacy) == ("Amoxicillin", "Walgreens")


class TestStatusChanges:
    NOW = datetime.datetime(2027, 2, 2, 17, 0, tzinfo=datetime.UTC)

    def test_completing_records_who_and_when(self, visit):
        prescription = written_prescription(visit)
        done = prescription_complete(
            prescription=prescription, actor=visit.provider.user, now=self.NOW
        )
        done.refresh_from_db()
        assert done.status == Prescription.Status.COMPLETED
        assert done.status_changed_at == self.NOW
        assert done.status_changed_by == visit.provider.user
        event = AuditEvent.objects.get(what="prescription")
        assert event.action == AuditEvent.Action.UPDATE

    def test_stopping_needs_a_reason_and_keeps_it(self, visit):
        prescription = written_prescription(visit)
        with pytest.raises(OrderInvalid) as refused:
            prescription_stop(prescription=prescription, actor=visit.provider.user, reason="  ")
        assert refused.value.errors == {"reason": "Say why the prescription is stopped."}
        prescription.refresh_from_db()
        assert prescription.status == Prescription.Status.ACTIVE

        stopped = prescription_stop(
            prescription=prescription, actor=visit.provider.user, reason="Rash", now=self.NOW
        )
        stopped.refresh_from_db()
        assert (stopped.status, stopped.stop_reason) == (Prescription.Status.STOPPED, "Rash")
        assert stopped.status_changed_by == visit.provider.user
        assert stopped.status_changed_at == self.NOW

    def test_a_stopped_or_completed_prescription_does_not_change_again(self, visit):
        prescription = written_prescription(visit)
        prescription_stop(prescription=prescription, actor=visit.provider.user, reason="Rash")
        with pytest.raises(OrderRefused, match="already stopped"):
            prescription_complete(prescription=prescription, actor=visit.provider.user)
        with pytest.raises(OrderRefused, match="already stopped"):
            prescription_stop(prescription=prescription, actor=visit.provider.user, reason="x")
        assert AuditEvent.objects.filter(what="prescription").count() == 1

    def test_another_clinician_cannot_change_it(self, visit):
        prescription = written_prescription(visit)
        treating = clinician_profile()
        visit_in_progress(provider=treating, patient=visit.patient)
        with pytest.raises(OrderRefused):
            prescription_stop(prescription=prescription, actor=treating.user, reason="Rash")
        prescription.refresh_from_db()
        assert prescription.status == Prescription.Status.ACTIVE


class TestLabOrders:
    def order(self, visit, **changes):
        values = {
            "loinc_code": "24331-1",
            "reason": "Cholesterol screening",
            "where_to_go": "Any Quest Diagnostics",
            "instructions": "",
        } | changes
        return lab_order_create(visit=visit, actor=visit.provider.user, **values)

    def test_a_test_from_the_list_is_ordered_with_its_name_and_code(self, visit):
        order = self.order(visit)
        assert (order.test_name, order.loinc_code) == ("Lipid panel", "24331-1")
        assert order.patient == visit.patient
        assert order.ordering_clinician == visit.provider.user
        assert order.number.startswith("HC")
        assert "Fast for 9 to 12 hours" in order.instructions  # the test's usual instructions
        event = AuditEvent.objects.get(what="lab order")
        assert (event.action, event.object_id) == (AuditEvent.Action.CREATE, str(order.pk))

    def test_instructions_given_replace_the_usual_ones(self, visit):
        order = self.order(visit, instructions="Go on Monday morning.")
        assert order.instructions == "Go on Monday morning."

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"loinc_code": "9999-9"}, "loinc_code", "Choose a test from the list."),
            ({"reason": ""}, "reason", "Say why the test is needed."),
            ({"where_to_go": " "}, "where_to_go", "Say where the patient should go"),
            ({"instructions": "x" * 501}, "instructions", "under 501 characters"),
        ],
    )
    def test_each_value_is_checked(self, visit, changes, field, message):
        with pytest.raises(OrderInvalid) as refused:
            self.order(visit, **changes)
        assert message in refused.value.errors[field]
        assert not LabOrder.objects.exists()

    def test_a_booked_visit_is_refused(self):
        visit = visit_in_progress(status=Visit.Status.BOOKED)
        with pytest.raises(OrderRefused, match="once the visit has started"):
            self.order(visit)
        assert not LabOrder.objects.exists()
