"""Reads: check-ins due before visits, a clinician's open alerts, score history."""

import datetime

import pytest
from django.utils import timezone

from tests.accounts.factories import PatientProfileFactory
from tests.visits.factories import VisitFactory, visit_type
from tests.visits.questionnaires.factories import QUIET_GAD7, QUIET_PHQ9, submit, therapy_visit
from visits.questionnaires.models import Questionnaire, SafetyAlert
from visits.questionnaires.selectors import (
    check_ins_enabled,
    due_before_visits,
    open_alerts_for,
    score_history,
)
from visits.questionnaires.services import alert_acknowledge, check_ins_set

pytestmark = pytest.mark.django_db


class TestOpenAlerts:
    def test_only_for_clinicians_who_treat_the_patient(self, patient, therapist, clinician):
        """The treating clinician sees the alert; another clinician and staff see none."""
        therapy_visit(patient, therapist)
        submit(patient, "phq-9", {**QUIET_PHQ9, "phq9_9": "1"})
        assert [alert.patient for alert in open_alerts_for(therapist.user)] == [patient]
        assert open_alerts_for(clinician) == []

    def test_an_acknowledged_alert_is_no_longer_open(self, patient, therapist, scheduler):
        """Once acknowledged the alert leaves the list; staff never have any."""
        therapy_visit(patient, therapist)
        submit(patient, "phq-9", {**QUIET_PHQ9, "phq9_9": "1"})
        (alert,) = open_alerts_for(therapist.user)
        alert_acknowledge(
            alert=alert,
            actor=therapist.user,
            outcome=SafetyAlert.Outcome.CALLED_PATIENT,
        )
        assert open_alerts_for(therapist.user) == []
        assert open_alerts_for(scheduler) == []


class TestDueBeforeVisits:
    def test_therapy_asks_for_both_until_answered_or_switched_off(self, patient, therapist):
        """Both check-ins are due; an answered one drops out; switched off, none are."""
        visit = therapy_visit(patient, therapist)
        now = timezone.now()
        due = due_before_visits(patient=patient, visits=[visit], now=now)
        assert {entry["slug"] for entry in due} == {"phq-9", "gad-7"}
        submit(patient, "gad-7", QUIET_GAD7, visit=visit)
        due = due_before_visits(patient=patient, visits=[visit], now=now)
        assert [entry["slug"] for entry in due] == ["phq-9"]
        check_ins_set(visit=visit, enabled=False, actor=therapist.user)
        assert due_before_visits(patient=patient, visits=[visit], now=now) == []
        assert not check_ins_enabled(patient=patient, provider=therapist)

    def test_each_is_listed_by_the_title_of_its_newest_version(self, patient, therapist):
        """A questionnaire loaded again under a new title is listed as the patient will see it."""
        visit = therapy_visit(patient, therapist)
        newest = Questionnaire.objects.filter(slug="phq-9").order_by("-version").first()
        Questionnaire.objects.create(
            slug="phq-9",
            version=newest.version + 1,
            title="Mood check-in (PHQ-9)",
            kind=newest.kind,
            definition=newest.definition,
        )
        due = due_before_visits(patient=patient, visits=[visit], now=timezone.now())
        assert {entry["slug"]: entry["title"] for entry in due}["phq-9"] == "Mood check-in (PHQ-9)"

    def test_visits_beyond_a_week_ask_for_nothing_yet(self, patient, therapist):
        """A session more than seven days away has nothing due."""
        visit = therapy_visit(patient, therapist, days=10)
        assert due_before_visits(patient=patient, visits=[visit], now=timezone.now()) == []


class TestScoreHistory:
    def test_only_the_patients_scored_instruments_oldest_first(self, patient):
        """PHQ-9 and GAD-7 only, this patient's only, in the order submitted."""
        submit(patient, "phq-9", {**QUIET_PHQ9, "phq9_1": "2"})
        submit(patient, "gad-7", QUIET_GAD7)
        submit(patient, "phq-2", {"phq9_1": "1", "phq9_2": "1"})
        submit(PatientProfileFactory().user, "gad-7", QUIET_GAD7)
        history = score_history(patient)
        assert [row.slug for row in history["responses"]] == ["phq-9", "gad-7"]
        assert [point.total for point in history["series"]["PHQ-9"]] == [2]
        assert history["chart"] is not None

    def test_nothing_submitted_has_no_chart(self, patient):
        """With no answers there is nothing to draw."""
        assert score_history(patient)["chart"] is None


class TestDueOncePerDay:
    def test_two_visits_on_one_day_list_each_questionnaire_once(self, patient, therapist):
        """Two sessions on one day ask once for each check-in; an answer for either counts for both."""
        morning = datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=3), datetime.time(9), tzinfo=datetime.UTC
        )
        first = VisitFactory(
            patient=patient, provider=therapist, visit_type=visit_type("therapy"), start=morning
        )
        second = VisitFactory(
            patient=patient,
            provider=therapist,
            visit_type=visit_type("therapy"),
            start=morning + datetime.timedelta(hours=4),
        )
        now = timezone.now()
        due = due_before_visits(patient=patient, visits=[second, first], now=now)
        assert sorted(entry["slug"] for entry in due) == ["gad-7", "phq-9"]
        assert {entry["visit"] for entry in due} == {first}
        submit(patient, "phq-9", QUIET_PHQ9, visit=second)
        due = due_before_visits(patient=patient, visits=[first, second], now=now)
        assert [entry["slug"] for entry in due] == ["gad-7"]

    def test_visits_on_different_days_each_ask(self, patient, therapist):
        """A session next week and one in two days each have their own check-ins."""
        soon = therapy_visit(patient, therapist, days=2)
        later = therapy_visit(patient, therapist, days=5)
        due = due_before_visits(patient=patient, visits=[soon, later], now=timezone.now())
        assert [(entry["visit"], entry["slug"]) for entry in due].count((later, "phq-9")) == 1
        assert len(due) == 4
