"""EMAIL_URL works in every scheme django-environ documents: a real message goes through each."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from config.mail import SMTP_TIMEOUT_SECONDS, mailer_from_url


def send_with(settings, url: str) -> int:
    """Send one message through the mailer EMAIL_URL would configure."""
    settings.MAILERS = {"default": mailer_from_url(url)}
    return EmailMessage("Your visit", "See you soon.", to=["alex@example.com"]).send()


class TestMailerFromUrl:
    def test_filemail_writes_the_message_to_the_folder(self, settings, tmp_path):
        """filemail:///path puts each message in a file there (it used to crash every email)."""
        assert send_with(settings, f"filemail://{tmp_path}") == 1
        [written] = list(tmp_path.iterdir())
        assert "See you soon." in written.read_text()

    def test_memorymail_keeps_the_message_in_the_outbox(self, settings):
        """memorymail:// is Django's in-memory outbox."""
        assert send_with(settings, "memorymail://") == 1
        assert mail.outbox[-1].subject == "Your visit"

    def test_consolemail_prints_the_message(self, settings, capsys):
        """consolemail:// (the development default) prints each message."""
        assert send_with(settings, "consolemail://") == 1
        assert "See you soon." in capsys.readouterr().out

    def test_dummymail_accepts_and_drops(self, settings):
        """dummymail:// sends nothing and raises nothing."""
        settings.MAILERS = {"default": mailer_from_url("dummymail://")}
        assert type(mail.mailers.default).__module__ == "django.core.mail.backends.dummy"
        assert send_with(settings, "dummymail://") == 1

    @pytest.mark.parametrize(
        ("url", "tls", "ssl", "port"),
        [
            ("smtp://mailer:secret@smtp.example.com:25", None, None, 25),
            ("smtps://mailer:secret@smtp.example.com:465", True, None, 465),
            ("smtp+tls://mailer:secret@smtp.example.com:587", True, None, 587),
            ("smtp+ssl://mailer:secret@smtp.example.com:465", None, True, 465),
        ],
    )
    def test_smtp_schemes_configure_the_smtp_backend(self, settings, url, tls, ssl, port):
        """Each SMTP scheme gives host, port, credentials and TLS or SSL to Django's backend."""
        settings.MAILERS = {"default": mailer_from_url(url)}
        connection = mail.mailers.default
        assert type(connection).__module__ == "django.core.mail.backends.smtp"
        assert (connection.host, connection.port) == ("smtp.example.com", port)
        assert (connection.username, connection.password) == ("mailer", "secret")
        assert bool(connection.use_tls) == bool(tls)
        assert bool(connection.use_ssl) == bool(ssl)
        assert connection.timeout == SMTP_TIMEOUT_SECONDS
