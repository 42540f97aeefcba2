"""Check-in, the device check, the waiting room and the visit room, with its signalling.

Every view starts from the visits whose room the user may use (accounts.policy.VIDEO_ROOMS:
the visit's patient and clinician), so anyone else's visit is not found (404) and staff are
refused (403) by the role rule. Status changes go through the visit's life's services.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef, UUIDField
from django.http import Http404, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.middleware import allows_browser_features
from accounts.models import Role
from accounts.policy import VIDEO_ROOMS, allow
from config.prepared import Param, Prepared, Viewer
from visits.audit import audit_read
from visits.ondemand.services import mark_joined
from visits.records.lifecycle import (
    TransitionRefused,
    can_check_in,
    check_in_opens,
    visit_check_in,
    visit_start,
)
from visits.records.note_panel import NoteAccess, note_panel_context
from visits.scheduling.models import Visit
from visits.video.ice import ice_servers
from visits.video.models import PhoneCallRequest
from visits.video.room import OPEN_STATUSES, room_closed_because, waiting_status
from visits.video.services import phone_call_request, room_close
from visits.video.signalling import (
    BadSignal,
    last_signal_id,
    parse_after,
    parse_signal,
    signal_send,
    signals_for,
)
from visits.web import SignedInRequest, client_ip, go, render_page

Status = Visit.Status
CAMERA_AND_MICROPHONE = ("camera", "microphone")
# How often the room's script asks for the other side's messages (ms), and the waiting room
# for the clinician's status (htmx, in the template): short requests that never hold a worker.
SIGNAL_POLL_MS = 1000


# Built and compiled once (config.prepared), run with the viewer and the visit's id.
ROOM_VISIT = Prepared(
    lambda viewer, visit: (
        VIDEO_ROOMS.filter(Visit.objects.all(), viewer)
        .select_related("visit_type", "provider__user", "patient__patient_profile")
        .annotate(phone_requested=Exists(PhoneCallRequest.objects.filter(visit=OuterRef("pk"))))
        .filter(pk=visit)
    ),
    viewer=Viewer(),
    visit=Param("visit", UUIDField()),
)


def _room_visit(request: SignedInRequest, visit_id) -> Visit:
    """The visit, from those whose room this user may use; else 404."""
    found = ROOM_VISIT.run(viewer=request.user, visit=visit_id)
    if not found:
        raise Http404("No such visit.")
    return found[0]


def _is_clinician(request: SignedInRequest, visit: Visit) -> bool:
    return request.user.pk == visit.provider.user_id


def _audit(request: SignedInRequest, visit: Visit) -> None:
    """The room's pages show the visit (and to the clinician, the patient): one event a view."""
    audit_read(request, what="visit", records=[(visit.patient_id, visit.pk)])


@allow(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def check_in(request: SignedInRequest, visit_id) -> HttpResponse:
    """Tell the clinic you are here, from shortly before the visit; then the device check."""
    visit = _room_visit(request, visit_id)
    now = timezone.now()
    if request.method == "POST":
        if visit.status in OPEN_STATUSES and room_closed_because(visit, now=now) is None:
            return go(request, reverse("video:device_check", args=[visit.pk]))
        try:
            visit_check_in(visit=visit, actor=request.user, ip_address=client_ip(request), now=now)
        except TransitionRefused as refused:
            messages.warning(request, str(refused))
            return go(request, reverse("video:check_in", args=[visit.pk]))
        messages.success(request, f"You're checked in. {visit.provider} can see that you are here.")
        return go(request, reverse("video:device_check", args=[visit.pk]))
    _audit(request, visit)
    return render(
        request,
        "visits/video/check_in.html",
        {
            "visit": visit,
            "can_check_in": can_check_in(visit, now=now),
            "opens": check_in_opens(visit),
            "too_early": visit.status == Status.BOOKED and now < check_in_opens(visit),
            "checked_in": visit.status == Status.CHECKED_IN,
            "started": visit.status == Status.IN_PROGRESS,
            "closed": room_closed_because(visit, now=now)
            if visit.status != Status.BOOKED
            else (None if now < visit.end else "This visit's time has passed."),
            "opens_minutes": int(settings.VISIT_CHECK_IN_OPENS_BEFORE.total_seconds() // 60),
        },
    )


@allow(Role.PATIENT, Role.CLINICIAN)
@allows_browser_features(*CAMERA_AND_MICROPHONE)
@require_GET
def device_check(request: SignedInRequest, visit_id) -> HttpResponse:
    """Camera, microphone and speaker, checked before the visit, with help when they fail."""
    visit = _room_visit(request, visit_id)
    clinician = _is_clinician(request, visit)
    if not clinician and visit.status == Status.BOOKED:
        return go(request, reverse("video:check_in", args=[visit.pk]))
    _audit(request, visit)
    next_url = reverse("video:room" if clinician else "video:waiting_room", args=[visit.pk])
    return render(
        request,
        "visits/video/device_check.html",
        {
            "visit": visit,
            "clinician": clinician,
            "next_url": next_url,
            "clinic_phone": settings.CLINIC_PHONE,
        },
    )


@allow(Role.PATIENT)
@require_GET
def waiting_room(request: SignedInRequest, visit_id) -> HttpResponse:
    """Waiting for the clinician, whose status updates by itself; in the room once they start.

    htmx polls this page's status every few seconds as a background request (it never counts
    as activity); `shown` says what the patient reads now, so an unchanged status is 204 and
    nothing is swapped or announced again.
    """
    visit = _room_visit(request, visit_id)
    now = timezone.now()
    if visit.status == Status.BOOKED:
        return go(request, reverse("video:check_in", args=[visit.pk]))
    if visit.status == Status.IN_PROGRESS:
        return go(request, reverse("video:room", args=[visit.pk]))
    busy = (
        visit.status == Status.CHECKED_IN
        and Visit.objects.filter(provider_id=visit.provider_id, status=Status.IN_PROGRESS)
        .exclude(pk=visit.pk)
        .filter(end__gt=now - settings.VIDEO_ROOM_OPEN_AFTER_END)
        .exists()
    )
    status = waiting_status(visit, now=now, clinician_busy=busy)
    if request.htmx and request.GET.get("shown") == status.key:
        return HttpResponse(status=204)
    if not request.htmx:
        _audit(request, visit)
    return render_page(
        request,
        "visits/video/waiting_room.html",
        {
            "visit": visit,
            "status": status,
            "closed": room_closed_because(visit, now=now),
            "clinic_phone": settings.CLINIC_PHONE,
        },
        partial="waiting-status",
    )


@allow(Role.PATIENT, Role.CLINICIAN)
@allows_browser_features(*CAMERA_AND_MICROPHONE)
@require_GET
def room(request: SignedInRequest, visit_id) -> HttpResponse:
    """The visit room: video between the patient's and the clinician's browsers, peer to peer."""
    visit = _room_visit(request, visit_id)
    now = timezone.now()
    clinician = _is_clinician(request, visit)
    if not clinician and visit.status == Status.BOOKED:
        return go(request, reverse("video:check_in", args=[visit.pk]))
    if not clinician and visit.status == Status.CHECKED_IN:
        return go(request, reverse("video:waiting_room", args=[visit.pk]))
    _audit(request, visit)
    closed = room_closed_because(visit, now=now)
    started = visit.status == Status.IN_PROGRESS and closed is None
    context = {
        "visit": visit,
        "clinician": clinician,
        "closed": closed,
        "started": started,
        "can_start": clinician and visit.status in (Status.BOOKED, Status.CHECKED_IN),
        "profile": visit.patient.patient_profile_or_none,
        "phone_requested": visit.phone_requested,  # type: ignore[attr-defined]
        "clinic_phone": settings.CLINIC_PHONE,
    }
    if clinician:
        # A physician who took this patient from the seen-now queue has now joined them.
        mark_joined(visit, request.user, now=now)
        if started:
            # The note beside the video, saving as the clinician types (the note page's editor).
            panel = note_panel_context(request, NoteAccess(visit=visit, writes=True))
            context = {**panel, **context}
    if started:
        context["ice_servers"] = json.dumps(ice_servers(user_id=request.user.pk, now=now))
        context["after"] = last_signal_id(visit)
        context["poll_ms"] = SIGNAL_POLL_MS
        context["connect_timeout"] = settings.VIDEO_CONNECT_TIMEOUT
    return render(request, "visits/video/room.html", context)


@allow(Role.CLINICIAN)
@require_POST
def start(request: SignedInRequest, visit_id) -> HttpResponse:
    """The clinician starts the video visit and opens its room."""
    visit = _room_visit(request, visit_id)
    if visit.status != Status.IN_PROGRESS:
        try:
            visit_start(visit=visit, actor=request.user, ip_address=client_ip(request))
        except TransitionRefused as refused:
            messages.warning(request, str(refused))
            return go(request, reverse("scheduling:visit_detail", args=[visit.pk]))
    return go(request, reverse("video:room", args=[visit.pk]))


@allow(Role.CLINICIAN)
@require_POST
def complete(request: SignedInRequest, visit_id) -> HttpResponse:
    """The clinician completes the visit: the room closes for both."""
    visit = _room_visit(request, visit_id)
    try:
        room_close(visit=visit, actor=request.user, ip_address=client_ip(request))
    except TransitionRefused as refused:
        messages.warning(request, str(refused))
        return go(request, reverse("video:room", args=[visit.pk]))
    messages.success(
        request, "The visit is completed and its video room is closed for both of you."
    )
    return go(request, reverse("scheduling:visit_detail", args=[visit.pk]))


def _refused(code: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=code)


@allow(Role.PATIENT, Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def signals(request: SignedInRequest, visit_id) -> HttpResponse:
    """Signalling: POST one message (JSON) for the other side; GET `?after=<id>` the other
    side's messages since. Closed rooms answer 403 with why, so a browser learns the end."""
    visit = _room_visit(request, visit_id)
    now = timezone.now()
    closed = room_closed_because(visit, now=now)
    if closed is not None:
        return _refused(403, closed, open=False, status=visit.status)
    if request.method == "POST":
        if request.content_type != "application/json":
            return _refused(400, "Send the message as application/json.")
        try:
            kind, payload = parse_signal(request.body)
        except (BadSignal, RawPostDataException) as error:
            return _refused(400, str(error) if isinstance(error, BadSignal) else "Unreadable.")
        message = signal_send(visit=visit, sender=request.user, kind=kind, payload=payload, now=now)
        return JsonResponse({"id": message.pk}, status=201)
    try:
        after = parse_after(request.GET.get("after"))
    except BadSignal as error:
        return _refused(400, str(error))
    return JsonResponse(
        {
            "open": True,
            "status": visit.status,
            "signals": signals_for(visit=visit, reader=request.user, after=after),
            "phone_requested": visit.phone_requested,  # type: ignore[attr-defined]
        }
    )


@allow(Role.PATIENT)
@require_POST
def call_me(request: SignedInRequest, visit_id) -> HttpResponse:
    """Video would not connect: the patient asks the clinic to call them at their number."""
    visit = _room_visit(request, visit_id)
    closed = room_closed_because(visit, now=timezone.now())
    if closed is not None:
        messages.warning(request, closed)
        return go(request, reverse("video:room", args=[visit.pk]))
    phone_call_request(visit=visit, actor=request.user)
    if request.htmx:
        return render(
            request,
            "visits/video/room.html#phone-fallback",
            {
                "visit": visit,
                "clinician": False,
                "phone_requested": True,
                "profile": visit.patient.patient_profile_or_none,
                "clinic_phone": settings.CLINIC_PHONE,
            },
        )
    messages.success(request, f"{visit.provider} will call you.")
    return go(request, reverse("video:room", args=[visit.pk]))


@allow(Role.PATIENT, Role.CLINICIAN)
@require_POST
def still_here(request: SignedInRequest, visit_id) -> HttpResponse:
    """The waiting room's and the room's heartbeat, sent only while the page is visible: this
    request is the person's activity, so they stay signed in while they watch the page."""
    _room_visit(request, visit_id)
    return HttpResponse(status=204)
