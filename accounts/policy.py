"""Who may use what: every Housecall view declares its rule here, and access is denied otherwise.

A view states the roles that may open it with ``@allow(Role.PATIENT, ...)`` or that it is
public with ``@public``. ``RequireRuleMiddleware`` refuses (403) any view that declares
neither, so a forgotten decorator fails closed in production, and
``tests/accounts/test_policy.py`` walks the URL configuration so it fails in CI first.

Object rules ("is this visit theirs?") are each written once, as a ``Rule``: a function from
the user to the ``Q`` that selects what they may reach (or None for nothing at all). The same
definition gives the QuerySet filter (``VISITS.filter(queryset, user)``, which views start
from) and the yes/no answer for one object (``VISITS.allows(user, visit)``), so the two can
never disagree. This module imports no clinical models at import time: subqueries name their
model through the app registry, so the models may import the policy.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Model, Q, QuerySet, Value
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from accounts.licensure import current_licence
from accounts.models import Role
from accounts.treatment import TreatedBy
from config.prepared import KeptTime, Param, Prepared, Viewer

View = Callable[..., HttpResponse]

ANYONE = "anyone"
RULE_ATTRIBUTE = "access_rule"

# Views from other packages that enforce their own rules, by where they are mounted and whose
# code they are. allauth's entrance pages are public and its account pages require sign-in; the
# admin site admits is_staff users only (after allauth's sign-in, with MFA by middleware).
EXTERNAL_RULES = [
    ("accounts/", ("allauth.",), "allauth: entrance pages public, account pages need sign-in"),
    ("admin/", ("django.",), "Django admin: is_staff users only, MFA enforced by middleware"),
]


def public(view: View) -> View:
    """Anyone may open this view, signed in or not. It must show no protected data."""
    setattr(view, RULE_ATTRIBUTE, ANYONE)
    return view


def allow(*roles: Role) -> Callable[[View], View]:
    """Only signed-in users with one of these roles may open the view; others get 403."""
    if not roles:
        raise ValueError("allow() needs at least one role; use @public for open pages.")

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                login_url = _login_url(request)
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(login_url)
                from django.shortcuts import redirect

                return redirect(login_url)
            if getattr(user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        setattr(guarded, RULE_ATTRIBUTE, frozenset(roles))
        return guarded

    return decorator


def _login_url(request: HttpRequest) -> str:
    from django.contrib.auth.views import redirect_to_login

    return redirect_to_login(request.get_full_path())["Location"]


def rule_for(view: View, route: str = "") -> str | frozenset | None:
    """The rule a view declared, or why an external view is trusted; None if it has neither."""
    rule = getattr(view, RULE_ATTRIBUTE, None)
    if rule is not None:
        return rule
    view_class = getattr(view, "view_class", None)
    module = (view_class or view).__module__
    for route_prefix, module_prefixes, reason in EXTERNAL_RULES:
        if route.startswith(route_prefix) and module.startswith(module_prefixes):
            return reason
    return None


class RequireRuleMiddleware:
    """Refuse, with 403, any view that declares no rule: the URL walk's check, at run time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: View, view_args: tuple, view_kwargs: dict
    ) -> None:
        match = request.resolver_match
        route = match.route if match is not None else ""
        if rule_for(view_func, route) is None:
            raise PermissionDenied("This page declares no access rule.")


# Object rules. Views start from the filter (so other people's records are never loaded) and
# turn "not there" into 404, so nobody learns that someone else's record exists.


def _model(label: str) -> type[Model]:
    return apps.get_model(label)


def _role(user) -> str | None:
    return getattr(user, "role", None) if user.is_authenticated else None


@dataclass(frozen=True)
class Rule:
    """One access rule, written once: `reach(user)` is the Q of what they may reach, or None."""

    name: str
    reach: Callable[[Any], Q | None]

    def filter(self, queryset: QuerySet, user) -> QuerySet:
        """Only the rows of `queryset` this user may reach."""
        condition = self.reach(user)
        return queryset.none() if condition is None else queryset.filter(condition)

    def annotate(self, queryset: QuerySet, user, name: str) -> QuerySet:
        """`queryset` with `name` on each row: whether this user may reach it, by the very same
        condition, worked out in the query that loads the rows rather than in one of its own."""
        condition = self.reach(user)
        if condition is None:
            answer: Any = Value(False)
        elif not condition:  # Q(): every row
            answer = Value(True)
        else:
            answer = ExpressionWrapper(condition, output_field=BooleanField())
        return queryset.annotate(**{name: answer})

    def allows(self, user, obj: Model) -> bool:
        """Whether this user may reach this one object, by the very same condition: a query
        built and compiled once for each model (config.prepared), unless the rule reads the
        clock, which a prepared query cannot keep."""
        model = type(obj)
        prepared = _ALLOWS.get((self.name, model))
        if prepared is None and (self.name, model) not in _READS_THE_CLOCK:
            prepared = _ALLOWS[(self.name, model)] = Prepared(
                lambda viewer, pk: (
                    self.filter(model._default_manager.all(), viewer)
                    .filter(pk=pk)
                    .order_by()
                    .values_list("pk", flat=True)
                ),
                viewer=Viewer(),
                pk=Param("pk", model._meta.pk),
            )
        if prepared is not None:
            try:
                return bool(prepared.run(viewer=user, pk=obj.pk, limit=1))
            except KeptTime:
                _ALLOWS.pop((self.name, model), None)
                _READS_THE_CLOCK.add((self.name, model))
        condition = self.reach(user)
        if condition is None:
            return False
        return model._default_manager.filter(condition, pk=obj.pk).exists()


# Rule.allows' prepared queries by rule and model, and the rules and models that cannot have one.
_ALLOWS: dict[tuple[str, type[Model]], Prepared] = {}
_READS_THE_CLOCK: set[tuple[str, type[Model]]] = set()


def _visits(user) -> Q | None:
    role = _role(user)
    if role == Role.PATIENT:
        return Q(patient=user)
    if role == Role.CLINICIAN:
        return Q(provider__user=user)
    if role == Role.STAFF:
        return Q()
    return None


def _schedules(user) -> Q | None:
    role = _role(user)
    if role == Role.STAFF:
        return Q()
    if role == Role.CLINICIAN:
        return Q(user=user)
    return None


def _clinical_patients(user) -> Q | None:
    """Patients (as users) whose answers, scores and records this user may read."""
    role = _role(user)
    if role == Role.PATIENT:
        return Q(pk=user.pk)
    if role == Role.CLINICIAN:
        return Q(TreatedBy("pk", user), role=Role.PATIENT)
    return None


def _front_desk_patients(user) -> Q | None:
    """Patients whose demographics, emergency contact and insurance this user may read."""
    if _role(user) == Role.STAFF:
        return Q(role=Role.PATIENT)
    return _clinical_patients(user)


def _about_clinical_patient(user) -> Q | None:
    """Rows about a patient (`patient` field) whose clinical data this user may read."""
    role = _role(user)
    if role == Role.PATIENT:
        return Q(patient=user)
    if role == Role.CLINICIAN:
        return Q(TreatedBy("patient", user))
    return None


def _alerts(user) -> Q | None:
    """Safety alerts: for the clinicians who treat the patient; never for the patient or staff."""
    if _role(user) == Role.CLINICIAN:
        return Q(TreatedBy("patient", user))
    return None


def _assigned_alerts(user) -> Q | None:
    """Safety alerts this clinician must answer: assigned or escalated to them, and they still
    treat the patient (a clinician who once saw the patient, or not yet escalated to, has none)."""
    treating = _alerts(user)
    if treating is None:
        return None
    recipient = _model("visits.AlertRecipient")
    return treating & Q(pk__in=recipient._default_manager.filter(clinician=user).values("alert_id"))


def _check_in_settings(user) -> Q | None:
    """Visits whose client's pre-session check-ins this user may switch: the clinician's own."""
    if _role(user) == Role.CLINICIAN:
        return Q(provider__user=user)
    return None


def _documentable_visits(user) -> Q | None:
    """Visits whose note, summary, prescriptions and orders this user writes: a clinician's own."""
    if _role(user) == Role.CLINICIAN:
        return Q(provider__user=user)
    return None


def _visit_notes(user) -> Q | None:
    """Clinicians' notes (and their diagnoses and addenda): for the clinicians who treat the
    patient only; the patient reads the after-visit summary written for them."""
    if _role(user) == Role.CLINICIAN:
        return Q(TreatedBy("patient", user))
    return None


def _released_to_patient(released: str) -> Callable[[Any], Q | None]:
    """Rows about a patient that they read once `released` is set; their clinicians always."""

    def reach(user) -> Q | None:
        role = _role(user)
        if role == Role.PATIENT:
            return Q(patient=user, **{f"{released}__isnull": False})
        if role == Role.CLINICIAN:
            return Q(TreatedBy("patient", user))
        return None

    return reach


def _diagnoses(user) -> Q | None:
    """Diagnoses on visit notes: the patient once the note is signed (the diagnoses are theirs to
    read, the note's text is the clinicians'), and the clinicians who treat the patient."""
    role = _role(user)
    if role == Role.PATIENT:
        return Q(note__patient=user, note__status="signed")
    if role == Role.CLINICIAN:
        return Q(TreatedBy("note__patient", user))
    return None


def _psychotherapy_notes(user) -> Q | None:
    """Psychotherapy notes: their author alone (HIPAA Privacy Rule, 45 CFR 164.501)."""
    if _role(user) == Role.CLINICIAN:
        return Q(author=user)
    return None


def _critical_alerts(user) -> Q | None:
    """Critical-value alerts this clinician must answer: the alert's clinician (who ordered the
    test), or one it escalated to, and only while they treat the patient."""
    if _role(user) == Role.CLINICIAN:
        recipient = _model("visits.CriticalAlertRecipient")
        escalated = recipient._default_manager.filter(clinician=user).values("alert_id")
        return Q(TreatedBy("patient", user)) & (Q(clinician=user) | Q(pk__in=escalated))
    return None


def _reconciliation(user) -> Q | None:
    """Lab messages that came in: clinic staff, who see their identifiers, never their values."""
    if _role(user) == Role.STAFF:
        return Q()
    return None


def current_licence_states(user) -> QuerySet:
    """The states where this physician holds a licence that has not expired (a subquery)."""
    license_model = _model("accounts.ProviderLicense")
    return (
        license_model._default_manager.filter(provider__user=user, provider__kind="physician")
        .filter(current_licence(now=timezone.now()))
        .values("state")
    )


def _queue_entries(user) -> Q | None:
    """On-demand queue entries: the patient's own; a physician's, those of patients in a state
    where they hold a current licence (no other kind of clinician, never clinic staff)."""
    role = _role(user)
    if role == Role.PATIENT:
        return Q(patient=user)
    if role == Role.CLINICIAN:
        return Q(state__in=current_licence_states(user))
    return None


def _video_rooms(user) -> Q | None:
    """Visits whose video room (and its signalling) this user may join: the patient's own and
    the clinician's own; never staff's, who keep the schedule, not the conversation."""
    role = _role(user)
    if role == Role.PATIENT:
        return Q(patient=user)
    if role == Role.CLINICIAN:
        return Q(provider__user=user)
    return None


# Visits: the patient's own, the clinician's own, every visit's schedule and contact for staff
# (never clinical notes, answers or results: those follow CLINICAL_PATIENTS). Changing a visit
# (cancel, move) follows the same rule.
VISITS = Rule("visits", _visits)
# Provider profiles whose hours, calendar and bookings this user manages.
SCHEDULES = Rule("schedules", _schedules)
# Patient users whose answers, scores, intake and clinical records this user may read.
CLINICAL_PATIENTS = Rule("clinical patients", _clinical_patients)
# Patient users whose front-desk details (who they are, whom to call, who pays) this user may read.
FRONT_DESK_PATIENTS = Rule("front-desk patients", _front_desk_patients)
# Questionnaire responses and other rows about a patient, by the clinical rule.
CLINICAL_RECORDS = Rule("clinical records", _about_clinical_patient)
SAFETY_ALERTS = Rule("safety alerts", _alerts)
# The safety alerts a clinician sees on their dashboard, answers and acknowledges: their own.
ASSIGNED_SAFETY_ALERTS = Rule("assigned safety alerts", _assigned_alerts)
CHECK_IN_SETTINGS = Rule("check-in settings", _check_in_settings)
# Visits whose record (note, summary, prescriptions, lab orders) this clinician writes.
DOCUMENTABLE_VISITS = Rule("documentable visits", _documentable_visits)
# Visit notes, their diagnoses and addenda (`patient` field): treating clinicians only.
VISIT_NOTES = Rule("visit notes", _visit_notes)
# After-visit summaries: the patient once released (the note signed), treating clinicians.
VISIT_SUMMARIES = Rule("visit summaries", _released_to_patient("released_at"))
# Lab reports with their values: the patient once released, treating clinicians. The patient
# may still learn that a held report exists and when it will be released (CLINICAL_RECORDS).
LAB_REPORTS = Rule("lab reports", _released_to_patient("released_at"))
OBSERVATIONS = Rule("observations", _released_to_patient("report__released_at"))
# Diagnoses (NoteDiagnosis) as the patient reads them: their signed notes' only.
DIAGNOSES = Rule("diagnoses", _diagnoses)
PSYCHOTHERAPY_NOTES = Rule("psychotherapy notes", _psychotherapy_notes)
# Critical-value alerts a clinician sees, answers and acknowledges: their own orders', and
# those escalated to them; the alert's `clinician` stays the ordering one.
CRITICAL_RESULT_ALERTS = Rule("critical result alerts", _critical_alerts)
RECONCILIATION = Rule("results to reconcile", _reconciliation)
# The on-demand queue: a patient their own place, a physician the patients they may see there.
QUEUE_ENTRIES = Rule("on-demand queue entries", _queue_entries)
# Visits whose room, device check and signalling this user may use: their patient and clinician.
VIDEO_ROOMS = Rule("video rooms", _video_rooms)


def can_manage_schedule(user, provider) -> bool:
    """Clinic staff manage every provider's schedule; a clinician manages only their own."""
    return SCHEDULES.allows(user, provider)


def can_view_visit(user, visit) -> bool:
    """Whether the user may see this visit at all."""
    return VISITS.allows(user, visit)


def can_change_visit(user, visit) -> bool:
    """Patients cancel or move their own visits; staff any; clinicians their own."""
    return VISITS.allows(user, visit)


def can_view_clinical(user, patient) -> bool:
    """Answers, scores and clinical records: the patient, and clinicians who treat them; never staff."""
    return CLINICAL_PATIENTS.allows(user, patient)


def treats(clinician, patient) -> bool:
    """Whether this clinician treats this patient: a visit with them, not cancelled, that is
    upcoming or within the look-back."""
    return _role(clinician) == Role.CLINICIAN and CLINICAL_PATIENTS.allows(clinician, patient)


def bookable_patients(user, provider) -> QuerySet:
    """Patients with details whom this user may book with this provider, to search among.

    Staff book any patient; a clinician, for their own schedule, only the patients they treat,
    so the search never becomes a directory of the clinic's patients (minimum necessary).
    """
    patients = _model("accounts.User")._default_manager.filter(
        role=Role.PATIENT, patient_profile__isnull=False
    )
    if not can_manage_schedule(user, provider):
        return patients.none()
    if _role(user) != Role.STAFF:
        patients = CLINICAL_PATIENTS.filter(patients, user)
    return patients


class IntakeAccess:
    """How much of a patient's intake someone may read."""

    FULL = "full"  # every section: the patient, and clinicians who treat them
    FRONT_DESK = "front_desk"  # demographics, emergency contact, insurance: clinic staff


def intake_access(user, patient) -> str | None:
    """FULL for the patient and their treating clinicians, FRONT_DESK for staff, else None."""
    if getattr(patient, "role", None) != Role.PATIENT:
        return None
    if CLINICAL_PATIENTS.allows(user, patient):
        return IntakeAccess.FULL
    if FRONT_DESK_PATIENTS.allows(user, patient):
        return IntakeAccess.FRONT_DESK
    return None
