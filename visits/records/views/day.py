"""A clinician's day."""

from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import Role
from accounts.policy import allow


@allow(Role.CLINICIAN)
def day_view(request: HttpRequest) -> HttpResponse:
    """A clinician's visits of one day (not built yet)."""
    raise Http404
