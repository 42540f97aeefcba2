"""Background work for accounts, run by the task worker (manage.py db_worker)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task
def send_email(*, subject: str, body: str, to: list[str], html: str = "") -> int:
    """Send one email; returns how many messages the mail server accepted."""
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
