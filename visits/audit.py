"""Who read or changed which patient's protected data, when and from where."""

from collections.abc import Iterable

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.db import models
from django.http import HttpRequest


class AuditEvent(models.Model):
    """One access to a patient's protected data. Never edited, never deleted by the app."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        CANCEL = "cancel", "Cancelled"
        EXPORT = "export", "Exported"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_actions"
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_events"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    what = models.CharField(max_length=64, help_text="The kind of record, e.g. visit.")
    object_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["patient", "-at"], name="audit_patient_recent")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} {self.what} of {self.patient_id}"


def audit_change(
    *,
    actor,
    action: str,
    what: str,
    records: Iterable[tuple[int, object]],
    ip_address: str | None = None,
) -> None:
    """Record a change to patients' protected data, from inside the service that makes it.

    One event per (patient id, object id), written with a single insert in the caller's
    transaction, so the record commits or rolls back with the change. A patient's own actions
    on their own record are not events: the record itself says who booked or cancelled.
    """
    events = [
        AuditEvent(
            actor=actor,
            patient_id=patient_id,
            action=action,
            what=what,
            object_id=str(object_id),
            ip_address=ip_address,
        )
        for patient_id, object_id in records
        if patient_id != actor.pk
    ]
    if events:
        AuditEvent.objects.bulk_create(events)


def audit_read(request: HttpRequest, *, what: str, records: Iterable[tuple[int, object]]) -> None:
    """The one helper that records what a page or export showed of patients' protected data.

    Called once per page view by the selector or view that assembles the page; a patient's
    own reads are not logged.
    """
    audit_change(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        what=what,
        records=records,
        ip_address=get_adapter(request).get_client_ip(request),
    )


class AuditedAdminMixin:
    """Log every patient's record an admin page shows: each row of a list, and an opened record.

    `audit_what` names the record in the patient's access log; `audit_patient_id` says whose it is.
    Changes made in the admin are also in the admin's own history.
    """

    audit_what = "record"

    def audit_patient_id(self, obj) -> int | None:
        return obj.patient_id

    def _audit(self, request: HttpRequest, action: str, objects: Iterable) -> None:
        records = [(self.audit_patient_id(obj), obj.pk) for obj in objects]
        audit_change(
            actor=request.user,
            action=action,
            what=self.audit_what,
            records=[(patient_id, pk) for patient_id, pk in records if patient_id is not None],
            ip_address=get_adapter(request).get_client_ip(request),
        )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        self._audit(request, AuditEvent.Action.VIEW, changelist.result_list)
        return changelist

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            self._audit(request, AuditEvent.Action.VIEW, [obj])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        action = AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE
        self._audit(request, action, [obj])
