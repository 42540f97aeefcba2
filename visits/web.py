"""Web helpers every view module shares: the typed htmx request, leaving a page, page-or-partial.

Views import these rather than writing them again: one URL renders the whole page, or only the
partial htmx asked for, and on success sends the browser on with a client redirect (htmx) or a
plain redirect (no JavaScript).
"""

from allauth.account.adapter import get_adapter
from django.db.models import BigIntegerField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from accounts import policy
from accounts.models import User
from config.prepared import Param, Prepared, Viewer


class HtmxHttpRequest(HttpRequest):
    """A request that has passed through django-htmx's middleware."""

    htmx: HtmxDetails


class SignedInRequest(HtmxHttpRequest):
    """A request behind `@allow(...)`: the view runs only for a signed-in user with a role, so
    `request.user` is a `User` (public views keep `HtmxHttpRequest`, whose user may be anonymous)."""

    user: "User"


def go(request: HttpRequest, url: str) -> HttpResponse:
    """Leave the page for `url`: a client redirect for htmx, a plain redirect otherwise.

    A client redirect makes the browser load `url` as a new page, so the messages queued for
    it show and focus starts at the top, exactly as after a plain redirect.
    """
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def render_page(
    request: HttpRequest, template: str, context: dict, *, partial: str | None = None
) -> HttpResponse:
    """The whole page, or only `partial` of it (`template#partial`) when htmx asked."""
    if partial and getattr(request, "htmx", False):
        template = f"{template}#{partial}"
    return render(request, template, context)


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, as allauth's adapter reads it behind the router."""
    return get_adapter(request).get_client_ip(request)


def page_number(value: str | None, *, last: int = 10_000) -> int:
    """A page number from the query string: 1 unless it is a whole number from 1 to `last`."""
    try:
        return max(1, min(int(value or 1), last))
    except ValueError:
        return 1


# A patient's chart pages start from the patient, of those the clinician treats: built and
# compiled once (config.prepared).
CHART_PATIENT = Prepared(
    lambda viewer, patient: policy.CLINICAL_PATIENTS.filter(
        User.objects.select_related("patient_profile"), viewer
    ).filter(pk=patient),
    viewer=Viewer(),
    patient=Param("patient", BigIntegerField()),
)


def clinical_patient_or_404(request: HttpRequest, patient_id: int) -> User:
    """The patient whose clinical record the signed-in person may read (policy
    CLINICAL_PATIENTS); anyone else is not found."""
    found = CHART_PATIENT.run(viewer=request.user, patient=patient_id)
    if not found:
        raise Http404("No such patient.")
    return found[0]
