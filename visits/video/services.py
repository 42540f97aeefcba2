"""The room's commands: closing it when the clinician completes the visit, and the patient's
request to be called when video does not work. Check-in and start are the visit's life's own
services (visits.records.lifecycle), called by the views as they are."""

import datetime

from django.db import transaction

from visits.records.lifecycle import visit_complete
from visits.scheduling.models import Visit
from visits.video.models import PhoneCallRequest, SignalMessage


def room_close(
    *, visit: Visit, actor, ip_address: str | None = None, now: datetime.datetime | None = None
) -> Visit:
    """The clinician completes the visit from the room: the visit is completed and its
    signalling messages are deleted; both browsers learn it on their next poll."""
    with transaction.atomic():
        visit = visit_complete(visit=visit, actor=actor, ip_address=ip_address, now=now)
        SignalMessage.objects.filter(visit=visit).delete()
    return visit


def phone_call_request(*, visit: Visit, actor) -> PhoneCallRequest:
    """The patient asks the clinic to call them at their profile's number (once per visit)."""
    request, _ = PhoneCallRequest.objects.get_or_create(
        visit=visit, defaults={"requested_by": actor}
    )
    return request
