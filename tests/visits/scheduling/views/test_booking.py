"""A patient books step by step: type, provider, day and time, confirm, or a series."""

import datetime
import html
import re
from urllib.parse import quote

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.licensure import state_today
from accounts.models import ProviderProfile
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.visits.factories import RED_FLAG_COUGH, mail_to, symptoms_checked
from tests.visits.scheduling.views.patient import confirm_url, free_start, open_all_week
from visits.scheduling.availability import free_times, provider_free_times, with_schedules
from visits.scheduling.models import Visit
from visits.scheduling.services import NotBookable, visit_book

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _symptoms_checked(patient):
    """The patient has just answered the symptom questions without red flags."""
    symptoms_checked(patient)


class TestChoosing:
    def test_visit_types_are_listed_with_the_patients_state(self, patient_client):
        """Step 1 lists every visit type and reminds the patient where they are."""
        content = patient_client.get(reverse("scheduling:booking_start")).content.decode()
        for name in ["Urgent care", "Therapy", "Psychiatry intake", "Psychiatry follow-up"]:
            assert name in content
        assert "Texas" in content
        assert "911" in content

    def test_an_unfinished_health_history_is_explained_with_a_link(self, client):
        """Step 1 tells a patient with an incomplete intake what is left, linking to it."""
        client.force_login(PatientProfileFactory(intake=False).user)
        content = client.get(reverse("scheduling:booking_start")).content.decode()
        assert "Before your first visit, complete your health history." in content
        assert reverse("intake_start") in content

    def test_patients_without_details_are_sent_to_give_them(self, new_patient, client):
        """Booking needs the patient's state first; the details form explains why."""
        client.force_login(new_patient)
        response = client.get(reverse("scheduling:booking_start"), follow=True)
        assert response.redirect_chain[-1][0] == reverse("profile_edit")
        assert "clinicians can only see you where they are licensed" in response.content.decode()

    def test_only_providers_licensed_in_the_patients_state_are_offered(
        self, patient_client, physician, urgent_care
    ):
        """A physician licensed only in California is not offered to a patient in Texas."""
        elsewhere = ProviderProfileFactory(user__display_name="Dr. Out Of State", states=["CA"])
        urgent_care.providers.add(elsewhere)
        open_all_week(elsewhere)
        content = patient_client.get(
            reverse("scheduling:booking_providers", args=["urgent-care"])
        ).content.decode()
        assert "Dr. Grace Hopper" in content
        assert "Dr. Out Of State" not in content
        assert "Next free:" in content

    def test_an_expired_license_does_not_count(self, patient_client, patient, urgent_care):
        """A provider whose Texas license has expired is neither offered nor bookable."""
        lapsed = ProviderProfileFactory(user__display_name="Dr. Lapsed License", states=["TX"])
        yesterday_in_texas = state_today("TX", timezone.now()) - datetime.timedelta(days=1)
        lapsed.licenses.update(expires_on=yesterday_in_texas)
        urgent_care.providers.add(lapsed)
        open_all_week(lapsed)
        content = patient_client.get(
            reverse("scheduling:booking_providers", args=["urgent-care"])
        ).content.decode()
        assert "Dr. Lapsed License" not in content
        with pytest.raises(NotBookable, match="not licensed in Texas"):
            visit_book(
                patient=patient,
                actor=patient,
                provider=lapsed,
                visit_type=urgent_care,
                start=timezone.now() + datetime.timedelta(days=2),
            )

    def test_each_providers_button_names_the_person(self, patient_client, physician):
        """The button reads "See times with" the provider's name, not only their title."""
        content = patient_client.get(
            reverse("scheduling:booking_providers", args=["urgent-care"])
        ).content.decode()
        assert f"See times with {physician}</a>" in content
        assert "See times with Dr.</a>" not in content
        assert physician.user.display_name.startswith("Dr. ")

    def test_booking_steps_are_numbered_with_a_space(self, patient_client):
        """The step list reads "1. Visit type", its number apart from its name."""
        content = patient_client.get(reverse("scheduling:booking_start")).content.decode()
        assert '<span class="step-number">1.</span> Visit type' in content
        assert '<span class="step-number">4.</span> Confirm' in content

    def test_language_filter_narrows_providers(self, patient_client, physician, urgent_care):
        """Choosing Spanish keeps only providers who speak it."""
        english_only = ProviderProfileFactory(user__display_name="Dr. English Only", states=["TX"])
        urgent_care.providers.add(english_only)
        url = reverse("scheduling:booking_providers", args=["urgent-care"])
        content = patient_client.get(url, {"language": "es"}).content.decode()
        assert "Dr. Grace Hopper" in content
        assert "Dr. English Only" not in content
        partial = patient_client.get(
            url, {"language": "es"}, headers={"HX-Request": "true"}
        ).content.decode()
        assert partial.lstrip().startswith('<section id="provider-list"')

    def test_provider_search_runs_a_fixed_number_of_queries(
        self, patient_client, physician, urgent_care, django_assert_max_num_queries
    ):
        """Ten more providers with bookings do not add queries to the provider step."""
        url = reverse("scheduling:booking_providers", args=["urgent-care"])
        with django_assert_max_num_queries(14) as few:
            patient_client.get(url)
        for number in range(10):
            extra = ProviderProfileFactory(states=["TX"], language_codes=["en", "es"])
            urgent_care.providers.add(extra)
            open_all_week(extra)
            Visit.objects.create(
                patient=PatientProfileFactory().user,
                provider=extra,
                visit_type=urgent_care,
                start=free_start(extra, urgent_care) + datetime.timedelta(minutes=15 * number),
                end=free_start(extra, urgent_care) + datetime.timedelta(minutes=15 * number + 15),
                blocked_until=free_start(extra, urgent_care)
                + datetime.timedelta(minutes=15 * number + 20),
            )
        with django_assert_max_num_queries(len(few.captured_queries)):
            content = patient_client.get(url).content.decode()
        assert content.count('class="provider-card"') == 10
        with django_assert_max_num_queries(len(few.captured_queries)):
            content = patient_client.get(url, {"page": 2}).content.decode()
        assert content.count('class="provider-card"') == 1

    def test_times_are_shown_in_the_patients_zone_with_the_zone_named(
        self, patient_client, physician, urgent_care
    ):
        """Days with free time, then times on the chosen day, in the zone named in words."""
        url = reverse("scheduling:booking_times", args=["urgent-care", physician.pk])
        content = patient_client.get(url).content.decode()
        assert "Choose a day" in content
        assert "In Central time." in content
        assert "America/Chicago" not in content
        assert confirm_url(urgent_care, physician) + "?start=" in content

    def test_choosing_a_day_with_htmx_swaps_only_the_times(self, patient_client, physician):
        """With JavaScript, picking a day replaces the time picker, nothing else."""
        url = reverse("scheduling:booking_times", args=["urgent-care", physician.pk])
        day = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
        response = patient_client.get(url, {"day": day}, headers={"HX-Request": "true"})
        content = response.content.decode()
        assert content.lstrip().startswith('<section id="time-picker"')
        assert 'aria-current="date"' in content

    def test_a_provider_not_licensed_here_cannot_be_opened_by_url(
        self, patient_client, urgent_care
    ):
        """Typing another state's provider into the address bar gives 404."""
        elsewhere = ProviderProfileFactory(states=["NY"])
        urgent_care.providers.add(elsewhere)
        response = patient_client.get(
            reverse("scheduling:booking_times", args=["urgent-care", elsewhere.pk])
        )
        assert response.status_code == 404


class TestProviderPages:
    """The provider step shows ten providers at a time, by name, with "Show more"."""

    @pytest.fixture
    def many(self, urgent_care):
        """Twenty-five more Texas physicians, open all week, named so they sort after Grace."""
        providers = []
        for number in range(25):
            provider = ProviderProfileFactory(
                user__display_name=f"Dr. Many {number:02d}", states=["TX"]
            )
            urgent_care.providers.add(provider)
            open_all_week(provider)
            providers.append(provider)
        return providers

    def names_on(self, content: str) -> list[str]:
        return re.findall(r"<h2[^>]*>(Dr\. [^<]+)</h2>", content)

    def test_every_provider_is_reached_by_show_more_once(
        self, patient_client, physician, many, django_assert_max_num_queries
    ):
        """Pages of ten by name, each linking to the next, show every provider exactly once."""
        url = reverse("scheduling:booking_providers", args=["urgent-care"])
        seen: list[str] = []
        pages = 0
        while url:
            with django_assert_max_num_queries(14):
                content = patient_client.get(url).content.decode()
            names = self.names_on(content)
            assert 1 <= len(names) <= 10
            seen += names
            pages += 1
            found = re.search(r'<a href="([^"]+)"[^>]*>Show more providers</a>', content)
            url = html.unescape(found.group(1)) if found else ""
        assert pages == 3
        assert seen == sorted(str(p) for p in [physician, *many])

    def test_bytes_do_not_grow_with_the_providers(self, patient_client, physician, urgent_care):
        """With 25 more providers the first page is no bigger than ten cards and a link."""
        url = reverse("scheduling:booking_providers", args=["urgent-care"])
        for number in range(9):
            extra = ProviderProfileFactory(user__display_name=f"Dr. Few {number}", states=["TX"])
            urgent_care.providers.add(extra)
            open_all_week(extra)
        ten = len(patient_client.get(url).content)
        for number in range(25):
            extra = ProviderProfileFactory(user__display_name=f"Dr. More {number}", states=["TX"])
            urgent_care.providers.add(extra)
            open_all_week(extra)
        content = patient_client.get(url).content
        assert b"Show more providers" in content
        assert len(content) < ten + 400

    def test_show_more_with_htmx_sends_only_the_next_cards(self, patient_client, physician, many):
        """htmx gets the next cards as list items to put in place of the link, focus on the
        first of them; the filters chosen stay in the link."""
        url = reverse("scheduling:booking_providers", args=["urgent-care"])
        first = patient_client.get(url, {"language": "en"}).content.decode()
        assert "page=2" in first
        assert "language=en" in first
        partial = patient_client.get(
            url, {"language": "en", "page": 2}, headers={"HX-Request": "true"}
        ).content.decode()
        assert partial.lstrip().startswith("<li>")
        assert "<section" not in partial
        assert "<html" not in partial
        assert partial.count('class="provider-card"') == 10
        assert 'tabindex="-1" autofocus>Dr. Many 09, MD</h2>' in partial
        assert "page=3" in partial

    def test_a_later_page_without_javascript_links_back_to_the_first(
        self, patient_client, physician, many
    ):
        """Page 3 opened as a page says where the list starts and links back to the first page."""
        url = reverse("scheduling:booking_providers", args=["urgent-care"])
        content = patient_client.get(url, {"page": 3}).content.decode()
        assert "Providers from number 21, by name." in content
        assert f'<a href="{url}">Back to the first providers</a>' in content
        assert "Show more providers" not in content

    @pytest.mark.parametrize("page", ["0", "-4", "two", "99999999999999999999"])
    def test_a_page_number_that_is_not_one_shows_the_first_page_or_an_empty_one(
        self, patient_client, physician, page
    ):
        """Nonsense page numbers never fail: the first page, or none past the end."""
        url = reverse("scheduling:booking_providers", args=["urgent-care"])
        response = patient_client.get(url, {"page": page})
        assert response.status_code == 200

    def test_next_free_and_days_match_the_full_list_of_free_times(
        self, patient_client, patient, physician, urgent_care
    ):
        """The card's next free time and day count are those of every free time, in the
        patient's zone, worded as the `date` filter words them."""
        now = timezone.now()
        end = now + datetime.timedelta(days=14)
        free = free_times(
            visit_type=urgent_care,
            providers=with_schedules(
                ProviderProfile.objects.filter(pk=physician.pk), start=now, end=end
            ),
            start=now,
            end=end,
            now=now,
            patient=patient,
        )[physician.pk]
        zone = patient.patient_profile.zone
        days = len({start.astimezone(zone).date() for start in free})
        words = date_format(free[0].astimezone(zone), "l, F j, g:i A")
        content = patient_client.get(
            reverse("scheduling:booking_providers", args=["urgent-care"])
        ).content.decode()
        assert f"Next free: <strong>{words} Central time</strong> · {days} days" in content


class TestTimesPage:
    def test_days_and_times_read_as_the_date_filter_words_them(
        self, patient_client, patient, physician, urgent_care
    ):
        """Each day, the chosen day's heading and each time, worded and linked as before."""
        now = timezone.now()
        free = provider_free_times(
            provider=physician,
            visit_type=urgent_care,
            around=now,
            now=now,
            patient=patient,
            days=2,
        )
        zone = patient.patient_profile.zone
        day = free[-1].astimezone(zone).date()
        on_day = [start for start in free if start.astimezone(zone).date() == day]
        url = reverse("scheduling:booking_times", args=["urgent-care", physician.pk])
        content = patient_client.get(url, {"day": day.isoformat()}).content.decode()
        assert f"{date_format(day, 'D j M')} <small>" in content
        assert 'aria-current="date"' in content
        assert f"Times on {date_format(day, 'l, F j')}</h2>" in content
        for start in on_day:
            link = (
                f"{confirm_url(urgent_care, physician)}?start="
                f"{quote(start.astimezone(datetime.UTC).isoformat(), safe='/')}"
            )
            label = date_format(start.astimezone(zone), "g:i A")
            assert f'href="{link}">{label}</a>' in content

    def test_the_provider_is_read_once(self, patient_client, physician):
        """The day and time picker reads the provider one time, its hours with it."""
        url = reverse("scheduling:booking_times", args=["urgent-care", physician.pk])
        with CaptureQueriesContext(connection) as queries:
            assert patient_client.get(url).status_code == 200
        reads = [
            query["sql"]
            for query in queries.captured_queries
            if re.match(r'SELECT .* FROM "accounts_providerprofile"', query["sql"])
        ]
        assert len(reads) == 1

    def test_the_times_page_queries_do_not_grow_with_bookings(
        self, patient_client, physician, urgent_care, django_assert_max_num_queries
    ):
        """Twenty bookings with the provider add no query to the day and time picker."""
        url = reverse("scheduling:booking_times", args=["urgent-care", physician.pk])
        with django_assert_max_num_queries(13) as few:
            patient_client.get(url)
        start = free_start(physician, urgent_care)
        for number in range(20):
            Visit.objects.create(
                patient=PatientProfileFactory().user,
                provider=physician,
                visit_type=urgent_care,
                start=start + datetime.timedelta(minutes=30 * number),
                end=start + datetime.timedelta(minutes=30 * number + 15),
                blocked_until=start + datetime.timedelta(minutes=30 * number + 20),
            )
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert patient_client.get(url).status_code == 200


class TestConfirming:
    def test_confirm_page_shows_time_zone_and_policy(self, patient_client, physician, urgent_care):
        """Before booking the patient sees when, with whom, and the cancellation policy."""
        start = free_start(physician, urgent_care)
        content = patient_client.get(
            confirm_url(urgent_care, physician), {"start": start.isoformat()}
        ).content.decode()
        assert "Dr. Grace Hopper" in content
        assert "Your time zone: Central time" in content
        assert "Free up to 2 hours before the start" in content
        assert "How often" not in content  # urgent care does not repeat

    def test_booking_creates_the_visit_and_emails_a_calendar_file(
        self, committed, patient_client, patient, physician, urgent_care
    ):
        """Confirming books the visit, shows it, and emails the details with an .ics file."""
        start = free_start(physician, urgent_care)
        response = committed(
            patient_client.post,
            confirm_url(urgent_care, physician),
            {"start": start.isoformat(), "reason": "Sore throat"},
        )
        visit = Visit.objects.get(patient=patient)
        assert response["Location"] == reverse("scheduling:visit_detail", args=[visit.pk])
        assert (visit.start, visit.provider, visit.reason) == (start, physician, "Sore throat")
        assert len(mail_to(patient)) == 1
        assert mail_to(patient)[0].attachments[0][2].startswith("text/calendar")
        page = patient_client.get(response["Location"]).content.decode()
        assert "Your visit is booked." in page

    def test_htmx_booking_redirects_the_page(self, patient_client, physician, urgent_care):
        """With htmx, success is an HX-Redirect to the visit."""
        start = free_start(physician, urgent_care)
        response = patient_client.post(
            confirm_url(urgent_care, physician),
            {"start": start.isoformat()},
            headers={"HX-Request": "true"},
        )
        assert response["HX-Redirect"].startswith("/visits/")

    def test_a_time_taken_meanwhile_offers_the_nearest_and_keeps_the_reason(
        self, patient_client, physician, urgent_care
    ):
        """If someone else booked the time first, the patient is told at once, with other times."""
        start = free_start(physician, urgent_care)
        someone_else = PatientProfileFactory().user
        symptoms_checked(someone_else)
        visit_book(
            patient=someone_else,
            actor=someone_else,
            provider=physician,
            visit_type=urgent_care,
            start=start,
        )
        mail.outbox.clear()
        response = patient_client.post(
            confirm_url(urgent_care, physician),
            {"start": start.isoformat(), "reason": "Rash on my arm"},
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert "that time was just taken" in content
        assert "Nearest free times" in content
        assert "Rash on my arm" in content
        assert Visit.objects.count() == 1
        assert mail.outbox == []

    def test_no_start_sends_back_to_the_times(self, patient_client, physician, urgent_care):
        """A confirm page without a time goes back to choosing one."""
        response = patient_client.get(
            confirm_url(urgent_care, physician), {"start": "tomorrow-ish"}
        )
        assert response["Location"] == reverse(
            "scheduling:booking_times", args=["urgent-care", physician.pk]
        )


class TestSeries:
    def test_weekly_series_preview_then_book_in_one_email(
        self, committed, patient_client, patient, therapist, therapy
    ):
        """A client sees every date of a weekly series as free, confirms, and gets one email."""
        start = free_start(therapist, therapy, days_ahead=3)
        url = confirm_url(therapy, therapist)
        form = {"start": start.isoformat(), "reason": "Anxiety", "repeat": "1", "sessions": "4"}
        preview = committed(patient_client.post, url, form)
        content = preview.content.decode()
        assert "All 4 dates are free." in content
        assert content.count('name="session"') == 4
        starts = [(start + datetime.timedelta(weeks=week)).isoformat() for week in range(4)]
        response = committed(
            patient_client.post, url, {**form, "confirm_series": "1", "session": starts}
        )
        assert response.status_code == 302
        visits = list(Visit.objects.filter(patient=patient).order_by("start"))
        assert len(visits) == 4
        assert len({visit.series_id for visit in visits}) == 1
        assert len(mail_to(patient)) == 1
        assert mail_to(patient)[0].body.count("Therapy with Sam Rivera") == 4

    def test_dates_past_the_horizon_say_so_instead_of_not_free(
        self, patient_client, therapist, therapy
    ):
        """Sessions beyond how far ahead therapy can be booked say that, not "Not free"."""
        therapy.booking_horizon_days = 21
        therapy.save()
        start = free_start(therapist, therapy, days_ahead=3)
        content = patient_client.post(
            confirm_url(therapy, therapist),
            {"start": start.isoformat(), "repeat": "1", "sessions": "6"},
        ).content.decode()
        beyond = sum(
            start + datetime.timedelta(weeks=week) > timezone.now() + therapy.booking_horizon
            for week in range(6)
        )
        assert beyond >= 2
        assert content.count("Too far ahead") == beyond
        assert (
            content.count("Therapy can be booked up to 21 days ahead; book this date later.")
            == beyond
        )
        assert "Not free" not in content

    def test_a_clash_in_the_series_is_shown_with_alternatives(
        self, patient_client, therapist, therapy
    ):
        """A date that is already taken is marked, with other times that day to pick instead."""
        start = free_start(therapist, therapy, days_ahead=3)
        someone_else = PatientProfileFactory().user
        symptoms_checked(someone_else)
        visit_book(
            patient=someone_else,
            actor=someone_else,
            provider=therapist,
            visit_type=therapy,
            start=start + datetime.timedelta(weeks=2),
        )
        content = patient_client.post(
            confirm_url(therapy, therapist),
            {"start": start.isoformat(), "repeat": "1", "sessions": "4"},
        ).content.decode()
        assert "1 of 4 dates is not free." in content
        assert "Not free" in content
        assert "Instead:" in content

    def test_series_needs_a_length(self, patient_client, therapist, therapy):
        """Choosing to repeat without a number of sessions or an end date is explained."""
        start = free_start(therapist, therapy, days_ahead=3)
        content = patient_client.post(
            confirm_url(therapy, therapist),
            {"start": start.isoformat(), "repeat": "1", "reason": "kept"},
        ).content.decode()
        assert "Say how many sessions, or the last date." in content
        assert "kept" in content


class TestSeriesRace:
    def test_a_date_taken_while_confirming_keeps_every_free_week(
        self, patient_client, patient, therapist, therapy
    ):
        """One week taken meanwhile: only that date gets alternatives; the others stay as chosen."""
        start = free_start(therapist, therapy, days_ahead=3)
        url = confirm_url(therapy, therapist)
        form = {"start": start.isoformat(), "reason": "Anxiety", "repeat": "1", "sessions": "4"}
        starts = [start + datetime.timedelta(weeks=week) for week in range(4)]
        assert "All 4 dates are free." in patient_client.post(url, form).content.decode()
        someone_else = PatientProfileFactory().user
        symptoms_checked(someone_else)
        visit_book(
            patient=someone_else,
            actor=someone_else,
            provider=therapist,
            visit_type=therapy,
            start=starts[2],
        )
        mail.outbox.clear()
        chosen = [each.isoformat() for each in starts]
        response = patient_client.post(url, {**form, "confirm_series": "1", "session": chosen})
        assert response.status_code == 200
        content = response.content.decode()
        assert "1 of the times you chose was just taken." in content
        assert "The other dates stay as they are." in content
        kept = [
            f'name="session" value="{timezone.localtime(each, datetime.UTC).isoformat()}" checked'
            for each in (starts[0], starts[1], starts[3])
        ]
        for each in kept:
            assert each in content
        assert content.count('name="session"') == 3
        assert 'name="session-3"' in content
        assert 'name="session-3" value="" checked' in content  # nothing replaces it unasked
        assert f'name="start" value="{timezone.localtime(start, datetime.UTC).isoformat()}"' in (
            content
        )
        assert not Visit.objects.filter(patient=patient).exists()
        assert mail.outbox == []

    def test_booking_the_kept_weeks_and_an_alternative(
        self, patient_client, patient, therapist, therapy
    ):
        """After the clash, the free weeks and the chosen alternative are booked as one series."""
        start = free_start(therapist, therapy, days_ahead=3)
        url = confirm_url(therapy, therapist)
        form = {"start": start.isoformat(), "repeat": "1", "sessions": "3"}
        starts = [start + datetime.timedelta(weeks=week) for week in range(3)]
        someone_else = PatientProfileFactory().user
        symptoms_checked(someone_else)
        visit_book(
            patient=someone_else,
            actor=someone_else,
            provider=therapist,
            visit_type=therapy,
            start=starts[1],
        )
        alternative = starts[1] + datetime.timedelta(hours=2)
        response = patient_client.post(
            url,
            {
                **form,
                "confirm_series": "1",
                "session": [starts[0].isoformat(), starts[2].isoformat()],
                "session-2": alternative.isoformat(),
            },
        )
        assert response.status_code == 302
        booked = list(
            Visit.objects.filter(patient=patient).order_by("start").values_list("start", flat=True)
        )
        assert booked == [starts[0], alternative, starts[2]]


class TestOwnVisitClash:
    def test_booking_over_the_patients_own_visit_links_to_it(
        self, patient_client, patient, physician, urgent_care
    ):
        """The refusal says it overlaps the patient's own visit, in their zone, with a link."""
        start = free_start(physician, urgent_care)
        other = ProviderProfileFactory(user__display_name="Dr. Ada Lovelace", states=["TX"])
        urgent_care.providers.add(other)
        open_all_week(other)
        own = visit_book(
            patient=patient, actor=patient, provider=other, visit_type=urgent_care, start=start
        )
        response = patient_client.post(confirm_url(urgent_care, physician), {"start": start})
        content = response.content.decode()
        local = timezone.localtime(start, patient.patient_profile.zone)
        assert (
            f"That time overlaps your own urgent care visit with {other} on "
            f"{local:%A, %B} {local.day} at"
        ) in content
        assert "Central time." in content
        assert reverse("scheduling:visit_detail", args=[own.pk]) in content
        assert "just taken" not in content
        assert Visit.objects.filter(patient=patient).count() == 1


@pytest.fixture
def follow_up_physician(follow_up):
    """A physician in Texas offering follow-ups, open all week."""
    provider = ProviderProfileFactory(user__display_name="Dr. Follow Up", states=["TX"])
    follow_up.providers.add(provider)
    open_all_week(provider)
    return provider


class TestRedFlagBlocksMoreThanUrgentCare:
    @pytest.fixture(autouse=True)
    def _red_flag(self, patient):
        symptoms_checked(patient, answers=RED_FLAG_COUGH)

    def test_the_first_step_shows_the_emergency_guidance(self, patient_client):
        """Every booking attempt starts with the emergency guidance while the red flag is valid."""
        content = patient_client.get(reverse("scheduling:booking_start")).content.decode()
        assert "This may be an emergency. Call 911 now." in content

    def test_the_complaints_own_visit_type_stays_refused(self, patient_client, physician):
        """Urgent care is refused outright, whatever the patient confirms."""
        content = patient_client.get(
            reverse("scheduling:booking_providers", args=["urgent-care"])
        ).content.decode()
        assert "A video visit is not safe for these symptoms" in content
        assert "for something else" not in content

    def test_another_visit_type_asks_first_then_proceeds(
        self, patient_client, patient, follow_up_physician, follow_up
    ):
        """A follow-up shows the guidance and asks; confirmed once, the whole booking proceeds."""
        providers_url = reverse("scheduling:booking_providers", args=["follow-up"])
        page = patient_client.get(providers_url)
        content = page.content.decode()
        assert "This may be an emergency. Call 911 now." in content
        assert "Is this visit for something else?" in content
        assert "Dr. Follow Up" not in content
        action = reverse("scheduling:booking_other_complaint", args=["follow-up"])
        assert f'action="{action}"' in content
        refused = patient_client.post(action, {"next": providers_url})
        assert refused.status_code == 400
        assert "Tick the box to confirm" in refused.content.decode()
        assert "Is this visit for something else?" in (
            patient_client.get(providers_url).content.decode()
        )
        confirmed = patient_client.post(action, {"next": providers_url, "something_else": "on"})
        assert confirmed["Location"] == providers_url
        assert "Dr. Follow Up" in patient_client.get(providers_url).content.decode()
        start = free_start(follow_up_physician, follow_up, days_ahead=3)
        url = confirm_url(follow_up, follow_up_physician)
        confirm = patient_client.get(url, {"start": start}).content.decode()
        assert "Confirm your visit" in confirm
        assert "You told us this visit is for something else." in confirm
        response = patient_client.post(url, {"start": start.isoformat()})
        assert response.status_code == 302
        assert Visit.objects.get(patient=patient).visit_type == follow_up

    def test_a_foreign_next_address_is_not_followed(self, patient_client, follow_up_physician):
        """The confirmation returns only to a page of this site."""
        response = patient_client.post(
            reverse("scheduling:booking_other_complaint", args=["follow-up"]),
            {"next": "https://evil.example/", "something_else": "on"},
        )
        assert response["Location"] == reverse("scheduling:booking_providers", args=["follow-up"])

    def test_a_new_red_flag_asks_again(self, patient_client, patient, follow_up_physician):
        """The confirmation belongs to one symptom check: newer red-flag answers ask again."""
        providers_url = reverse("scheduling:booking_providers", args=["follow-up"])
        patient_client.post(
            reverse("scheduling:booking_other_complaint", args=["follow-up"]),
            {"next": providers_url, "something_else": "on"},
        )
        symptoms_checked(patient, answers=RED_FLAG_COUGH, at=timezone.now())
        content = patient_client.get(providers_url).content.decode()
        assert "Is this visit for something else?" in content


class TestExtremeDates:
    @pytest.mark.parametrize(
        "value",
        ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:00-05:00", "1999-12-31T23:00:00+00:00"],
    )
    def test_a_start_outside_the_window_goes_back_to_the_times(
        self, patient_client, physician, urgent_care, value
    ):
        """Asked for or posted, an extreme start is never a 500: back to the times, with why."""
        url = confirm_url(urgent_care, physician)
        times = reverse("scheduling:booking_times", args=["urgent-care", physician.pk])
        for response in (
            patient_client.get(url, {"start": value}),
            patient_client.post(url, {"start": value}),
        ):
            assert response.status_code == 302
            assert response["Location"] == times
        page = patient_client.get(url, {"start": value}, follow=True).content.decode()
        assert "That time cannot be booked. Choose one of the free times below." in page

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2000-01-01", "not-a-day"])
    def test_a_day_at_either_end_shows_the_first_free_day(self, patient_client, physician, day):
        """?day= outside the window is ignored: the times of the first free day show."""
        response = patient_client.get(
            reverse("scheduling:booking_times", args=["urgent-care", physician.pk]), {"day": day}
        )
        assert response.status_code == 200
        assert "Times on" in response.content.decode()

    def test_a_series_ending_in_year_9999_is_refused_by_the_field(
        self, patient_client, therapist, therapy
    ):
        """An end date beyond the window gets a message by the field, the rest kept."""
        start = free_start(therapist, therapy, days_ahead=3)
        response = patient_client.post(
            confirm_url(therapy, therapist),
            {"start": start.isoformat(), "repeat": "1", "until": "9999-12-31", "reason": "kept"},
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert "Choose a date between January 1, 2000 and" in content
        assert "kept" in content

    def test_extreme_session_values_are_ignored(self, patient_client, therapist, therapy):
        """Posted session times at either end never reach the booking."""
        start = free_start(therapist, therapy, days_ahead=3)
        response = patient_client.post(
            confirm_url(therapy, therapist),
            {
                "start": start.isoformat(),
                "repeat": "1",
                "sessions": "2",
                "confirm_series": "1",
                "session": ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:00-05:00"],
            },
        )
        assert response.status_code == 200
        assert "Choose at least one session to book." in response.content.decode()
