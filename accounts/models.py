"""People who use Housecall: one user, one role, and the profile that role needs."""

import secrets
import zoneinfo
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone

from accounts.states import US_STATES

COMMON_TIME_ZONES = [
    ("America/New_York", "Eastern (New York)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Phoenix", "Mountain, no daylight saving (Phoenix)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico)"),
]
ALL_TIME_ZONES = sorted(zoneinfo.available_timezones())


class Role(models.TextChoices):
    """What a person comes to Housecall to do; each role has its own dashboard."""

    PATIENT = "patient", "Patient"
    CLINICIAN = "clinician", "Clinician"
    STAFF = "staff", "Clinic staff"


class UserManager(BaseUserManager["User"]):
    """Creates users whose login is their email address."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        """Create an ordinary user (a patient unless a role is given)."""
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        """Create an administrator who may use the Django admin."""
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", Role.STAFF)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with a Housecall login; email is the username."""

    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    display_name = models.CharField(
        max_length=150, blank=True, help_text="How Housecall greets this person."
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        default="",
        choices=[(z, z) for z in ALL_TIME_ZONES],
        help_text="Where staff and admins read times; empty means the clinic's zone. "
        "Patients and clinicians use the zone in their profile.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "admin site access",
        default=False,
        help_text="May sign in to the Django admin. Not the same as the clinic staff role.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name.split(" ")[0] if self.display_name else self.email

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def is_clinic_staff(self) -> bool:
        return self.role == Role.STAFF

    # The signed-in user arrives with both profiles joined (accounts.backends), so these cost no
    # query on a request; on any other user they cost the one query the lookup would.
    @property
    def patient_profile_or_none(self) -> "PatientProfile | None":
        """The patient's details, or None before they have given them."""
        return getattr(self, "patient_profile", None)

    @property
    def provider_profile_or_none(self) -> "ProviderProfile | None":
        """The clinician's provider profile, or None if they have none."""
        return getattr(self, "provider_profile", None)

    @property
    def must_use_mfa(self) -> bool:
        """Clinicians, clinic staff and admins see other people's data, so MFA is required."""
        return self.role in (Role.CLINICIAN, Role.STAFF) or self.is_staff


class Language(models.Model):
    """A language a clinician can hold a visit in."""

    code = models.CharField(max_length=8, primary_key=True, help_text="ISO 639-1 code, e.g. es")
    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProviderProfile(models.Model):
    """What a clinician practises, where they are licensed and how they work."""

    class Kind(models.TextChoices):
        PHYSICIAN = "physician", "Physician"
        PSYCHIATRIST = "psychiatrist", "Psychiatrist"
        THERAPIST = "therapist", "Therapist"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="provider_profile")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    credentials = models.CharField(max_length=32, blank=True, help_text="e.g. MD, DO, LCSW")
    bio = models.TextField(blank=True)
    languages = models.ManyToManyField(Language, related_name="providers", blank=True)
    time_zone = models.CharField(max_length=64, choices=[(z, z) for z in ALL_TIME_ZONES])

    class Meta:
        ordering = ["user__display_name"]

    def __str__(self) -> str:
        name = self.user.display_name or self.user.email
        return f"{name}, {self.credentials}" if self.credentials else name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The profile's time zone, for converting stored UTC times to its wall clock."""
        return zoneinfo.ZoneInfo(self.time_zone)


class ProviderLicense(models.Model):
    """A state license: a clinician may only see patients who are in that state."""

    provider = models.ForeignKey(ProviderProfile, on_delete=models.CASCADE, related_name="licenses")
    state = models.CharField(max_length=2, choices=US_STATES)
    number = models.CharField(max_length=32, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["state"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "state"], name="one_license_per_state")
        ]

    def __str__(self) -> str:
        return f"{self.provider} ({self.state})"


def new_record_number() -> str:
    """A medical record number: what labs send back in HL7 PID-3 and FHIR Patient.identifier."""
    return f"HC{secrets.randbelow(10**8):08d}"


class PatientProfile(models.Model):
    """Who the patient is and where they are now (the state decides licensure)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="patient_profile")
    record_number = models.CharField(
        "medical record number",
        max_length=12,
        unique=True,
        default=new_record_number,
        editable=False,
        help_text="The clinic's identifier for the patient, on lab orders and results.",
    )
    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    phone = models.CharField(max_length=20, help_text="Stored as E.164, e.g. +15125550123.")
    current_state = models.CharField(max_length=2, choices=US_STATES)
    time_zone = models.CharField(max_length=64, choices=[(z, z) for z in ALL_TIME_ZONES])
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.legal_first_name} {self.legal_last_name}"

    @property
    def legal_name(self) -> str:
        return f"{self.legal_first_name} {self.legal_last_name}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The profile's time zone, for converting stored UTC times to its wall clock."""
        return zoneinfo.ZoneInfo(self.time_zone)


class Session(AbstractBaseSession):
    """A browser's session: Django's own columns, and whose it is once they have signed in.

    Every signed-in request reads its session and then its person; with the person's key beside
    the session's data, both come in one query (accounts/request_loads.py). Deleting a person
    deletes their sessions.
    """

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls):
        from accounts.request_loads import SessionStore

        return SessionStore
