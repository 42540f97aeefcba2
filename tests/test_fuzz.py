"""The fuzz test: random and hostile values posted to every form, as a person who may use it.

Every route whose view accepts POST is found by walking the URL configuration over the demo
clinic; its fields are read from the form its page shows. Whatever is posted: never a 5xx,
nothing changed in the main tables when the input is refused (the form comes back, or 4xx),
and no patient's name or email in the log.
"""

import hashlib
import io
import logging
import os
import re
import traceback
from dataclasses import dataclass, field
from html import unescape

import pytest
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from accounts.models import PatientProfile, Role, User
from accounts.policy import RULE_ATTRIBUTE
from tests.walk import Clinic, Route, demo_clinic, routes
from visits.intake.models import ConsentSignature, Intake, IntakeVersion
from visits.questionnaires.models import QuestionnaireResponse, SafetyAlert
from visits.scheduling.models import ScheduleException, Visit, VisitType, WeeklyHours

pytestmark = pytest.mark.django_db

# Each example posts one drawn input to every form; CI runs a fixed, derandomized number.
# About 5 s an example over some 70 forms; FUZZ_EXAMPLES=200 for a long local run.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))

# 5xx the fuzz found in code other changes of issue 9 are fixing (extreme dates in scheduling),
# reported by the test, kept out of its verdict until those land: (URL pattern, exception).
# 5xx the fuzz has found and that are being fixed elsewhere, as (URL pattern, where): none now.
KNOWN_SERVER_ERRORS: list[tuple[re.Pattern, str]] = []

# Posting these would end the session the rest of the walk needs, not test a form.
SKIPPED = {"account_logout", "admin:logout"}

MAIN_TABLES = [
    User,
    PatientProfile,
    Visit,
    VisitType,
    WeeklyHours,
    ScheduleException,
    Intake,
    IntakeVersion,
    ConsentSignature,
    QuestionnaireResponse,
    SafetyAlert,
]
# A refused intake step or questionnaire keeps what the patient typed as a draft (nothing typed
# is lost, DESIGN 6): drafts are not the record, so they are left out of the comparison.
DRAFTS = {
    Intake: {"exclude": ["drafts", "current_step", "updated_at"]},
    QuestionnaireResponse: {"submitted_at__isnull": False},
}

HOSTILE = [
    "",
    " ",
    "\x00",
    "Jordan\x00Rivera",
    "\x00" * 5 + "{}",
    "\x1b[2J\x07\x08\x7f\x85\u2028\u2029",
    "\ufeff\u200b\u202e",
    "'; DROP TABLE visits_visit; --",
    "' OR '1'='1",
    '"><script>alert(1)</script>',
    "{{ request.user.email }}{% debug %}",
    "../../etc/passwd",
    "%00%0d%0aSet-Cookie:x=1",
    "A" * 10_000,
    "é" * 3_000,
    "😀" * 500,
    "9" * 400,
    "-1",
    "0",
    "-0",
    "2147483648",
    "9223372036854775808",
    "1e308",
    "NaN",
    "Infinity",
    "0x10",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:00-05:00",
    "2026-02-30",
    "24:61",
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
    "null",
    "true",
    "[]",
    '{"a": [1, {"b": null}]}',
]

values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200), st.integers().map(str))
# Repeated keys: a field sent once, twice or three times.
repeated = st.lists(values, min_size=1, max_size=3)


@dataclass
class Form:
    """A route that takes POST, its URL for the demo patient's records, and who may post it."""

    url: str
    role: str
    fields: list[str] = field(default_factory=list)


def poster_role(route: Route) -> str:
    """The role that may use the form: its rule's first role, the admin for the admin."""
    rule = getattr(route.pattern.callback, RULE_ATTRIBUTE, None)
    if route.route.startswith("admin/"):
        return "admin"
    if isinstance(rule, frozenset):
        for role, name in (
            (Role.PATIENT, "patient"),
            (Role.CLINICIAN, "clinician treating"),
            (Role.STAFF, "staff"),
        ):
            if role in rule:
                return name
    return "patient"


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)
FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.IGNORECASE)
ACTION = re.compile(r"\baction=\"([^\"]*)\"", re.IGNORECASE)


def posted_fields(page_url: str, html: str) -> dict[str, set[str]]:
    """The fields of each POST form on a page, by the URL it posts to."""
    fields: dict[str, set[str]] = {}
    for attributes, body in FORM.findall(html):
        if 'method="post"' not in attributes.lower():
            continue
        action = ACTION.search(attributes)
        target = unescape(action.group(1)).split("?")[0] if action and action.group(1) else page_url
        names = {unescape(name) for name in FIELD.findall(body)} - {"csrfmiddlewaretoken"}
        fields.setdefault(target, set()).update(names)
    return fields


def forms_of(clinic: Clinic, clients: dict[str, Client]) -> list[Form]:
    """Every route that takes POST from a role that may use it, with the fields its forms send.

    A route takes POST when a page's form posts to it, or when it answers GET with 405 (an
    endpoint only forms on other pages post to). Removals go last: they take what they remove.
    """
    candidates, seen = [], {}
    for route in routes():
        if route.name in SKIPPED or (route.name or "").endswith("_delete"):
            continue
        role = poster_role(route)
        for url in clinic.urls(route):
            page = clients[role].get(url)
            html = page.content.decode(errors="replace") if page.status_code == 200 else ""
            for target, names in posted_fields(url, html).items():
                seen.setdefault(target, set()).update(names)
            if page.status_code in (200, 405):
                candidates.append((route, url, role, page.status_code))
    found = [
        Form(url, role, sorted(seen.get(url, set())))
        for route, url, role, status in candidates
        if status == 405 or url in seen
    ]
    return sorted(found, key=lambda form: form.url.rstrip("/").endswith("/remove"))


def _sent_to_sign_in(response) -> bool:
    location = response.get("Location", "")
    return response.status_code == 302 and ("/login/" in location or "/accounts/" in location)


def _matches(problem: str, known: tuple[re.Pattern[str], str]) -> bool:
    url = problem.split("POST ", 1)[1].split(" ", 1)[0] if "POST " in problem else ""
    return (
        problem.startswith("5xx")
        and bool(known[0].match(url))
        and known[1] in problem
        and "OverflowError" in problem
    )


def tables_digest() -> dict[str, str]:
    """A hash of each main table's rows."""
    digests = {}
    for model in MAIN_TABLES:
        digest = hashlib.sha256()
        rows = model._default_manager.order_by("pk")
        drafts = dict(DRAFTS.get(model, {}))
        left_out = drafts.pop("exclude", [])
        columns = [f.attname for f in model._meta.concrete_fields if f.name not in left_out]
        for row in rows.filter(**drafts).values_list(*columns):
            digest.update(repr(row).encode())
        digests[model.__name__] = digest.hexdigest()
    return digests


def refused(response) -> bool:
    """The input was not taken: the form came back with its messages, or the request was refused."""
    if response.status_code == 200:
        return b'class="errorlist' in response.content or b'class="errornote' in response.content
    return 400 <= response.status_code < 500


@pytest.fixture
def log_output():
    """What the configured root handler writes, as text."""
    handler = next(h for h in logging.getLogger().handlers if h.filters)
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


def patient_words() -> list[str]:
    words = list(User.objects.filter(role=Role.PATIENT).values_list("email", flat=True))
    for profile in PatientProfile.objects.all():
        words.append(f"{profile.legal_first_name} {profile.legal_last_name}")
    return words


def test_hostile_input_never_reaches_a_5xx_a_changed_row_or_the_log(settings_fixture, log_output):
    """Every form, every drawn input: no 5xx, refused input changes nothing, no name in the log."""
    clinic = demo_clinic(settings_fixture)
    clients = {}
    for role, user in clinic.roles.items():
        clients[role] = Client()
        clients[role].force_login(user)
    forms = forms_of(clinic, clients)
    assert len(forms) >= 20, [form.url for form in forms]
    words = patient_words()
    report = {"posts": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        # The database carries over from one example to the next, so a replay is not the same
        # run: every problem is collected and reported below instead of shrunk.
        phases=[Phase.explicit, Phase.generate],
        database=None,
    )
    @given(data=st.data())
    def post_everywhere(data):
        for form in forms:
            keys = form.fields + data.draw(st.lists(st.text(min_size=1, max_size=20), max_size=2))
            chosen = data.draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
            payload = {key: data.draw(repeated) for key in chosen}
            htmx = data.draw(st.booleans())
            before = tables_digest()
            headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
            report["posts"] += 1
            try:
                response = clients[form.role].post(form.url, payload, **headers)
            except Exception as error:  # the test client re-raises what the view raised
                summary = "".join(traceback.format_exception(error)[-3:])
                problems.append(f"5xx: POST {form.url} as {form.role} {payload!r}: {summary}")
                continue
            if response.status_code >= 500:
                problems.append(f"{response.status_code}: POST {form.url} {payload!r}")
            elif refused(response):
                after = tables_digest()
                changed = [table for table in before if after[table] != before[table]]
                if changed:
                    problems.append(
                        f"changed {changed} on {response.status_code}: POST {form.url} "
                        f"as {form.role} {payload!r}"[:2000]
                    )

    problems: list[str] = []
    post_everywhere()
    known = [p for p in problems if any(_matches(p, known) for known in KNOWN_SERVER_ERRORS)]
    assert [p for p in problems if p not in known] == [], "\n".join(problems)
    for problem in known:
        print(f"known, being fixed elsewhere: {problem[:300]!r}")
    written = log_output.getvalue()
    leaked = [word for word in words if word in written]
    assert leaked == []
    print(
        f"\nfuzz: {len(forms)} forms x {EXAMPLES} examples = {report['posts']} posts, "
        f"{len(known)} 5xx"
    )
    for form in forms:
        print(f"  {form.role}: POST {form.url} ({len(form.fields)} fields)")


@pytest.fixture
def settings_fixture(settings):
    return settings
