"""One visit's pages: what it is, its calendar file, cancelling it and moving it.

Each starts from Visit.objects.visible_to(user) (accounts.policy.VISITS), so another person's
visit is not found; templates get what the viewer may see, computed here from the policy.
"""

import functools
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db.models import UUIDField
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from accounts.policy import allow, can_view_clinical
from config.prepared import Param, Prepared, Viewer
from visits.audit import audit_read
from visits.questionnaires.models import QuestionnaireResponse
from visits.questionnaires.selectors import check_ins_enabled
from visits.records.lifecycle import allowed_moves
from visits.records.views.status import status_buttons
from visits.scheduling.bookable import load_provider
from visits.scheduling.forms import CancelReasonForm, ScopeForm, parse_start
from visits.scheduling.models import Visit
from visits.scheduling.notifications import visit_calendar
from visits.scheduling.services import (
    BookingError,
    Scope,
    VisitChanged,
    is_late_cancellation,
    visit_cancel,
    visit_reschedule,
)
from visits.scheduling.views.booking import times_context
from visits.web import HtmxHttpRequest, client_ip, go, render_page

# Built and compiled once (config.prepared), run with the viewer and the visit's id.
VISIT = Prepared(
    lambda viewer, visit: (
        Visit.objects.visible_to(viewer)
        .select_related("visit_type", "provider__user", "patient__patient_profile", "series")
        .filter(pk=visit)
    ),
    viewer=Viewer(),
    visit=Param("visit", UUIDField()),
)


VISIT_RESPONSES = Prepared(
    lambda visit: (
        QuestionnaireResponse.objects.submitted()
        .filter(visit=visit)
        .select_related("questionnaire")
    ),
    visit=Param("visit", UUIDField()),
)


def _visit_for(request: HtmxHttpRequest, visit_id) -> Visit:
    """The visit, from those this user may see and change (accounts.policy.VISITS); else 404."""
    found = VISIT.run(viewer=request.user, visit=visit_id)
    if not found:
        raise Http404("No such visit.")
    return found[0]


def _viewer_zone(request: HtmxHttpRequest, visit: Visit) -> ZoneInfo:
    """The reader's own zone (activated for the request by middleware): the patient's, the
    clinician's or the staff member's, never someone else's."""
    return getattr(request, "viewer_zone", visit.provider.zone)


def _changed_meanwhile(
    request: HtmxHttpRequest, visit: Visit, changed: VisitChanged
) -> HttpResponse:
    """Someone else changed the visit first: say what happened and show the visit as it now is."""
    messages.warning(request, changed.message_in(_viewer_zone(request, visit)))
    return go(request, reverse("scheduling:visit_detail", args=[visit.pk]))


def _changed_since_seen(request: HtmxHttpRequest, visit: Visit) -> VisitChanged | None:
    """On a POST, whether the visit was cancelled or moved since the page posted showed it.

    The cancel and move forms carry the calendar sequence they showed, so a tab left open on
    the old time is told what happened instead of changing a visit it no longer shows.
    """
    if request.method != "POST":
        return None
    seen = request.POST.get("sequence", "")
    if visit.status != Visit.Status.BOOKED or (seen.isdigit() and int(seen) != visit.sequence):
        return VisitChanged(visit)
    return None


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_GET
def visit_detail(request: HtmxHttpRequest, visit_id) -> HttpResponse:
    """One visit: when, with whom, and what can be done about it."""
    visit = _visit_for(request, visit_id)
    audit_read(
        request,
        what="visit",
        records=[(visit.patient_id, visit.pk)],
    )
    now = timezone.now()
    series_visits = []
    if visit.series_id:
        series_visits = list(
            Visit.objects.filter(series_id=visit.series_id)
            .select_related("visit_type")
            .order_by("start")
        )
    responses, check_ins = [], None
    clinical = can_view_clinical(request.user, visit.patient)
    by_patient = request.user == visit.patient
    if clinical:
        responses = VISIT_RESPONSES.run(visit=visit)
        if not by_patient and visit.visit_type.questionnaires:
            check_ins = check_ins_enabled(patient=visit.patient, provider=visit.provider)
    return render(
        request,
        "visits/scheduling/visit_detail.html",
        {
            "visit": visit,
            "zone": _viewer_zone(request, visit),
            "upcoming": visit.status == Visit.Status.BOOKED and visit.end > now,
            "late": is_late_cancellation(visit, now=now),
            "series_visits": series_visits,
            "responses": responses,
            "check_ins": check_ins,
            "show_patient": not by_patient,
            # policy.treats, from the answer above: a clinician who may read the clinical record.
            "treats": clinical and getattr(request.user, "role", None) == Role.CLINICIAN,
            "show_reason": bool(visit.reason) and clinical,
            "scores_url": (
                reverse("patient_scores", args=[visit.patient_id])
                if clinical and not by_patient
                else ""
            ),
            # Clinicians and staff move the visit along; the patient checks in from the video area.
            "status_buttons": [] if by_patient else status_buttons(allowed_moves(visit, now=now)),
            # The visit's own clinician documents it from here.
            "documents": visit.provider.user_id == request.user.pk,
        },
    )


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_GET
def visit_ics(request: HtmxHttpRequest, visit_id) -> HttpResponse:
    """The visit as an .ics file for the person's calendar."""
    visit = _visit_for(request, visit_id)
    response = HttpResponse(
        visit_calendar([visit], cancelled=visit.is_cancelled),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="housecall-visit.ics"'
    return response


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_http_methods(["GET", "POST"])
def visit_cancel_view(request: HtmxHttpRequest, visit_id) -> HttpResponse:
    """Show the cancellation policy, then cancel this visit or part of its series."""
    visit = _visit_for(request, visit_id)
    now = timezone.now()
    if changed := _changed_since_seen(request, visit):
        return _changed_meanwhile(request, visit, changed)
    if visit.status != Visit.Status.BOOKED or visit.end <= now:
        messages.info(request, "This visit can no longer be cancelled.")
        return redirect("scheduling:visit_detail", visit.pk)
    by_patient = request.user == visit.patient
    data = request.POST if request.method == "POST" else None
    form = ScopeForm(data)
    reason_form = CancelReasonForm(data) if by_patient else None
    if (
        data is not None
        and (visit.series_id is None or form.is_valid())
        and (reason_form is None or reason_form.is_valid())
    ):
        scope = form.cleaned_data["scope"] if visit.series_id else Scope.THIS
        try:
            cancelled = visit_cancel(
                visit=visit,
                actor=request.user,
                scope=scope,
                # Only the clinic writes a message to the patient; the patient gives a reason.
                note="" if by_patient else request.POST.get("note", "")[:500],
                reason=reason_form.cleaned_data["reason"] if reason_form else "",
                reason_text=reason_form.cleaned_data["details"] if reason_form else "",
                ip_address=client_ip(request),
            )
        except VisitChanged as changed:
            return _changed_meanwhile(request, visit, changed)
        count = len(cancelled)
        messages.success(
            request,
            "Your visit is cancelled." if count == 1 else f"{count} visits are cancelled.",
        )
        url = reverse("dashboard")
        return go(request, url)
    return render(
        request,
        "visits/scheduling/visit_cancel.html",
        {
            "visit": visit,
            "form": form,
            "reason_form": reason_form,
            "zone": _viewer_zone(request, visit),
            "late": by_patient and is_late_cancellation(visit, now=now),
            "by_patient": by_patient,
        },
    )


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_http_methods(["GET", "POST"])
def visit_reschedule_view(request: HtmxHttpRequest, visit_id) -> HttpResponse:
    """Choose a new time with the same provider, then move this visit or the rest of its series."""
    visit = _visit_for(request, visit_id)
    now = timezone.now()
    if changed := _changed_since_seen(request, visit):
        return _changed_meanwhile(request, visit, changed)
    if visit.status != Visit.Status.BOOKED or visit.end <= now:
        messages.info(request, "This visit can no longer be moved.")
        return redirect("scheduling:visit_detail", visit.pk)
    zone = _viewer_zone(request, visit)
    raw_start = request.POST.get("start") or request.GET.get("start", "")
    new_start = parse_start(raw_start)
    form = ScopeForm(request.POST or None)
    context = {"visit": visit, "zone": zone, "form": form, "new_start": new_start}
    if new_start is None:
        if raw_start:
            messages.info(request, "That time cannot be booked. Choose one of the free times.")
        context.update(
            times_context(
                request,
                visit_type=visit.visit_type,
                load=functools.partial(load_provider, visit.provider_id),
                zone=zone,
                patient=visit.patient,
                ignore_visits=(visit.pk,),
            )
        )
        context.update(
            times_url=reverse("scheduling:visit_reschedule", args=[visit.pk]),
            confirm_url=reverse("scheduling:visit_reschedule", args=[visit.pk]),
        )
        return render_page(
            request, "visits/scheduling/visit_reschedule.html", context, partial="time-picker"
        )
    if request.method == "POST" and (visit.series_id is None or form.is_valid()):
        scope = form.cleaned_data["scope"] if visit.series_id else Scope.THIS
        try:
            moved = visit_reschedule(
                visit=visit,
                new_start=new_start,
                actor=request.user,
                scope=scope,
                ip_address=client_ip(request),
            )
        except VisitChanged as changed:
            return _changed_meanwhile(request, visit, changed)
        except BookingError as error:
            context.update(taken=error, alternatives=getattr(error, "alternatives", []))
        else:
            messages.success(
                request,
                "Your visit has a new time."
                if len(moved) == 1
                else f"{len(moved)} visits have new times.",
            )
            url = reverse("scheduling:visit_detail", args=[visit.pk])
            return go(request, url)
    return render(request, "visits/scheduling/visit_reschedule_confirm.html", context)
