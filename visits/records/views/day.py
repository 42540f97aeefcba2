"""A clinician's day: their visits of one day in their own zone, alerts first."""

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.policy import allow
from visits.audit import audit_page
from visits.records.day import DayForm, day_page
from visits.records.views.status import status_buttons
from visits.web import SignedInRequest, render_page


@allow(Role.CLINICIAN)
@require_GET
def day_view(request: SignedInRequest) -> HttpResponse:
    """The clinician's visits of one day (?date=YYYY-MM-DD, today unless given), with status,
    answers and red flags at a glance, and open safety and critical-result alerts on top."""
    zone = request.viewer_zone  # type: ignore[attr-defined]
    now = timezone.now()
    today = now.astimezone(zone).date()
    form = DayForm(request.GET if "date" in request.GET else None, today=today)
    day = form.cleaned_data["date"] if form.is_bound and form.is_valid() else today
    if not form.is_bound:
        form = DayForm(initial={"date": today}, today=today)
    page = day_page(request.user, day, zone, now=now)
    audit_page(request, page.pop("shown"))
    for row in page["rows"]:
        row.buttons = status_buttons(row.moves)
    return render_page(
        request,
        "visits/records/day.html",
        page | {"form": form, "zone": zone, "today": today},
    )
