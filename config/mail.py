"""The mailer, from one EMAIL_URL in any scheme django-environ documents."""

from urllib.parse import unquote, urlsplit

import environ

SMTP_OPTIONS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
}
SMTP_TIMEOUT_SECONDS = 10


def mailer_from_url(url: str) -> dict:
    """A MAILERS entry: the backend, with the options that backend takes and nothing else.

    smtp://, smtps://, smtp+tls:// and smtp+ssl:// give the SMTP backend its host, port,
    credentials and TLS; filemail:///path/to/dir writes each message to a file in that folder;
    consolemail://, memorymail:// and dummymail:// take no options.
    """
    parsed = environ.Env.email_url_config(url)
    backend = parsed["EMAIL_BACKEND"]
    options: dict = {}
    if backend.endswith("smtp.EmailBackend"):
        options = {option: parsed[key] for key, option in SMTP_OPTIONS.items() if parsed.get(key)}
        options["timeout"] = SMTP_TIMEOUT_SECONDS
    elif backend.endswith("filebased.EmailBackend"):
        # The URL's own path (filemail:///var/mail/housecall), absolute as written.
        options["file_path"] = unquote(urlsplit(url).path) or "."
    return {"BACKEND": backend, "OPTIONS": options}
