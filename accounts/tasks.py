"""Background work for accounts, run by the task worker (manage.py db_worker)."""

import json

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task

from accounts.crypto import seal, unseal


def queue_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str = "",
    attachments: list[dict] | None = None,
) -> None:
    """Queue one email for the worker, sealed: the task table never holds a readable message.

    Emails carry sign-in links, reset keys and visit details; the queue stores them encrypted
    (accounts.crypto) and only the worker opens them, to send them.
    """
    payload = {
        "subject": subject,
        "body": body,
        "to": to,
        "html": html,
        "attachments": attachments or [],
    }
    send_email.enqueue(sealed=seal(json.dumps(payload)))


@task
def send_email(*, sealed: str) -> int:
    """Send one sealed email; returns how many messages the mail server accepted.

    Attachments are dicts of filename, content (text) and mimetype, so the arguments stay JSON.
    """
    payload = json.loads(unseal(sealed))
    message = EmailMultiAlternatives(
        payload["subject"], payload["body"], settings.DEFAULT_FROM_EMAIL, payload["to"]
    )
    if payload["html"]:
        message.attach_alternative(payload["html"], "text/html")
    for attachment in payload["attachments"]:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message.send()
