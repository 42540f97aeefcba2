"""What a clinician's day view shows: one day's visits in their zone, with each visit's
questionnaires and red flags, and the alerts that come first. A fixed number of queries,
whatever the number of visits."""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.db.models import DateTimeField, UUIDField
from django.utils import timezone

from accounts import policy
from config.prepared import Param, Params, Prepared, Viewer
from visits.questionnaires.models import CheckInPreference, Questionnaire, QuestionnaireResponse
from visits.questionnaires.selectors import open_alerts_for
from visits.records.lifecycle import allowed_moves
from visits.results.critical import OPEN_CRITICAL_ALERTS
from visits.results.models import CriticalResultAlert
from visits.scheduling.models import Visit

FURTHEST = datetime.timedelta(days=5 * 366)
FLAG_WORDS = {"crisis": "Crisis answer", "emergency": "Emergency symptoms"}


class DayForm(forms.Form):
    """Which day to show: a date as YYYY-MM-DD, within five years of today."""

    date = forms.DateField(
        label="Go to a day",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": "Enter a date as year-month-day, for example 2026-03-09.",
            "required": "Enter a date as year-month-day, for example 2026-03-09.",
        },
    )

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date(self) -> datetime.date:
        day = self.cleaned_data["date"]
        if abs(day - self.today) > FURTHEST:
            raise forms.ValidationError("Choose a day within five years of today.")
        return day


@dataclass
class DayVisit:
    """One visit of the day as its row shows it."""

    visit: Visit
    responses: list[QuestionnaireResponse] = field(default_factory=list)
    due: list[str] = field(default_factory=list)
    switched_off: bool = False
    moves: list[str] = field(default_factory=list)
    buttons: list[dict] = field(default_factory=list)

    @property
    def red_flags(self) -> list[str]:
        """The red flags among the visit's answers, in words."""
        return [
            FLAG_WORDS.get(flag["kind"], "Red flag")
            for response in self.responses
            for flag in response.flags
        ]


def day_bounds(
    day: datetime.date, zone: datetime.tzinfo
) -> tuple[datetime.datetime, datetime.datetime]:
    """Local midnight to local midnight in `zone` (23 or 25 hours across a clock change)."""
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    return start, end


# The day view's queries, built and compiled once (config.prepared).
DAY_VISITS = Prepared(
    lambda viewer, start, end: (
        policy.DOCUMENTABLE_VISITS.filter(Visit.objects.all(), viewer)
        .filter(start__gte=start, start__lt=end, status__in=Visit.HOLDING_STATUSES)
        .select_related("visit_type", "patient__patient_profile", "provider")
        .order_by()
    ),
    viewer=Viewer(),
    start=Param("start", DateTimeField()),
    end=Param("end", DateTimeField()),
)
DAY_RESPONSES = Prepared(
    lambda viewer, visits: (
        policy.CLINICAL_RECORDS.filter(QuestionnaireResponse.objects.submitted(), viewer)
        .filter(visit__in=visits)
        .select_related("questionnaire")
        .order_by("submitted_at")
    ),
    viewer=Viewer(),
    visits=Params("visits", UUIDField()),
)


def day_visits(
    clinician, day: datetime.date, zone: datetime.tzinfo, *, now: datetime.datetime
) -> list[DayVisit]:
    """The clinician's own visits starting on `day` in `zone` that hold their time (a cancelled
    visit never made its patient theirs), with their submitted answers and what is still due."""
    start, end = day_bounds(day, zone)
    # A day's visits are few: sorted here, as an ORDER BY over four tables' columns costs the
    # ORM more to compile than the sort does.
    visits = sorted(
        DAY_VISITS.run(viewer=clinician, start=start, end=end),
        key=lambda visit: (visit.start, visit.pk),
    )
    if not visits:
        return []
    rows = {
        visit.pk: DayVisit(visit=visit, moves=allowed_moves(visit, now=now)) for visit in visits
    }
    responses = DAY_RESPONSES.run(viewer=clinician, visits=list(rows))
    answered: set[tuple[int, str]] = set()
    for response in responses:
        rows[response.visit_id].responses.append(response)
        answered.add((response.patient_id, response.questionnaire.slug))
    asking = [visit for visit in visits if visit.visit_type.questionnaires]
    if asking:
        switched_off = set(
            CheckInPreference.objects.filter(
                patient__in={visit.patient_id for visit in asking},
                provider__in={visit.provider_id for visit in asking},
                enabled=False,
            ).values_list("patient_id", "provider_id")
        )
        slugs = {slug for visit in asking for slug in visit.visit_type.questionnaires}
        titles = dict(Questionnaire.objects.filter(slug__in=slugs).values_list("slug", "title"))
        for visit in asking:
            row = rows[visit.pk]
            if (visit.patient_id, visit.provider_id) in switched_off:
                row.switched_off = True
                continue
            row.due = [
                titles.get(slug, slug)
                for slug in visit.visit_type.questionnaires
                if (visit.patient_id, slug) not in answered
            ]
    return list(rows.values())


def open_critical_alerts(clinician) -> list[CriticalResultAlert]:
    """Critical results this clinician has not acknowledged yet (policy.CRITICAL_RESULT_ALERTS),
    oldest first."""
    return OPEN_CRITICAL_ALERTS.run(clinician=clinician)


def day_page(
    clinician, day: datetime.date, zone: datetime.tzinfo, *, now: datetime.datetime | None = None
) -> dict:
    """Everything the day view shows; the caller records the read once (`shown`)."""
    now = now or timezone.now()
    rows = day_visits(clinician, day, zone, now=now)
    alerts = list(open_alerts_for(clinician))
    critical = list(open_critical_alerts(clinician))
    shown = {
        "visit": [(row.visit.patient_id, row.visit.pk) for row in rows],
        "questionnaire response": [
            (response.patient_id, response.pk) for row in rows for response in row.responses
        ],
        "safety alert": [(alert.patient_id, alert.pk) for alert in alerts],
        "critical result": [(alert.patient_id, alert.pk) for alert in critical],
    }
    return {
        "day": day,
        "rows": rows,
        "alerts": alerts,
        "critical_alerts": critical,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "is_today": day == now.astimezone(zone).date(),
        "shown": shown,
    }
