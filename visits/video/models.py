"""What the visit room keeps: the signalling messages between the two browsers, and a patient's
request to be called when video does not work."""

from django.conf import settings
from django.db import models

from visits.scheduling.models import Visit


class SignalMessage(models.Model):
    """One WebRTC signalling message from one side of a visit's room to the other.

    The id only grows, so a browser asks for what came `after` the last one it read. Messages
    are kept only minutes (they name network addresses): visits.video.signalling prunes them.
    """

    class Kind(models.TextChoices):
        JOIN = "join", "Joined"
        OFFER = "offer", "Offer"
        ANSWER = "answer", "Answer"
        CANDIDATE = "candidate", "ICE candidate"
        BYE = "bye", "Left"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="signals")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["visit", "id"], name="signal_visit_id"),
            models.Index(fields=["created_at"], name="signal_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for visit {self.visit_id}"


class PhoneCallRequest(models.Model):
    """The patient asked the clinic to call them because video would not connect."""

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="phone_request")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Call requested for visit {self.visit_id}"
