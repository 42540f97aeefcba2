"""Moving a visit along its life with a button: check in, start, complete, mark a no-show.

Clinicians move their own visits and staff any visit (accounts.policy.VISITS); patients check
in from the video area. The service decides what is allowed; a refusal is shown as its message.
"""

from collections.abc import Callable
from typing import NamedTuple

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import Role
from visits.records.lifecycle import (
    TransitionRefused,
    visit_check_in,
    visit_complete,
    visit_mark_no_show,
    visit_start,
)
from visits.scheduling.models import Visit
from visits.web import SignedInRequest, client_ip, go


class Move(NamedTuple):
    service: Callable[..., Visit]
    button: str
    done: str


MOVES: dict[str, Move] = {
    Visit.Status.CHECKED_IN: Move(visit_check_in, "Check in", "The patient is checked in."),
    Visit.Status.IN_PROGRESS: Move(visit_start, "Start visit", "The visit has started."),
    Visit.Status.COMPLETED: Move(visit_complete, "Complete", "The visit is completed."),
    Visit.Status.NO_SHOW: Move(
        visit_mark_no_show, "Mark no-show", "The visit is marked a no-show."
    ),
}


def status_buttons(moves: list[str]) -> list[dict]:
    """The buttons for the moves a visit may make now (lifecycle.allowed_moves), in order."""
    return [{"to": to, "label": MOVES[to].button} for to in moves if to in MOVES]


def _back(request: SignedInRequest, visit: Visit) -> str:
    """Where the button was pressed: the day view of the visit's day, or the visit's page."""
    if request.POST.get("back") == "day":
        day = timezone.localtime(visit.start).date()
        return f"{reverse('records:day')}?date={day.isoformat()}"
    return reverse("scheduling:visit_detail", args=[visit.pk])


@policy.allow(Role.CLINICIAN, Role.STAFF)
@require_POST
def visit_status(request: SignedInRequest, visit_id) -> HttpResponse:
    """Make the move the button asked for, then go back to the page with what happened."""
    visit = get_object_or_404(policy.VISITS.filter(Visit.objects.all(), request.user), pk=visit_id)
    back = _back(request, visit)
    move = MOVES.get(request.POST.get("to", ""))
    if move is None:
        messages.error(request, "Choose one of the buttons to change the visit's status.")
        return go(request, back)
    try:
        move.service(visit=visit, actor=request.user, ip_address=client_ip(request))
    except TransitionRefused as refusal:
        messages.error(request, f"The visit's status was not changed: {refusal}")
    else:
        messages.success(request, move.done)
    return go(request, back)
