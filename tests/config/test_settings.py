"""Production settings: deploy checks pass, secrets are required, services come from the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "a-production-like-secret-key-with-plenty-of-entropy-1234567890-abcdefg",
    "ALLOWED_HOSTS": "housecall.example",
    "EMAIL_URL": "smtp+tls://mailer:password@smtp.example.com:587",
}


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter with exactly this environment."""
    clean = {key: value for key, value in os.environ.items() if key not in _OURS}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


_OURS = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "STATIC_MANIFEST",
    "CACHE_URL",
    "REDIS_URL",
    "TASKS_BACKEND",
    "DATABASE_URL",
    "DATABASE_PREPARED_STATEMENTS",
    "EMAIL_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "MFA_DEMO_BYPASS_CODE",
    "SITE_URL",
    "SITE_NAME",
}

SHOW = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup(); from django.conf import settings as s; print({})"


class TestDeployChecks:
    def test_check_deploy_passes_with_production_settings(self):
        """`manage.py check --deploy --fail-level WARNING` is clean in production."""
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env={**{k: v for k, v in os.environ.items() if k not in _OURS}, **PRODUCTION},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_missing_secret_key_stops_with_a_clear_message(self):
        """Production refuses to start without SECRET_KEY and says what to do."""
        result = run(SHOW.format("s.DEBUG"), DEBUG="False", ALLOWED_HOSTS="x")
        assert result.returncode != 0
        assert "SECRET_KEY is not set" in result.stderr

    def test_production_cookies_and_transport_are_secure(self):
        """Secure cookies, HSTS, SSL redirect behind the router's X-Forwarded-Proto."""
        values = "(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, s.STORAGES['staticfiles']['BACKEND'])"
        result = run(SHOW.format(values), **PRODUCTION)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(
            (
                True,
                True,
                63072000,
                True,
                ("HTTP_X_FORWARDED_PROTO", "https"),
                "config.storage.StaticFilesStorage",  # whitenoise's, hashed and compressed
            )
        )

    def test_login_rate_limits_key_on_the_client_behind_one_proxy(self):
        """Behind Heroku's router, one proxy is trusted, so limits apply to the client's address."""
        result = run(SHOW.format("s.ALLAUTH_TRUSTED_PROXY_COUNT"), **PRODUCTION)
        assert result.stdout.strip() == "1"


class TestServicesFromTheEnvironment:
    def test_cache_is_the_database_by_default(self):
        """Without Redis, rate limits live in the database cache every worker shares."""
        result = run(SHOW.format("s.CACHES['default']['BACKEND']"), **PRODUCTION)
        assert result.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"

    def test_cache_is_redis_when_redis_url_is_set(self):
        """With REDIS_URL, the shared cache is Redis."""
        result = run(
            SHOW.format("(s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'])"),
            REDIS_URL="redis://127.0.0.1:6379/3",
            **PRODUCTION,
        )
        assert "RedisCache" in result.stdout
        assert "redis://127.0.0.1:6379/3" in result.stdout

    def test_remote_postgres_requires_tls_and_keeps_connections(self):
        """A PostgreSQL server that is not local must be reached over TLS, with pooled connections."""
        result = run(
            SHOW.format(
                "(s.DATABASES['default']['OPTIONS']['sslmode'], s.DATABASES['default']['CONN_MAX_AGE'], s.DATABASES['default']['CONN_HEALTH_CHECKS'])"
            ),
            DATABASE_URL="postgres://u:p@db.internal.example:5432/housecall",
            **PRODUCTION,
        )
        assert result.stdout.strip() == "('require', 600, True)"

    def test_postgres_binds_values_on_the_server_and_prepares_repeated_statements(self):
        """PostgreSQL plans each page's queries once a connection; a pooler that cannot keep
        prepared statements turns them off."""
        show = SHOW.format(
            "(s.DATABASES['default']['OPTIONS'].get('server_side_binding'), s.DATABASES['default']['OPTIONS'].get('prepare_threshold'))"
        )
        database = "postgres://u:p@db.internal.example:5432/housecall"
        result = run(show, DATABASE_URL=database, **PRODUCTION)
        assert result.stdout.strip() == "(True, 5)"
        result = run(
            show, DATABASE_URL=database, DATABASE_PREPARED_STATEMENTS="False", **PRODUCTION
        )
        assert result.stdout.strip() == "(None, None)"

    def test_sqlite_serialises_writers(self):
        """On SQLite every write transaction takes the lock at once, so bookings are serialised."""
        result = run(
            SHOW.format("s.DATABASES['default']['OPTIONS']['transaction_mode']"), **PRODUCTION
        )
        assert result.stdout.strip() == "IMMEDIATE"

    def test_sqlite_keeps_its_connections_too(self):
        """Opening a SQLite connection costs more than a whole signed-in page's other work."""
        result = run(SHOW.format("s.DATABASES['default']['CONN_MAX_AGE']"), **PRODUCTION)
        assert result.stdout.strip() == "600"

    def test_smtp_comes_from_email_url(self):
        """EMAIL_URL configures the SMTP mailer."""
        result = run(SHOW.format("s.MAILERS['default']"), **PRODUCTION)
        assert "smtp.EmailBackend" in result.stdout
        assert "'host': 'smtp.example.com'" in result.stdout
        assert "'use_tls': True" in result.stdout

    def test_production_tasks_go_to_the_database_worker(self):
        """In production tasks are queued for the worker, not run in the request."""
        result = run(SHOW.format("s.TASKS['default']['BACKEND']"), **PRODUCTION)
        assert result.stdout.strip() == "django_tasks_db.DatabaseBackend"

    def test_demo_mfa_bypass_is_impossible_in_production(self):
        """The local-demo MFA code is ignored unless DEBUG is on."""
        result = run(
            SHOW.format("s.MFA_TOTP_INSECURE_BYPASS_CODE"),
            MFA_DEMO_BYPASS_CODE="000000",
            **PRODUCTION,
        )
        assert result.stdout.strip() == "None"


@pytest.mark.parametrize("path", ["Procfile", "app.json", "gunicorn.conf.py", ".python-version"])
def test_deployment_files_exist(path):
    """Heroku needs these files at the top of the repository."""
    assert (ROOT / path).is_file()


class TestSiteAddress:
    def test_production_derives_the_address_from_the_first_allowed_host(self):
        """Without SITE_URL, production links go to https:// and the first named host."""
        result = run(
            SHOW.format("(s.SITE_NAME, s.SITE_URL)"),
            **{**PRODUCTION, "ALLOWED_HOSTS": "*,.housecall.example,www.housecall.example"},
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(("Housecall", "https://housecall.example"))

    def test_site_url_and_name_come_from_the_environment(self):
        """SITE_URL and SITE_NAME set in the environment win, without a trailing slash."""
        result = run(
            SHOW.format("(s.SITE_NAME, s.SITE_URL)"),
            **PRODUCTION,
            SITE_URL="https://care.example.org/",
            SITE_NAME="Northside Clinic",
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(("Northside Clinic", "https://care.example.org"))

    def test_development_uses_the_local_server(self):
        """In DEBUG the links point at make run's server."""
        result = run(SHOW.format("s.SITE_URL"), DEBUG="True")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "http://127.0.0.1:8000"

    @pytest.mark.parametrize(
        "value", ["housecall.example", "ftp://x.example", "https://x.example/app"]
    )
    def test_a_site_url_that_is_not_an_origin_stops_with_a_clear_message(self, value):
        """SITE_URL must be scheme and host only, so every link built on it is right."""
        result = run(SHOW.format("s.SITE_URL"), **PRODUCTION, SITE_URL=value)
        assert result.returncode != 0
        assert "SITE_URL must be an origin" in result.stderr

    def test_production_without_any_host_names_asks_for_site_url(self):
        """With only a wildcard host there is nothing to derive the address from."""
        result = run(SHOW.format("s.SITE_URL"), **{**PRODUCTION, "ALLOWED_HOSTS": "*"})
        assert result.returncode != 0
        assert "SITE_URL is not set" in result.stderr


def test_procfile_runs_web_release_and_worker():
    """The web, release (migrate) and worker processes are declared."""
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert "gunicorn config.wsgi" in lines["web"]
    assert "migrate --noinput" in lines["release"]
    assert "db_worker" in lines["worker"]


def test_gunicorn_fits_herokus_router():
    """Timeout under the router's 30 s, keep-alive over its 90 s, forwarded headers trusted."""
    config: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own config file
    assert config["timeout"] < 30
    assert config["keepalive"] > 90
    assert config["forwarded_allow_ips"] == "*"
