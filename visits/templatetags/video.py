"""The video visit's way in from other pages: `{% video_actions visit %}` shows the patient
when and where to check in (or join), and the visit's clinician the "Start video visit" button
(or the way back into the room). Staff and anyone else see nothing."""

from django import template
from django.conf import settings
from django.utils import timezone

from accounts.models import Role
from visits.records.lifecycle import can_check_in, check_in_opens
from visits.scheduling.models import Visit
from visits.video.room import OPEN_STATUSES, room_is_open

register = template.Library()
Status = Visit.Status


@register.inclusion_tag("visits/video/_video_actions.html", takes_context=True)
def video_actions(context: template.Context, visit: Visit, compact: bool = False) -> dict:
    """What the viewer can do about this visit's video, now."""
    request = context.get("request")
    user = getattr(request, "user", None)
    now = timezone.now()
    role = getattr(user, "role", None)
    is_patient = role == Role.PATIENT and user is not None and user.pk == visit.patient_id
    is_clinician = role == Role.CLINICIAN and user is not None and user.pk == visit.provider.user_id
    return {
        "visit": visit,
        "compact": compact,
        "is_patient": is_patient,
        "is_clinician": is_clinician,
        "booked": visit.status == Status.BOOKED and now < visit.end,
        "can_check_in": can_check_in(visit, now=now),
        "opens": check_in_opens(visit),
        "opens_minutes": int(settings.VISIT_CHECK_IN_OPENS_BEFORE.total_seconds() // 60),
        "room_open": visit.status in OPEN_STATUSES and room_is_open(visit, now=now),
        "in_progress": visit.status == Status.IN_PROGRESS,
        "can_start": visit.status in (Status.BOOKED, Status.CHECKED_IN)
        and check_in_opens(visit) <= now < visit.end,
    }
