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


TEMPLATE = "visits/video/_video_actions.html"


@register.simple_tag(takes_context=True)
def video_actions(context: template.Context, visit: Visit, compact: bool = False) -> str:
    """What the viewer can do about this visit's video, now: nothing at all for most visits on
    a list (a later visit, a past one, someone else's), which costs no template."""
    values = _video_actions(context, visit, compact=compact)
    if not _shows_anything(values):
        return ""
    page = context.template.engine.get_template(TEMPLATE) if context.template else None
    if page is None:  # rendered outside a template: nothing to draw the actions with
        return ""
    inner = context.new(values)
    csrf_token = context.get("csrf_token")
    if csrf_token is not None:
        inner["csrf_token"] = csrf_token
    return page.render(inner)


def _shows_anything(values: dict) -> bool:
    """Whether the actions' template writes anything for these values (its branches, in order)."""
    if values["is_patient"]:
        return (
            values["can_check_in"]
            or (values["booked"] and not values["compact"])
            or (not values["booked"] and values["room_open"])
        )
    if values["is_clinician"]:
        return (values["in_progress"] and values["room_open"]) or values["can_start"]
    return False


def _video_actions(context: template.Context, visit: Visit, *, compact: bool) -> dict:
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
