"""A patient's own details: validation messages next to fields, everything typed kept."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.forms import PatientProfileForm, normalise_us_phone
from accounts.models import PatientProfile
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "legal_first_name": "Maria",
    "legal_last_name": "Gonzalez",
    "preferred_name": "Mari",
    "date_of_birth": "1984-02-29",
    "phone": "(512) 555-0143",
    "current_state": "TX",
    "time_zone": "America/Chicago",
}


class TestPhoneNumbers:
    @pytest.mark.parametrize(
        "typed",
        ["(512) 555-0143", "512-555-0143", "512.555.0143", "+1 512 555 0143", "1 (512) 555 0143"],
    )
    def test_common_ways_of_typing_a_number_are_accepted(self, typed):
        """People type numbers many ways; all become one stored form."""
        assert normalise_us_phone(typed) == "+15125550143"

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("555-0143", "Enter a 10-digit US phone number"),
            ("call me maybe", "using digits"),
            ("(012) 555-0143", "check the area code"),
            ("+44 20 7946 0958", "Enter a 10-digit US phone number"),
        ],
    )
    def test_bad_numbers_are_explained(self, typed, message):
        """Each kind of mistake gets a message that says how to fix it."""
        form = PatientProfileForm({**VALID, "phone": typed})
        assert not form.is_valid()
        assert message in form.errors["phone"][0]


class TestDateOfBirth:
    def test_future_birth_date_is_refused(self):
        """A birth date in the future is a typo, and the patient is told so."""
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        form = PatientProfileForm({**VALID, "date_of_birth": tomorrow.isoformat()})
        assert form.errors["date_of_birth"] == ["Your date of birth can't be in the future."]

    def test_implausibly_old_birth_date_is_questioned(self):
        """A year like 1820 is almost certainly a typo."""
        form = PatientProfileForm({**VALID, "date_of_birth": "1820-01-01"})
        assert form.errors["date_of_birth"] == ["Check the year of your date of birth."]

    def test_unreadable_date_is_explained(self):
        """A date that is not a date says what shape is expected."""
        form = PatientProfileForm({**VALID, "date_of_birth": "last spring"})
        assert "Enter your date of birth as a date" in form.errors["date_of_birth"][0]


class TestOtherFields:
    def test_missing_required_fields_each_say_what_is_needed(self):
        """An empty form names every missing answer in plain words."""
        form = PatientProfileForm({})
        assert form.errors["legal_first_name"] == ["Enter your legal first name."]
        assert form.errors["current_state"] == ["Choose the state you are in now."]
        assert form.errors["time_zone"] == ["Choose your time zone."]
        assert "preferred_name" not in form.errors

    def test_unknown_time_zone_is_refused(self):
        """Only real time zones are accepted."""
        form = PatientProfileForm({**VALID, "time_zone": "Mars/Olympus_Mons"})
        assert "time_zone" in form.errors

    def test_any_iana_zone_is_accepted(self):
        """Patients abroad can pick their zone too."""
        assert PatientProfileForm({**VALID, "time_zone": "Europe/Lisbon"}).is_valid()


class TestProfileView:
    def test_new_patient_saves_details_and_returns_to_the_dashboard(self, client):
        """The first save creates the profile and confirms it."""
        user = UserFactory()
        client.force_login(user)
        response = client.post(reverse("profile_edit"), VALID)
        assert response["Location"] == reverse("patient_dashboard")
        profile = PatientProfile.objects.get(user=user)
        assert profile.phone == "+15125550143"
        assert profile.date_of_birth == datetime.date(1984, 2, 29)
        dashboard = client.get(reverse("patient_dashboard")).content.decode()
        assert "Your details are saved." in dashboard
        assert "Hello, Mari" in dashboard

    def test_bad_input_comes_back_with_messages_and_every_value_kept(self, patient_client):
        """Each bad field gets its message beside it, and the rest of what was typed stays."""
        response = patient_client.post(
            reverse("profile_edit"), {**VALID, "phone": "12", "date_of_birth": "2999-01-01"}
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert "Enter a 10-digit US phone number" in content
        assert "can&#x27;t be in the future" in content
        assert 'aria-describedby="id_phone_helptext id_phone_error"' in content
        assert 'aria-invalid="true"' in content
        for kept in [
            'value="Maria"',
            'value="Gonzalez"',
            'value="Mari"',
            'value="12"',
            'value="2999-01-01"',
        ]:
            assert kept in content
        assert '<option value="TX" selected>' in content
        assert "Please check 2 things below." in content

    def test_htmx_submit_swaps_only_the_form(self, patient_client):
        """With htmx, an invalid submit returns just the form fragment, errors included."""
        response = patient_client.post(
            reverse("profile_edit"), {**VALID, "phone": "12"}, headers={"HX-Request": "true"}
        )
        content = response.content.decode()
        assert content.lstrip().startswith('<form id="profile-form"')
        assert "<html" not in content
        assert "Enter a 10-digit US phone number" in content

    def test_htmx_success_redirects_the_page(self, patient_client):
        """With htmx, a valid submit tells the browser to go to the dashboard."""
        response = patient_client.post(
            reverse("profile_edit"), VALID, headers={"HX-Request": "true"}
        )
        assert response["HX-Redirect"] == reverse("patient_dashboard")

    def test_edit_shows_the_saved_values(self, patient_client, patient):
        """Returning to the form shows what is on file."""
        content = patient_client.get(reverse("profile_edit")).content.decode()
        assert 'value="Jordan"' in content
        assert 'value="1990-05-17"' in content

    @pytest.mark.parametrize("fixture", ["clinician_client", "scheduler_client"])
    def test_only_patients_have_patient_details(self, request, fixture):
        """Clinicians and staff get 403 on the patient details page."""
        client = request.getfixturevalue(fixture)
        assert client.get(reverse("profile_edit")).status_code == 403

    def test_time_zone_menu_offers_the_browser_zone_hook(self, client):
        """The time-zone menu is marked so the browser's own zone fills it when empty."""
        client.force_login(UserFactory())
        content = client.get(reverse("profile_edit")).content.decode()
        assert "data-default-browser-zone" in content
