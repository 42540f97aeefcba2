"""Visit types, providers' hours and exceptions, and the visits booked in them."""

import datetime
import uuid
from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import policy
from accounts.models import ProviderProfile
from accounts.zones import zone_name


class VisitType(models.Model):
    """What a visit is for, how long it takes and the rules for booking it."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=240, blank=True)
    duration_minutes = models.PositiveSmallIntegerField()
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Time kept free after the visit for notes."
    )
    minimum_notice_minutes = models.PositiveIntegerField(
        default=60, help_text="How soon before its start a visit can be booked."
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        default=30, help_text="How far ahead a visit can be booked."
    )
    cancellation_window_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Cancelling later than this before the start is a late cancellation."
    )
    slot_interval_minutes = models.PositiveSmallIntegerField(
        default=15, help_text="Start times are offered this often."
    )
    provider_kinds = models.JSONField(
        default=list, help_text='Kinds of provider who offer it, e.g. ["physician"].'
    )
    providers = models.ManyToManyField(ProviderProfile, related_name="visit_types", blank=True)
    can_recur = models.BooleanField(default=False, help_text="May be booked as a weekly series.")
    symptom_check = models.BooleanField(
        default=False,
        help_text="Patients answer a symptom questionnaire first; a red flag stops the booking.",
    )
    questionnaires = models.JSONField(
        default=list,
        blank=True,
        help_text='Questionnaires asked after booking and before the visit, e.g. ["phq-9", "gad-7"].',
    )
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="visit_type_has_duration"
            ),
            models.CheckConstraint(
                condition=Q(slot_interval_minutes__gt=0), name="visit_type_has_interval"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.duration_minutes)

    @property
    def buffer_after(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.buffer_after_minutes)

    @property
    def minimum_notice(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.minimum_notice_minutes)

    @property
    def booking_horizon(self) -> datetime.timedelta:
        return datetime.timedelta(days=self.booking_horizon_days)

    @property
    def cancellation_window(self) -> datetime.timedelta:
        return datetime.timedelta(hours=self.cancellation_window_hours)

    @property
    def slot_interval(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.slot_interval_minutes)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyHours(models.Model):
    """A block of a provider's regular week, in the provider's own time zone."""

    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time"]
        verbose_name_plural = "weekly hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="weekly_hours_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class ScheduleException(models.Model):
    """A dated change to the week: time off (a day, a range, or part of a day) or extra hours."""

    class Kind(models.TextChoices):
        TIME_OFF = "time_off", "Time off"
        EXTRA_HOURS = "extra_hours", "Extra hours"

    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="schedule_exceptions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    start_date = models.DateField()
    end_date = models.DateField()
    start_time = models.TimeField(null=True, blank=True, help_text="Empty for whole days.")
    end_time = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["start_date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="exception_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=(Q(start_time__isnull=True) & Q(end_time__isnull=True))
                | Q(end_time__gt=models.F("start_time")),
                name="exception_times_in_order",
            ),
            models.CheckConstraint(
                condition=Q(kind="time_off") | Q(start_time__isnull=False),
                name="extra_hours_have_times",
                violation_error_message="Extra hours need a start and an end time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date}"

    @property
    def is_whole_day(self) -> bool:
        return self.start_time is None


class VisitQuerySet(models.QuerySet):
    """Which visits exist for whom; visibility rules live in accounts.policy."""

    def visible_to(self, user) -> "VisitQuerySet":
        """Only the visits the access policy lets this user see (or change)."""
        # The rule filters the queryset it is given, so the result is still a VisitQuerySet.
        return cast("VisitQuerySet", policy.VISITS.filter(self, user))

    def active(self) -> "VisitQuerySet":
        """Visits that hold their time: not cancelled."""
        return self.filter(status__in=Visit.HOLDING_STATUSES)

    def upcoming(self, now: datetime.datetime) -> "VisitQuerySet":
        return self.filter(end__gt=now).order_by("start")

    def overlapping(self, start: datetime.datetime, end: datetime.datetime) -> "VisitQuerySet":
        """Visits whose held time (including the buffer after) meets [start, end)."""
        return self.filter(start__lt=end, blocked_until__gt=start)


class VisitSeries(models.Model):
    """A recurring run of visits with the same provider, e.g. weekly therapy."""

    class Frequency(models.IntegerChoices):
        WEEKLY = 1, "Every week"
        FORTNIGHTLY = 2, "Every two weeks"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit_series"
    )
    provider = models.ForeignKey(ProviderProfile, on_delete=models.PROTECT, related_name="series")
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT, related_name="series")
    frequency = models.PositiveSmallIntegerField(choices=Frequency.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "visit series"

    def __str__(self) -> str:
        return f"{self.visit_type} {self.get_frequency_display().lower()}"


class Visit(models.Model):
    """One booked video visit, its time held in UTC with the provider's buffer after it."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CHECKED_IN = "checked_in", "Checked in"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        LATE_CANCELLED = "late_cancelled", "Cancelled late"
        NO_SHOW = "no_show", "No-show"

    class CancelReason(models.TextChoices):
        """Why a patient cancelled, as they choose it from a list."""

        FEELING_BETTER = "feeling_better", "I'm feeling better"
        SCHEDULE_CONFLICT = "schedule_conflict", "Something else came up at that time"
        BOOKED_BY_MISTAKE = "booked_by_mistake", "I booked it by mistake"
        COST = "cost", "The cost"
        OTHER = "other", "Another reason"

    HOLDING_STATUSES = (
        Status.BOOKED,
        Status.CHECKED_IN,
        Status.IN_PROGRESS,
        Status.COMPLETED,
        Status.NO_SHOW,
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits"
    )
    provider = models.ForeignKey(ProviderProfile, on_delete=models.PROTECT, related_name="visits")
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT, related_name="visits")
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocked_until = models.DateTimeField(
        help_text="End plus the buffer after; held for the provider."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    series = models.ForeignKey(
        VisitSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits"
    )
    reason = models.CharField(max_length=500, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # With a default in the database, so the release before this one, which does not know these
    # columns, still inserts visits while this one rolls out.
    cancel_reason = models.CharField(
        max_length=24,
        choices=CancelReason.choices,
        blank=True,
        default="",
        db_default="",
        help_text="Why the patient cancelled, from the list they chose from.",
    )
    cancel_reason_text = models.CharField(
        max_length=500,
        blank=True,
        default="",
        db_default="",
        help_text="The patient's own words about why they cancelled, for the clinic.",
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # When the visit's life moved on (visits.records.lifecycle; who moved it is in transitions).
    checked_in_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(
        default=0, help_text="Calendar revision, for .ics updates."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["provider", "start"], name="visit_provider_start"),
            models.Index(fields=["patient", "start"], name="visit_patient_start"),
            # Whether a clinician treats a patient (accounts.treatment): one look-up.
            models.Index(fields=["patient", "provider", "end"], name="visit_patient_provider_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="visit_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=models.F("end")), name="visit_buffer_not_negative"
            ),
        ]

    def __str__(self) -> str:
        # In the zone active for the reader (the viewer's own, in a request), named in words.
        zone = timezone.get_current_timezone()
        local = self.start.astimezone(zone)
        return f"{self.visit_type} on {local:%Y-%m-%d %H:%M} {zone_name(zone)}"

    @property
    def holds_time(self) -> bool:
        return self.status in self.HOLDING_STATUSES

    @property
    def is_cancelled(self) -> bool:
        return self.status in (self.Status.CANCELLED, self.Status.LATE_CANCELLED)
