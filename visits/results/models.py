"""Lab reports and their observations, critical-value alerts, and what came in unmatched."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from visits.records.models import LabOrder
from visits.results.flags import Flag, compute_flag


class ResultStatus(models.TextChoices):
    """HL7 OBX-11 / FHIR Observation.status, as far as patients and clinicians need them."""

    PRELIMINARY = "preliminary", "Preliminary"
    FINAL = "final", "Final"
    CORRECTED = "corrected", "Corrected"
    CANCELLED = "cancelled", "Cancelled"


class PatientStatus(models.TextChoices):
    """A report as its patient sees it; nothing they may see is hidden without saying so."""

    RELEASED = "released", "Released"
    PENDING_REVIEW = "pending_review", "Pending review"
    IN_PROGRESS = "in_progress", "Not final yet"


class LabReport(models.Model):
    """One report from a lab (HL7 ORU^R01's OBR, a FHIR DiagnosticReport) or entered by hand."""

    class Source(models.TextChoices):
        HL7V2 = "hl7v2", "HL7 v2 message"
        FHIR = "fhir", "FHIR bundle"
        MANUAL = "manual", "Entered by hand"

    order = models.ForeignKey(
        LabOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lab_reports"
    )
    ordering_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200, help_text="e.g. Basic metabolic panel")
    loinc_code = models.CharField(max_length=16, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    filler_number = models.CharField(
        max_length=64, blank=True, help_text="The lab's own accession number for the report."
    )
    performing_lab = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=ResultStatus.choices)
    collected_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Release to the patient (21st Century Cures Act): as soon as final, unless held.
    released_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hold_reason = models.CharField(max_length=500, blank=True)
    release_by = models.DateTimeField(
        null=True, blank=True, help_text="A held report releases itself at this time at the latest."
    )
    first_opened_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient first opened it; new until then."
    )
    patient_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-collected_at", "-received_at"]
        indexes = [
            models.Index(fields=["patient", "-collected_at"], name="report_patient_recent"),
            # The results page's newest reports first, read in order rather than all sorted.
            models.Index(
                F("patient"),
                Coalesce("collected_at", "received_at").desc(),
                F("id").desc(),
                name="report_patient_reported",
            ),
            models.Index(fields=["release_by"], name="report_release_by"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(held_at__isnull=True) | ~Q(hold_reason=""),
                name="report_hold_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_released(self) -> bool:
        return self.released_at is not None

    @property
    def patient_status(self) -> str:
        """What the patient is told of this report (PatientStatus): released, held for the
        clinician's review (with `release_by`, the latest it will be released), or not final."""
        if self.released_at is not None:
            return PatientStatus.RELEASED
        if self.held_at is not None:
            return PatientStatus.PENDING_REVIEW
        return PatientStatus.IN_PROGRESS

    @property
    def hold_limit_days(self) -> int:
        """How many days after it is final a held report releases itself (RESULT_HOLD_MAX)."""
        return max(settings.RESULT_HOLD_MAX.days, 1)


class Observation(models.Model):
    """One measured value (HL7 OBX, FHIR Observation) with its range and computed flag.

    A corrected result never overwrites the earlier one: the earlier row gets `superseded_by`
    and both are kept.
    """

    report = models.ForeignKey(LabReport, on_delete=models.CASCADE, related_name="observations")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="observations"
    )
    loinc_code = models.CharField(max_length=16)
    name = models.CharField(max_length=200)
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    value_text = models.CharField(
        max_length=200, blank=True, help_text="A value that is not a number, e.g. Negative."
    )
    unit = models.CharField(max_length=40, blank=True, help_text="UCUM, e.g. mmol/L.")
    reference_low = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    reference_high = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    reference_text = models.CharField(max_length=60, blank=True, help_text="As the lab sent it.")
    critical_low = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    critical_high = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=12, choices=ResultStatus.choices)
    flag = models.CharField(max_length=16, choices=Flag.CHOICES, blank=True, editable=False)
    observed_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["patient", "loinc_code", "observed_at"], name="obs_patient_test"),
            # A page's reports' values, and the earlier values they corrected, read among the
            # patient's by report, not as every value of the patient's record.
            models.Index(fields=["patient", "report"], name="obs_patient_report"),
            models.Index(fields=["patient", "superseded_by"], name="obs_patient_superseded"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.display_value}"

    def save(self, *args, **kwargs) -> None:
        self.flag = compute_flag(
            self.value,
            low=self.reference_low,
            high=self.reference_high,
            critical_low=self.critical_low,
            critical_high=self.critical_high,
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "flag" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "flag"]
        super().save(*args, **kwargs)

    @property
    def display_value(self) -> str:
        if self.value is None:
            return self.value_text
        return f"{self.value.normalize():f}"

    @property
    def is_critical(self) -> bool:
        return self.flag in Flag.CRITICAL

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None


class CriticalResultAlert(models.Model):
    """A critical value the ordering clinician (`clinician`) must see; it stays until someone
    responsible acknowledges it. Nobody acknowledged it within
    settings.CRITICAL_RESULT_ESCALATE_AFTER: it escalates to the other clinicians who treat the
    patient (`recipients`), and any of them may acknowledge it for everyone."""

    class Outcome(models.TextChoices):
        CALLED_PATIENT = "called_patient", "Called the patient"
        URGENT_VISIT = "urgent_visit", "Arranged an urgent visit"
        EMERGENCY_CARE = "emergency_care", "Sent to emergency care"
        REPEAT_TEST = "repeat_test", "Ordered a repeat test"
        OTHER = "other", "Other"

    observation = models.OneToOneField(
        Observation, on_delete=models.PROTECT, related_name="critical_alert"
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="critical_alerts"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    note = models.CharField(max_length=500, blank=True, help_text="What was done.")
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="When it went to the other treating clinicians."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["clinician", "acknowledged_at"], name="critical_open_for"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="critical_acknowledged_by_someone",
            )
        ]

    def __str__(self) -> str:
        return f"Critical result alert {self.pk}"


class CriticalAlertRecipient(models.Model):
    """A clinician a critical result alert escalated to (the ordering clinician is the alert's
    own `clinician`, not a row here)."""

    alert = models.ForeignKey(
        CriticalResultAlert, on_delete=models.CASCADE, related_name="recipients"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When they were emailed that a critical result waits."
    )

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "clinician"], name="one_critical_recipient_per_alert"
            )
        ]
        indexes = [models.Index(fields=["clinician", "alert"], name="critical_recipient_clinician")]

    def __str__(self) -> str:
        return f"Critical alert {self.alert_id} for {self.clinician_id}"


class InboundResult(models.Model):
    """Every message a lab sent, kept as it came: matched to its order and patient, or on the
    reconciliation list with the reason until staff resolve it. Nothing is dropped."""

    class Format(models.TextChoices):
        HL7V2 = "hl7v2", "HL7 v2"
        FHIR = "fhir", "FHIR R4"

    class State(models.TextChoices):
        MATCHED = "matched", "Matched"
        UNMATCHED = "unmatched", "Needs reconciling"
        RESOLVED = "resolved", "Resolved by staff"
        REJECTED = "rejected", "Rejected by staff"

    format = models.CharField(max_length=8, choices=Format.choices)
    source = models.CharField(max_length=200, help_text="The file's name, or who uploaded it.")
    raw = models.TextField(help_text="The message exactly as it arrived.")
    received_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices)
    reason = models.CharField(max_length=300, blank=True, help_text="Why it did not match.")
    identifiers = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the message says of whom and what order: record number, name, "
        "date of birth, order number (no values).",
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reports = models.ManyToManyField(LabReport, blank=True, related_name="inbound")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["state", "-received_at"], name="inbound_state_recent")]

    def __str__(self) -> str:
        return f"{self.get_format_display()} from {self.source}"
