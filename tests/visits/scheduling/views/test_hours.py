"""The hours editor's pages: who may open them, weekly hours, exceptions, stranded visits."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.visits.factories import mail_to
from tests.visits.scheduling.views.staff import (
    CHICAGO,
    DASH,
    HTMX,
    ONE_DAY,
    at,
    hours,
    next_monday,
    text,
    url,
    visit_at,
)
from visits.audit import AuditEvent
from visits.scheduling.models import (
    ScheduleException,
    Visit,
    WeeklyHours,
)
from visits.scheduling.services import SlotTaken, VisitChanged

pytestmark = pytest.mark.django_db

WEEK = datetime.timedelta(weeks=1)


class TestAccess:
    @pytest.mark.parametrize(
        "name",
        [
            "scheduling:schedule_edit",
            "scheduling:schedule_calendar",
            "scheduling:schedule_book",
            "scheduling:schedule_exceptions",
        ],
    )
    def test_staff_open_any_providers_pages(self, scheduler_client, provider, name):
        """Clinic staff manage every provider's schedule."""
        assert scheduler_client.get(url(name, provider)).status_code == 200

    @pytest.mark.parametrize(
        "name",
        ["scheduling:schedule_edit", "scheduling:schedule_calendar", "scheduling:schedule_book"],
    )
    def test_clinician_opens_their_own(self, clinician_client, provider, name):
        """A clinician uses the same pages for their own schedule."""
        assert clinician_client.get(url(name, provider)).status_code == 200

    @pytest.mark.parametrize(
        "name",
        [
            "scheduling:schedule_edit",
            "scheduling:schedule_calendar",
            "scheduling:schedule_book",
            "scheduling:schedule_exceptions",
        ],
    )
    def test_clinician_gets_404_for_another_providers_pages(self, clinician_client, name):
        """Nobody learns another clinician's schedule exists."""
        other = ProviderProfileFactory()
        assert clinician_client.get(url(name, other)).status_code == 404

    def test_clinician_cannot_change_another_providers_hours(self, clinician_client):
        """Posting to another clinician's block or day is refused and changes nothing."""
        other = ProviderProfileFactory()
        block = hours(other, 0, 9, 12)
        remove = reverse("scheduling:schedule_block_remove", args=[other.pk, block.pk])
        assert clinician_client.post(remove).status_code == 404
        add = reverse("scheduling:schedule_day", args=[other.pk, 1])
        response = clinician_client.post(
            add, {"add1-start_time": "09:00", "add1-end_time": "10:00"}
        )
        assert response.status_code == 404
        assert list(WeeklyHours.objects.filter(provider=other)) == [block]

    def test_clinician_cannot_touch_another_providers_visit(
        self, clinician_client, patient, follow_up
    ):
        """Moving or cancelling a visit of another clinician is a 404."""
        other = ProviderProfileFactory()
        visit = visit_at(other, patient, follow_up, at(next_monday(), 10))
        for name in ("scheduling:schedule_visit_move", "scheduling:schedule_visit_cancel"):
            assert clinician_client.post(url(name, other, visit.pk)).status_code == 404
        visit.refresh_from_db()
        assert visit.status == Visit.Status.BOOKED

    def test_a_block_must_belong_to_the_provider_in_the_url(self, scheduler_client, provider):
        """A block id from another provider under this provider's URL is a 404."""
        other_block = hours(ProviderProfileFactory(), 0, 9, 12)
        response = scheduler_client.get(url("scheduling:schedule_block", provider, other_block.pk))
        assert response.status_code == 404

    def test_clinician_is_refused_staff_pages(self, clinician_client):
        """The list of every provider is for clinic staff only."""
        assert clinician_client.get(reverse("staff_dashboard")).status_code == 403

    @pytest.mark.parametrize(
        "name",
        ["scheduling:schedule_edit", "scheduling:schedule_calendar", "scheduling:schedule_book"],
    )
    def test_patients_are_refused(self, patient_client, provider, name):
        """Patients never open schedules."""
        assert patient_client.get(url(name, provider)).status_code == 403

    def test_unknown_provider_is_404(self, scheduler_client):
        """A provider id that does not exist is not found."""
        assert (
            scheduler_client.get(reverse("scheduling:schedule_edit", args=[999999])).status_code
            == 404
        )

    def test_dashboards_link_to_schedules(self, client, scheduler, clinician, provider):
        """Staff reach each provider's hours and calendar; clinicians their own."""
        client.force_login(scheduler)
        content = text(client.get(reverse("staff_dashboard")))
        assert url("scheduling:schedule_edit", provider) in content
        assert url("scheduling:schedule_calendar", provider) in content
        client.force_login(clinician)
        content = text(client.get(reverse("clinician_dashboard")))
        assert f'href="{url("scheduling:schedule_edit", provider)}">My schedule' in content
        assert f'href="{url("scheduling:schedule_calendar", provider)}">My calendar' in content


class TestWeeklyHours:
    def test_editor_shows_blocks_by_weekday_in_the_providers_zone(self, scheduler_client, provider):
        """Each weekday lists its blocks, or says the provider does not work then."""
        content = text(scheduler_client.get(url("scheduling:schedule_edit", provider)))
        assert "Central time" in content
        assert "America/Chicago" not in content
        assert f"9:00 AM{DASH}12:00 PM" in content
        assert "Not working." in content
        assert "<legend>Add hours on Tuesday</legend>" in content
        assert 'for="id_add0-start_time"' in content

    def test_adding_a_block_without_javascript_redirects_back(self, scheduler_client, provider):
        """A plain post saves the block and returns to that weekday."""
        response = scheduler_client.post(
            url("scheduling:schedule_day", provider, 0),
            {"add0-start_time": "13:00", "add0-end_time": "17:00"},
        )
        assert response["Location"] == url("scheduling:schedule_edit", provider) + "#weekday-0"
        assert WeeklyHours.objects.filter(
            provider=provider, weekday=0, start_time=datetime.time(13), end_time=datetime.time(17)
        ).exists()
        page = text(scheduler_client.get(response["Location"]))
        assert "Saved: Add Monday 1:00 PM to 5:00 PM." in page

    def test_adding_a_block_with_htmx_swaps_only_that_day(self, scheduler_client, provider):
        """With htmx the weekday's own fragment comes back, saying what was saved."""
        response = scheduler_client.post(
            url("scheduling:schedule_day", provider, 0),
            {"add0-start_time": "13:00", "add0-end_time": "17:00"},
            headers=HTMX,
        )
        content = text(response)
        assert content.lstrip().startswith('<section id="weekday-0"')
        assert "<html" not in content
        assert "Saved: Add Monday 1:00 PM to 5:00 PM." in content
        assert 'role="status" aria-live="polite" tabindex="-1" autofocus' in content
        assert f"1:00 PM{DASH}5:00 PM" in content

    def test_end_before_start_is_explained_and_values_kept(self, scheduler_client, provider):
        """The message sits by the field, tied to it, and both times stay as typed."""
        response = scheduler_client.post(
            url("scheduling:schedule_day", provider, 2),
            {"add2-start_time": "17:00", "add2-end_time": "09:00"},
        )
        assert response.status_code == 200
        content = text(response)
        assert "The end must be after the start." in content
        assert '<a href="#weekday-2">Wednesday\'s hours are not saved yet.' in content
        assert 'aria-describedby="id_add2-end_time_error"' in content
        assert 'value="17:00"' in content
        assert 'value="09:00"' in content
        assert not WeeklyHours.objects.filter(provider=provider, weekday=2).exists()

    def test_overlap_with_an_existing_block_is_refused(self, scheduler_client, provider):
        """Blocks on one weekday may not overlap, including the ones already saved."""
        response = scheduler_client.post(
            url("scheduling:schedule_day", provider, 0),
            {"add0-start_time": "11:00", "add0-end_time": "13:00"},
            headers=HTMX,
        )
        content = text(response)
        assert "This overlaps Monday's 9:00 AM to 12:00 PM block." in content
        assert 'value="11:00"' in content
        assert "autofocus" in content
        assert WeeklyHours.objects.filter(provider=provider).count() == 1

    def test_blocks_that_only_touch_are_allowed(self, scheduler_client, provider):
        """12:00 to 13:00 after 9:00 to 12:00 does not overlap."""
        scheduler_client.post(
            url("scheduling:schedule_day", provider, 0),
            {"add0-start_time": "12:00", "add0-end_time": "13:00"},
        )
        assert WeeklyHours.objects.filter(provider=provider, weekday=0).count() == 2

    def test_missing_times_are_asked_for(self, scheduler_client, provider):
        """Empty times get a message each."""
        content = text(scheduler_client.post(url("scheduling:schedule_day", provider, 1), {}))
        assert "Enter the time the block starts." in content
        assert "Enter the time the block ends." in content

    def test_changing_a_block_inline(self, scheduler_client, provider):
        """The change link swaps in a form with the block's times; saving changes the block."""
        block = provider.weekly_hours.get()
        form = text(
            scheduler_client.get(url("scheduling:schedule_block", provider, block.pk), headers=HTMX)
        )
        assert form.lstrip().startswith(f'<li id="block-{block.pk}">')
        assert 'value="09:00"' in form
        assert f"<legend>Change Monday 9:00 AM{DASH}12:00 PM</legend>" in form
        response = scheduler_client.post(
            url("scheduling:schedule_block", provider, block.pk),
            {f"block{block.pk}-start_time": "08:00", f"block{block.pk}-end_time": "11:00"},
            headers=HTMX,
        )
        assert "Saved: Change Monday 9:00 AM to 12:00 PM to 8:00 AM to 11:00 AM." in text(response)
        block.refresh_from_db()
        assert (block.start_time, block.end_time) == (datetime.time(8), datetime.time(11))

    def test_closing_a_change_form_swaps_only_its_row(self, scheduler_client, provider):
        """Cancel on an open change form brings back the block's row, focused on its link."""
        block = provider.weekly_hours.get()
        row = text(
            scheduler_client.get(
                url("scheduling:schedule_block", provider, block.pk) + "?close=1", headers=HTMX
            )
        )
        assert row.lstrip().startswith(f'<li id="block-{block.pk}">')
        assert f'name="block{block.pk}-start_time"' not in row
        assert "autofocus>Change" in row

    def test_removing_a_block_keeps_the_times_typed_in_the_others(self, scheduler_client, provider):
        """The day's other open forms come along with a removal and are shown again as typed."""
        block = provider.weekly_hours.get()
        afternoon = hours(provider, 0, 13, 17)
        content = text(
            scheduler_client.post(
                url("scheduling:schedule_block_remove", provider, block.pk),
                {
                    f"block{afternoon.pk}-start_time": "13:30",
                    f"block{afternoon.pk}-end_time": "16:45",
                    f"block{block.pk}-start_time": "08:00",
                    "add0-start_time": "18:00",
                },
                headers=HTMX,
            )
        )
        assert "Saved: Remove Monday" in content
        assert f'name="block{afternoon.pk}-start_time" value="13:30"' in content
        assert f'name="block{afternoon.pk}-end_time" value="16:45"' in content
        assert 'name="add0-start_time" value="18:00"' in content
        assert f"block{block.pk}-" not in content

    def test_saving_one_block_keeps_the_times_typed_in_another(self, scheduler_client, provider):
        """The saved block's form closes; the other block's form and the add form stay as typed."""
        block = provider.weekly_hours.get()
        afternoon = hours(provider, 0, 13, 17)
        content = text(
            scheduler_client.post(
                url("scheduling:schedule_block", provider, block.pk),
                {
                    f"block{block.pk}-start_time": "08:00",
                    f"block{block.pk}-end_time": "11:00",
                    f"block{afternoon.pk}-start_time": "14:15",
                    f"block{afternoon.pk}-end_time": "",
                    "add0-end_time": "19:00",
                },
                headers=HTMX,
            )
        )
        assert "Saved: Change Monday" in content
        assert f'name="block{block.pk}-start_time"' not in content
        assert f'name="block{afternoon.pk}-start_time" value="14:15"' in content
        assert 'name="add0-end_time" value="19:00"' in content
        assert "errorlist" not in content

    def test_a_refused_block_keeps_the_others_typed_too(self, scheduler_client, provider):
        """A change refused for its times is shown with its error beside the others as typed."""
        block = provider.weekly_hours.get()
        content = text(
            scheduler_client.post(
                url("scheduling:schedule_day", provider, 0),
                {
                    "add0-start_time": "14:00",
                    "add0-end_time": "13:00",
                    f"block{block.pk}-start_time": "09:30",
                    f"block{block.pk}-end_time": "12:00",
                },
                headers=HTMX,
            )
        )
        assert "The end must be after the start." in content
        assert f'name="block{block.pk}-start_time" value="09:30"' in content

    def test_change_link_works_without_javascript(self, scheduler_client, provider):
        """Without htmx the block's URL shows the whole editor with that block's form open."""
        block = provider.weekly_hours.get()
        content = text(scheduler_client.get(url("scheduling:schedule_block", provider, block.pk)))
        assert "<html" in content
        assert f'name="block{block.pk}-start_time"' in content

    def test_changing_a_block_is_checked_against_the_others(self, scheduler_client, provider):
        """A changed block may not grow into its neighbour, but may keep its own time."""
        block = provider.weekly_hours.get()
        hours(provider, 0, 13, 17)
        response = scheduler_client.post(
            url("scheduling:schedule_block", provider, block.pk),
            {f"block{block.pk}-start_time": "09:00", f"block{block.pk}-end_time": "14:00"},
        )
        assert "overlaps Monday's 1:00 PM to 5:00 PM block" in text(response)
        response = scheduler_client.post(
            url("scheduling:schedule_block", provider, block.pk),
            {f"block{block.pk}-start_time": "09:00", f"block{block.pk}-end_time": "12:30"},
        )
        assert response.status_code == 302

    def test_removing_a_block_without_visits(self, scheduler_client, provider):
        """With nothing booked in it, a block goes at once."""
        block = provider.weekly_hours.get()
        response = scheduler_client.post(
            url("scheduling:schedule_block_remove", provider, block.pk)
        )
        assert response["Location"] == url("scheduling:schedule_edit", provider) + "#weekday-0"
        assert not WeeklyHours.objects.filter(pk=block.pk).exists()

    def test_copy_day_replaces_the_chosen_days(self, scheduler_client, provider):
        """Tuesday and Wednesday get exactly Monday's blocks; Tuesday's own block goes."""
        hours(provider, 0, 13, 17)
        hours(provider, 1, 7, 8)
        response = scheduler_client.post(
            url("scheduling:schedule_copy", provider),
            {"copy-source": "0", "copy-targets": ["1", "2"]},
            headers=HTMX,
        )
        assert response["HX-Redirect"] == url("scheduling:schedule_edit", provider)
        for weekday in (1, 2):
            assert list(
                WeeklyHours.objects.filter(provider=provider, weekday=weekday).values_list(
                    "start_time", "end_time"
                )
            ) == [(datetime.time(9), datetime.time(12)), (datetime.time(13), datetime.time(17))]

    def test_copy_day_needs_another_day(self, scheduler_client, provider):
        """Copying a day onto itself, or nowhere, is explained; the checkboxes sit in a fieldset."""
        content = text(
            scheduler_client.post(
                url("scheduling:schedule_copy", provider),
                {"copy-source": "0", "copy-targets": ["0"]},
            )
        )
        assert "Choose at least one day other than the one you copy." in content
        assert "<legend" in content
        assert "To these days (their hours are replaced)" in content
        content = text(
            scheduler_client.post(
                url("scheduling:schedule_copy", provider), {"copy-source": "0"}, headers=HTMX
            )
        )
        assert content.lstrip().startswith('<section id="copy-day"')
        assert "Choose at least one day to copy to." in content

    def test_editor_query_count_does_not_grow_with_blocks(
        self, scheduler_client, provider, django_assert_max_num_queries
    ):
        """A full week of blocks and exceptions costs the same few queries as one block."""
        for weekday in range(1, 7):
            hours(provider, weekday, 9, 12)
            hours(provider, weekday, 13, 17)
        for offset in range(5):
            day = next_monday() + offset * ONE_DAY
            ScheduleException.objects.create(
                provider=provider, kind="time_off", start_date=day, end_date=day
            )
        with django_assert_max_num_queries(10):
            response = scheduler_client.get(url("scheduling:schedule_edit", provider))
        assert text(response).count(f"1:00 PM{DASH}5:00 PM") == 6

    def test_copy_link_preselects_the_day(self, scheduler_client, provider):
        """Each weekday's copy link opens the copy form with that day chosen."""
        content = text(scheduler_client.get(url("scheduling:schedule_edit", provider) + "?copy=3"))
        assert '<option value="3" selected>Thursday</option>' in content

    def test_copy_link_with_htmx_swaps_only_the_copy_form(self, scheduler_client, provider):
        """With htmx the copy link swaps the copy form in place, days already ticked kept."""
        content = text(
            scheduler_client.get(
                url("scheduling:schedule_copy", provider) + "?copy=3&copy-targets=4&copy-targets=x",
                headers=HTMX,
            )
        )
        assert content.lstrip().startswith('<section id="copy-day"')
        assert '<option value="3" selected>Thursday</option>' in content
        assert 'value="4" id="id_copy-targets_4" checked' in content
        assert 'id="copy-day-heading" tabindex="-1" autofocus' in content

    def test_copy_link_without_htmx_opens_the_editor(self, scheduler_client, provider):
        """The copy form's own URL, opened without htmx, is the editor with the day chosen."""
        response = scheduler_client.get(url("scheduling:schedule_copy", provider) + "?copy=2")
        assert response["Location"] == url("scheduling:schedule_edit", provider) + "?copy=2"


class TestExceptions:
    def post(self, client, provider, headers=None, **fields):
        data = {f"exception-{name}": value for name, value in fields.items()}
        return client.post(
            url("scheduling:schedule_exceptions", provider), data, headers=headers or {}
        )

    def test_time_off_for_a_range_of_whole_days(self, scheduler_client, provider):
        """A week off is one exception from Monday to Friday, listed as upcoming."""
        monday = next_monday()
        response = self.post(
            scheduler_client,
            provider,
            kind="time_off",
            start_date=monday.isoformat(),
            end_date=(monday + 4 * ONE_DAY).isoformat(),
            note="Conference",
        )
        assert (
            response["Location"]
            == url("scheduling:schedule_edit", provider) + "#schedule-exceptions"
        )
        exception = provider.schedule_exceptions.get()
        assert (exception.start_date, exception.end_date) == (monday, monday + 4 * ONE_DAY)
        assert exception.is_whole_day
        page = text(scheduler_client.get(url("scheduling:schedule_edit", provider)))
        assert "Conference" in page
        assert "Whole day" in page

    def test_time_off_for_part_of_a_day_with_htmx(self, scheduler_client, provider):
        """An afternoon off swaps the exceptions section with the new row and a status."""
        monday = next_monday()
        response = self.post(
            scheduler_client,
            provider,
            headers=HTMX,
            kind="time_off",
            start_date=monday.isoformat(),
            start_time="10:30",
            end_time="11:30",
        )
        content = text(response)
        assert content.lstrip().startswith('<section id="schedule-exceptions"')
        assert "Saved: Add time off" in content
        assert f"10:30 AM{DASH}11:30 AM" in content
        exception = provider.schedule_exceptions.get()
        assert exception.end_date == monday
        assert exception.start_time == datetime.time(10, 30)

    def test_extra_hours_on_a_date_open_free_time(self, scheduler_client, provider):
        """Extra hours on a Saturday show as working time with free starts on the calendar."""
        saturday = next_monday() + 5 * ONE_DAY
        self.post(
            scheduler_client,
            provider,
            kind="extra_hours",
            start_date=saturday.isoformat(),
            start_time="10:00",
            end_time="12:00",
        )
        assert provider.schedule_exceptions.get().kind == ScheduleException.Kind.EXTRA_HOURS
        calendar = text(
            scheduler_client.get(url("scheduling:schedule_calendar", provider) + f"?day={saturday}")
        )
        assert f"10:00 AM{DASH}12:00 PM" in calendar
        assert 'class="free-times"' in calendar

    def test_extra_hours_need_times(self, scheduler_client, provider):
        """Extra hours without times are refused with a message, the date kept."""
        day = next_monday().isoformat()
        content = text(self.post(scheduler_client, provider, kind="extra_hours", start_date=day))
        assert "Extra hours need a start and an end time." in content
        assert f'value="{day}"' in content
        assert not provider.schedule_exceptions.exists()

    def test_end_date_before_start_date(self, scheduler_client, provider):
        """The last date may not come before the first."""
        monday = next_monday()
        content = text(
            self.post(
                scheduler_client,
                provider,
                kind="time_off",
                start_date=monday.isoformat(),
                end_date=(monday - ONE_DAY).isoformat(),
            )
        )
        assert "The last date can't be before the first date." in content
        assert not provider.schedule_exceptions.exists()

    def test_both_times_or_neither(self, scheduler_client, provider):
        """One time without the other is explained next to the missing one."""
        content = text(
            self.post(
                scheduler_client,
                provider,
                kind="time_off",
                start_date=next_monday().isoformat(),
                start_time="13:00",
                note="Dentist",
            )
        )
        assert "Give both a start and an end time, or neither for whole days." in content
        assert 'value="13:00"' in content
        assert 'value="Dentist"' in content

    def test_times_in_order(self, scheduler_client, provider):
        """The end time must come after the start time."""
        content = text(
            self.post(
                scheduler_client,
                provider,
                kind="time_off",
                start_date=next_monday().isoformat(),
                start_time="13:00",
                end_time="12:00",
            )
        )
        assert "The end must be after the start." in content

    def test_dates_in_the_past_are_refused(self, scheduler_client, provider):
        """Time off is for today or later."""
        yesterday = timezone.now().astimezone(CHICAGO).date() - ONE_DAY
        content = text(
            self.post(scheduler_client, provider, kind="time_off", start_date=yesterday.isoformat())
        )
        assert "Choose today or a later date." in content

    def test_removing_an_exception(self, scheduler_client, provider):
        """Removing time off brings the regular week back."""
        exception = ScheduleException.objects.create(
            provider=provider,
            kind=ScheduleException.Kind.TIME_OFF,
            start_date=next_monday(),
            end_date=next_monday(),
        )
        response = scheduler_client.post(
            url("scheduling:schedule_exception_remove", provider, exception.pk), headers=HTMX
        )
        assert "Saved: Remove time off" in text(response)
        assert "No time off or extra hours coming up." in text(response)
        assert not ScheduleException.objects.exists()


class TestStrandedVisits:
    def remove_monday(self, client, provider, headers=None, **choices):
        block = provider.weekly_hours.get(weekday=0)
        return client.post(
            url("scheduling:schedule_block_remove", provider, block.pk),
            choices,
            headers=headers or {},
        )

    def test_removing_hours_with_a_booked_visit_asks_first(
        self, scheduler_client, provider, monday_visit
    ):
        """The visit is listed with patient, type and local time; nothing is saved yet."""
        response = self.remove_monday(scheduler_client, provider)
        assert response.status_code == 200
        content = text(response)
        assert "Before saving: 1 booked visit would be outside the new hours" in content
        assert "Jordan Rivera: Follow-up, Monday" in content
        assert "10:00 AM CST" in content or "10:00 AM CDT" in content
        assert "Keep it at 10:00 AM, outside the new hours" in content
        assert "Cancel it and email the patient" in content
        assert provider.weekly_hours.filter(weekday=0).exists()
        assert AuditEvent.objects.filter(
            action=AuditEvent.Action.VIEW, object_id=str(monday_visit.pk)
        ).exists()

    def test_htmx_edit_swaps_the_whole_schedule_for_the_question(
        self, scheduler_client, provider, monday_visit
    ):
        """From an inline edit, the question replaces the editor area, not the weekday."""
        response = self.remove_monday(scheduler_client, provider, headers=HTMX)
        assert response["HX-Retarget"] == "#schedule-area"
        assert response["HX-Reswap"] == "outerHTML"
        assert text(response).lstrip().startswith('<div id="schedule-area">')

    def test_cancel_choice_cancels_and_emails_the_patient(
        self, committed, scheduler_client, provider, monday_visit, patient
    ):
        """Choosing cancel removes the hours and cancels the visit, with the note in the email."""
        response = committed(
            self.remove_monday,
            scheduler_client,
            provider,
            confirm="1",
            **{
                f"stranded-visit-{monday_visit.pk}": "cancel",
                "stranded-note": "Dr. is at a conference.",
            },
        )
        assert response["Location"] == url("scheduling:schedule_edit", provider) + "#weekday-0"
        assert not provider.weekly_hours.filter(weekday=0).exists()
        monday_visit.refresh_from_db()
        assert monday_visit.status == Visit.Status.CANCELLED
        [email] = mail_to(patient)
        assert email.to == [patient.email]
        assert "The clinic has cancelled this visit" in email.body
        assert "Dr. is at a conference." in email.body
        page = text(scheduler_client.get(response["Location"]))
        assert "1 visit cancelled. The patient is emailed." in page

    def test_a_visit_cancelled_meanwhile_undoes_the_edit_and_says_so(
        self, scheduler_client, provider, monday_visit, monkeypatch
    ):
        """The patient cancels as staff save their choice: nothing is kept and staff are told."""

        def cancelled_first(*, visit, **kwargs):
            Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.CANCELLED, sequence=1)
            raise VisitChanged(Visit.objects.get(pk=visit.pk))

        monkeypatch.setattr("visits.scheduling.hours.visit_cancel", cancelled_first)
        response = self.remove_monday(
            scheduler_client,
            provider,
            confirm="1",
            **{f"stranded-visit-{monday_visit.pk}": "cancel"},
        )
        assert response.status_code == 302
        page = text(scheduler_client.get(response["Location"]))
        assert "This visit was cancelled a moment ago. Nothing is saved yet" in page
        assert provider.weekly_hours.filter(weekday=0).exists()
        assert mail.outbox == []

    def test_keep_choice_keeps_the_visit(self, scheduler_client, provider, monday_visit):
        """A kept visit stays booked as an exception to the new hours, and nobody is emailed."""
        response = self.remove_monday(
            scheduler_client,
            provider,
            headers=HTMX,
            confirm="1",
            **{f"stranded-visit-{monday_visit.pk}": "keep"},
        )
        assert "HX-Redirect" not in response
        content = text(response)
        assert content.lstrip().startswith('<div id="schedule-area">')
        assert "Saved: Remove Monday 9:00 AM to 12:00 PM. 1 visit kept." in content
        assert "Nothing is saved yet" not in content
        assert not provider.weekly_hours.filter(weekday=0).exists()
        monday_visit.refresh_from_db()
        assert monday_visit.status == Visit.Status.BOOKED
        assert mail.outbox == []
        calendar = text(
            scheduler_client.get(
                url("scheduling:schedule_calendar", provider) + f"?day={next_monday()}"
            )
        )
        assert "outside the hours" in calendar

    def test_move_choice_moves_to_a_free_time_after_the_change(
        self, committed, scheduler_client, provider, monday_visit, patient
    ):
        """The nearest free times are those left once the change is made; the move is emailed."""
        hours(provider, 1, 9, 12)
        tuesday_nine = at(next_monday() + ONE_DAY, 9)
        content = text(self.remove_monday(scheduler_client, provider))
        choice = "move:" + tuesday_nine.isoformat()
        assert f'value="{choice}"' in content
        assert "Move it to Tuesday" in content
        assert "Move it to Monday" not in content
        committed(
            self.remove_monday,
            scheduler_client,
            provider,
            confirm="1",
            **{f"stranded-visit-{monday_visit.pk}": choice},
        )
        monday_visit.refresh_from_db()
        assert monday_visit.start == tuesday_nine
        assert monday_visit.status == Visit.Status.BOOKED
        assert not provider.weekly_hours.filter(weekday=0).exists()
        [email] = mail_to(patient)
        assert email.to == [patient.email]
        assert "The clinic has moved your visit" in email.body

    def test_a_missing_choice_asks_again_and_saves_nothing(
        self, scheduler_client, provider, monday_visit
    ):
        """Confirming without a choice for a visit names what is missing."""
        content = text(self.remove_monday(scheduler_client, provider, confirm="1"))
        assert "Choose what happens to this visit." in content
        assert provider.weekly_hours.filter(weekday=0).exists()

    def test_a_time_taken_meanwhile_is_no_longer_offered(
        self, scheduler_client, provider, monday_visit, follow_up
    ):
        """If a chosen time is booked before confirming, nothing is saved and the choice is asked again."""
        hours(provider, 1, 9, 12)
        tuesday_nine = at(next_monday() + ONE_DAY, 9)
        self.remove_monday(scheduler_client, provider)
        visit_at(provider, UserFactory(), follow_up, tuesday_nine)
        content = text(
            self.remove_monday(
                scheduler_client,
                provider,
                confirm="1",
                **{f"stranded-visit-{monday_visit.pk}": "move:" + tuesday_nine.isoformat()},
            )
        )
        assert "That choice is no longer offered. Choose again." in content
        assert provider.weekly_hours.filter(weekday=0).exists()
        assert mail.outbox == []

    def test_two_visits_moved_onto_one_time_are_named_and_nothing_is_saved(
        self, committed, scheduler_client, provider, monday_visit, follow_up, settings
    ):
        """Two visits sent to one time: both choices say which other visit they clash with,
        every choice is kept, and no change, choice or email is kept until they are resolved."""
        # Production's database task backend: queued emails roll back with the transaction.
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        WeeklyHours.objects.create(
            provider=provider,
            weekday=1,
            start_time=datetime.time(9),
            end_time=datetime.time(9, 25),
        )
        second = visit_at(
            provider,
            PatientProfileFactory(legal_first_name="Casey", legal_last_name="Nguyen").user,
            follow_up,
            at(next_monday(), 11),
        )
        third = visit_at(provider, PatientProfileFactory().user, follow_up, at(next_monday(), 9))
        choice = "move:" + at(next_monday() + ONE_DAY, 9).isoformat()
        asked = text(self.remove_monday(scheduler_client, provider))
        assert asked.count(f'value="{choice}"') == 3
        response = committed(
            self.remove_monday,
            scheduler_client,
            provider,
            headers=HTMX,
            confirm="1",
            **{
                f"stranded-visit-{monday_visit.pk}": choice,
                f"stranded-visit-{second.pk}": choice,
                f"stranded-visit-{third.pk}": "cancel",
                "stranded-note": "Sorry for the change.",
            },
        )
        content = text(response)
        assert response["HX-Retarget"] == "#schedule-area"
        assert "This new time overlaps the one chosen for Casey Nguyen's visit (Tuesday" in content
        assert "This new time overlaps the one chosen for Jordan Rivera's visit (Tuesday" in content
        assert "no longer free" not in content
        assert "Nothing is saved yet. Please check 2 visits below." in content
        for visit in (monday_visit, second):
            chosen = (
                f'value="{re.escape(choice)}" required aria-invalid="true" '
                f'id="id_stranded-visit-{visit.pk}_\\d" checked'
            )
            assert re.search(chosen, content)
        assert "Sorry for the change." in content
        assert provider.weekly_hours.filter(weekday=0).exists()
        starts = set(Visit.objects.values_list("start", flat=True))
        assert starts == {at(next_monday(), 9), at(next_monday(), 10), at(next_monday(), 11)}
        assert set(Visit.objects.values_list("status", flat=True)) == {Visit.Status.BOOKED}
        assert not DBTaskResult.objects.exists()
        committed(
            self.remove_monday,
            scheduler_client,
            provider,
            confirm="1",
            **{
                f"stranded-visit-{monday_visit.pk}": choice,
                f"stranded-visit-{second.pk}": "keep",
                f"stranded-visit-{third.pk}": "cancel",
            },
        )
        assert not provider.weekly_hours.filter(weekday=0).exists()
        # Two patients and their clinician hear of the move and the cancellation.
        assert DBTaskResult.objects.filter(task_path="accounts.tasks.send_email").count() == 4

    def test_a_move_refused_while_saving_undoes_everything_and_asks_again(
        self, scheduler_client, provider, monday_visit, monkeypatch
    ):
        """Should the service refuse a chosen time as the edit saves, nothing is kept and that
        visit's choice is asked again, the others as chosen."""

        def taken(**kwargs):
            raise SlotTaken("Sorry, that time was just taken.", [])

        monkeypatch.setattr("visits.scheduling.hours.visit_reschedule", taken)
        hours(provider, 1, 9, 12)
        choice = "move:" + at(next_monday() + ONE_DAY, 9).isoformat()
        content = text(
            self.remove_monday(
                scheduler_client,
                provider,
                headers=HTMX,
                confirm="1",
                **{f"stranded-visit-{monday_visit.pk}": choice},
            )
        )
        assert (
            "That time is no longer free. Choose another, or keep or cancel the visit." in content
        )
        assert provider.weekly_hours.filter(weekday=0).exists()
        assert mail.outbox == []

    def test_a_visit_booked_meanwhile_is_asked_about_too(
        self, scheduler_client, provider, monday_visit, follow_up
    ):
        """Confirming after someone booked into the hours asks about the new visit as well."""
        self.remove_monday(scheduler_client, provider)
        newcomer = visit_at(
            provider,
            PatientProfileFactory(legal_first_name="Casey").user,
            follow_up,
            at(next_monday(), 11),
        )
        content = text(
            self.remove_monday(
                scheduler_client,
                provider,
                confirm="1",
                **{f"stranded-visit-{monday_visit.pk}": "cancel"},
            )
        )
        assert "Before saving: 2 booked visits would be outside the new hours" in content
        assert "Casey Rivera: Follow-up" in content
        assert "Choose what happens to this visit." in content
        assert provider.weekly_hours.filter(weekday=0).exists()
        for visit in (monday_visit, newcomer):
            visit.refresh_from_db()
            assert visit.status == Visit.Status.BOOKED

    def test_time_off_over_a_visit_asks_first(self, scheduler_client, provider, monday_visit):
        """Adding a day off with a visit in it lists the visit before saving."""
        response = scheduler_client.post(
            url("scheduling:schedule_exceptions", provider),
            {"exception-kind": "time_off", "exception-start_date": next_monday().isoformat()},
        )
        content = text(response)
        assert "Jordan Rivera: Follow-up" in content
        assert 'name="exception-start_date"' in content
        assert 'type="hidden"' in content
        assert not ScheduleException.objects.exists()
        response = scheduler_client.post(
            url("scheduling:schedule_exceptions", provider),
            {
                "exception-kind": "time_off",
                "exception-start_date": next_monday().isoformat(),
                "confirm": "1",
                f"stranded-visit-{monday_visit.pk}": "cancel",
            },
        )
        assert response.status_code == 302
        assert ScheduleException.objects.filter(provider=provider).count() == 1
        monday_visit.refresh_from_db()
        assert monday_visit.status == Visit.Status.CANCELLED

    def test_copying_an_empty_day_over_a_visit_asks_first(
        self, scheduler_client, provider, monday_visit
    ):
        """Copying Sunday (no hours) onto Monday would strand the visit, so it is listed."""
        response = scheduler_client.post(
            url("scheduling:schedule_copy", provider), {"copy-source": "6", "copy-targets": ["0"]}
        )
        assert "Copy Sunday&#x27;s hours to Monday" in response.content.decode()
        assert "Jordan Rivera" in text(response)
        assert provider.weekly_hours.filter(weekday=0).exists()

    def test_shrinking_a_block_around_a_visit_asks_first(
        self, scheduler_client, provider, monday_visit
    ):
        """Changing 9 to 12 into 11 to 12 would leave the 10:00 visit outside."""
        block = provider.weekly_hours.get()
        response = scheduler_client.post(
            url("scheduling:schedule_block", provider, block.pk),
            {f"block{block.pk}-start_time": "11:00", f"block{block.pk}-end_time": "12:00"},
        )
        assert "Before saving" in text(response)
        block.refresh_from_db()
        assert block.start_time == datetime.time(9)

    def test_adding_hours_never_asks(self, scheduler_client, provider, monday_visit):
        """More hours cannot strand a visit, so they save at once, without a question."""
        response = scheduler_client.post(
            url("scheduling:schedule_day", provider, 0),
            {"add0-start_time": "13:00", "add0-end_time": "14:00"},
        )
        assert response.status_code == 302
        assert response["Location"] == url("scheduling:schedule_edit", provider) + "#weekday-0"
        assert provider.weekly_hours.filter(
            weekday=0, start_time=datetime.time(13), end_time=datetime.time(14)
        ).exists()
        page = text(scheduler_client.get(response["Location"]))
        assert "Before saving" not in page
        assert "Saved: Add Monday" in page
        monday_visit.refresh_from_db()
        assert monday_visit.status == Visit.Status.BOOKED

    def test_cancelled_and_past_visits_are_not_asked_about(
        self, scheduler_client, provider, patient, follow_up
    ):
        """Only upcoming booked visits count: cancelled and past ones inside the hours are left be."""
        cancelled = visit_at(
            provider, patient, follow_up, at(next_monday(), 10), status=Visit.Status.CANCELLED
        )
        past = visit_at(provider, patient, follow_up, at(next_monday() - 2 * WEEK, 10))
        assert past.start < timezone.now()
        response = self.remove_monday(scheduler_client, provider)
        assert response.status_code == 302
        assert response["Location"] == url("scheduling:schedule_edit", provider) + "#weekday-0"
        assert not provider.weekly_hours.filter(weekday=0).exists()
        for visit, status in ((cancelled, Visit.Status.CANCELLED), (past, Visit.Status.BOOKED)):
            start = visit.start
            visit.refresh_from_db()
            assert (visit.status, visit.start) == (status, start)
        assert not AuditEvent.objects.filter(action__in=["cancel", "update"]).exists()
