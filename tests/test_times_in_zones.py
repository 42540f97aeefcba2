"""Every page shows dates and times in its viewer's own zone, named in words.

Each page is rendered for two viewers either side of midnight: the same instant, 06:30 UTC on
December 2, 2027, is the evening of December 1 in Los Angeles and the small hours of December 2
in New York. A page that showed UTC, or someone else's zone, would read the wrong day for one.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import VisitFactory, visit_type
from tests.visits.questionnaires.factories import submit
from visits.audit import AuditEvent

pytestmark = pytest.mark.django_db

INSTANT = datetime.datetime(2027, 12, 2, 6, 30, tzinfo=datetime.UTC)
QUIET_PHQ9 = {f"phq9_{n}": "0" for n in range(1, 10)}
ZONES = {
    "America/Los_Angeles": ("December 1", "Dec 1", "10:30 PM", "Pacific time"),
    "America/New_York": ("December 2", "Dec 2", "1:30 AM", "Eastern time"),
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(params=sorted(ZONES))
def zone(request):
    return request.param


def expect(page: str, zone: str, *, long_day: bool = True, clock: bool = True) -> None:
    day, short_day, time, name = ZONES[zone]
    other = next(other for other in ZONES if other != zone)
    assert (day if long_day else short_day) in page, (zone, "day")
    assert (ZONES[other][0] if long_day else ZONES[other][1]) not in page, (zone, "other day")
    if clock:
        assert time in page, (zone, "time")
        assert name in page, (zone, "zone in words")
    assert "UTC" not in page
    assert zone not in page  # never "America/Los_Angeles"


class TestPatientPages:
    def test_dashboard_and_visit_page(self, zone):
        """A patient's upcoming visit reads on their own day and clock, with the zone named."""
        patient = PatientProfileFactory(time_zone=zone).user
        visit = VisitFactory(patient=patient, start=INSTANT, visit_type=visit_type("follow-up"))
        client = signed_in(patient)
        expect(client.get(reverse("patient_dashboard")).content.decode(), zone)
        expect(
            client.get(reverse("scheduling:visit_detail", args=[visit.pk])).content.decode(), zone
        )

    def test_questionnaire_result_and_score_history(self, zone):
        """An answer given late in the evening is dated the day the patient gave it."""
        patient = PatientProfileFactory(time_zone=zone).user
        response = submit(patient, "phq-9", QUIET_PHQ9)
        type(response).objects.filter(pk=response.pk).update(submitted_at=INSTANT)
        client = signed_in(patient)
        expect(
            client.get(reverse("questionnaire_result", args=[response.pk])).content.decode(), zone
        )
        history = client.get(reverse("my_scores")).content.decode()
        day = "Dec 1, 2027" if zone.endswith("Angeles") else "Dec 2, 2027"
        other = "Dec 2, 2027" if zone.endswith("Angeles") else "Dec 1, 2027"
        assert day in history
        assert other not in history

    def test_access_log(self, zone):
        """Who opened the record, and when, in the patient's zone."""
        patient = PatientProfileFactory(time_zone=zone).user
        staff = UserFactory(role=Role.STAFF)
        event = AuditEvent.objects.create(actor=staff, patient=patient, action="view", what="visit")
        AuditEvent.objects.filter(pk=event.pk).update(at=INSTANT)
        expect(signed_in(patient).get(reverse("access_log")).content.decode(), zone, long_day=False)


class TestClinicianAndStaffPages:
    def test_a_clinician_reads_the_visit_in_their_own_zone(self, zone):
        """The visit page for its clinician uses the clinician's zone, not the patient's."""
        provider = ProviderProfileFactory(time_zone=zone)
        enrol_totp(provider.user)
        patient = PatientProfileFactory(time_zone="Pacific/Honolulu").user
        visit = VisitFactory(
            patient=patient, provider=provider, start=INSTANT, visit_type=visit_type("follow-up")
        )
        page = signed_in(provider.user).get(reverse("scheduling:visit_detail", args=[visit.pk]))
        expect(page.content.decode(), zone)

    def test_staff_read_times_in_their_account_zone(self, zone):
        """Staff see a visit in the zone on their account, whatever the provider's zone."""
        staff = UserFactory(role=Role.STAFF, time_zone=zone)
        enrol_totp(staff)
        provider = ProviderProfileFactory(time_zone="America/Chicago")
        visit = VisitFactory(provider=provider, start=INSTANT, visit_type=visit_type("follow-up"))
        page = signed_in(staff).get(reverse("scheduling:visit_detail", args=[visit.pk]))
        expect(page.content.decode(), zone)

    def test_the_admin_shows_times_in_the_admins_zone(self, zone):
        """The Django admin renders the visit's start in the admin's own zone too."""
        admin = UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True, time_zone=zone)
        enrol_totp(admin)
        visit = VisitFactory(start=INSTANT, visit_type=visit_type("follow-up"))
        page = signed_in(admin).get(reverse("admin:visits_visit_change", args=[visit.pk]))
        content = page.content.decode()
        assert ("2027-12-01" if zone.endswith("Angeles") else "2027-12-02") in content

    def test_the_chart_dates_past_visits_in_the_clinicians_zone(self, zone):
        """A past visit on the patient's chart reads on the clinician's day and clock."""
        provider = ProviderProfileFactory(time_zone=zone)
        enrol_totp(provider.user)
        # No health history: its "last changed" date (today) would be another day on the page.
        patient = PatientProfileFactory(time_zone="Pacific/Honolulu", intake=False).user
        VisitFactory(
            patient=patient,
            provider=provider,
            # The same moment of the year two years earlier: in the past, within the look-back.
            start=INSTANT.replace(year=INSTANT.year - 2),
            visit_type=visit_type("follow-up"),
            status="completed",
        )
        page = signed_in(provider.user).get(reverse("records:chart", args=[patient.pk]))
        assert page.status_code == 200
        expect(page.content.decode(), zone)
