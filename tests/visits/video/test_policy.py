"""The video room's rule: the visit's patient and clinician, nobody else."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import policy
from accounts.models import Role
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db


def test_filter_and_predicate_agree(soon):
    """For every role and every visit, VIDEO_ROOMS' filter and yes/no answer are one rule."""
    people = [
        soon.patient,
        soon.provider.user,
        PatientProfileFactory(intake=False).user,
        ProviderProfileFactory().user,
        UserFactory(role=Role.STAFF),
        AnonymousUser(),
    ]
    visits = Visit.objects.all()
    for person in people:
        reachable = set(policy.VIDEO_ROOMS.filter(visits, person).values_list("pk", flat=True))
        for visit in visits:
            assert policy.VIDEO_ROOMS.allows(person, visit) == (visit.pk in reachable)
    assert policy.VIDEO_ROOMS.allows(soon.patient, soon)
    assert policy.VIDEO_ROOMS.allows(soon.provider.user, soon)
    assert not policy.VIDEO_ROOMS.allows(people[2], soon)
    assert not policy.VIDEO_ROOMS.allows(people[3], soon)
    assert not policy.VIDEO_ROOMS.allows(people[4], soon)
