"""Emails telling clinicians that a safety alert waits for them: a link to sign in, nothing clinical.

No answer, reason or patient's name goes in the email (it leaves the clinic's systems); the
clinician reads the alert after signing in.
"""

from functools import partial

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.adapter import site_url
from accounts.tasks import queue_email
from visits.questionnaires.models import AlertRecipient

SUBJECT = "Housecall: a safety alert is waiting for you"


def notify_recipients(alert_id: int) -> int:
    """Email every recipient of the alert not told yet, once each; returns how many.

    Each recipient is claimed with a conditional UPDATE, and the email is queued only when the
    caller's transaction commits, so a retry never emails twice and a rollback emails nobody.
    """
    now = timezone.now()
    link = site_url(reverse("clinician_dashboard"))
    told = 0
    pending = AlertRecipient.objects.filter(alert_id=alert_id, notified_at__isnull=True)
    for recipient in pending.select_related("clinician"):
        claimed = AlertRecipient.objects.filter(pk=recipient.pk, notified_at__isnull=True).update(
            notified_at=now
        )
        if not claimed:
            continue
        clinician = recipient.clinician
        body = render_to_string(
            "visits/questionnaires/email/safety_alert.txt",
            {"name": clinician.display_name, "link": link},
        )
        transaction.on_commit(
            partial(queue_email, subject=SUBJECT, body=body, to=[clinician.email])
        )
        told += 1
    return told
