"""The visit note, its addenda and the after-visit summary."""

from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import Role
from accounts.policy import allow


@allow(Role.CLINICIAN)
def visit_note(request: HttpRequest, visit_id: object) -> HttpResponse:
    """The note of a visit (not built yet)."""
    raise Http404
