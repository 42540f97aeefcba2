"""A patient's own results, summaries and medications."""

from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import Role
from accounts.policy import allow


@allow(Role.PATIENT)
def my_results(request: HttpRequest) -> HttpResponse:
    """The patient's results page (not built yet)."""
    raise Http404


@allow(Role.PATIENT)
def my_report(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the patient's lab reports (not built yet)."""
    raise Http404
