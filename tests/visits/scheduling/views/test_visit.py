"""One visit's pages: what it is, its calendar file, cancelling and moving it."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Role
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import mail_to, symptoms_checked
from tests.visits.scheduling.views.patient import free_start, open_all_week
from visits.audit import AuditEvent
from visits.scheduling.availability import provider_free_times
from visits.scheduling.models import Visit
from visits.scheduling.services import visit_book, visit_cancel, visit_reschedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _symptoms_checked(patient):
    """The patient has just answered the symptom questions without red flags."""
    symptoms_checked(patient)


class TestMyVisits:
    @pytest.fixture
    def visit(self, patient, physician, urgent_care):
        start = free_start(physician, urgent_care, days_ahead=3)
        visit = visit_book(
            patient=patient, actor=patient, provider=physician, visit_type=urgent_care, start=start
        )
        mail.outbox.clear()
        return visit

    def test_dashboard_lists_upcoming_visits(self, patient_client, visit):
        """Home shows the next visit with links to change or cancel it."""
        content = patient_client.get(reverse("patient_dashboard")).content.decode()
        assert "Urgent care with Dr. Grace Hopper" in content
        assert reverse("scheduling:visit_cancel", args=[visit.pk]) in content

    def test_another_patients_visit_is_not_found(self, client, visit):
        """Someone else's visit is a 404 for every page of it."""
        client.force_login(PatientProfileFactory().user)
        for name in [
            "scheduling:visit_detail",
            "scheduling:visit_ics",
            "scheduling:visit_cancel",
            "scheduling:visit_reschedule",
        ]:
            assert client.get(reverse(name, args=[visit.pk])).status_code == 404

    def test_calendar_file_is_downloadable(self, patient_client, visit):
        """The visit's .ics file has its UTC start."""
        response = patient_client.get(reverse("scheduling:visit_ics", args=[visit.pk]))
        assert response["Content-Type"].startswith("text/calendar")
        assert (
            visit.start.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
            in response.content.decode()
        )

    def test_staff_reading_a_visit_is_audited(self, client, visit):
        """When clinic staff open a patient's visit, an audit event records it."""
        staff = UserFactory(role=Role.STAFF)
        enrol_totp(staff)
        client.force_login(staff)
        assert client.get(reverse("scheduling:visit_detail", args=[visit.pk])).status_code == 200
        event = AuditEvent.objects.get()
        assert (event.actor, event.patient, event.action, event.object_id) == (
            staff,
            visit.patient,
            "view",
            str(visit.pk),
        )

    def test_clinician_view_links_to_the_intake_in_effect_at_the_visit(self, client, visit):
        """The treating clinician goes from the visit to the health history as it was then."""
        enrol_totp(visit.provider.user)
        client.force_login(visit.provider.user)
        content = client.get(reverse("scheduling:visit_detail", args=[visit.pk])).content.decode()
        link = reverse("patient_intake", args=[visit.patient_id]) + f"?visit={visit.pk}"
        assert link in content
        assert client.get(link).status_code == 200

    def test_the_visits_clinician_documents_it_from_the_visit_page(self, client, visit):
        """Note, orders, result entry and chart are a link away for the visit's own clinician."""
        enrol_totp(visit.provider.user)
        client.force_login(visit.provider.user)
        content = client.get(reverse("scheduling:visit_detail", args=[visit.pk])).content.decode()
        for name, arg in (
            ("records:visit_note", visit.pk),
            ("records:visit_orders", visit.pk),
            ("results:visit_result_entry", visit.pk),
            ("records:chart", visit.patient_id),
        ):
            assert reverse(name, args=[arg]) in content

    def test_staff_and_the_patient_get_no_record_links(self, client, patient_client, visit):
        staff = UserFactory(role=Role.STAFF)
        enrol_totp(staff)
        client.force_login(staff)
        note = reverse("records:visit_note", args=[visit.pk])
        assert (
            note
            not in client.get(reverse("scheduling:visit_detail", args=[visit.pk])).content.decode()
        )
        page = patient_client.get(reverse("scheduling:visit_detail", args=[visit.pk]))
        assert note not in page.content.decode()

    def test_the_treating_clinician_can_call_the_patient_and_their_emergency_contact(
        self, client, visit
    ):
        """The visit page gives the clinician the patient's phone and emergency contact as tel: links."""
        enrol_totp(visit.provider.user)
        client.force_login(visit.provider.user)
        content = client.get(reverse("scheduling:visit_detail", args=[visit.pk])).content.decode()
        profile = visit.patient.patient_profile
        assert f'<a href="tel:{profile.phone}">{profile.legal_name}: (512) 555-0123</a>' in content
        assert '<a href="tel:+15125550199">(512) 555-0199</a>' in content
        assert '<h2 id="call-heading">Call</h2>' in content

    def test_the_patient_and_staff_see_no_call_section(self, client, patient_client, visit):
        """The contacts are for the treating clinician; the patient and the front desk get none."""
        content = patient_client.get(
            reverse("scheduling:visit_detail", args=[visit.pk])
        ).content.decode()
        assert 'id="call-heading"' not in content
        scheduler = UserFactory(role=Role.STAFF)
        enrol_totp(scheduler)
        client.force_login(scheduler)
        content = client.get(reverse("scheduling:visit_detail", args=[visit.pk])).content.decode()
        assert 'id="call-heading"' not in content

    def test_after_cancelling_the_clinician_no_longer_sees_the_contacts(self, client, visit):
        """A cancelled visit does not make a clinician treating: the page keeps the contacts back."""
        Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.CANCELLED)
        enrol_totp(visit.provider.user)
        client.force_login(visit.provider.user)
        response = client.get(reverse("scheduling:visit_detail", args=[visit.pk]))
        assert 'id="call-heading"' not in response.content.decode()

    @pytest.mark.parametrize("who", ["staff", "clinician"])
    def test_cancelling_from_the_visit_page_is_audited(self, client, visit, who):
        """Staff or the clinician cancelling from the visit's page is recorded, as on the calendar."""
        actor = UserFactory(role=Role.STAFF) if who == "staff" else visit.provider.user
        enrol_totp(actor)
        client.force_login(actor)
        client.post(reverse("scheduling:visit_cancel", args=[visit.pk]))
        visit.refresh_from_db()
        assert visit.is_cancelled
        event = AuditEvent.objects.get(action=AuditEvent.Action.CANCEL)
        assert (event.actor, event.patient, event.object_id) == (
            actor,
            visit.patient,
            str(visit.pk),
        )

    @pytest.mark.parametrize("who", ["staff", "clinician"])
    def test_moving_from_the_visit_page_is_audited(self, client, visit, who):
        """Staff or the clinician moving a visit from its page is recorded, as on the calendar."""
        actor = UserFactory(role=Role.STAFF) if who == "staff" else visit.provider.user
        enrol_totp(actor)
        client.force_login(actor)
        new_start = visit.start + datetime.timedelta(hours=2)
        client.post(
            reverse("scheduling:visit_reschedule", args=[visit.pk]),
            {"start": new_start.isoformat()},
        )
        visit.refresh_from_db()
        assert visit.start == new_start
        event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
        assert (event.actor, event.patient, event.object_id) == (
            actor,
            visit.patient,
            str(visit.pk),
        )

    def test_patients_own_reads_are_not_audited(self, patient_client, visit):
        """A patient reading their own visit is not someone else opening their record."""
        patient_client.get(reverse("scheduling:visit_detail", args=[visit.pk]))
        assert not AuditEvent.objects.exists()

    def test_cancel_shows_the_policy_then_cancels_with_one_email(
        self, committed, patient_client, visit
    ):
        """Cancelling days ahead is free, is recorded as cancelled, and emails the patient."""
        page = patient_client.get(
            reverse("scheduling:visit_cancel", args=[visit.pk])
        ).content.decode()
        assert "Cancelling now is free" in page
        response = committed(
            patient_client.post,
            reverse("scheduling:visit_cancel", args=[visit.pk]),
            {"reason": "feeling_better"},
        )
        assert response["Location"] == reverse("dashboard")
        visit.refresh_from_db()
        assert visit.status == Visit.Status.CANCELLED
        assert len(mail_to(visit.patient)) == 1
        assert "cancelled" in mail_to(visit.patient)[0].subject

    def test_late_cancellation_is_announced_and_recorded(
        self, patient_client, patient, urgent_care
    ):
        """Inside the cancellation window the page warns, and the visit is recorded as late."""
        around_the_clock = ProviderProfileFactory(states=["TX"])
        urgent_care.providers.add(around_the_clock)
        open_all_week(around_the_clock, start=datetime.time(0), end=datetime.time(23, 59))
        soon = provider_free_times(
            provider=around_the_clock,
            visit_type=urgent_care,
            around=timezone.now(),
            now=timezone.now(),
            patient=patient,
        )[0]
        assert soon - timezone.now() < urgent_care.cancellation_window
        visit = visit_book(
            patient=patient,
            actor=patient,
            provider=around_the_clock,
            visit_type=urgent_care,
            start=soon,
        )
        page = patient_client.get(
            reverse("scheduling:visit_cancel", args=[visit.pk])
        ).content.decode()
        assert "recorded as a late cancellation" in page
        patient_client.post(
            reverse("scheduling:visit_cancel", args=[visit.pk]), {"reason": "schedule_conflict"}
        )
        visit.refresh_from_db()
        assert visit.status == Visit.Status.LATE_CANCELLED

    def test_reschedule_moves_to_a_new_time_with_the_same_provider(
        self, committed, patient_client, visit, physician, urgent_care
    ):
        """The patient picks a new time; the visit moves, the provider stays, one email goes out."""
        page = patient_client.get(
            reverse("scheduling:visit_reschedule", args=[visit.pk])
        ).content.decode()
        assert "You keep the same provider." in page
        new_start = visit.start + datetime.timedelta(hours=2)
        confirm = patient_client.get(
            reverse("scheduling:visit_reschedule", args=[visit.pk]),
            {"start": new_start.isoformat()},
        )
        assert "Move your visit?" in confirm.content.decode()
        response = committed(
            patient_client.post,
            reverse("scheduling:visit_reschedule", args=[visit.pk]),
            {"start": new_start.isoformat()},
        )
        assert response["Location"] == reverse("scheduling:visit_detail", args=[visit.pk])
        visit.refresh_from_db()
        assert (visit.start, visit.provider) == (new_start, physician)
        assert len(mail_to(visit.patient)) == 1
        assert "new time" in mail_to(visit.patient)[0].subject

    def test_reschedule_to_a_taken_time_changes_nothing(
        self, patient_client, visit, physician, urgent_care
    ):
        """Moving onto someone else's visit is refused with other times, and the visit stays put."""
        other_start = visit.start + datetime.timedelta(hours=3)
        someone_else = PatientProfileFactory().user
        symptoms_checked(someone_else)
        visit_book(
            patient=someone_else,
            actor=someone_else,
            provider=physician,
            visit_type=urgent_care,
            start=other_start,
        )
        before = visit.start
        response = patient_client.post(
            reverse("scheduling:visit_reschedule", args=[visit.pk]),
            {"start": other_start.isoformat()},
        )
        assert response.status_code == 200
        assert "Nearest free times" in response.content.decode()
        visit.refresh_from_db()
        assert visit.start == before


def messages_on(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


class TestChangedInAnotherTab:
    @pytest.fixture
    def visit(self, patient, physician, urgent_care):
        start = free_start(physician, urgent_care, days_ahead=3)
        visit = visit_book(
            patient=patient, actor=patient, provider=physician, visit_type=urgent_care, start=start
        )
        mail.outbox.clear()
        return visit

    def test_a_cancel_from_a_tab_showing_the_old_time_is_told_of_the_move(
        self, patient_client, visit
    ):
        """Moved in another tab: the cancel is refused with the new time, the visit as it is now."""
        cancel_url = reverse("scheduling:visit_cancel", args=[visit.pk])
        page = patient_client.get(cancel_url).content.decode()
        assert 'name="sequence" value="0"' in page
        new_start = visit.start + datetime.timedelta(hours=2)
        visit_reschedule(visit=visit, new_start=new_start, actor=visit.patient)
        mail.outbox.clear()
        response = patient_client.post(
            cancel_url, {"reason": "feeling_better", "sequence": "0"}, follow=True
        )
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == reverse("scheduling:visit_detail", args=[visit.pk])
        local = timezone.localtime(new_start, visit.patient.patient_profile.zone)
        expected = f"This visit was moved a moment ago to {local:%A, %B} {local.day} at"
        assert any(message.startswith(expected) for message in messages_on(response))
        assert "Central time." in messages_on(response)[0]
        visit.refresh_from_db()
        assert (visit.status, visit.start) == (Visit.Status.BOOKED, new_start)
        assert mail.outbox == []

    def test_a_move_losing_to_a_cancel_sent_at_the_same_moment_is_told(
        self, committed, patient_client, visit, monkeypatch
    ):
        """The cancel commits while the move is on its way: the move says it was cancelled."""
        from visits.scheduling.views import visit as visit_views

        reschedule = visit_views.visit_reschedule

        def cancelled_meanwhile(**kwargs):
            visit_cancel(visit=Visit.objects.get(pk=visit.pk), actor=visit.patient)
            return reschedule(**kwargs)

        monkeypatch.setattr(visit_views, "visit_reschedule", cancelled_meanwhile)
        new_start = visit.start + datetime.timedelta(hours=2)
        response = committed(
            patient_client.post,
            reverse("scheduling:visit_reschedule", args=[visit.pk]),
            {"start": new_start.isoformat(), "sequence": "0"},
            follow=True,
        )
        assert response.status_code == 200
        assert "This visit was cancelled a moment ago." in messages_on(response)
        assert "Cancelled" in response.content.decode()
        visit.refresh_from_db()
        assert visit.is_cancelled
        assert visit.sequence == 1
        assert [message.subject for message in mail_to(visit.patient)] == [
            "Housecall: your visit is cancelled"
        ]

    def test_cancelling_a_visit_cancelled_in_another_tab_says_so(self, patient_client, visit):
        """The second cancel is no error: the patient reads that it was cancelled a moment ago."""
        visit_cancel(visit=visit, actor=visit.patient)
        response = patient_client.post(
            reverse("scheduling:visit_cancel", args=[visit.pk]),
            {"reason": "feeling_better", "sequence": "0"},
            follow=True,
        )
        assert "This visit was cancelled a moment ago." in messages_on(response)


class TestPatientsCancelReason:
    @pytest.fixture
    def visit(self, patient, physician, urgent_care):
        start = free_start(physician, urgent_care, days_ahead=3)
        visit = visit_book(
            patient=patient, actor=patient, provider=physician, visit_type=urgent_care, start=start
        )
        mail.outbox.clear()
        return visit

    def test_the_patient_chooses_a_reason_from_a_list(self, patient_client, visit):
        """The cancel page lists the reasons and offers the patient's own words, no clinic message."""
        page = patient_client.get(reverse("scheduling:visit_cancel", args=[visit.pk]))
        content = page.content.decode()
        for label in Visit.CancelReason.labels:
            assert escape(label) in content
        assert "Anything you&#x27;d like the clinic to know (optional)" in content
        assert "Message to the patient" not in content

    def test_without_a_reason_nothing_is_cancelled_and_the_words_are_kept(
        self, patient_client, visit
    ):
        """No reason chosen: a message by the field, the typed words kept, the visit still booked."""
        response = patient_client.post(
            reverse("scheduling:visit_cancel", args=[visit.pk]), {"details": "Back next month"}
        )
        content = response.content.decode()
        assert "Choose a reason, so the clinic knows." in content
        assert "Back next month" in content
        visit.refresh_from_db()
        assert visit.status == Visit.Status.BOOKED

    def test_the_reason_is_kept_for_the_clinic_and_never_emailed_as_theirs(
        self, committed, patient_client, client, visit
    ):
        """A note posted by the patient is dropped; their reason and words are shown to the clinic."""
        committed(
            patient_client.post,
            reverse("scheduling:visit_cancel", args=[visit.pk]),
            {
                "reason": "other",
                "details": "Moving away",
                "note": "Your prescription is cancelled too",
            },
        )
        visit.refresh_from_db()
        assert (visit.cancel_reason, visit.cancel_reason_text) == ("other", "Moving away")
        body = mail_to(visit.patient)[0].body
        assert "Message from the clinic" not in body
        assert "prescription" not in body
        staff = UserFactory(role=Role.STAFF)
        enrol_totp(staff)
        client.force_login(staff)
        content = client.get(reverse("scheduling:visit_detail", args=[visit.pk])).content.decode()
        assert "Why the patient cancelled" in content
        assert "Another reason" in content
        assert "In the patient's words" in content
        assert "Moving away" in content

    def test_staff_still_write_the_clinics_message(self, committed, client, visit):
        """From the visit page, staff's message reaches the patient as the clinic's."""
        staff = UserFactory(role=Role.STAFF)
        enrol_totp(staff)
        client.force_login(staff)
        committed(
            client.post,
            reverse("scheduling:visit_cancel", args=[visit.pk]),
            {"note": "The doctor is unwell"},
        )
        assert "Message from the clinic: The doctor is unwell" in mail_to(visit.patient)[0].body


class TestExtremeDatesWhenMoving:
    @pytest.fixture
    def visit(self, patient, physician, urgent_care):
        start = free_start(physician, urgent_care, days_ahead=3)
        return visit_book(
            patient=patient, actor=patient, provider=physician, visit_type=urgent_care, start=start
        )

    @pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:00-05:00"])
    def test_an_extreme_new_start_shows_the_times_with_why(self, patient_client, visit, value):
        """Asked for or posted, an extreme start shows the time picker and a message, never a 500."""
        url = reverse("scheduling:visit_reschedule", args=[visit.pk])
        for response in (
            patient_client.get(url, {"start": value}),
            patient_client.post(url, {"start": value, "sequence": "0"}),
        ):
            assert response.status_code == 200
            content = response.content.decode()
            assert "That time cannot be booked. Choose one of the free times." in content
            assert "Choose a day" in content
        visit.refresh_from_db()
        assert visit.sequence == 0

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
    def test_a_day_at_either_end_shows_the_first_free_day(self, patient_client, visit, day):
        """?day= at either end is ignored."""
        response = patient_client.get(
            reverse("scheduling:visit_reschedule", args=[visit.pk]), {"day": day}
        )
        assert response.status_code == 200
        assert "Times on" in response.content.decode()
