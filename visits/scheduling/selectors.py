"""Reads for staff booking: the patients a person may book for, a search among them, and the
providers licensed where a patient is."""

import datetime

from django.db.models import Q, QuerySet

from accounts import policy
from accounts.licensure import current_licence
from accounts.models import ProviderProfile, User
from visits.scheduling.models import VisitType

PATIENT_MATCHES = 10


def searchable_patients(user, provider: ProviderProfile) -> QuerySet[User]:
    """The patients this user may book with this provider (accounts.policy), in name order."""
    return (
        policy.bookable_patients(user, provider)
        .select_related("patient_profile")
        .order_by("patient_profile__legal_last_name", "patient_profile__legal_first_name", "pk")
    )


def patient_matches(patients: QuerySet[User], query: str) -> list[User]:
    """Patients whose name or email contains every word typed, at most PATIENT_MATCHES."""
    words = query.split()
    if not words or len(query.strip()) < 2:
        return []
    for word in words:
        patients = patients.filter(
            Q(patient_profile__legal_first_name__icontains=word)
            | Q(patient_profile__legal_last_name__icontains=word)
            | Q(patient_profile__preferred_name__icontains=word)
            | Q(display_name__icontains=word)
            | Q(email__icontains=word)
        )
    return list(patients[:PATIENT_MATCHES])


def licensed_providers(
    user, visit_type: VisitType, state: str, *, now: datetime.datetime, limit: int = 10
) -> list[ProviderProfile]:
    """Providers whose schedules this user may book, offering this visit type and holding a
    current licence in `state`, by name (at most `limit`)."""
    current = current_licence(now=now, state=state, path="licenses__")
    return list(
        policy.SCHEDULES.filter(ProviderProfile.objects.select_related("user"), user)
        .filter(current, visit_types=visit_type, kind__in=visit_type.provider_kinds)
        .distinct()
        .order_by("user__display_name", "pk")[:limit]
    )
