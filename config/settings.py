"""Housecall settings: one module, secure by default, configured from the environment."""

import zoneinfo
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.mail import mailer_from_url

# Django's generic classes (ModelAdmin[Visit], forms.ModelForm[User], ...) may be subscripted at
# run time, as django-stubs types them for the type checker.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production needs a long random SECRET_KEY in the "
            "environment; for local development set DEBUG=True (make run does)."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])


def _site_url(configured: str) -> str:
    """The clinic's own origin for links in emails; never taken from a request's Host header."""
    if not configured:
        if DEBUG:
            return "http://127.0.0.1:8000"
        names = [host.lstrip(".") for host in ALLOWED_HOSTS if host not in ("*", ".")]
        if not names:
            raise ImproperlyConfigured(
                "SITE_URL is not set and ALLOWED_HOSTS names no host to derive it from. "
                "Set SITE_URL to the address patients use, e.g. https://housecall.example."
            )
        configured = f"https://{names[0]}"
    bits = urlsplit(configured)
    if (
        bits.scheme not in ("http", "https")
        or not bits.netloc
        or bits.path.strip("/")
        or bits.query
    ):
        raise ImproperlyConfigured(
            f"SITE_URL must be an origin such as https://housecall.example, not {configured!r}."
        )
    return f"{bits.scheme}://{bits.netloc}"


# The clinic's name and address as every page and email gives them.
SITE_NAME = env.str("SITE_NAME", default="Housecall")
SITE_URL = _site_url(env.str("SITE_URL", default=""))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "visits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed (static files come compressed from whitenoise, above, and never reach
    # it). Safe against BREACH: Django pads each compressed response with random bytes, and CSRF
    # tokens are masked afresh in every response (README: "Compressed pages").
    "django.middleware.gzip.GZipMiddleware",
    # Outside everything that may answer early (timeouts, MFA, refusals), so every page has it.
    "accounts.middleware.NoStoreMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the person read in the session's own query (accounts/request_loads.py).
    "accounts.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.CleanInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.ViewerTimeZoneMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    "accounts.policy.RequireRuleMiddleware",
    "accounts.middleware.PendingFormMiddleware",
]

# The page benchmark mounts its bare page with config.bench_urls; the site is config.urls.
ROOT_URLCONF = env.str("ROOT_URLCONF", default="config.urls")
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
            # remembered_urls replaces {% url %} with one that remembers each link it made, and
            # english_dates the |date and |time filters with plain Python for English pages.
            "builtins": [
                "django_htmx.templatetags.django_htmx",
                "visits.templatetags.remembered_urls",
                "visits.templatetags.english_dates",
            ],
        },
    }
]

# Database: SQLite by default so a new user needs no server; PostgreSQL from DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]
# Connections are kept, on SQLite too: opening one (Django registers its SQL functions, then the
# pragmas below run) cost 1.4 ms a request, more than loading the session and the user.
_db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
_db["CONN_HEALTH_CHECKS"] = True
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when the transaction begins, so bookings are serialised.
    _db.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    _db["OPTIONS"]["timeout"] = 20
    # Write-ahead logging: readers never wait for a writer, and a commit is one append instead
    # of a rollback journal's extra writes (an audit insert ~4 ms instead of ~16 ms). NORMAL
    # syncs at checkpoints, so a power cut can lose the last commits but never corrupts the file.
    _db["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a connection health check that sends no query (config/postgresql).
    _db["ENGINE"] = "config.postgresql"
    _local_hosts = {"localhost", "127.0.0.1", "::1", ""}
    _default_sslmode = "prefer" if _db.get("HOST", "") in _local_hosts else "require"
    _db.setdefault("OPTIONS", {}).setdefault(
        "sslmode", env.str("DATABASE_SSLMODE", default=_default_sslmode)
    )
    # Planning was most of PostgreSQL's CPU a page: 0.4-1.3 ms for each query through the access
    # policy's joins, against 0.05-0.2 ms running it. With the values bound on the server, a
    # statement a connection has run five times is prepared, and PostgreSQL keeps a plan for it
    # rather than planning it on every run (it plans again after a schema change). A pooler in
    # transaction mode that cannot keep prepared statements needs DATABASE_PREPARED_STATEMENTS=False.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        _db["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)

FORM_RENDERER = "config.forms.FormRenderer"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache shared by every worker (rate limits): Redis when REDIS_URL is set, else the database.
# CACHE_URL (e.g. locmemcache://) overrides both; the test suite uses it.
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("CACHE_URL")}
elif env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "housecall_cache",
        }
    }

# Background tasks: Django's tasks framework. The database backend and its worker
# (manage.py db_worker) in production; tasks run at once in local development.
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND",
            default="django.tasks.backends.immediate.ImmediateBackend"
            if DEBUG
            else "django_tasks_db.DatabaseBackend",
        ),
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The clinic's zone: where staff and admins read times unless their account names another.
CLINIC_TIME_ZONE = env.str("CLINIC_TIME_ZONE", default="America/Chicago")
if CLINIC_TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"CLINIC_TIME_ZONE {CLINIC_TIME_ZONE!r} is not a time zone.")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "config.storage.StaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Email: the console in development, EMAIL_URL (smtp+tls://user:pass@host:587) in production;
# every scheme django-environ documents works (config/mail.py).
MAILERS = {"default": mailer_from_url(env.str("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Housecall <care@housecall.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Keys that seal secrets at rest (MFA keys, queued emails): comma-separated Fernet keys, newest
# first, so older ones still open what they sealed. Unset, one is derived from SECRET_KEY.
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[])

# Browser features: all off. A view that needs camera and microphone (the video visit's device
# check and room) declares it with accounts.middleware.allows_browser_features, which allows them
# for our own origin on that page only.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": [],
    "microphone": [],
    "display-capture": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "bluetooth": [],
    "hid": [],
    "midi": [],
    "accelerometer": [],
    "gyroscope": [],
    "magnetometer": [],
    "browsing-topics": [],
    "interest-cohort": [],
}

# A clinician treats a patient (and reads their clinical record) while they hold a visit with
# them that was not cancelled: upcoming, or ended within this look-back.
TREATMENT_LOOKBACK = timedelta(days=env.int("TREATMENT_LOOKBACK_DAYS", default=730))

# A safety alert nobody has acknowledged within this time goes to every other clinician who
# treats the patient (the task, or the escalate_safety_alerts sweep, sends it on).
SAFETY_ALERT_ESCALATE_AFTER = timedelta(
    minutes=env.int("SAFETY_ALERT_ESCALATE_MINUTES", default=120)
)
# A critical result alert nobody has acknowledged within this time goes to every other clinician
# who treats the patient (the task, or the escalate_critical_results sweep, sends it on).
CRITICAL_RESULT_ESCALATE_AFTER = timedelta(
    minutes=env.int("CRITICAL_RESULT_ESCALATE_MINUTES", default=60)
)

# The visit's life (visits.records.lifecycle): check-in opens this long before the start, and
# a visit nobody checked in to by this long after its start is marked a no-show by the task.
VISIT_CHECK_IN_OPENS_BEFORE = timedelta(minutes=env.int("VISIT_CHECK_IN_OPENS_MINUTES", default=15))
VISIT_NO_SHOW_AFTER = timedelta(minutes=env.int("VISIT_NO_SHOW_MINUTES", default=15))

# On-demand urgent care (visits.ondemand): patients may ask to be seen now between these
# wall-clock times, every day, in the clinic's zone (CLINIC_TIME_ZONE). A waiting patient whose
# page has not checked in for ON_DEMAND_IDLE_AFTER leaves the queue; a physician who takes a
# patient and has not opened the room within ON_DEMAND_JOIN_WITHIN gives them back, first in line.
# (ON_DEMAND_HOURS is read as "HH:MM" times by visits.ondemand.hours, which refuses bad ones.)
ON_DEMAND_HOURS = (
    env.str("ON_DEMAND_OPENS", default="08:00"),
    env.str("ON_DEMAND_CLOSES", default="22:00"),
)
ON_DEMAND_IDLE_AFTER = timedelta(seconds=env.int("ON_DEMAND_IDLE_SECONDS", default=60))
ON_DEMAND_JOIN_WITHIN = timedelta(seconds=env.int("ON_DEMAND_JOIN_SECONDS", default=120))
ON_DEMAND_POLL_SECONDS = env.int("ON_DEMAND_POLL_SECONDS", default=5)
# The estimated wait: this many minutes per patient ahead, shared among the physicians on duty.
ON_DEMAND_MINUTES_PER_PATIENT = env.int("ON_DEMAND_MINUTES_PER_PATIENT", default=10)
# Video visits (visits.video): the room stays open to its patient and clinician from check-in until
# the visit is completed or this long after its end; ICE servers come from the environment only
# (STUN URLs; TURN URLs with the shared secret of coturn's use-auth-secret, from which each visit
# gets credentials that expire after VIDEO_TURN_TTL). Video that has not connected after
# VIDEO_CONNECT_TIMEOUT seconds offers the phone instead, at the clinic's number below.
VIDEO_ROOM_OPEN_AFTER_END = timedelta(
    minutes=env.int("VIDEO_ROOM_OPEN_AFTER_END_MINUTES", default=30)
)
VIDEO_STUN_URLS = env.list("VIDEO_STUN_URLS", default=[])
VIDEO_TURN_URLS = env.list("VIDEO_TURN_URLS", default=[])
VIDEO_TURN_SECRET = env.str("VIDEO_TURN_SECRET", default="")
VIDEO_TURN_TTL = timedelta(seconds=env.int("VIDEO_TURN_TTL_SECONDS", default=3600))
VIDEO_CONNECT_TIMEOUT = env.int("VIDEO_CONNECT_TIMEOUT_SECONDS", default=20)
VIDEO_SIGNAL_KEEP = timedelta(minutes=env.int("VIDEO_SIGNAL_KEEP_MINUTES", default=10))
if VIDEO_TURN_URLS and not VIDEO_TURN_SECRET:
    raise ImproperlyConfigured(
        "VIDEO_TURN_URLS is set without VIDEO_TURN_SECRET (the TURN server's shared secret)."
    )
# The clinic's phone, E.164, for patients whose video does not work (a demo number in DEBUG).
CLINIC_PHONE = env.str("CLINIC_PHONE", default="+15125550100" if DEBUG else "")

# Results (21st Century Cures Act): final results reach the patient at once; one the ordering
# clinician holds, with a reason, releases itself after this many days at the latest.
RESULT_HOLD_MAX = timedelta(days=env.int("RESULT_HOLD_MAX_DAYS", default=3))

# Lab messages: a time an HL7 v2 message gives without a UTC offset is read in this zone (the
# lab's own); the upload page refuses files larger than this.
LAB_TIME_ZONE = env.str("LAB_TIME_ZONE", default="UTC")
LAB_MESSAGE_MAX_BYTES = env.int("LAB_MESSAGE_MAX_BYTES", default=1024 * 1024)

# Sessions: idle limits by role and an absolute limit, enforced by SessionTimeoutMiddleware.
SESSION_IDLE_TIMEOUT = {
    "patient": timedelta(minutes=env.int("PATIENT_IDLE_MINUTES", default=30)),
    "clinician": timedelta(minutes=env.int("CLINICIAN_IDLE_MINUTES", default=15)),
    "staff": timedelta(minutes=env.int("STAFF_IDLE_MINUTES", default=15)),
}
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
# Django's database sessions, with their person's key in a column, read with the person in one
# plain SELECT (accounts/request_loads.py).
SESSION_ENGINE = "accounts.request_loads"
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Security headers and cookies. Local development runs over plain HTTP.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# django-allauth: email is the login, verified before the first sign-in.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    # Per address, and per account from that address (accounts.adapter): a guesser elsewhere
    # slows only themselves and never locks the owner out.
    "login_failed": "10/5m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0 if DEBUG else 1)
LOGIN_REDIRECT_URL = "dashboard"
LOGIN_URL = "account_login"
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_REAUTHENTICATION_REQUIRED = True
# Local demos only: a fixed code that passes TOTP. allauth refuses it unless DEBUG is on.
MFA_TOTP_INSECURE_BYPASS_CODE = env.str("MFA_DEMO_BYPASS_CODE", default="") if DEBUG else None

HTMX_CONFIG = {
    "allowEval": False,
    "allowScriptTags": False,
    "historyCacheSize": 0,
    "refreshOnHistoryMiss": True,
    "selfRequestsOnly": True,
    "includeIndicatorStyles": False,
}

# No protected data in logs: request bodies and query strings are never logged.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every record passes the redaction filter: no patient data in any log (DESIGN invariant 12).
    "filters": {"redact": {"()": "config.logging.RedactProtectedData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (an unfiltered console, error emails) are replaced by ours.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING" if not DEBUG else "INFO"},
    },
}
