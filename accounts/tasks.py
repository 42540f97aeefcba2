"""Background work for accounts, run by the task worker (manage.py db_worker)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str = "",
    attachments: list[dict] | None = None,
) -> int:
    """Send one email; returns how many messages the mail server accepted.

    Attachments are dicts of filename, content (text) and mimetype, so the task's arguments
    stay JSON for the queue.
    """
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    if html:
        message.attach_alternative(html, "text/html")
    for attachment in attachments or []:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message.send()
