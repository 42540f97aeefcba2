"""The on-demand queue: patients waiting to be seen now, and the physicians on duty to see them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import ProviderProfile
from accounts.states import US_STATES

# A patient holds at most one of these at a time (a database constraint).
ACTIVE_STATUSES = ("waiting", "taken")


class QueueEntryQuerySet(models.QuerySet):
    """Which queue entries exist for whom; who may see them lives in accounts.policy."""

    def waiting(self) -> "QueueEntryQuerySet":
        """Entries still waiting, first come first served (a returned patient keeps their place)."""
        return self.filter(status=QueueEntry.Status.WAITING).order_by("joined_at", "pk")

    def in_states(self, states) -> "QueueEntryQuerySet":
        return self.filter(state__in=states)


class QueueEntry(models.Model):
    """One patient's wait to be seen now, from joining until a physician takes them or they go."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        TAKEN = "taken", "Taken by a physician"
        LEFT = "left", "Left the queue"
        REMOVED = "removed", "Removed from the queue"
        RETURNED = "returned", "Given back to the queue"

    class RemovedBecause(models.TextChoices):
        IDLE = "idle", "The waiting page stopped checking in"
        VISIT_CLASH = "visit_clash", "Another visit of theirs at this time"

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="queue_entries"
    )
    state = models.CharField(
        max_length=2, choices=US_STATES, help_text="Where the patient is while they wait."
    )
    symptom_check = models.ForeignKey(
        "visits.QuestionnaireResponse",
        on_delete=models.PROTECT,
        related_name="queue_entries",
        help_text="The urgent-care symptom answers the patient joined with.",
    )
    joined_at = models.DateTimeField(
        help_text="When the patient first joined; kept when a physician gives them back."
    )
    last_seen_at = models.DateTimeField(help_text="The waiting page's last check-in.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    removed_because = models.CharField(
        max_length=16, choices=RemovedBecause.choices, blank=True, default=""
    )
    returned_count = models.PositiveSmallIntegerField(
        default=0, help_text="How many times physicians took this patient and did not join."
    )
    taken_by = models.ForeignKey(
        ProviderProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="queue_entries_taken",
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    physician_joined_at = models.DateTimeField(
        null=True, blank=True, help_text="When the physician who took them opened the room."
    )
    visit = models.OneToOneField(
        "visits.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="queue_entry",
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = QueueEntryQuerySet.as_manager()

    class Meta:
        ordering = ["joined_at", "pk"]
        verbose_name_plural = "queue entries"
        indexes = [
            models.Index(fields=["status", "state", "joined_at"], name="queue_waiting_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="one_active_queue_entry_per_patient",
                violation_error_message="You are already in the queue.",
            ),
            models.CheckConstraint(
                condition=~Q(status="taken") | Q(taken_by__isnull=False, taken_at__isnull=False),
                name="taken_entry_names_its_physician",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} in {self.state} since {self.joined_at:%Y-%m-%d %H:%M}"


class PhysicianDuty(models.Model):
    """A physician's turn on duty for the on-demand queue: from `started_at` until `ended_at`."""

    provider = models.ForeignKey(ProviderProfile, on_delete=models.CASCADE, related_name="duties")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "physician duties"
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(ended_at__isnull=True),
                name="one_open_duty_per_physician",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} on duty from {self.started_at:%Y-%m-%d %H:%M}"
