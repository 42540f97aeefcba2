"""Staff and clinicians move and cancel a patient's visit for them; the services email them."""

import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.models import ProviderProfile, Role
from accounts.policy import allow
from visits.audit import audit_read
from visits.scheduling.display import patient_name, when
from visits.scheduling.forms import focus
from visits.scheduling.models import Visit
from visits.scheduling.services import (
    Scope,
    SlotTaken,
    VisitChanged,
    visit_cancel,
    visit_reschedule,
)
from visits.scheduling.staff_forms import (
    StaffCancelForm,
    StaffMoveForm,
)
from visits.scheduling.views import (
    calendar_url,
    schedule_for,
    zone_context,
)
from visits.scheduling.views.for_patient import (
    VISIT_RELATIONS,
    free_starts_on,
    posted_values,
    unjudged,
)
from visits.web import HtmxHttpRequest, client_ip, go, render_page

MOVE_TEMPLATE = "visits/scheduling/staff/visit_move.html"
CANCEL_TEMPLATE = "visits/scheduling/staff/visit_cancel.html"


def _changeable_visit(
    request: HtmxHttpRequest, provider: ProviderProfile, visit_id
) -> tuple[Visit, HttpResponse | None]:
    """The visit if it is this provider's and the user may see it (else 404), and whether it can change."""
    visit = (
        Visit.objects.visible_to(request.user)
        .filter(provider=provider, pk=visit_id)
        .select_related(*VISIT_RELATIONS)
        .first()
    )
    if visit is None:
        raise Http404("No such visit.")
    if visit.status != Visit.Status.BOOKED or visit.start <= timezone.now():
        messages.error(
            request, "That visit can no longer be changed: it is cancelled or has already begun."
        )
        local = visit.start.astimezone(provider.zone)
        return visit, go(request, calendar_url(provider, local.date()))
    return visit, None


def _changed_meanwhile(
    request: HtmxHttpRequest, provider: ProviderProfile, changed: VisitChanged
) -> HttpResponse:
    """Someone changed the visit first (another tab, the patient): say so, show the calendar."""
    messages.warning(request, changed.message_in(provider.zone))
    local = changed.visit.start.astimezone(provider.zone)
    return go(request, calendar_url(provider, local.date()))


def _visit_context(provider: ProviderProfile, visit: Visit, now: datetime.datetime) -> dict:
    zone = provider.zone
    return {
        "provider": provider,
        **zone_context(provider, now),
        "visit": visit,
        "patient": patient_name(visit.patient),
        "local_start": visit.start.astimezone(zone),
        "local_end": visit.end.astimezone(zone),
        "calendar_url": calendar_url(provider, visit.start.astimezone(zone).date()),
    }


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def visit_move_for_patient(request: HtmxHttpRequest, provider_id: int, visit_id) -> HttpResponse:
    """Move a visit (or the rest of its series) to a free time with the same provider."""
    provider = schedule_for(request, provider_id)
    visit, refused = _changeable_visit(request, provider, visit_id)
    if refused is not None:
        return refused
    zone, now = provider.zone, timezone.now()
    in_series = visit.series_id is not None
    moving = False
    if request.method == "POST":
        bound = StaffMoveForm(request.POST, in_series=in_series)
        moving = request.POST.get("action", "move") == "move"
        valid = bound.is_valid()
        chosen = bound.cleaned_data
        form = (
            bound
            if moving
            else unjudged(
                StaffMoveForm(initial=posted_values(bound, request.POST), in_series=in_series),
                bound,
                keep=("day",),
            )
        )
    else:
        chosen = {"day": visit.start.astimezone(zone).date()}
        valid = False
        form = StaffMoveForm(initial=chosen, in_series=in_series)
    alternatives: list[datetime.datetime] = []
    if moving and valid:
        try:
            moved = visit_reschedule(
                visit=visit,
                new_start=chosen["start"],
                actor=request.user,
                scope=chosen.get("scope", Scope.THIS),
                note=chosen["note"],
                ip_address=client_ip(request),
                now=now,
            )
        except VisitChanged as changed:
            return _changed_meanwhile(request, provider, changed)
        except SlotTaken as taken:
            form.add_error("start", str(taken))
            alternatives = taken.alternatives
        else:
            local = moved[0].start.astimezone(zone) if moved else chosen["start"]
            count = f"{len(moved)} visits" if len(moved) != 1 else "The visit"
            messages.success(
                request,
                f"{count} moved, first to {when(local)}. The patient is emailed the new time.",
            )
            return go(request, calendar_url(provider, local.date()))
    audit_read(
        request,
        what="visit",
        records=[(visit.patient_id, visit.pk)],
    )
    starts: list[datetime.datetime] = []
    later = False
    if chosen.get("day"):
        starts, later = free_starts_on(
            provider,
            visit.visit_type,
            chosen["day"],
            now=now,
            patient=visit.patient,
            ignore_visits=(visit.pk,),
        )
    starts = [each for each in starts if each != visit.start]
    if alternatives:
        starts, later = alternatives, False
    form.offer(starts=starts, zone=zone)
    if request.htmx and not form.errors and starts:
        focus(form, "start")
    context = {
        **_visit_context(provider, visit, now),
        "form": form,
        "starts": starts,
        "later": later,
        "day": chosen.get("day"),
    }
    return render_page(request, MOVE_TEMPLATE, context, partial="move-form")


@allow(Role.STAFF, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def visit_cancel_for_patient(request: HtmxHttpRequest, provider_id: int, visit_id) -> HttpResponse:
    """Cancel a visit (or part of its series) with an optional message to the patient."""
    provider = schedule_for(request, provider_id)
    visit, refused = _changeable_visit(request, provider, visit_id)
    if refused is not None:
        return refused
    now = timezone.now()
    in_series = visit.series_id is not None
    form = StaffCancelForm(request.POST if request.method == "POST" else None, in_series=in_series)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = visit_cancel(
                visit=visit,
                actor=request.user,
                scope=form.cleaned_data.get("scope", Scope.THIS),
                note=form.cleaned_data["note"],
                ip_address=client_ip(request),
                now=now,
            )
        except VisitChanged as changed:
            return _changed_meanwhile(request, provider, changed)
        count = f"{len(cancelled)} visits" if len(cancelled) != 1 else "The visit"
        messages.success(request, f"{count} cancelled. The patient is emailed.")
        return go(request, _visit_context(provider, visit, now)["calendar_url"])
    audit_read(
        request,
        what="visit",
        records=[(visit.patient_id, visit.pk)],
    )
    context = {**_visit_context(provider, visit, now), "form": form}
    return render_page(request, CANCEL_TEMPLATE, context, partial="cancel-form")
