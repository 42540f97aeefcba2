"""`{% series_lines plan visit_type provider zone as lines %}`: a series' dates as the page reads them."""

import datetime

from django import template

from accounts.models import ProviderProfile
from visits.scheduling import series_display
from visits.scheduling.availability import PlannedSession
from visits.scheduling.models import VisitType

register = template.Library()


@register.simple_tag
def series_lines(
    plan: list[PlannedSession],
    visit_type: VisitType,
    provider: ProviderProfile,
    zone: datetime.tzinfo,
) -> list[series_display.SessionLine]:
    """Each planned session, marked when it is past the horizon or shifted by a clock change."""
    return series_display.series_lines(plan, visit_type=visit_type, provider=provider, zone=zone)
