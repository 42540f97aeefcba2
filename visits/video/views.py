"""Check-in, the waiting room and the visit room."""

from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import Role
from accounts.policy import allow


@allow(Role.PATIENT)
def check_in(request: HttpRequest, visit_id: object) -> HttpResponse:
    """Check in to a visit (not built yet)."""
    raise Http404


@allow(Role.PATIENT)
def waiting_room(request: HttpRequest, visit_id: object) -> HttpResponse:
    """The waiting room (not built yet)."""
    raise Http404


@allow(Role.PATIENT, Role.CLINICIAN)
def room(request: HttpRequest, visit_id: object) -> HttpResponse:
    """The visit room (not built yet)."""
    raise Http404
