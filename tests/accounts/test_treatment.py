"""Who treats whom: the rule that gives a clinician a patient's clinical record, and its
subquery in SQL held to the same rule written with the ORM."""

import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts import policy
from accounts.models import Role, User
from accounts.treatment import CANCELLED_STATUSES, TreatedBy
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.visits.factories import VisitFactory
from visits.scheduling.models import Visit


@pytest.mark.django_db
class TestWhoTreatsAPatient:
    """A clinician treats a patient while they hold a visit that was not cancelled, upcoming or
    within the 24-month look-back; only then do they read the clinical record."""

    @pytest.fixture
    def pair(self):
        provider = ProviderProfileFactory(states=["TX"])
        patient = PatientProfileFactory(intake=False).user
        return provider, patient

    def visit(self, provider, patient, *, days_from_now, status=Visit.Status.BOOKED):
        start = timezone.now() + datetime.timedelta(days=days_from_now)
        return VisitFactory(patient=patient, provider=provider, start=start, status=status)

    def answers(self, provider, patient) -> tuple[bool, bool, str | None]:
        user = provider.user
        return (
            policy.treats(user, patient),
            policy.can_view_clinical(user, patient),
            policy.intake_access(user, patient),
        )

    def test_an_upcoming_visit_makes_a_treating_clinician(self, pair):
        """Booked and not yet happened: treating."""
        self.visit(*pair, days_from_now=3)
        assert self.answers(*pair) == (True, True, policy.IntakeAccess.FULL)

    def test_a_recent_completed_visit_still_counts(self, pair):
        """Seen 23 months ago: still treating."""
        self.visit(*pair, days_from_now=-700, status=Visit.Status.COMPLETED)
        assert self.answers(*pair) == (True, True, policy.IntakeAccess.FULL)

    def test_a_visit_beyond_the_look_back_does_not(self, pair):
        """Seen 25 months ago and not since: no longer treating."""
        self.visit(*pair, days_from_now=-760, status=Visit.Status.COMPLETED)
        assert self.answers(*pair) == (False, False, None)

    @pytest.mark.parametrize("status", [Visit.Status.CANCELLED, Visit.Status.LATE_CANCELLED])
    def test_a_cancelled_visit_never_does(self, pair, status):
        """A visit that was cancelled (even an upcoming one) gives no access to the record."""
        self.visit(*pair, days_from_now=3, status=status)
        assert self.answers(*pair) == (False, False, None)

    def test_the_look_back_is_configurable(self, pair, settings):
        """TREATMENT_LOOKBACK_DAYS sets the window."""
        self.visit(*pair, days_from_now=-100, status=Visit.Status.COMPLETED)
        settings.TREATMENT_LOOKBACK = datetime.timedelta(days=90)
        assert self.answers(*pair) == (False, False, None)

    def test_the_rule_in_sql_is_the_rule_in_the_orm(self, pair):
        """The treated-patients subquery, written once in SQL, answers as the rule written with
        the ORM does: for every status, either side of the look-back (to the microsecond), for
        several clinicians and patients, inside each kind of query that carries it."""
        provider = pair[0]
        other_provider = ProviderProfileFactory(states=["TX"])
        now = timezone.now().replace(microsecond=500000)
        since = now - settings.TREATMENT_LOOKBACK
        # Every status, each with a patient of its own, upcoming, the two clinicians in turn.
        for number, status in enumerate(Visit.Status.values):
            self.visit(
                (provider, other_provider)[number % 2],
                PatientProfileFactory(intake=False).user,
                days_from_now=number + 1,
                status=status,
            )
        # Seen last exactly at the look-back's start (treated), and a microsecond before (not).
        for end in (since, since - datetime.timedelta(microseconds=1)):
            visit = self.visit(
                provider,
                PatientProfileFactory(intake=False).user,
                days_from_now=0,
                status=Visit.Status.COMPLETED,
            )
            Visit.objects.filter(pk=visit.pk).update(
                start=end - datetime.timedelta(microseconds=1), end=end, blocked_until=end
            )
        patients = list(User.objects.filter(role=Role.PATIENT))

        def the_orm_rule(clinician):
            return (
                Visit.objects.filter(provider__user=clinician, end__gte=since)
                .exclude(status__in=CANCELLED_STATUSES)
                .values("patient_id")
                .distinct()
            )

        with mock.patch("accounts.policy.timezone.now", return_value=now):
            for clinician in (provider.user, other_provider.user):
                treated = set(the_orm_rule(clinician).values_list("patient_id", flat=True))
                assert treated, "the visits give each clinician someone to treat"
                assert treated != set(User.objects.values_list("pk", flat=True))
                assert (
                    set(
                        User.objects.filter(TreatedBy("pk", clinician)).values_list("pk", flat=True)
                    )
                    == treated
                )
                assert (
                    set(
                        policy.CLINICAL_PATIENTS.filter(User.objects.all(), clinician).values_list(
                            "pk", flat=True
                        )
                    )
                    == treated
                )
                assert (
                    set(
                        policy.VISITS.filter(Visit.objects.all(), UserFactory(role=Role.STAFF))
                        .filter(TreatedBy("patient", clinician))
                        .values_list("patient_id", flat=True)
                    )
                    == treated
                )
                for someone in patients:
                    assert policy.treats(clinician, someone) is (someone.pk in treated)

    @pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="PostgreSQL plans from its tables' statistics; SQLite's plan follows from the "
        "schema, so the look-up it makes is pinned there.",
    )
    def test_the_check_is_one_look_up_whatever_the_caseload(self, pair):
        """Asking whether the clinician treats a row's patient seeks that patient's visits with
        that clinician in the index (visit_patient_provider_end), rather than reading every
        visit the clinician has had."""
        provider, patient = pair
        self.visit(provider, patient, days_from_now=3)
        for _ in range(5):
            self.visit(provider, PatientProfileFactory(intake=False).user, days_from_now=2)
        rows = Visit.objects.filter(patient=patient).filter(TreatedBy("patient", provider.user))
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(step[-1]) for step in cursor.fetchall())
        assert "treated_visit USING INDEX visit_patient_provider_end" in plan
        assert "LIST SUBQUERY" not in plan
        assert list(rows.values_list("patient_id", flat=True)) == [patient.pk]
