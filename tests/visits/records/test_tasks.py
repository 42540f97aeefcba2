"""The no-show task and the command a scheduler runs."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.visits.factories import VisitFactory
from visits.records.models import VisitTransition
from visits.records.tasks import mark_due_no_shows
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def missed(provider):
    """A booked visit that started an hour ago; nobody checked in."""
    start = timezone.now() - datetime.timedelta(hours=1)
    return VisitFactory(provider=provider, start=start)


@pytest.fixture
def soon(provider):
    """A booked visit that started five minutes ago: still in the grace time."""
    return VisitFactory(provider=provider, start=timezone.now() - datetime.timedelta(minutes=5))


class TestTask:
    def test_marks_the_missed_visit_only(self, missed, soon):
        """Run as the worker would, the task marks the visit past the grace time, not the other."""
        result = mark_due_no_shows.enqueue()
        assert result.return_value == 1
        assert Visit.objects.get(pk=missed.pk).status == Visit.Status.NO_SHOW
        assert Visit.objects.get(pk=soon.pk).status == Visit.Status.BOOKED
        assert VisitTransition.objects.get().actor is None

    def test_stores_no_arguments(self):
        """Nothing about a patient is ever in the task's stored arguments."""
        result = mark_due_no_shows.enqueue()
        assert (result.args, result.kwargs) == ([], {})


class TestCommand:
    def test_says_how_many(self, missed, soon, capsys):
        """The scheduler's command marks the missed visit and says so; a second run marks none."""
        call_command("mark_no_shows")
        assert capsys.readouterr().out == "Marked 1 visit as no-shows.\n"
        assert Visit.objects.get(pk=missed.pk).status == Visit.Status.NO_SHOW
        call_command("mark_no_shows")
        assert capsys.readouterr().out == "Marked 0 visits as no-shows.\n"

    def test_follows_the_setting(self, missed, settings, capsys):
        """With VISIT_NO_SHOW_AFTER longer than the hour, the visit is left booked."""
        settings.VISIT_NO_SHOW_AFTER = datetime.timedelta(hours=2)
        call_command("mark_no_shows")
        assert capsys.readouterr().out == "Marked 0 visits as no-shows.\n"
        assert Visit.objects.get(pk=missed.pk).status == Visit.Status.BOOKED
