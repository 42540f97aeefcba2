"""The demo clinic: realistic, repeatable, and never in production."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from accounts.models import PatientProfile, ProviderLicense, ProviderProfile, Role, User
from visits.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def seed(settings, capsys) -> str:
    settings.DEBUG = True
    call_command("seed_demo")
    return capsys.readouterr().out


class TestSeedDemo:
    def test_creates_a_clinic_and_prints_the_logins(self, settings, capsys):
        """Physicians, a psychiatrist, therapists, a scheduler and patients, with their logins."""
        output = seed(settings, capsys)
        kinds = set(ProviderProfile.objects.values_list("kind", flat=True))
        assert kinds == {"physician", "psychiatrist", "therapist"}
        assert ProviderProfile.objects.filter(kind="physician").count() >= 3
        assert ProviderProfile.objects.filter(kind="therapist").count() >= 2
        assert User.objects.filter(role=Role.STAFF, is_staff=False).exists()
        assert PatientProfile.objects.count() >= 3
        assert set(ProviderLicense.objects.values_list("state", flat=True)) >= {
            "TX",
            "CA",
            "NY",
            "AZ",
        }
        assert DEMO_PASSWORD in output
        for user in User.objects.all():
            assert user.email in output
            assert user.check_password(DEMO_PASSWORD)
            assert EmailAddress.objects.get(user=user).verified

    def test_clinicians_and_staff_are_enrolled_in_mfa(self, settings, capsys):
        """Demo clinicians and staff can sign in, since their role requires MFA."""
        seed(settings, capsys)
        for user in User.objects.exclude(role=Role.PATIENT):
            assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    def test_running_twice_changes_nothing(self, settings, capsys):
        """Seeding again leaves the same people, licenses and authenticators."""
        seed(settings, capsys)
        counts = (
            User.objects.count(),
            ProviderLicense.objects.count(),
            Authenticator.objects.count(),
        )
        seed(settings, capsys)
        assert (
            User.objects.count(),
            ProviderLicense.objects.count(),
            Authenticator.objects.count(),
        ) == counts

    def test_refused_when_debug_is_off(self, settings):
        """Published demo passwords never reach a production database."""
        settings.DEBUG = False
        with pytest.raises(CommandError, match="only runs with DEBUG=True"):
            call_command("seed_demo")
        assert not User.objects.exists()


class TestSeedDemoSafetyAlerts:
    def test_priya_has_an_acknowledged_and_an_open_alert_with_her_therapist(self, settings, capsys):
        """Daniel Reyes acknowledged one alert and has one open; seeding again adds none."""
        from visits.questionnaires.models import SafetyAlert
        from visits.questionnaires.selectors import open_alerts_for

        seed(settings, capsys)
        priya = User.objects.get(email="priya.shah@demo.housecall.example")
        daniel = User.objects.get(email="daniel.reyes@demo.housecall.example")
        acknowledged, current = SafetyAlert.objects.filter(patient=priya).order_by("created_at")
        assert (acknowledged.acknowledged_by, acknowledged.outcome) == (daniel, "called_patient")
        assert daniel in {r.clinician for r in acknowledged.recipients.all()}
        assert [r.clinician for r in current.recipients.all()] == [daniel]
        assert list(open_alerts_for(daniel)) == [current]
        seed(settings, capsys)
        assert SafetyAlert.objects.filter(patient=priya).count() == 2


class TestVisitHistory:
    """The demo shows past visits with signed notes, prescriptions and months of results."""

    def test_past_visits_are_documented(self, settings, capsys):
        from visits.records.models import AfterVisitSummary, Prescription, PsychotherapyNote
        from visits.results.models import LabReport, Observation
        from visits.scheduling.models import Visit

        seed(settings, capsys)
        alex = User.objects.get(email="alex.morgan@demo.housecall.example")
        completed = Visit.objects.filter(patient=alex, status="completed")
        assert completed.count() == 3
        assert all(visit.note.is_signed for visit in completed)
        assert (
            AfterVisitSummary.objects.filter(patient=alex, released_at__isnull=False).count() == 3
        )
        assert Prescription.objects.filter(patient=alex, status="active").exists()
        assert Prescription.objects.filter(patient=alex, status="completed").exists()
        # Three rounds of results over four months, released, with LDL high then coming down.
        assert LabReport.objects.filter(patient=alex, released_at__isnull=True).count() == 0
        ldl = list(
            Observation.objects.filter(patient=alex, loinc_code="13457-7")
            .order_by("observed_at")
            .values_list("flag", flat=True)
        )
        assert ldl == ["high", "high", "high"]
        span = LabReport.objects.filter(patient=alex).order_by("collected_at")
        assert (span.last().collected_at - span.first().collected_at).days >= 90
        assert PsychotherapyNote.objects.filter(
            patient__email="priya.shah@demo.housecall.example"
        ).exists()

    def test_seeding_twice_adds_no_second_history(self, settings, capsys):
        from visits.records.models import VisitNote

        seed(settings, capsys)
        notes = VisitNote.objects.count()
        seed(settings, capsys)
        assert VisitNote.objects.count() == notes
