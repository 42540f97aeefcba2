"""What happened at a visit: its status changes, the note, the summary, prescriptions, lab orders."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from visits.scheduling.models import Visit


class VisitTransition(models.Model):
    """One change of a visit's status: from what, to what, by whom and when."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=Visit.Status.choices)
    to_status = models.CharField(max_length=16, choices=Visit.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who moved it; empty when the clinic's own task did (a no-show).",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["visit", "at"], name="transition_visit_at")]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class VisitNote(models.Model):
    """The clinician's note of a visit (SOAP). A draft while written; signed, it never changes
    again, only gains addenda."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="note")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subjective = models.TextField(blank=True, help_text="What the patient reports.")
    objective = models.TextField(blank=True, help_text="What the clinician observed.")
    assessment = models.TextField(blank=True, help_text="The clinician's assessment.")
    plan = models.TextField(blank=True, help_text="What happens next.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(
        default=0, help_text="Raised by every saved draft, so two tabs never overwrite each other."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "-created_at"], name="note_patient_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True)
                | Q(status="signed", signed_at__isnull=False),
                name="note_signed_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"Note for visit {self.visit_id}"

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class NoteDiagnosis(models.Model):
    """A diagnosis on a note, as an ICD-10-CM code with its description as it was picked."""

    note = models.ForeignKey(VisitNote, on_delete=models.CASCADE, related_name="diagnoses")
    code = models.CharField(max_length=8, help_text="ICD-10-CM, with its dot, e.g. J06.9.")
    description = models.CharField(max_length=250)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name_plural = "note diagnoses"
        constraints = [
            models.UniqueConstraint(fields=["note", "code"], name="one_diagnosis_code_per_note")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class NoteAddendum(models.Model):
    """Something added to a signed note later, by whom and when; the note itself never changes."""

    note = models.ForeignKey(VisitNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "note addenda"

    def __str__(self) -> str:
        return f"Addendum to {self.note_id}"


class PsychotherapyNote(models.Model):
    """A therapist's process notes, kept apart from the visit's record as HIPAA's Privacy Rule
    asks: only their author ever reads them; never the chart, the portal or an export."""

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="psychotherapy_notes", null=True, blank=True
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["author", "patient", "-created_at"], name="psychnote_author_recent"
            )
        ]

    def __str__(self) -> str:
        return f"Psychotherapy note {self.pk}"


class AfterVisitSummary(models.Model):
    """What the clinician writes for the patient; they read it once the note is signed."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="summary")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_summaries"
    )
    findings = models.TextField("What we found", blank=True)
    instructions = models.TextField("What to do", blank=True)
    when_to_seek_care = models.TextField("When to seek care", blank=True)
    follow_up = models.TextField("Follow-up", blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    released_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient could first read it: the note's signing."
    )

    class Meta:
        verbose_name_plural = "after-visit summaries"
        indexes = [
            models.Index(fields=["patient", "-released_at"], name="summary_patient_released")
        ]

    def __str__(self) -> str:
        return f"Summary of visit {self.visit_id}"


class Prescription(models.Model):
    """A medication prescribed at a visit; it shows on the patient's medication list."""

    class Form(models.TextChoices):
        TABLET = "tablet", "Tablet"
        CAPSULE = "capsule", "Capsule"
        LIQUID = "liquid", "Liquid"
        INHALER = "inhaler", "Inhaler"
        CREAM = "cream", "Cream"
        OINTMENT = "ointment", "Ointment"
        DROPS = "drops", "Drops"
        SPRAY = "spray", "Nasal spray"
        PATCH = "patch", "Patch"
        INJECTION = "injection", "Injection"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped"

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="prescriptions")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prescriptions"
    )
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    medication = models.CharField(max_length=200)
    strength = models.CharField(max_length=60, help_text="e.g. 500 mg, 10 mg/5 mL")
    form = models.CharField(max_length=16, choices=Form.choices)
    directions = models.CharField(
        max_length=500, help_text="e.g. Take 1 tablet by mouth twice daily"
    )
    quantity = models.PositiveIntegerField()
    quantity_unit = models.CharField(max_length=30, blank=True, help_text="e.g. tablets, mL")
    refills = models.PositiveSmallIntegerField(default=0)
    substitution_allowed = models.BooleanField(
        default=True, help_text="The pharmacy may dispense a generic equivalent."
    )
    pharmacy = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    stop_reason = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["patient", "status"], name="rx_patient_status")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="rx_has_quantity"),
            models.CheckConstraint(condition=Q(refills__lte=11), name="rx_refills_at_most_11"),
            models.CheckConstraint(
                condition=~Q(status="stopped") | ~Q(stop_reason=""), name="rx_stopped_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.medication} {self.strength}"


def next_order_number() -> str:
    """A placer order number for HL7 ORC-2/OBR-2 and FHIR ServiceRequest.identifier."""
    return "HC" + uuid.uuid4().hex[:10].upper()


class LabOrder(models.Model):
    """A lab test ordered at a visit, with where to go; results arrive against its number."""

    class Status(models.TextChoices):
        ORDERED = "ordered", "Ordered"
        PARTIAL = "partial", "Some results in"
        RESULTED = "resulted", "Results in"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(
        max_length=22,
        unique=True,
        default=next_order_number,
        editable=False,
        help_text="The placer order number the lab sends back with the results.",
    )
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="lab_orders")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lab_orders"
    )
    ordering_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    test_name = models.CharField(max_length=200)
    loinc_code = models.CharField(max_length=16, help_text="LOINC, e.g. 24323-8.")
    reason = models.CharField(max_length=300, blank=True)
    where_to_go = models.CharField(max_length=300, blank=True)
    instructions = models.CharField(
        max_length=500, blank=True, help_text="For the patient, e.g. fast for 8 hours first."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ORDERED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="order_patient_recent")]

    def __str__(self) -> str:
        return f"{self.test_name} ({self.number})"
