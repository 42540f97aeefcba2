"""Lab reports for clinicians: values, holds, critical alerts."""

from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import Role
from accounts.policy import allow


@allow(Role.CLINICIAN)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One lab report (not built yet)."""
    raise Http404


@allow(Role.CLINICIAN)
def critical_alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One critical result alert (not built yet)."""
    raise Http404
