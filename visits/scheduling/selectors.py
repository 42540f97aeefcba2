"""Reads for staff booking: the patients a person may book for, and a search among them."""

from django.db.models import Q, QuerySet

from accounts import policy
from accounts.models import ProviderProfile, User

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
