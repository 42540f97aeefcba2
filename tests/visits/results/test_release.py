"""Release to the patient (21st Century Cures Act): final results at once, held ones with a
reason until the clinician releases them or RESULT_HOLD_MAX passes, one email with nothing clinical."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.visits.results.release_fixtures import (
    NOW,
    clinician_treating,
    correct,
    potassium,
    report_for,
    scene,
    sodium,
)
from visits.audit import AuditEvent
from visits.results.models import LabReport, PatientStatus, ResultStatus
from visits.results.notifications import PATIENT_SUBJECT, notify_patient
from visits.results.release import (
    HoldRefused,
    release_held_results,
    report_hold,
    report_recorded,
    report_release,
)
from visits.results.tasks import release_held_results_task

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def s():
    return scene()


def mail_to(user) -> list:
    return [message for message in mail.outbox if user.email in message.to]


def held(s, *, now=NOW, reason="Needs to hear this from me in person"):
    """A preliminary report the ordering clinician holds, that then becomes final at `now`."""
    report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY, now=now - DAY)
    report_hold(report=report, actor=s.clinician, reason=reason, now=now - DAY)
    report.status = ResultStatus.FINAL
    report.save(update_fields=["status"])
    report_recorded(report, now=now)
    report.refresh_from_db()
    return report


class TestReleaseOnArrival:
    def test_a_final_report_is_released_at_once(self, s, django_capture_on_commit_callbacks):
        """Final: released when recorded, and the patient sees it as released."""
        with django_capture_on_commit_callbacks(execute=True):
            report = report_for(s, potassium("4.2"))
        report.refresh_from_db()
        assert report.released_at == NOW
        assert report.patient_status == PatientStatus.RELEASED

    def test_a_corrected_report_is_released(self, s):
        """A corrected report is final too: released at once."""
        report = report_for(s, potassium("4.2"), status=ResultStatus.CORRECTED)
        report.refresh_from_db()
        assert report.released_at == NOW

    def test_a_preliminary_report_waits(self, s, django_capture_on_commit_callbacks):
        """Preliminary results are not released, and nobody is emailed."""
        with django_capture_on_commit_callbacks(execute=True):
            report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        report.refresh_from_db()
        assert report.released_at is None
        assert report.patient_status == PatientStatus.IN_PROGRESS
        assert mail_to(s.patient) == []

    def test_recording_twice_keeps_the_first_release(self, s):
        """A second report_recorded (a retried import) changes nothing."""
        report = report_for(s, potassium("4.2"))
        report_recorded(report, now=NOW + DAY)
        report.refresh_from_db()
        assert report.released_at == NOW


class TestHold:
    def test_a_held_report_is_not_released_when_final(self, s):
        """Held before it was final: not released, pending review until RESULT_HOLD_MAX."""
        report = held(s)
        assert report.released_at is None
        assert report.held_by == s.clinician
        assert report.hold_reason == "Needs to hear this from me in person"
        assert report.release_by == NOW + datetime.timedelta(days=3)
        assert report.patient_status == PatientStatus.PENDING_REVIEW

    def test_the_hold_is_audited(self, s):
        """Holding writes an audit event for the patient, in the same transaction."""
        held(s)
        event = AuditEvent.objects.get(patient=s.patient, what="lab report hold")
        assert event.actor == s.clinician
        assert event.action == AuditEvent.Action.UPDATE

    def test_a_hold_without_a_reason_is_refused(self, s):
        """No reason, no hold: the report stays as it was."""
        report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        with pytest.raises(HoldRefused, match="could harm the patient"):
            report_hold(report=report, actor=s.clinician, reason="   ")
        report.refresh_from_db()
        assert report.held_at is None

    def test_the_database_refuses_a_hold_without_reason(self, s):
        """The check constraint backs the service up."""
        report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        with pytest.raises(IntegrityError), transaction.atomic():
            LabReport.objects.filter(pk=report.pk).update(held_at=NOW, hold_reason="")

    def test_only_the_ordering_clinician_holds(self, s):
        """Another clinician who treats the patient cannot hold the ordering clinician's result."""
        other = clinician_treating(s.patient)
        report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        with pytest.raises(HoldRefused, match="Only the clinician who ordered"):
            report_hold(report=report, actor=other, reason="Worried")
        assert not LabReport.objects.filter(held_at__isnull=False).exists()

    def test_a_released_report_cannot_be_held(self, s):
        """Once the patient can read it, it is too late to hold it."""
        report = report_for(s, potassium("4.2"))
        with pytest.raises(HoldRefused, match="already released"):
            report_hold(report=report, actor=s.clinician, reason="Worried")

    def test_release_by_follows_the_setting(self, s, settings):
        """RESULT_HOLD_MAX decides how long a hold may last."""
        settings.RESULT_HOLD_MAX = datetime.timedelta(days=1)
        assert held(s).release_by == NOW + DAY

    def test_a_final_unreleased_report_counts_from_when_it_was_issued(self, s):
        """Held after it was final (recorded but not yet released): counted from issue time."""
        report = report_for(s, potassium("4.2"), record=False)
        report = report_hold(report=report, actor=s.clinician, reason="In person", now=NOW + DAY)
        assert report.release_by == NOW + datetime.timedelta(days=3)

    def test_the_clinician_releases_it_now(self, s, django_capture_on_commit_callbacks):
        """Release now: released, audited, the patient told."""
        report = held(s)
        with django_capture_on_commit_callbacks(execute=True):
            report_release(report=report, actor=s.clinician, now=NOW + DAY)
        report.refresh_from_db()
        assert report.released_at == NOW + DAY
        assert AuditEvent.objects.filter(patient=s.patient, what="lab report release").exists()
        assert len(mail_to(s.patient)) == 1

    def test_only_the_ordering_clinician_releases_early(self, s):
        """Another clinician cannot lift the ordering clinician's hold."""
        report = held(s)
        with pytest.raises(HoldRefused):
            report_release(report=report, actor=clinician_treating(s.patient))
        report.refresh_from_db()
        assert report.released_at is None


class TestAutoRelease:
    def test_nothing_is_released_before_its_time(self, s):
        """A day before release_by, the report is still held."""
        report = held(s)
        assert release_held_results(now=NOW + 2 * DAY) == 0
        report.refresh_from_db()
        assert report.released_at is None

    def test_released_once_release_by_passes(self, s, django_capture_on_commit_callbacks):
        """After RESULT_HOLD_MAX it releases itself and the patient is told, once."""
        report = held(s)
        with django_capture_on_commit_callbacks(execute=True):
            assert release_held_results(now=NOW + 3 * DAY) == 1
            assert release_held_results(now=NOW + 4 * DAY) == 0
        report.refresh_from_db()
        assert report.released_at == NOW + 3 * DAY
        assert report.patient_status == PatientStatus.RELEASED
        assert len(mail_to(s.patient)) == 1

    def test_a_preliminary_hold_waits_for_the_final_result(self, s):
        """Held and never final: no release time yet, nothing released."""
        report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        report_hold(report=report, actor=s.clinician, reason="In person")
        assert release_held_results(now=NOW + 30 * DAY) == 0

    def test_the_task_releases_what_is_due(self, s, settings):
        """The task (for the worker or a scheduler) releases reports past release_by, as
        configured: with a one-hour hold, a report final two hours ago is released."""
        settings.RESULT_HOLD_MAX = datetime.timedelta(hours=1)
        report = held(s, now=timezone.now() - datetime.timedelta(hours=2))
        waiting = held(s, now=timezone.now() - datetime.timedelta(minutes=30))
        assert release_held_results_task.call() == 1
        report.refresh_from_db()
        waiting.refresh_from_db()
        assert report.released_at is not None
        assert waiting.released_at is None

    def test_the_command_releases_what_is_due(self, s):
        """`manage.py release_held_results` releases them and says how many."""
        report = held(s, now=timezone.now() - 4 * DAY)
        out = StringIO()
        call_command("release_held_results", stdout=out)
        assert out.getvalue().strip() == "Released 1 held report."
        report.refresh_from_db()
        assert report.released_at is not None


class TestPatientEmail:
    def test_one_email_with_a_link_and_nothing_clinical(
        self, s, settings, django_capture_on_commit_callbacks
    ):
        """Subject and body say only that results are ready, with the sign-in link."""
        with django_capture_on_commit_callbacks(execute=True):
            report = report_for(s, potassium("6.8"), sodium("141"), name="Basic metabolic panel")
        [message] = mail_to(s.patient)
        assert message.subject == PATIENT_SUBJECT == "New results are ready in Housecall"
        assert f"{settings.SITE_URL}/me/results/" in message.body
        text = (message.subject + message.body).lower()
        for clinical in ("potassium", "sodium", "metabolic", "6.8", "141", "mmol", "critical"):
            assert clinical not in text
        report.refresh_from_db()
        assert report.patient_notified_at is not None

    def test_reports_released_together_make_one_email(self, s, django_capture_on_commit_callbacks):
        """Three reports in one import (one transaction): one email."""
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for name in ("Basic metabolic panel", "Complete blood count", "Lipid panel"):
                report_for(s, potassium("4.2"), name=name)
        assert len(mail_to(s.patient)) == 1
        assert not LabReport.objects.filter(patient_notified_at__isnull=True).exists()

    def test_held_reports_released_together_make_one_email(
        self, s, django_capture_on_commit_callbacks
    ):
        """Two held reports released by one sweep: one email."""
        held(s)
        held(s)
        with django_capture_on_commit_callbacks(execute=True):
            assert release_held_results(now=NOW + 3 * DAY) == 2
        assert len(mail_to(s.patient)) == 1

    def test_each_patient_is_told_of_their_own(self, s, django_capture_on_commit_callbacks):
        """A sweep releasing two patients' reports emails each of them once."""
        other = scene()
        held(s)
        held(other)
        with django_capture_on_commit_callbacks(execute=True):
            release_held_results(now=NOW + 3 * DAY)
        assert len(mail_to(s.patient)) == 1
        assert len(mail_to(other.patient)) == 1

    def test_nothing_to_tell(self, s):
        """No released, untold report: no email."""
        assert notify_patient(s.patient.pk) is False
        assert mail.outbox == []

    def test_a_rolled_back_release_emails_nobody(self, s, django_capture_on_commit_callbacks):
        """The email waits for the commit."""
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    report_for(s, potassium("4.2"))
                    raise RuntimeError("import failed")
            except RuntimeError:
                pass
        assert mail_to(s.patient) == []


def test_corrected_value_supersedes_and_both_are_kept(s):
    """A correction keeps the earlier value, pointing at the one that replaced it."""
    report = report_for(s, potassium("5.9"))
    earlier = report.observations.get()
    corrected = correct(earlier, "4.1")
    assert set(report.observations.values_list("value", flat=True)) == {
        earlier.value,
        corrected.value,
    }
    earlier.refresh_from_db()
    assert earlier.superseded_by == corrected


class TestScheduledRelease:
    def test_the_sweep_is_queued_for_release_by_where_tasks_can_wait(
        self, s, settings, django_capture_on_commit_callbacks
    ):
        """With a backend that defers tasks, holding queues the sweep for release_by (no
        argument stored: nothing clinical in the task table)."""
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        from django_tasks_db.models import DBTaskResult

        with django_capture_on_commit_callbacks(execute=True):
            report = held(s)
        [queued] = DBTaskResult.objects.all()
        assert queued.run_after == report.release_by
        assert queued.args_kwargs == {"args": [], "kwargs": {}}
