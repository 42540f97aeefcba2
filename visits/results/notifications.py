"""Emails about results: to the patient that something new is ready, to the clinician that a
critical result waits for them. A link to sign in, nothing clinical: no test, value or name of
a condition leaves the clinic's systems in an email."""

from functools import partial

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.adapter import greeting_name, site_url
from accounts.models import Role, User
from accounts.tasks import queue_email
from visits.results.models import CriticalAlertRecipient, LabReport

PATIENT_SUBJECT = "New results are ready in Housecall"
CLINICIAN_SUBJECT = "Housecall: a critical result is waiting for you"
ESCALATED_SUBJECT = "Housecall: a critical result nobody has answered is waiting for you"
STAFF_SUBJECT = "Housecall: a critical result is waiting for its clinician"


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


def notify_escalated_recipients(alert_id: int) -> int:
    """Email every clinician the critical result escalated to and not told yet, once each;
    returns how many.

    Each recipient is claimed with a conditional UPDATE, and the email is queued only when the
    caller's transaction commits, so a retry never emails twice and a rollback emails nobody.
    """
    now = timezone.now()
    link = site_url(reverse("results:critical_alerts"))
    told = 0
    pending = CriticalAlertRecipient.objects.filter(alert_id=alert_id, notified_at__isnull=True)
    for recipient in pending.select_related("clinician"):
        claimed = CriticalAlertRecipient.objects.filter(
            pk=recipient.pk, notified_at__isnull=True
        ).update(notified_at=now)
        if not claimed:
            continue
        clinician = recipient.clinician
        body = render_to_string(
            "visits/results/email/critical_result_escalated.txt",
            {"name": clinician.display_name, "link": link},
        )
        transaction.on_commit(
            partial(queue_email, subject=ESCALATED_SUBJECT, body=body, to=[clinician.email])
        )
        told += 1
    return told


def notify_staff_unanswered(clinician: User) -> int:
    """Once the escalation commits, ask every active staff member (one email each) to reach the
    ordering clinician: nobody else treats the patient. Staff never see the value, so the email
    names only the clinician; returns how many were emailed."""
    staff = list(
        User.objects.filter(role=Role.STAFF, is_active=True)
        .order_by("pk")
        .values_list("email", flat=True)
    )
    body = render_to_string(
        "visits/results/email/critical_result_unanswered.txt",
        {"clinician": clinician.display_name or clinician.email},
    )
    for email in staff:
        transaction.on_commit(partial(queue_email, subject=STAFF_SUBJECT, body=body, to=[email]))
    return len(staff)
