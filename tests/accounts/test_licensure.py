"""A licence counts through its expiry date as that date runs in its own state, whoever asks."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.licensure import current_licence, state_today
from accounts.models import ProviderLicense
from accounts.states import STATE_ZONES, US_STATES
from tests.accounts.factories import ProviderProfileFactory

UTC = datetime.UTC
DECEMBER_1 = datetime.date(2026, 12, 1)


def at(hour: int, minute: int = 0, day: int = 2) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_every_state_has_the_zone_its_day_ends_in():
    assert set(STATE_ZONES) == {code for code, _ in US_STATES}


@pytest.mark.parametrize(
    ("state", "last_moment", "first_moment_expired"),
    [
        # Texas is on Central time: the 1st ends at 06:00 UTC on the 2nd.
        ("TX", at(5, 59), at(6)),
        # New York ends the day an hour earlier than Texas.
        ("NY", at(4, 59), at(5)),
        # Oregon's eastern corner keeps Mountain time, so its day ends before Pacific time's.
        ("OR", at(6, 59), at(7)),
        # Guam is ten hours ahead of UTC: its 1st ends at 14:00 UTC on the 1st.
        ("GU", at(13, 59, day=1), at(14, day=1)),
    ],
)
def test_a_licence_counts_until_its_expiry_date_ends_in_its_state(
    state, last_moment, first_moment_expired
):
    assert state_today(state, last_moment) == DECEMBER_1
    assert state_today(state, first_moment_expired) == DECEMBER_1 + datetime.timedelta(days=1)


@pytest.mark.django_db
class TestCurrentLicences:
    @pytest.fixture
    def texan(self):
        provider = ProviderProfileFactory(states=["TX"])
        provider.licenses.update(expires_on=DECEMBER_1)
        return provider

    def test_a_texas_licence_expiring_today_counts_in_the_texas_evening(self, texan):
        """At 18:30 in Texas (00:30 UTC the next day) the licence still counts, in either form."""
        evening = at(0, 30)
        for condition in (current_licence(now=evening, state="TX"), current_licence(now=evening)):
            assert ProviderLicense.objects.filter(condition, provider=texan).exists()

    def test_the_next_texas_morning_it_no_longer_counts(self, texan):
        morning = at(6)
        for condition in (current_licence(now=morning, state="TX"), current_licence(now=morning)):
            assert not ProviderLicense.objects.filter(condition, provider=texan).exists()

    def test_a_licence_in_another_state_is_not_current_here(self, texan):
        assert not ProviderLicense.objects.filter(
            current_licence(now=at(0), state="CA"), provider=texan
        ).exists()


class TestAnyStateAgreesWithEachState(TestCase):
    """The one-query form for "current in any state" keeps exactly the licences that the
    per-state form keeps, at any moment and for any expiry date."""

    @classmethod
    def setUpTestData(cls):
        cls.provider = ProviderProfileFactory(states=[])

    @settings(max_examples=40, deadline=None)
    @given(
        now=st.datetimes(
            min_value=datetime.datetime(2026, 1, 1), max_value=datetime.datetime(2028, 1, 1)
        ),
        expiries=st.lists(
            st.one_of(st.none(), st.dates(datetime.date(2025, 12, 30), datetime.date(2028, 1, 2))),
            min_size=len(STATE_ZONES),
            max_size=len(STATE_ZONES),
        ),
    )
    def test_each_licence_is_judged_in_its_own_state(self, now, expiries):
        now = now.replace(tzinfo=UTC)
        ProviderLicense.objects.all().delete()
        ProviderLicense.objects.bulk_create(
            ProviderLicense(provider=self.provider, state=state, expires_on=expiry)
            for state, expiry in zip(STATE_ZONES, expiries, strict=True)
        )
        expected = {
            state
            for state, expiry in zip(STATE_ZONES, expiries, strict=True)
            if expiry is None or expiry >= state_today(state, now)
        }
        found = set(
            ProviderLicense.objects.filter(current_licence(now=now)).values_list("state", flat=True)
        )
        assert found == expected
