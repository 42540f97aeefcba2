"""Download my record: the patient's record as a FHIR R4 Bundle, valid against fhir.resources'
R4B models (which read R4), with every kind of resource, and never what is not the patient's to
take (a psychotherapy note, a held result, a draft)."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.visits.questionnaires.factories import QUIET_PHQ9, submit
from tests.visits.results import patient_factories as make
from visits.audit import AuditEvent
from visits.questionnaires.services import response_start
from visits.records.models import PsychotherapyNote
from visits.results.export import record_bundle, record_export
from visits.results.models import Observation

pytestmark = pytest.mark.django_db
RECORD = reverse("results:my_record")

PROCESS_NOTE = "Transference themes around the father; explore next session."
RESOURCE_TYPES = {
    "Patient",
    "Encounter",
    "Condition",
    "Observation",
    "MedicationRequest",
    "AllergyIntolerance",
    "QuestionnaireResponse",
}


@pytest.fixture
def scene():
    scene = make.scene()
    # What must never leave: a therapist's process notes, a draft note's diagnosis, unsubmitted
    # answers (the held LDL of 191 is in the scene already).
    PsychotherapyNote.objects.create(
        visit=scene.visit, patient=scene.patient, author=scene.provider.user, text=PROCESS_NOTE
    )
    draft_visit = make.completed_visit(scene.patient, scene.provider, days=1)
    make.note(draft_visit, signed=False, diagnoses=[("F41.1", "Generalized anxiety disorder")])
    submit(scene.patient, "phq-9", {**QUIET_PHQ9, "phq9_1": "2"}, visit=scene.visit)
    response_start(patient=scene.patient, slug="gad-7")  # a draft, never submitted
    return scene


@pytest.fixture
def downloaded(client, scene) -> dict:
    client.force_login(scene.patient)
    response = client.get(RECORD)
    assert response.status_code == 200
    return json.loads(response.content)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


class TestDownload:
    def test_is_a_fhir_file_to_save(self, client, scene):
        """The download is application/fhir+json, saved as a dated file."""
        client.force_login(scene.patient)
        response = client.get(RECORD)
        assert response["Content-Type"].startswith("application/fhir+json")
        disposition = response["Content-Disposition"]
        assert disposition.startswith('attachment; filename="housecall-record-')
        assert disposition.endswith('.json"')
        assert "no-store" in response["Cache-Control"]

    def test_validates_against_the_fhir_r4_models(self, downloaded):
        """The whole bundle parses as a FHIR R4 (R4B models) Bundle of type collection."""
        bundle = Bundle.model_validate(downloaded)
        assert bundle.type == "collection"
        assert {entry.resource.get_resource_type() for entry in bundle.entry} == RESOURCE_TYPES
        full_urls = [entry.fullUrl for entry in bundle.entry]
        assert len(full_urls) == len(set(full_urls))

    def test_patient_has_name_birth_date_and_record_number(self, downloaded, scene):
        """Patient carries the legal name, birth date and the clinic's record number."""
        (patient,) = resources(downloaded, "Patient")
        profile = scene.patient.patient_profile
        assert patient["name"][0] == {
            "use": "official",
            "family": profile.legal_last_name,
            "given": [profile.legal_first_name],
        }
        assert patient["birthDate"] == profile.date_of_birth.isoformat()
        assert patient["identifier"][0]["value"] == profile.record_number
        assert patient["identifier"][0]["type"]["coding"][0]["code"] == "MR"

    def test_encounters_are_the_completed_visits(self, downloaded, scene):
        """Each completed visit is a finished virtual Encounter."""
        encounters = resources(downloaded, "Encounter")
        assert len(encounters) == 2
        assert {e["status"] for e in encounters} == {"finished"}
        assert encounters[0]["class"]["code"] == "VR"

    def test_conditions_come_from_signed_notes_only(self, downloaded):
        """The signed note's J06.9 is there; the draft note's F41.1 is not."""
        codes = [c["code"]["coding"][0]["code"] for c in resources(downloaded, "Condition")]
        assert codes == ["J06.9"]
        condition = resources(downloaded, "Condition")[0]
        assert condition["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10-cm"
        assert condition["encounter"]["reference"].startswith("urn:uuid:")

    def test_observations_are_released_current_and_corrected_with_status(self, downloaded):
        """Released values only, current ones, a correction marked corrected, flags coded."""
        observations = resources(downloaded, "Observation")
        by_code = {}
        for observation in observations:
            by_code.setdefault(observation["code"]["coding"][0]["code"], []).append(observation)
        assert sorted(by_code) == ["2823-3", "2951-2"]
        assert len(by_code["2823-3"]) == 2  # the earlier and the recent potassium
        (sodium,) = by_code["2951-2"]
        assert sodium["status"] == "corrected"
        assert sodium["valueQuantity"] == {
            "value": 140,
            "unit": "mmol/L",
            "system": "http://unitsofmeasure.org",
            "code": "mmol/L",
        }
        assert "150 mmol/L" in sodium["note"][0]["text"]
        high = next(o for o in by_code["2823-3"] if o["valueQuantity"]["value"] == 5.6)
        assert high["interpretation"][0]["coding"][0]["code"] == "H"
        assert high["referenceRange"][0]["low"]["value"] == 3.5
        assert high["status"] == "final"

    def test_medications_are_requests_with_their_status(self, downloaded):
        """Active and stopped prescriptions, each with status, directions and quantity."""
        requests = resources(downloaded, "MedicationRequest")
        statuses = {r["medicationCodeableConcept"]["text"]: r["status"] for r in requests}
        assert statuses == {
            "Amoxicillin 500 mg capsule": "active",
            "Benzonatate 100 mg capsule": "stopped",
        }
        stopped = next(r for r in requests if r["status"] == "stopped")
        assert stopped["statusReason"]["text"] == "Cough gone"
        assert stopped["dosageInstruction"][0]["text"].startswith("Take 1 capsule")

    def test_allergies_come_from_the_intake(self, downloaded):
        """The intake's penicillin allergy, with its reaction and severity."""
        (allergy,) = resources(downloaded, "AllergyIntolerance")
        assert allergy["code"]["text"] == "Penicillin"
        assert allergy["reaction"][0]["manifestation"][0]["text"] == "Hives"
        assert allergy["reaction"][0]["severity"] == "severe"

    def test_no_known_allergies_is_said(self, client):
        """A patient with no known allergies gets the coded "No known allergy"."""
        from tests.visits.intake.factories import complete_intake

        profile = PatientProfileFactory(intake=False)
        complete_intake(profile.user, allergies={"no_known_allergies": True, "allergies": []})
        bundle = record_bundle(profile.user, profile.user)
        Bundle.model_validate(bundle)
        (allergy,) = resources(bundle, "AllergyIntolerance")
        assert allergy["code"]["coding"][0]["code"] == "716186003"

    def test_questionnaire_responses_are_the_submitted_ones(self, downloaded):
        """The submitted PHQ-9 is there with its answers and total; the draft GAD-7 is not."""
        responses = resources(downloaded, "QuestionnaireResponse")
        questionnaires = sorted(r["questionnaire"].rsplit("/", 1)[1] for r in responses)
        assert questionnaires == ["phq-9|1"]
        phq9 = responses[0]
        assert phq9["status"] == "completed"
        answers = {item["linkId"]: item["answer"][0] for item in phq9["item"]}
        assert answers["phq9_1"] == {"valueString": "More than half the days"}
        assert answers["total"] == {"valueInteger": 2}

    def test_never_a_psychotherapy_note_a_held_result_or_a_draft(self, client, scene):
        """The process note's words, the held LDL, the draft's diagnosis and the draft answers
        are nowhere in the file."""
        client.force_login(scene.patient)
        content = client.get(RECORD).content.decode()
        assert PROCESS_NOTE not in content
        assert "Transference" not in content
        assert "13457-7" not in content
        assert '"value": 191' not in content
        assert "F41.1" not in content
        assert "Generalized anxiety" not in content
        assert "gad-7" not in content
        assert "Viral infection, resolving." not in content  # the note's own text

    def test_another_patients_record_never_comes_with_it(self, client, scene):
        """Another patient's download holds nothing of this patient's."""
        other = PatientProfileFactory().user
        client.force_login(other)
        content = client.get(RECORD).content.decode()
        assert scene.patient.patient_profile.record_number not in content
        assert "Amoxicillin" not in content
        Bundle.model_validate(json.loads(content))

    def test_the_patients_own_export_writes_no_event(self, client, scene):
        """A patient's own download is their own read: no access-log entry."""
        client.force_login(scene.patient)
        client.get(RECORD)
        assert not AuditEvent.objects.filter(patient=scene.patient).exists()

    def test_an_export_by_someone_else_is_audited_as_an_export(self, scene):
        """A treating clinician's export of the record is logged as an export, once."""
        bundle = record_export(patient=scene.patient, actor=scene.provider.user, now=timezone.now())
        Bundle.model_validate(bundle)
        (event,) = AuditEvent.objects.filter(patient=scene.patient)
        assert (event.action, event.actor, event.what) == (
            AuditEvent.Action.EXPORT,
            scene.provider.user,
            "record",
        )
        # Even for a clinician, never the held result nor the psychotherapy note.
        assert '"value": 191' not in json.dumps(bundle)
        assert "13457-7" not in json.dumps(bundle)
        assert PROCESS_NOTE not in json.dumps(bundle)

    def test_someone_who_may_not_read_the_record_gets_no_clinical_data(self, scene):
        """A clinician who does not treat the patient exports an empty record of them."""
        stranger = ProviderProfileFactory(states=["TX"]).user
        bundle = record_bundle(stranger, scene.patient)
        assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]
        assert set(bundle["entry"][0]["resource"]) == {"resourceType", "active"}

    @pytest.mark.parametrize("reports", [10, 500])
    def test_query_count_is_fixed(self, reports, django_assert_num_queries):
        """The export costs the same queries for 10 reports as for 500."""
        patient = PatientProfileFactory().user
        make.large_record(patient, ProviderProfileFactory(states=["TX"]), reports=reports)
        with django_assert_num_queries(7):
            bundle = record_bundle(patient, patient)
        assert len(resources(bundle, "Observation")) == reports * 10


class TestResourceShapes:
    def test_text_values_preferred_names_and_unscored_answers_stay_valid(self):
        """A value in words with the lab's range text, a preferred name, a symptom check without
        a score: each comes out as valid FHIR."""
        from tests.visits.factories import symptoms_checked

        profile = PatientProfileFactory(preferred_name="Jo")
        patient = profile.user
        provider = ProviderProfileFactory(states=["TX"])
        visit = make.completed_visit(patient, provider)
        lab = make.report(patient, order=make.lab_order(visit), name="Urinalysis")
        Observation.objects.create(
            report=lab,
            patient=patient,
            loinc_code="5804-0",
            name="Protein, urine",
            value_text="Negative",
            reference_text="Negative",
            status="final",
        )
        symptoms_checked(patient)
        bundle = record_bundle(patient, patient)
        Bundle.model_validate(bundle)
        (names,) = [r["name"] for r in resources(bundle, "Patient")]
        assert names[1] == {"use": "usual", "family": "Rivera", "given": ["Jo"]}
        (urine,) = resources(bundle, "Observation")
        assert urine["valueString"] == "Negative"
        assert urine["referenceRange"] == [{"text": "Negative"}]
        assert "interpretation" not in urine
        (symptoms,) = resources(bundle, "QuestionnaireResponse")
        assert "total" not in {item["linkId"] for item in symptoms["item"]}
