"""Reads about questionnaires: what is due before visits, alerts a clinician must see, scores."""

import datetime

from django.db.models import QuerySet

from accounts import policy
from visits.questionnaires import charts
from visits.questionnaires.models import (
    CheckInPreference,
    Questionnaire,
    QuestionnaireResponse,
    SafetyAlert,
)
from visits.scheduling.models import Visit

DUE_WITHIN = datetime.timedelta(days=7)


def due_before_visits(*, patient, visits: list[Visit], now: datetime.datetime) -> list[dict]:
    """Questionnaires to answer before visits in the next week, unless answered or switched off."""
    soon = [
        visit
        for visit in visits
        if visit.start - now <= DUE_WITHIN and visit.visit_type.questionnaires
    ]
    if not soon:
        return []
    done = set(
        QuestionnaireResponse.objects.submitted()
        .filter(visit__in=[visit.pk for visit in soon])
        .values_list("visit_id", "questionnaire__slug")
    )
    switched_off = set(
        CheckInPreference.objects.filter(patient=patient, enabled=False).values_list(
            "provider_id", flat=True
        )
    )
    slugs = {slug for visit in soon for slug in visit.visit_type.questionnaires}
    titles = dict(Questionnaire.objects.filter(slug__in=slugs).values_list("slug", "title"))
    return [
        {"visit": visit, "slug": slug, "title": titles.get(slug, slug)}
        for visit in soon
        if visit.provider_id not in switched_off
        for slug in visit.visit_type.questionnaires
        if (visit.pk, slug) not in done
    ]


def open_alerts_for(clinician) -> QuerySet[SafetyAlert]:
    """Unacknowledged safety alerts this clinician must see (policy.SAFETY_ALERTS decides)."""
    return (
        policy.SAFETY_ALERTS.filter(
            SafetyAlert.objects.filter(acknowledged_at__isnull=True), clinician
        )
        .select_related("patient__patient_profile", "response__questionnaire")
        .order_by("created_at")
    )


SCORED_SLUGS = ["phq-9", "gad-7"]


def score_history(patient) -> dict:
    """A patient's submitted PHQ-9 and GAD-7 responses, oldest first, with their chart.

    `patient` comes from the policy; the caller records the read once for the page, and only
    when there is something to read (`responses`).
    """
    responses = list(
        QuestionnaireResponse.objects.submitted()
        .filter(patient=patient, questionnaire__slug__in=SCORED_SLUGS)
        .select_related("questionnaire")
        .order_by("submitted_at")
    )
    series = charts.score_series(responses)
    return {
        "patient": patient,
        "chart": charts.line_chart(series),
        "series": series,
        "responses": responses,
    }


def check_ins_enabled(*, patient, provider) -> bool:
    """Check-ins are on unless this clinician switched them off for this client."""
    return not CheckInPreference.objects.filter(
        patient=patient, provider=provider, enabled=False
    ).exists()
