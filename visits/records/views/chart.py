"""A patient's chart, for the clinicians who treat them."""

from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import Role
from accounts.policy import allow


@allow(Role.CLINICIAN)
def patient_chart(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A patient's chart (not built yet)."""
    raise Http404
