"""A patient's intake: the standing record saved step by step, its history and consent signatures."""

import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils import timezone

from visits.intake.consents import CONSENTS


class IntakeStep(models.TextChoices):
    """The intake's steps, in the order the patient fills them in."""

    DEMOGRAPHICS = "demographics", "Demographics and home address"
    EMERGENCY_CONTACT = "emergency-contact", "Emergency contact"
    INSURANCE = "insurance", "Insurance"
    HISTORY = "history", "Medical history"
    MEDICATIONS = "medications", "Current medications"
    ALLERGIES = "allergies", "Allergies"
    PHARMACY = "pharmacy", "Preferred pharmacy"
    CONSENTS = "consents", "Consents"

    @property
    def number(self) -> int:
        """1 for the first step."""
        return list(IntakeStep).index(self) + 1


def missing_steps(answers: dict) -> list[IntakeStep]:
    """The steps not yet saved; consents count only when every current version is signed."""
    missing: list[IntakeStep] = [
        step for step in IntakeStep if step != IntakeStep.CONSENTS and step not in answers
    ]
    signed = answers.get(IntakeStep.CONSENTS, {})
    if any(
        signed.get(slug, {}).get("version") != document.version
        for slug, document in CONSENTS.items()
    ):
        missing.append(IntakeStep.CONSENTS)
    return missing


class Intake(models.Model):
    """A patient's intake as it stands: saved answers per step, and drafts of what was typed."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intake"
    )
    answers = models.JSONField(
        default=dict, blank=True, help_text="Validated answers, by step slug."
    )
    drafts = models.JSONField(
        default=dict,
        blank=True,
        help_text="What was typed and not yet saved, valid or not, by step slug.",
    )
    current_step = models.CharField(
        max_length=32,
        choices=IntakeStep.choices,
        blank=True,
        help_text="Where the patient left off; empty once complete.",
    )
    completed_at = models.DateTimeField(
        null=True, blank=True, help_text="When every step was first saved."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Intake of {self.patient_id}"

    @property
    def missing_steps(self) -> list[IntakeStep]:
        return missing_steps(self.answers)

    @property
    def is_complete(self) -> bool:
        return not self.missing_steps

    def basis(self, step: IntakeStep) -> str:
        """A fingerprint of the step's saved answers: a page carries it to say what it was shown."""
        saved = json.dumps(self.answers.get(step), sort_keys=True)
        return hashlib.sha256(saved.encode()).hexdigest()[:16]


class IntakeVersion(models.Model):
    """A snapshot of a complete intake, taken each time it changes: what was true at a visit."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intake_versions"
    )
    number = models.PositiveIntegerField()
    answers = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["patient", "number"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "number"], name="one_intake_version_number")
        ]
        indexes = [models.Index(fields=["patient", "created_at"], name="intake_version_as_of")]

    def __str__(self) -> str:
        return f"Intake of {self.patient_id}, version {self.number}"


class ConsentSignature(models.Model):
    """A patient's signature, by typed legal name, of one exact version of a consent text."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consent_signatures"
    )
    document = models.CharField(
        max_length=32, choices=[(slug, doc.title) for slug, doc in CONSENTS.items()]
    )
    version = models.CharField(max_length=32)
    text_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the exact text signed.")
    typed_name = models.CharField(max_length=250)
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["patient", "-signed_at"]

    def __str__(self) -> str:
        return f"{self.document} v{self.version} signed by {self.patient_id}"
