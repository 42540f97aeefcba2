"""Who may use what: every Housecall view declares its rule here, and access is denied otherwise.

A view states the roles that may open it with ``@allow(Role.PATIENT, ...)`` or that it is
public with ``@public``. Object rules ("is this visit theirs?") are functions in this module
that answer yes or no for one user and one object, each tested for both answers.
``tests/accounts/test_policy.py`` walks the URL configuration and fails for any view
without a rule.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Role

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
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(_login_url(request))
                return redirect_to_login(request.get_full_path())
            if user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        setattr(guarded, RULE_ATTRIBUTE, frozenset(roles))
        return guarded

    return decorator


def _login_url(request: HttpRequest) -> str:
    response = redirect_to_login(request.get_full_path())
    return response["Location"]


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


# Object rules. Each answers one question for one user and one object; views turn "no" into 404
# (so nobody learns that someone else's record exists) unless the object is not private.


def can_manage_schedule(user, provider) -> bool:
    """Clinic staff manage every provider's schedule; a clinician manages only their own."""
    if not user.is_authenticated:
        return False
    if user.role == Role.STAFF:
        return True
    return user.role == Role.CLINICIAN and provider.user_id == user.pk


def visit_filter_for(user) -> dict | None:
    """The filter selecting the visits this user may see, or None for none at all.

    Patients see their own visits; clinicians the visits they hold; clinic staff every visit's
    schedule and contact details (never clinical notes, answers or results).
    """
    if not user.is_authenticated:
        return None
    if user.role == Role.PATIENT:
        return {"patient": user}
    if user.role == Role.CLINICIAN:
        return {"provider__user": user}
    if user.role == Role.STAFF:
        return {}
    return None


def can_view_visit(user, visit) -> bool:
    """Whether the user may see this visit at all."""
    if visit_filter_for(user) is None:
        return False
    if user.role == Role.PATIENT:
        return visit.patient_id == user.pk
    if user.role == Role.CLINICIAN:
        return visit.provider.user_id == user.pk
    return True


def can_change_visit(user, visit) -> bool:
    """Patients cancel or move their own visits; staff any; clinicians their own."""
    return can_view_visit(user, visit)


def treats(clinician, patient) -> bool:
    """Whether this clinician has (or had) a visit with this patient."""
    from visits.scheduling.models import Visit

    return Visit.objects.filter(provider__user=clinician, patient=patient).exists()


def can_view_clinical(user, patient) -> bool:
    """Answers, scores and clinical records: the patient, and clinicians who treat them; never staff."""
    if not user.is_authenticated:
        return False
    if user.role == Role.PATIENT:
        return user.pk == patient.pk
    return user.role == Role.CLINICIAN and treats(user, patient)


class IntakeAccess:
    """How much of a patient's intake someone may read."""

    FULL = "full"  # every section: the patient, and clinicians who treat them
    FRONT_DESK = "front_desk"  # demographics, emergency contact, insurance: clinic staff


def intake_access(user, patient) -> str | None:
    """FULL for the patient and their treating clinicians, FRONT_DESK for staff, else None."""
    if not user.is_authenticated or patient.role != Role.PATIENT:
        return None
    if user.role == Role.PATIENT:
        return IntakeAccess.FULL if user.pk == patient.pk else None
    if user.role == Role.CLINICIAN:
        return IntakeAccess.FULL if treats(user, patient) else None
    if user.role == Role.STAFF:
        return IntakeAccess.FRONT_DESK
    return None
