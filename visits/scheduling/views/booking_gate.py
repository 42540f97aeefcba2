"""The patient's booking gate as pages: details first, the symptom check, and after a red flag
the emergency guidance and the confirmation that another visit is for something else.

The booking steps (views/booking.py) ask `gate_stop` before showing anything.
"""

from typing import cast

from django.contrib import messages
from django.db.models import CharField
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import PatientProfile, Role, User
from accounts.policy import allow
from config.prepared import Param, Prepared
from visits.scheduling.forms import (
    OtherComplaintForm,
)
from visits.scheduling.gate import (
    GateAnswer,
    NeedsDetails,
    NeedsSymptomCheck,
    OtherComplaintUnconfirmed,
    RedFlag,
    booking_gate,
)
from visits.scheduling.models import VisitType
from visits.web import HtmxHttpRequest, go

# Which visit types the patient confirmed are for something other than a red-flag symptom
# check, this session: {visit type slug: the symptom check's id}. A newer check asks again.
OTHER_COMPLAINT_KEY = "booking_other_complaint"


def profile_or_none(request: HtmxHttpRequest) -> PatientProfile | None:
    return cast(User, request.user).patient_profile_or_none


def needs_details(request: HtmxHttpRequest) -> HttpResponse:
    messages.info(
        request,
        "Before booking, tell us who you are and the state you are in: "
        "clinicians can only see you where they are licensed.",
    )
    return redirect("profile_edit")


# Every booking step reads it: built and compiled once (config.prepared).
ACTIVE_VISIT_TYPE = Prepared(
    lambda slug: VisitType.objects.filter(slug=slug, is_active=True),
    slug=Param("slug", CharField()),
)


def visit_type_for(slug: str) -> VisitType:
    """The bookable visit type the path names; else 404."""
    found = ACTIVE_VISIT_TYPE.run(slug=slug, limit=2)
    if len(found) != 1:
        raise Http404("No such visit type.")
    return found[0]


def confirmed_for(request: HtmxHttpRequest, visit_type: VisitType, response_pk) -> bool:
    """Whether the patient confirmed, this session, that this visit type is for something other
    than the symptom check `response_pk`."""
    confirmed = request.session.get(OTHER_COMPLAINT_KEY, {})
    return response_pk is not None and confirmed.get(visit_type.slug) == str(response_pk)


def gate_for(request: HtmxHttpRequest, visit_type: VisitType) -> GateAnswer:
    """The booking gate's answer for this patient and visit type, with what they confirmed."""
    now = timezone.now()
    answer = booking_gate(patient=request.user, visit_type=visit_type, now=now)
    refusal = answer.refusal
    if (
        isinstance(refusal, OtherComplaintUnconfirmed)
        and refusal.response is not None
        and confirmed_for(request, visit_type, refusal.response.pk)
    ):
        answer = booking_gate(
            patient=request.user, visit_type=visit_type, now=now, other_complaint_confirmed=True
        )
    return answer


def other_complaint_confirmed(answer: GateAnswer) -> bool:
    """What to tell the booking services: the patient confirmed this visit is for something else."""
    return answer.red_flag_warning is not None and not isinstance(
        answer.refusal, OtherComplaintUnconfirmed
    )


def gate_stop(
    request: HtmxHttpRequest, visit_type: VisitType, answer: GateAnswer | None = None
) -> HttpResponse | None:
    """Where the booking gate sends a patient who may not book this visit type yet, if anywhere.

    A red flag stops the ordinary booking: the patient is told to get emergency care instead,
    and another kind of visit goes on only once they confirm it is for something else.
    A health history still to complete does not stop the steps: the patient may look at
    providers and times, and the confirm page says what is left.
    """
    refusal = (answer or gate_for(request, visit_type)).refusal
    if isinstance(refusal, NeedsDetails):
        return needs_details(request)
    if isinstance(refusal, NeedsSymptomCheck):
        messages.info(request, refusal.message)
        return go(request, refusal.url)
    if isinstance(refusal, RedFlag):
        return render(
            request,
            "visits/scheduling/booking_emergency.html",
            {"response": refusal.response, "visit_type": visit_type},
        )
    if isinstance(refusal, OtherComplaintUnconfirmed):
        return other_complaint_page(request, visit_type, refusal, OtherComplaintForm())
    return None


def other_complaint_page(
    request: HtmxHttpRequest,
    visit_type: VisitType,
    refusal: OtherComplaintUnconfirmed,
    form: OtherComplaintForm,
    next_url: str = "",
) -> HttpResponse:
    """The emergency guidance, then the question: is this visit for something else?"""
    return render(
        request,
        "visits/scheduling/booking_other_complaint.html",
        {
            "response": refusal.response,
            "visit_type": visit_type,
            "form": form,
            "next": next_url or request.get_full_path(),
            "action": reverse("scheduling:booking_other_complaint", args=[visit_type.slug]),
        },
        status=200 if not form.errors else 400,
    )


@allow(Role.PATIENT)
@require_POST
def booking_other_complaint(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The patient confirms that this visit is for something other than their red-flag symptoms.

    Remembered for this visit type and this symptom check, for the rest of the booking.
    """
    visit_type = visit_type_for(slug)
    answer = gate_for(request, visit_type)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("scheduling:booking_providers", args=[visit_type.slug])
    refusal = answer.refusal
    if not isinstance(refusal, OtherComplaintUnconfirmed) or refusal.response is None:
        return redirect(next_url)
    form = OtherComplaintForm(request.POST)
    if not form.is_valid():
        return other_complaint_page(request, visit_type, refusal, form, next_url)
    confirmed = dict(request.session.get(OTHER_COMPLAINT_KEY, {}))
    confirmed[visit_type.slug] = str(refusal.response.pk)
    request.session[OTHER_COMPLAINT_KEY] = confirmed
    return redirect(next_url)
