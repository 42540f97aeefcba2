"""Prescriptions and lab orders from a visit."""

from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import Role
from accounts.policy import allow


@allow(Role.CLINICIAN)
def visit_orders(request: HttpRequest, visit_id: object) -> HttpResponse:
    """A visit's prescriptions and lab orders (not built yet)."""
    raise Http404
