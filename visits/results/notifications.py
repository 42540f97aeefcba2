"""Emails about results: to the patient that something new is ready, to the clinician that a
critical result waits for them. A link to sign in, nothing clinical: no test, value or name of
a condition leaves the clinic's systems in an email."""

from functools import partial

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.adapter import greeting_name, site_url
from accounts.models import User
from accounts.tasks import queue_email
from visits.results.models import LabReport

PATIENT_SUBJECT = "New results are ready in Housecall"
CLINICIAN_SUBJECT = "Housecall: a critical result is waiting for you"


def notify_patient_on_commit(patient_id: int) -> None:
    """Once the release commits, tell the patient new results are ready (one email for all the
    reports released together)."""
    transaction.on_commit(partial(notify_patient, patient_id))


def notify_patient(patient_id: int) -> bool:
    """Email the patient once for every released report they were not told of; False if none.

    The reports are claimed with one conditional UPDATE, so reports released together (or a
    second call for the same release) make one email, never two.
    """
    claimed = LabReport.objects.filter(
        patient_id=patient_id, released_at__isnull=False, patient_notified_at__isnull=True
    ).update(patient_notified_at=timezone.now())
    if not claimed:
        return False
    patient = User.objects.select_related("patient_profile").get(pk=patient_id)
    body = render_to_string(
        "visits/results/email/new_results.txt",
        {"name": greeting_name(patient), "link": site_url(reverse("results:my_results"))},
    )
    queue_email(subject=PATIENT_SUBJECT, body=body, to=[patient.email])
    return True


def notify_clinician_on_commit(clinician_id: int, *, count: int) -> None:
    """Once the alerts commit, tell their clinician a critical result needs them."""
    clinician = User.objects.get(pk=clinician_id)
    body = render_to_string(
        "visits/results/email/critical_result.txt",
        {
            "name": clinician.display_name,
            "count": count,
            "link": site_url(reverse("results:critical_alerts")),
        },
    )
    transaction.on_commit(
        partial(queue_email, subject=CLINICIAN_SUBJECT, body=body, to=[clinician.email])
    )
