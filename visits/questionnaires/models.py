"""Questionnaire versions loaded from files, patients' responses to them, and safety alerts."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from visits.questionnaires import engine


class Questionnaire(models.Model):
    """One version of a questionnaire definition, exactly as loaded from its file."""

    class Kind(models.TextChoices):
        INSTRUMENT = "instrument", "Validated instrument"
        SYMPTOM = "symptom", "Symptom questionnaire"

    slug = models.SlugField()
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    definition = models.JSONField()
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="one_questionnaire_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class QuestionnaireResponseQuerySet(models.QuerySet):
    def submitted(self) -> "QuestionnaireResponseQuerySet":
        return self.filter(submitted_at__isnull=False)


class QuestionnaireResponse(models.Model):
    """A patient's answers to one questionnaire version; a draft until submitted, then immutable."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="responses"
    )
    visit = models.ForeignKey(
        "visits.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questionnaire_responses",
    )
    answers = models.JSONField(
        default=dict, help_text="Raw answers while a draft; cleaned once submitted."
    )
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    band = models.CharField(max_length=40, blank=True)
    screens = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = QuestionnaireResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-started_at"]
        indexes = [
            models.Index(fields=["patient", "submitted_at"], name="response_patient_submitted")
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} by {self.patient_id}"

    def save(self, *args, **kwargs) -> None:
        """A submitted response never changes: saving one that was already submitted is refused."""
        if self.pk is not None:
            stored = (
                type(self).objects.filter(pk=self.pk).values_list("submitted_at", flat=True).first()
            )
            if stored is not None:
                raise ValueError("A submitted questionnaire response cannot be changed.")
        super().save(*args, **kwargs)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def has_crisis(self) -> bool:
        return any(flag["kind"] == "crisis" for flag in self.flags)

    @property
    def has_emergency(self) -> bool:
        return any(flag["kind"] == "emergency" for flag in self.flags)

    def items_with_answers(self) -> list[tuple[dict, object]]:
        """Each asked item with the patient's answer, labels instead of codes."""
        definition = self.questionnaire.definition
        rows: list[tuple[dict, object]] = []
        for item in engine.visible_items(definition, self.answers):
            value = self.answers.get(item["id"])
            labels = {str(option["value"]): option["label"] for option in engine.options_of(item)}
            if isinstance(value, list):
                shown = ", ".join(labels.get(str(v), str(v)) for v in value)
            elif value is None:
                shown = "Not answered"
            else:
                shown = labels.get(str(value), f"{value} {item.get('unit', '')}".strip())
            rows.append((item, shown))
        return rows


class SafetyAlert(models.Model):
    """A crisis answer that its responsible clinicians must see; it stays until one acknowledges it.

    It goes first to the clinicians in `recipients` (the visit's clinician, else the patient's
    behavioral-health clinicians, else everyone who treats them), and escalates to the others who
    treat the patient when nobody acknowledges it within settings.SAFETY_ALERT_ESCALATE_AFTER.
    """

    class Outcome(models.TextChoices):
        """What the acknowledging clinician did."""

        CALLED_PATIENT = "called_patient", "Called the patient"
        URGENT_VISIT = "urgent_visit", "Arranged an urgent visit"
        EMERGENCY_CARE = "emergency_care", "Referred to emergency care"
        OTHER = "other", "Other"

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="safety_alerts"
    )
    response = models.OneToOneField(
        QuestionnaireResponse, on_delete=models.PROTECT, related_name="safety_alert"
    )
    reason = models.CharField(max_length=240)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    # Nullable so the release before this one can keep writing alerts while this one deploys;
    # alerts acknowledged before outcomes were recorded have none.
    outcome = models.CharField(  # noqa: DJ001 - see above
        max_length=24, choices=Outcome.choices, null=True, blank=True
    )
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="When it went to the other treating clinicians."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="alert_patient_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="alert_acknowledged_by_someone",
            )
        ]

    def __str__(self) -> str:
        return f"Safety alert for {self.patient_id}"


class AlertRecipient(models.Model):
    """A clinician responsible for a safety alert: assigned when it was raised, or escalated to."""

    alert = models.ForeignKey(SafetyAlert, on_delete=models.CASCADE, related_name="recipients")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    escalated = models.BooleanField(
        default=False, help_text="Added by escalation, not assigned when the alert was raised."
    )
    added_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When they were emailed that there is an alert to see."
    )

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "clinician"], name="one_recipient_per_alert")
        ]
        indexes = [models.Index(fields=["clinician", "alert"], name="alert_recipient_clinician")]

    def __str__(self) -> str:
        return f"Alert {self.alert_id} for {self.clinician_id}"


class CheckInPreference(models.Model):
    """Whether a client gets PHQ-9/GAD-7 check-ins before sessions with this clinician (on unless switched off)."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        "accounts.ProviderProfile", on_delete=models.CASCADE, related_name="+"
    )
    enabled = models.BooleanField(default=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "provider"], name="one_check_in_preference")
        ]

    def __str__(self) -> str:
        return f"Check-ins {'on' if self.enabled else 'off'} for {self.patient_id} with {self.provider_id}"
