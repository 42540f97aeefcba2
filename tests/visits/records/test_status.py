"""The status buttons: clinicians move their own visits, staff any, patients none."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.visits.factories import VisitFactory
from visits.audit import AuditEvent
from visits.records.models import VisitTransition
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def now_visit(patient, provider):
    """A booked visit of `patient` with `provider` that began five minutes ago."""
    return VisitFactory(
        patient=patient, provider=provider, start=timezone.now() - datetime.timedelta(minutes=5)
    )


def status_url(visit: Visit) -> str:
    return reverse("records:visit_status", args=[visit.pk])


def detail_url(visit: Visit) -> str:
    return reverse("scheduling:visit_detail", args=[visit.pk])


class TestMoves:
    def test_the_clinician_starts_and_completes_their_visit(
        self, treating_client, treating_clinician, now_visit
    ):
        """Start then complete: back on the visit's page, told what happened, recorded."""
        response = treating_client.post(status_url(now_visit), {"to": "in_progress"})
        assert response.status_code == 302
        assert response["Location"] == detail_url(now_visit)
        content = treating_client.get(detail_url(now_visit)).content.decode()
        assert "The visit has started." in content
        assert "In progress" in content
        started = timezone.localtime(
            Visit.objects.get(pk=now_visit.pk).started_at, now_visit.provider.zone
        )
        assert f"Started {started:%-I:%M %p}." in content
        treating_client.post(status_url(now_visit), {"to": "completed"})
        now_visit.refresh_from_db()
        assert now_visit.status == Visit.Status.COMPLETED
        assert list(VisitTransition.objects.values_list("to_status", "actor")) == [
            ("in_progress", treating_clinician.pk),
            ("completed", treating_clinician.pk),
        ]
        assert AuditEvent.objects.filter(action="update", what="visit").count() == 2

    def test_with_htmx_the_page_reloads(self, treating_client, now_visit):
        """An htmx press gets a client redirect to the same page."""
        response = treating_client.post(
            status_url(now_visit), {"to": "checked_in"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert response["HX-Redirect"] == detail_url(now_visit)
        assert Visit.objects.get(pk=now_visit.pk).status == Visit.Status.CHECKED_IN

    def test_from_the_day_view_back_to_that_day(self, treating_client, now_visit):
        """A button on the day view leads back to the visit's day."""
        response = treating_client.post(status_url(now_visit), {"to": "no_show", "back": "day"})
        day = timezone.localtime(now_visit.start, now_visit.provider.zone).date()
        assert response["Location"] == f"{reverse('records:day')}?date={day.isoformat()}"
        assert Visit.objects.get(pk=now_visit.pk).status == Visit.Status.NO_SHOW

    def test_a_refused_move_is_told_clearly(self, treating_client, now_visit):
        """Completing a visit not started is refused with the reason, and nothing changes."""
        response = treating_client.post(status_url(now_visit), {"to": "completed"}, follow=True)
        content = response.content.decode()
        assert "The visit&#x27;s status was not changed: This visit has not started yet." in content
        assert Visit.objects.get(pk=now_visit.pk).status == Visit.Status.BOOKED
        assert not VisitTransition.objects.exists()

    def test_a_stale_button_is_refused(self, treating_client, now_visit):
        """A second 'Start visit' from a page left open says the visit has already started."""
        treating_client.post(status_url(now_visit), {"to": "in_progress"})
        response = treating_client.post(status_url(now_visit), {"to": "in_progress"}, follow=True)
        assert "This visit has already started." in response.content.decode()
        assert VisitTransition.objects.count() == 1

    @pytest.mark.parametrize("to", ["", "cancelled", "booked"])
    def test_an_unknown_move_is_told(self, treating_client, now_visit, to):
        """Anything but the four moves changes nothing and says so."""
        response = treating_client.post(status_url(now_visit), {"to": to}, follow=True)
        assert "Choose one of the buttons" in response.content.decode()
        assert Visit.objects.get(pk=now_visit.pk).status == Visit.Status.BOOKED

    def test_staff_move_any_visit(self, scheduler_client, scheduler, now_visit):
        """The front desk checks a patient in, recorded as theirs."""
        scheduler_client.post(status_url(now_visit), {"to": "checked_in"})
        assert VisitTransition.objects.get().actor == scheduler


class TestAccess:
    def test_another_clinicians_visit_is_not_found(self, clinician_client, now_visit):
        """A clinician cannot move another clinician's visit: 404, nothing changes."""
        assert clinician_client.post(status_url(now_visit), {"to": "checked_in"}).status_code == 404
        assert Visit.objects.get(pk=now_visit.pk).status == Visit.Status.BOOKED

    def test_patients_are_refused(self, patient_client, now_visit):
        """Patients check in from the video area, not with these buttons."""
        assert patient_client.post(status_url(now_visit), {"to": "checked_in"}).status_code == 403
        assert not VisitTransition.objects.exists()

    def test_only_post(self, treating_client, now_visit):
        assert treating_client.get(status_url(now_visit)).status_code == 405


class TestOnTheVisitPage:
    def test_clinician_and_staff_see_the_moves_that_make_sense(
        self, treating_clinician, scheduler, now_visit
    ):
        """Check in, start and no-show for a visit that began; never complete before it starts."""
        for user in (treating_clinician, scheduler):
            client = Client()
            client.force_login(user)
            content = client.get(detail_url(now_visit)).content.decode()
            assert f'action="{status_url(now_visit)}"' in content
            for label in ("Check in", "Start visit", "Mark no-show"):
                assert f">{label}</button>" in content
            assert ">Complete</button>" not in content

    def test_a_completed_visit_has_no_buttons(self, treating_client, now_visit):
        Visit.objects.filter(pk=now_visit.pk).update(status=Visit.Status.COMPLETED)
        assert (
            status_url(now_visit) not in treating_client.get(detail_url(now_visit)).content.decode()
        )

    def test_the_patient_gets_no_buttons(self, patient_client, now_visit):
        """The patient's own page has no status buttons."""
        content = patient_client.get(detail_url(now_visit)).content.decode()
        assert "Booked" in content
        assert status_url(now_visit) not in content
