"""The intake: steps validated with everything typed kept, drafts, rows, consents, history, access."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.sessions import PENDING_FORM_KEY
from tests.accounts.factories import (
    PASSWORD,
    PatientProfileFactory,
)
from tests.visits.factories import MONDAY, VisitFactory, at
from tests.visits.intake.factories import complete_intake, rows, signed_in
from visits.audit import AuditEvent
from visits.intake.consents import CONSENTS
from visits.intake.models import ConsentSignature, Intake, IntakeVersion
from visits.intake.selectors import (
    intake_as_of,
    intake_is_complete,
    intake_missing_steps,
)
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
ADDRESS = {
    "address_line1": "100 Congress Ave",
    "city": "Austin",
    "state": "TX",
    "zip_code": "78701",
}
INSURED = {
    "payment": "insurance",
    "payer": "Aetna",
    "member_id": "W123456789",
    "group_number": "",
    "subscriber_name": "Jordan Rivera",
    "subscriber_relationship": "self",
}
STEPS_IN_ORDER = [
    ("demographics", ADDRESS),
    (
        "emergency-contact",
        {"name": "Sam Rivera", "relationship": "Brother", "phone": "512 555 0199"},
    ),
    ("insurance", {"payment": "self-pay"}),
    ("history", {"conditions": "Asthma\n\nMigraine ", "surgeries": ""}),
    ("medications", {"no_medications": "on", "medications-TOTAL_FORMS": "0"}),
    ("allergies", {"no_known_allergies": "on", "allergies-TOTAL_FORMS": "0"}),
    ("pharmacy", {"name": "CVS", "phone": "(512) 555-0142", "address": "2 S Congress Ave, Austin"}),
    ("consents", {"sign_telehealth": "Jordan Rivera", "sign_privacy": "jordan rivera"}),
]


def url(step: str) -> str:
    return reverse("intake_step", args=[step])


def intake_of(patient) -> Intake:
    return Intake.objects.get(patient=patient)


class TestStartAndProgress:
    def test_a_new_intake_starts_at_the_first_step(self, patient_client):
        """/intake/ sends a patient who has not begun to demographics."""
        response = patient_client.get(reverse("intake_start"))
        assert response["Location"] == url("demographics")

    def test_details_come_first(self, client, new_patient):
        """Without their details (legal name) a patient is asked for them before the intake."""
        client.force_login(new_patient)
        response = client.get(url("demographics"), follow=True)
        assert response.redirect_chain[-1][0] == reverse("profile_edit")
        assert "Add your details first" in response.content.decode()

    def test_progress_marks_the_current_step(self, patient_client):
        """An ordered list of the eight steps marks the current one; the heading says which."""
        content = patient_client.get(url("insurance")).content.decode()
        assert "Step 3 of 8" in content
        assert re.search(r'<a href="/intake/insurance/" aria-current="step">Insurance</a>', content)
        assert content.count('aria-current="step"') == 1
        assert "<ol>" in content

    def test_unsaved_steps_carry_no_mark(self, patient_client):
        """A step not saved yet has no "Saved" beside its name."""
        content = patient_client.get(url("demographics")).content.decode()
        assert 'class="step-state"' not in content

    def test_saved_steps_say_so_in_words(self, patient_client, patient):
        """Each saved step carries a visible "Saved" beside its name, not only a colour."""
        complete_intake(patient)
        content = patient_client.get(url("insurance")).content.decode()
        assert content.count('<span class="step-state">Saved</span>') == 8
        assert "(saved)" not in content

    def test_unknown_step_is_not_found(self, patient_client):
        """A made-up step name is a 404."""
        assert patient_client.get(url("favourite-colour")).status_code == 404


class TestStepValidation:
    def test_bad_zip_is_explained_and_everything_typed_kept(self, patient_client, patient):
        """A bad ZIP gets a message next to the field; the address typed stays in the form."""
        response = patient_client.post(url("demographics"), {**ADDRESS, "zip_code": "7870"})
        content = response.content.decode()
        assert response.status_code == 200
        assert "Enter a 5-digit ZIP code, or ZIP+4 such as 78701-1234." in content
        assert 'id="id_zip_code_error"' in content
        assert re.search(r'aria-describedby="[^"]*id_zip_code_error"', content)
        assert 'value="100 Congress Ave"' in content
        assert 'value="7870"' in content
        assert "demographics" not in intake_of(patient).answers

    def test_zip_plus_four_is_kept_in_one_form(self, patient_client, patient):
        """ZIP+4 typed without a hyphen is saved as 78701-1234."""
        patient_client.post(url("demographics"), {**ADDRESS, "zip_code": "787011234"})
        assert intake_of(patient).answers["demographics"]["zip_code"] == "78701-1234"

    def test_bad_emergency_phone_is_explained(self, patient_client):
        """An emergency contact's phone must be a US number; the name typed is kept."""
        data = {"name": "Sam Rivera", "relationship": "Brother", "phone": "555-0199"}
        content = patient_client.post(url("emergency-contact"), data).content.decode()
        assert "Enter a 10-digit US phone number" in content
        assert 'value="Sam Rivera"' in content

    def test_insurance_fields_are_required_with_insurance(self, patient_client):
        """Choosing insurance asks for the company, member ID and policy holder."""
        data = {**INSURED, "payer": "", "member_id": "", "subscriber_name": ""}
        content = patient_client.post(url("insurance"), data).content.decode()
        assert "Enter the name of your insurance company." in content
        assert "Enter your member ID from your insurance card." in content
        assert "Enter the policy holder&#x27;s name." in content
        assert re.search(r'value="insurance"[^>]*checked', content)

    def test_self_pay_needs_no_insurance(self, patient_client, patient):
        """“I'll pay myself” is a complete answer; half-typed card details are not kept."""
        response = patient_client.post(url("insurance"), {"payment": "self-pay", "payer": "Aet"})
        assert response.status_code == 302
        saved = intake_of(patient).answers["insurance"]
        assert saved["payment"] == "self-pay"
        assert saved["payer"] == ""

    def test_payment_choice_is_required(self, patient_client):
        """Leaving both insurance and self-pay unchosen is not an answer."""
        content = patient_client.post(url("insurance"), {}).content.decode()
        assert "Choose whether you&#x27;ll use insurance or pay yourself." in content

    def test_allergy_rows_need_a_substance_and_a_severity(self, patient_client):
        """A row with only a reaction asks for what the allergy is to and how severe."""
        data = rows("allergies", {"substance": "", "reaction": "Hives", "severity": ""})
        content = patient_client.post(url("allergies"), data).content.decode()
        assert "Enter what you are allergic to, or remove this row." in content
        assert "Choose how severe the reaction is." in content
        assert 'value="Hives"' in content

    def test_an_empty_allergy_list_is_not_no_known_allergies(self, patient_client, patient):
        """Nothing listed and the box unticked is refused: the patient must say NKA explicitly."""
        data = rows("allergies", {"substance": "", "reaction": "", "severity": ""})
        content = patient_client.post(url("allergies"), data).content.decode()
        assert "List your allergies, or tick “I have no known allergies”." in content
        assert "allergies" not in intake_of(patient).answers

    def test_no_known_allergies_is_saved_as_an_explicit_answer(self, patient_client, patient):
        """Ticking NKA saves that answer, distinct from an empty list."""
        patient_client.post(url("allergies"), {"no_known_allergies": "on", **rows("allergies")})
        assert intake_of(patient).answers["allergies"] == {
            "no_known_allergies": True,
            "allergies": [],
        }

    def test_no_known_allergies_and_a_listed_allergy_contradict(self, patient_client):
        """Ticking NKA while listing an allergy asks the patient which is true."""
        data = {
            "no_known_allergies": "on",
            **rows("allergies", {"substance": "Latex", "reaction": "", "severity": "mild"}),
        }
        content = patient_client.post(url("allergies"), data).content.decode()
        assert "but listed some: remove them or untick the box" in content

    def test_medications_need_a_list_or_an_explicit_none(self, patient_client, patient):
        """A medicine row is saved with its dose and frequency; a nameless row is refused."""
        nameless = rows("medications", {"name": "", "dose": "10 mg", "frequency": ""})
        assert "Enter the medicine&#x27;s name" in (
            patient_client.post(url("medications"), nameless).content.decode()
        )
        listed = rows("medications", {"name": "Lisinopril", "dose": "10 mg", "frequency": "daily"})
        patient_client.post(url("medications"), listed)
        assert intake_of(patient).answers["medications"]["medications"] == [
            {"name": "Lisinopril", "dose": "10 mg", "frequency": "daily"}
        ]

    def test_consent_name_must_match_the_legal_name(self, patient_client):
        """A signature that is not the legal name is refused with a message saying whose name."""
        data = {"sign_telehealth": "Jordan Rivers", "sign_privacy": "Jordan Rivera"}
        content = patient_client.post(url("consents"), data).content.decode()
        assert "doesn&#x27;t match your legal name, Jordan Rivera" in content
        assert 'value="Jordan Rivers"' in content
        assert not ConsentSignature.objects.exists()


class TestDrafts:
    def test_htmx_draft_keeps_invalid_input_and_answers_with_the_status(
        self, patient_client, patient
    ):
        """An autosave keeps a half-typed ZIP and returns only the 'Draft saved' status."""
        response = patient_client.post(
            url("demographics"), {**ADDRESS, "zip_code": "787", "_draft": "1"}, headers=HTMX
        )
        content = response.content.decode()
        assert response.status_code == 200
        assert re.fullmatch(r"Draft saved \d{1,2}:\d{2} [AP]M", content.strip())
        intake = intake_of(patient)
        assert intake.drafts["demographics"]["raw"]["zip_code"] == "787"
        assert "demographics" not in intake.answers

    def test_a_draft_is_shown_when_the_patient_comes_back(self, patient_client):
        """Coming back to a step shows the draft as typed, with a note that it is not yet saved."""
        patient_client.post(
            url("pharmacy"), {"name": "Walgreens", "phone": "12", "_draft": "1"}, headers=HTMX
        )
        content = patient_client.get(url("pharmacy")).content.decode()
        assert 'value="Walgreens"' in content
        assert 'value="12"' in content
        assert "answers not yet saved" in content
        assert re.search(r'id="intake-draft-status"[^>]*aria-live="polite"', content)

    def test_the_step_has_an_autosave_wrapper(self, patient_client):
        """The fields autosave on change through htmx, to the same URL with _draft."""
        content = patient_client.get(url("history")).content.decode()
        assert 'hx-trigger="change delay:400ms"' in content
        assert 'hx-vals=\'{"_draft": "1"}\'' in content
        assert 'hx-target="#intake-draft-status"' in content

    def test_resume_after_signing_out(self, client, patient):
        """Log out mid-step, log back in: /intake/ goes to the step left, with the draft."""
        client.force_login(patient)
        client.get(url("demographics"))
        client.post(
            url("medications"),
            {
                "_draft": "1",
                **rows("medications", {"name": "Metformin", "dose": "", "frequency": ""}),
            },
            headers=HTMX,
        )
        client.post(reverse("account_logout"))
        assert client.get(reverse("intake_start"))["Location"].startswith(reverse("account_login"))
        client.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})
        response = client.get(reverse("intake_start"))
        assert response["Location"] == url("medications")
        assert 'value="Metformin"' in client.get(url("medications")).content.decode()

    def test_a_step_posted_after_the_session_expired_is_restored(self, client, patient):
        """What was posted when the session ran out becomes the step's draft after signing in."""
        client.force_login(patient)
        session = client.session
        session[PENDING_FORM_KEY] = {
            "path": url("pharmacy"),
            "user": patient.pk,
            "data": {"name": ["Corner Drug"], "phone": ["512"]},
        }
        session.save()
        assert 'value="Corner Drug"' in client.get(url("pharmacy")).content.decode()
        assert intake_of(patient).drafts["pharmacy"]["raw"]["name"] == "Corner Drug"

    def test_saving_a_step_clears_its_draft(self, patient_client, patient):
        """Once a step is saved, its draft is gone and the next step is remembered."""
        patient_client.post(url("demographics"), {**ADDRESS, "_draft": "1"}, headers=HTMX)
        patient_client.post(url("demographics"), ADDRESS)
        intake = intake_of(patient)
        assert intake.drafts == {}
        assert intake.current_step == "emergency-contact"

    def test_an_autosave_matching_the_saved_step_is_no_draft(self, patient_client, patient):
        """A late autosave of exactly what was just saved leaves no 'not yet saved' note behind."""
        patient_client.post(url("demographics"), ADDRESS)
        response = patient_client.post(
            url("demographics"), {**ADDRESS, "_draft": "1"}, headers=HTMX
        )
        assert "No changes since you last saved this step." in response.content.decode()
        assert intake_of(patient).drafts == {}
        assert "not yet saved" not in patient_client.get(url("demographics")).content.decode()

    def test_an_autosave_after_the_same_page_signed_the_consents_is_no_draft(
        self, patient_client, patient
    ):
        """The last step's autosave reaching the server after its own submit brings back no
        draft: the patient's finished history has no 'not yet saved' step."""
        for step, data in STEPS_IN_ORDER[:-1]:
            patient_client.post(url(step), data)
        page = patient_client.get(url("consents")).content.decode()
        basis = re.search(r'name="_basis" value="([0-9a-f]{16})"', page).group(1)
        signatures = dict(STEPS_IN_ORDER[-1][1])
        patient_client.post(url("consents"), {**signatures, "_basis": basis})
        late = patient_client.post(
            url("consents"), {**signatures, "_basis": basis, "_draft": "1"}, headers=HTMX
        )
        assert late.content.decode() == (
            "Not kept as a draft: this step was saved after this page opened. "
            "Reload the page to see what is saved."
        )
        intake = intake_of(patient)
        assert intake.is_complete
        assert intake.drafts == {}
        assert "answers not yet saved" not in patient_client.get(url("consents")).content.decode()

    def test_an_autosave_from_the_page_as_shown_is_kept(self, patient_client, patient):
        """The basis a page carries is the one the next autosave from it is checked against."""
        patient_client.post(url("demographics"), ADDRESS)
        page = patient_client.get(url("demographics")).content.decode()
        basis = re.search(r'name="_basis" value="([0-9a-f]{16})"', page).group(1)
        response = patient_client.post(
            url("demographics"),
            {**ADDRESS, "city": "Round Rock", "_basis": basis, "_draft": "1"},
            headers=HTMX,
        )
        assert re.fullmatch(r"Draft saved \d{1,2}:\d{2} [AP]M", response.content.decode())
        assert intake_of(patient).drafts["demographics"]["raw"]["city"] == "Round Rock"


class TestRows:
    def test_add_row_saves_the_draft_and_shows_another_row(self, patient_client, patient):
        """“Add a medication” keeps the first row and shows an empty second one, focused."""
        data = {
            "add_row": "1",
            **rows("medications", {"name": "Sertraline", "dose": "50 mg", "frequency": ""}),
        }
        content = patient_client.post(url("medications"), data).content.decode()
        assert 'value="Sertraline"' in content
        assert "Medication 2</legend>" in content
        assert re.search(r'name="medications-1-name"[^>]*autofocus', content)
        assert len(intake_of(patient).drafts["medications"]["raw"]["medications"]) == 2

    def test_remove_row_drops_that_row_only(self, patient_client, patient):
        """Removing allergy 1 keeps allergy 2 (now first) and says what was removed."""
        data = {
            "remove_row": "0",
            **rows(
                "allergies",
                {"substance": "Latex", "reaction": "", "severity": "mild"},
                {"substance": "Peanuts", "reaction": "Swelling", "severity": "severe"},
            ),
        }
        response = patient_client.post(url("allergies"), data, headers=HTMX)
        content = response.content.decode()
        assert "<html" not in content
        assert 'id="intake-step"' in content
        assert "Removed allergy 1." in content
        assert 'name="allergies-0-substance" value="Peanuts"' in content
        assert "Latex" not in content
        assert [
            row["substance"] for row in intake_of(patient).drafts["allergies"]["raw"]["allergies"]
        ] == ["Peanuts"]

    def test_a_list_is_capped(self, patient_client, patient):
        """At 20 rows, adding another says so instead of growing the list."""
        entry = {"name": "Medicine", "dose": "", "frequency": ""}
        data = {"add_row": "1", **rows("medications", *[entry] * 20)}
        content = patient_client.post(url("medications"), data).content.decode()
        assert "You can list up to 20 here" in content
        assert len(intake_of(patient).drafts["medications"]["raw"]["medications"]) == 20

    def test_row_buttons_are_plain_submit_buttons(self, patient_client):
        """Add and remove work without JavaScript: they are named submit buttons in the form."""
        content = patient_client.get(url("allergies")).content.decode()
        assert '<button type="submit" name="add_row"' in content
        assert '<button type="submit" name="remove_row" value="0"' in content


class TestConsents:
    def test_each_consent_is_shown_in_full_with_its_version(self, patient_client):
        """The whole text of both documents is on the page, with the version signed."""
        content = patient_client.get(url("consents")).content.decode()
        for document in CONSENTS.values():
            assert f"Version {document.version}" in content
            for paragraph in document.paragraphs:
                assert paragraph.replace("&", "&amp;") in content

    def test_signing_stores_version_hash_time_and_ip(self, patient_client, patient):
        """A signature keeps the exact version, the SHA-256 of its text, the time and the IP."""
        before = timezone.now()
        patient_client.post(
            url("consents"),
            {"sign_telehealth": "  jordan   RIVERA ", "sign_privacy": "Jordan Rivera"},
            headers={"X-Forwarded-For": "198.51.100.23"},
        )
        signature = ConsentSignature.objects.get(patient=patient, document="telehealth")
        document = CONSENTS["telehealth"]
        assert signature.version == document.version
        assert signature.text_sha256 == document.sha256
        assert len(signature.text_sha256) == 64
        assert signature.signed_at >= before
        assert signature.ip_address == "198.51.100.23"
        assert signature.typed_name == "jordan   RIVERA"
        signed = intake_of(patient).answers["consents"]["telehealth"]
        assert (signed["version"], signed["sha256"]) == (document.version, document.sha256)


class TestCompletionAndVersions:
    def test_walking_every_step_completes_the_intake(self, patient_client, patient):
        """Saving all eight steps in order completes the intake and records version 1."""
        assert intake_missing_steps(patient)[0] == "Demographics and home address"
        for step, data in STEPS_IN_ORDER:
            response = patient_client.post(url(step), data)
            assert response.status_code == 302, (step, response.content.decode()[:2000])
        assert response["Location"] == reverse("patient_intake", args=[patient.pk])
        assert intake_is_complete(patient)
        assert intake_missing_steps(patient) == []
        version = IntakeVersion.objects.get(patient=patient)
        assert version.number == 1
        assert version.answers["history"]["conditions"] == ["Asthma", "Migraine"]
        assert patient_client.get(reverse("intake_start"))["Location"] == response["Location"]

    def test_a_later_change_is_a_new_version_and_visits_see_their_own(
        self, patient, treating_clinician
    ):
        """A change after completion adds version 2; a visit before it still sees version 1."""
        now = timezone.now()
        complete_intake(patient, now=now - datetime.timedelta(days=10))
        visit = VisitFactory(
            patient=patient,
            provider=treating_clinician.provider_profile,
            start=now - datetime.timedelta(days=5),
        )
        patient_client = signed_in(patient)
        patient_client.post(url("allergies"), {"no_known_allergies": "on", **rows("allergies")})
        assert list(
            IntakeVersion.objects.filter(patient=patient).values_list("number", flat=True)
        ) == [1, 2]
        assert intake_as_of(patient, visit.start).number == 1
        assert intake_as_of(patient, now + datetime.timedelta(minutes=1)).number == 2
        assert intake_as_of(patient, now - datetime.timedelta(days=30)).number == 1

        clinician = signed_in(treating_clinician)
        page = reverse("patient_intake", args=[patient.pk])
        then = clinician.get(page, {"visit": str(visit.pk)}).content.decode()
        assert "Penicillin" in then
        assert "version 1" in then
        current = clinician.get(page).content.decode()
        assert "No known allergies" in current
        assert "Penicillin" not in current

    def test_saving_the_same_answers_makes_no_new_version(self, patient_client, patient):
        """Re-saving an unchanged step does not add a version."""
        complete_intake(patient)
        patient_client.post(
            url("pharmacy"),
            {
                "name": "CVS South Congress",
                "phone": "(512) 555-0142",
                "address": "2 S Congress Ave, Austin, TX",
            },
        )
        assert IntakeVersion.objects.filter(patient=patient).count() == 1

    def test_after_completion_a_change_returns_to_the_summary(self, patient_client, patient):
        """Changing one step of a complete intake goes back to the answers, not through every step."""
        complete_intake(patient)
        response = patient_client.post(url("insurance"), {"payment": "self-pay"})
        assert response["Location"] == reverse("patient_intake", args=[patient.pk])


class TestResponses:
    def test_htmx_success_redirects_the_page(self, patient_client):
        """A valid step sent by htmx answers with HX-Redirect to the next step."""
        response = patient_client.post(url("demographics"), ADDRESS, headers=HTMX)
        assert response["HX-Redirect"] == url("emergency-contact")

    def test_plain_success_redirects(self, patient_client):
        """Without JavaScript the same post redirects with Location."""
        response = patient_client.post(url("demographics"), ADDRESS)
        assert response.status_code == 302
        assert response["Location"] == url("emergency-contact")

    def test_htmx_invalid_returns_the_step_partial(self, patient_client):
        """Invalid input through htmx re-renders just the step, errors summarised and focused."""
        content = patient_client.post(url("pharmacy"), {}, headers=HTMX).content.decode()
        assert content.lstrip().startswith('<section id="intake-step"')
        assert 'role="alert" tabindex="-1" data-focus-on-swap' in content
        assert '<a href="#id_name">Enter the name of your pharmacy.</a>' in content


class TestAccess:
    def test_the_patient_reads_every_section(self, patient_client, patient):
        """A patient sees their own answers in full, with links to change them, unaudited."""
        complete_intake(patient)
        content = patient_client.get(reverse("patient_intake", args=[patient.pk])).content.decode()
        for text in ["Penicillin", "Albuterol inhaler", "Asthma", "XYZ123456789", "Sam Rivera"]:
            assert text in content
        assert f'href="{url("allergies")}"' in content
        assert not AuditEvent.objects.exists()

    def test_a_treating_clinician_reads_everything_and_it_is_audited(
        self, patient, treating_clinician
    ):
        """A clinician with a visit sees history, medications and allergies; the read is logged."""
        complete_intake(patient)
        response = signed_in(treating_clinician).get(reverse("patient_intake", args=[patient.pk]))
        content = response.content.decode()
        for text in ["Penicillin", "Severe", "Albuterol inhaler", "Asthma", "CVS South Congress"]:
            assert text in content
        event = AuditEvent.objects.get()
        assert (event.actor, event.patient, event.action, event.what) == (
            treating_clinician,
            patient,
            AuditEvent.Action.VIEW,
            "intake",
        )

    def test_staff_see_contact_and_insurance_only(self, scheduler_client, scheduler, patient):
        """Clinic staff see demographics, emergency contact and insurance; never clinical answers."""
        complete_intake(patient)
        content = scheduler_client.get(
            reverse("patient_intake", args=[patient.pk])
        ).content.decode()
        for text in ["100 Congress Ave", "Sam Rivera", "(512) 555-0199", "XYZ123456789"]:
            assert text in content
        for text in ["Penicillin", "Albuterol", "Asthma", "Appendectomy", "CVS South Congress"]:
            assert text not in content
        assert AuditEvent.objects.get().actor == scheduler

    def test_another_patient_gets_404(self, patient_client, patient):
        """One patient cannot open another's intake."""
        other = PatientProfileFactory().user
        complete_intake(other)
        assert patient_client.get(reverse("patient_intake", args=[other.pk])).status_code == 404

    def test_an_unrelated_clinician_gets_404(self, clinician_client, patient):
        """A clinician without a visit with the patient cannot open the intake."""
        complete_intake(patient)
        response = clinician_client.get(reverse("patient_intake", args=[patient.pk]))
        assert response.status_code == 404
        assert not AuditEvent.objects.exists()

    def test_a_visit_of_another_clinician_is_not_a_way_in(self, patient, treating_clinician):
        """?visit= only accepts the reader's own visits with this patient."""
        complete_intake(patient)
        elsewhere = VisitFactory(patient=patient, start=at(MONDAY + datetime.timedelta(days=3), 9))
        response = signed_in(treating_clinician).get(
            reverse("patient_intake", args=[patient.pk]), {"visit": str(elsewhere.pk)}
        )
        assert response.status_code == 404

    def test_a_malformed_visit_is_not_found(self, patient, treating_clinician):
        """?visit= that is not a visit id is a 404, not an error."""
        response = signed_in(treating_clinician).get(
            reverse("patient_intake", args=[patient.pk]), {"visit": "not-a-uuid"}
        )
        assert response.status_code == 404

    def test_the_visits_to_read_it_at_are_listed_newest_first_in_the_readers_zone(
        self, patient, treating_clinician
    ):
        """Each visit the clinician may pick is its day in their zone, its type and provider,
        the newest first, and the one being read is marked as the current page."""
        complete_intake(patient)
        provider = treating_clinician.provider_profile
        provider.user.display_name = "Dana Whitfield"
        provider.user.save()
        # 11:30 PM in Chicago, the reader's zone: already the next day in UTC.
        late = VisitFactory(
            patient=patient, provider=provider, start=at(datetime.date(2027, 3, 1), 23, 30)
        )
        later = VisitFactory(
            patient=patient, provider=provider, start=at(datetime.date(2027, 4, 5), 9)
        )
        content = (
            signed_in(treating_clinician)
            .get(reverse("patient_intake", args=[patient.pk]), {"visit": str(late.pk)})
            .content.decode()
        )
        listed = re.findall(
            r'<li><a href="\?visit=([^"]+)"( aria-current="page")?>([^<]*)</a>', content
        )
        name = late.visit_type.name
        assert listed[:2] == [
            (str(later.pk), "", f"Apr 5, 2027: {name} with Dana Whitfield, MD"),
            (str(late.pk), ' aria-current="page"', f"Mar 1, 2027: {name} with Dana Whitfield, MD"),
        ]

    def test_before_completion_a_visit_shows_the_answers_so_far(self, patient, treating_clinician):
        """With no complete version yet, the page says so and shows the steps saved."""
        signed_in(patient).post(url("demographics"), ADDRESS)
        visit = Visit.objects.get(patient=patient)
        content = (
            signed_in(treating_clinician)
            .get(reverse("patient_intake", args=[patient.pk]), {"visit": str(visit.pk)})
            .content.decode()
        )
        assert "The intake was not complete at the visit" in content
        assert "100 Congress Ave" in content
        assert "Not answered yet." in content


class TestQueryCounts:
    @pytest.mark.parametrize("listed", [1, 12])
    def test_step_page_queries_do_not_grow_with_rows(
        self, patient_client, patient, listed, django_assert_max_num_queries
    ):
        """A list step costs the same number of queries however many rows it has."""
        entry = {"name": "Medicine", "dose": "", "frequency": ""}
        patient_client.post(
            url("medications"),
            {"_draft": "1", **rows("medications", *[entry] * listed)},
            headers=HTMX,
        )
        with django_assert_max_num_queries(5):
            response = patient_client.get(url("medications"))
        assert response.content.decode().count("Medication ") >= listed

    def test_clinician_view_queries_are_fixed(
        self, patient, treating_clinician, django_assert_max_num_queries
    ):
        """The clinician's intake page at a visit (visit list, version, audit) has fixed queries."""
        complete_intake(patient)
        visits = [
            VisitFactory(
                patient=patient,
                provider=treating_clinician.provider_profile,
                start=at(MONDAY + datetime.timedelta(days=days), 9),
            )
            for days in (7, 14, 21)
        ]
        clinician = signed_in(treating_clinician)
        page = reverse("patient_intake", args=[patient.pk])
        clinician.get(page)  # the first request checks MFA once for the session
        with django_assert_max_num_queries(10):
            response = clinician.get(page, {"visit": str(visits[0].pk)})
        assert response.content.decode().count("?visit=") == 4
