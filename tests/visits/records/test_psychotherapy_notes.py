# ruff: noqa: F811 -- fixtures imported from notes_fixtures are test arguments
"""Psychotherapy notes are their author's alone: another clinician treating the client, the
client and staff never reach them, and they appear on no other page."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import ProviderProfile
from tests.accounts.factories import ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.accounts.test_middleware import age_session
from tests.visits.factories import VisitFactory, visit_type
from tests.visits.records.notes_fixtures import (  # noqa: F401
    SOAP,
    signed,
    signed_in,
    therapist,
    therapy_visit,
)
from visits.audit import AuditEvent
from visits.records.models import PsychotherapyNote
from visits.records.notes import psychotherapy_note_save

pytestmark = pytest.mark.django_db

SECRET = "Client spoke about the loss of her brother; transference noted."


def page_url(visit):
    return reverse("records:psychotherapy_notes", args=[visit.pk])


@pytest.fixture
def treating_psychiatrist(therapy_visit):
    """A psychiatrist who also treats the therapist's client (a visit of their own)."""
    user = ProviderProfileFactory(kind=ProviderProfile.Kind.PSYCHIATRIST).user
    enrol_totp(user)
    VisitFactory(
        patient=therapy_visit.patient,
        provider=user.provider_profile,
        visit_type=visit_type("psychiatry-follow-up"),
        start=therapy_visit.start + datetime.timedelta(days=1),
    )
    return user


@pytest.fixture
def kept(therapy_visit, therapist):
    return psychotherapy_note_save(visit=therapy_visit, actor=therapist, text=SECRET)


class TestTheAuthor:
    def test_the_therapist_writes_and_reads_their_note(self, therapist, therapy_visit):
        """Saved, then back on the page with the text, saying only they can read it."""
        client = signed_in(therapist)
        page = client.get(page_url(therapy_visit))
        assert page.status_code == 200
        assert "Only you can read these notes." in page.content.decode()
        response = client.post(page_url(therapy_visit), {"text": SECRET}, follow=True)
        body = response.content.decode()
        assert "Psychotherapy note saved. Only you can read it." in body
        assert SECRET in body
        assert PsychotherapyNote.objects.get().author == therapist

    def test_their_earlier_notes_for_the_client_are_listed(self, therapist, therapy_visit, kept):
        """A later session's page shows the earlier session's note under "earlier"."""
        later = VisitFactory(
            patient=therapy_visit.patient,
            provider=therapist.provider_profile,
            visit_type=visit_type("therapy"),
            start=therapy_visit.start + therapy_visit.visit_type.duration * 4,
        )
        body = signed_in(therapist).get(page_url(later)).content.decode()
        assert "Your earlier notes for Jordan Rivera" in body
        assert SECRET in body

    def test_an_empty_note_is_refused_next_to_its_field(self, therapist, therapy_visit):
        response = signed_in(therapist).post(page_url(therapy_visit), {"text": ""})
        assert response.status_code == 400
        assert 'id="id_text_error"' in response.content.decode()
        assert not PsychotherapyNote.objects.exists()

    def test_opening_the_page_is_audited_once(self, therapist, therapy_visit, kept):
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        signed_in(therapist).get(page_url(therapy_visit))
        [event] = AuditEvent.objects.filter(pk__gt=before)
        assert (event.actor, event.patient, event.what) == (
            therapist,
            therapy_visit.patient,
            "psychotherapy note",
        )

    def test_what_was_typed_comes_back_after_a_timeout(self, therapist, therapy_visit):
        client = signed_in(therapist)
        age_session(client, idle_minutes=90)
        client.post(page_url(therapy_visit), {"text": SECRET})
        assert not PsychotherapyNote.objects.exists()
        client.force_login(therapist)
        body = client.get(page_url(therapy_visit)).content.decode()
        assert "back below" in body
        assert SECRET in body

    def test_the_note_page_links_to_them_for_the_author_only(
        self, therapist, therapy_visit, treating_psychiatrist
    ):
        """The therapist's note editor links here; the link is theirs alone."""
        mine = signed_in(therapist).get(reverse("records:visit_note", args=[therapy_visit.pk]))
        assert page_url(therapy_visit) in mine.content.decode()


class TestEveryoneElse:
    def test_another_clinician_treating_the_client_gets_404(
        self, therapy_visit, kept, treating_psychiatrist
    ):
        """Even a psychiatrist who treats the client: not there, for reading or writing."""
        client = signed_in(treating_psychiatrist)
        response = client.get(page_url(therapy_visit))
        assert response.status_code == 404
        assert SECRET not in response.content.decode()
        assert client.post(page_url(therapy_visit), {"text": "Mine"}).status_code == 404
        assert PsychotherapyNote.objects.get().text == SECRET

    def test_a_physician_on_their_own_visit_has_no_such_page(self, clinician):
        visit = VisitFactory(provider=clinician.provider_profile)
        assert signed_in(clinician).get(page_url(visit)).status_code == 404

    def test_the_client_and_staff_are_refused(self, therapy_visit, kept, scheduler):
        for user in (therapy_visit.patient, scheduler):
            response = signed_in(user).get(page_url(therapy_visit))
            assert response.status_code in (403, 404)
            assert SECRET not in response.content.decode()

    def test_they_appear_on_no_other_page(
        self, therapist, therapy_visit, kept, treating_psychiatrist, scheduler
    ):
        """The signed visit note, the patient's pages and staff's: the text is nowhere, and no
        page but the author's links to them."""
        signed(therapy_visit, therapist)
        note_page = reverse("records:visit_note", args=[therapy_visit.pk])
        patient = therapy_visit.patient
        visits = [
            (treating_psychiatrist, note_page),
            (treating_psychiatrist, reverse("clinician_dashboard")),
            (patient, reverse("patient_dashboard")),
            (patient, reverse("patient_intake", args=[patient.pk])),
            (scheduler, reverse("staff_dashboard")),
            (therapist, note_page),
            (therapist, reverse("clinician_dashboard")),
        ]
        for user, url in visits:
            response = signed_in(user).get(url)
            body = response.content.decode()
            assert SECRET not in body, (user, url)
            if user != therapist:
                assert page_url(therapy_visit) not in body, (user, url)

    def test_the_policy_gives_them_to_their_author_only(
        self, therapist, therapy_visit, kept, treating_psychiatrist, scheduler
    ):
        from accounts import policy

        notes = PsychotherapyNote.objects.all()
        assert list(policy.PSYCHOTHERAPY_NOTES.filter(notes, therapist)) == [kept]
        for user in (treating_psychiatrist, therapy_visit.patient, scheduler):
            assert not policy.PSYCHOTHERAPY_NOTES.filter(notes, user).exists()
