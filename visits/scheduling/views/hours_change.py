"""Saving an edit of the hours: straight away, or after asking about the visits it strands.

The question carries the pending edit in hidden fields; the answer is saved with the edit by
schedule_change_save (visits.scheduling.hours) in one transaction.
"""

from collections import Counter
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_htmx.http import reswap, retarget

from accounts.models import ProviderProfile
from visits.audit import audit_read
from visits.scheduling.hours import (
    CANCEL,
    KEEP,
    MOVE,
    MoveFailed,
    Schedule,
    ScheduleChange,
    offers,
    schedule_change_save,
    stranded_visits,
)
from visits.scheduling.hours_forms import (
    StrandedVisitsForm,
)
from visits.scheduling.services import VisitChanged
from visits.scheduling.views import (
    zone_context,
)
from visits.web import HtmxHttpRequest, client_ip, go

CONFIRM_TEMPLATE = "visits/scheduling/staff/schedule_confirm.html"
STRANDED_PREFIX = "stranded"


def _outcome(done: Counter) -> str:
    parts = []
    for key, verb in ((MOVE, "moved"), (CANCEL, "cancelled"), (KEEP, "kept")):
        if done[key]:
            parts.append(f"{done[key]} visit{'s' if done[key] != 1 else ''} {verb}")
    moved_or_cancelled = done[MOVE] + done[CANCEL]
    told = " The patients are emailed." if moved_or_cancelled > 1 else ""
    if moved_or_cancelled == 1:
        told = " The patient is emailed."
    return ", ".join(parts) + "." + told


def _confirm_step(
    request: HtmxHttpRequest,
    provider: ProviderProfile,
    change: ScheduleChange,
    decisions: StrandedVisitsForm,
) -> HttpResponse:
    """Ask what happens to each stranded visit, carrying the pending edit in hidden fields."""
    audit_read(
        request,
        what="visit",
        records=[(visit.patient_id, visit.pk) for visit in decisions.visits],
    )
    pending = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirm")
        and not name.startswith(STRANDED_PREFIX + "-")
        for value in values
    ]
    context = {
        "provider": provider,
        **zone_context(provider, timezone.now()),
        "change": change,
        "decisions": decisions,
        "pending": pending,
        "action": request.path,
    }
    if request.htmx:
        response = render(request, CONFIRM_TEMPLATE + "#confirm-step", context)
        return reswap(retarget(response, "#schedule-area"), "outerHTML")
    return render(request, CONFIRM_TEMPLATE, context)


def change_made(
    request: HtmxHttpRequest,
    provider: ProviderProfile,
    schedule: Schedule,
    change: ScheduleChange,
    *,
    inline: Callable[[ScheduleChange], HttpResponse] | None,
    saved_area: Callable[[str], HttpResponse],
    back_to: str,
) -> HttpResponse:
    """Save an edit of the hours, unless it strands booked visits: then ask about each first.

    Runs inside the editor's locked transaction, so the visits are found in the transaction
    that saves: one booked since the question was asked is asked about too, never silently
    left outside the hours.

    With htmx, the answered question is replaced by the editor as saved (`saved_area`), saying
    what was done. A client redirect would not do: `back_to` is the editor the browser already
    shows, with a `#weekday-…` fragment, and the browser treats that as a jump within the page
    it has, so the question stayed on screen saying "Nothing is saved yet".
    """
    now = timezone.now()
    confirming = request.POST.get("confirm") == "1"
    stranded = stranded_visits(provider, schedule, change, now=now)
    decisions: StrandedVisitsForm | None = None
    if stranded:
        decisions = StrandedVisitsForm(
            request.POST if confirming else None,
            visits=stranded,
            offers=offers(provider, change, stranded, now=now),
            zone=provider.zone,
            prefix=STRANDED_PREFIX,
        )
        if not decisions.is_valid():
            return _confirm_step(request, provider, change, decisions)
    try:
        done = schedule_change_save(
            provider=provider,
            change=change,
            decisions=decisions.decisions() if decisions is not None else [],
            actor=request.user,
            note=decisions.cleaned_data["note"] if decisions is not None else "",
            ip_address=client_ip(request),
            now=now,
        )
    except MoveFailed as failed:
        if decisions is None:  # only a decision moves a visit
            raise
        decisions.add_error(
            decisions.field_name(failed.visit),
            "That time is no longer free. Choose another, or keep or cancel the visit.",
        )
        return _confirm_step(request, provider, change, decisions)
    except VisitChanged as changed:
        # A visit asked about was cancelled or moved meanwhile (its own page, another tab):
        # the whole edit rolled back, and the question must be asked again as things now are.
        messages.warning(
            request,
            f"{changed.message_in(provider.zone)} Nothing is saved yet: make the change again "
            "to see which visits it leaves outside the hours.",
        )
        return go(request, back_to)
    if decisions is not None:
        saved = f"Saved: {change.summary}. {_outcome(done)}"
        if request.htmx:
            return saved_area(saved)
        messages.success(request, saved)
        return go(request, back_to)
    if inline is not None and request.htmx:
        return inline(change)
    messages.success(request, f"Saved: {change.summary}.")
    return go(request, back_to)
