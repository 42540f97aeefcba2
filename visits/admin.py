"""Admin for the clinic's data: visit types are edited here; questionnaires and the audit log are read."""

from django.contrib import admin

from visits.audit import AuditedAdminMixin, AuditEvent
from visits.questionnaires.models import Questionnaire, SafetyAlert
from visits.scheduling.models import ScheduleException, Visit, VisitType, WeeklyHours


@admin.register(VisitType)
class VisitTypeAdmin(admin.ModelAdmin):
    """Durations, buffers, notice, horizon and cancellation windows are data the clinic edits."""

    list_display = [
        "name",
        "duration_minutes",
        "buffer_after_minutes",
        "minimum_notice_minutes",
        "booking_horizon_days",
        "cancellation_window_hours",
        "can_recur",
        "symptom_check",
        "is_active",
    ]
    list_editable = ["is_active"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["providers"]


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(admin.ModelAdmin):
    list_display = ["provider", "weekday", "start_time", "end_time"]
    list_filter = ["weekday"]
    list_select_related = ["provider__user"]


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(admin.ModelAdmin):
    list_display = ["provider", "kind", "start_date", "end_date", "start_time", "end_time", "note"]
    list_filter = ["kind"]
    list_select_related = ["provider__user"]


@admin.register(Visit)
class VisitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Schedules only: the reason a patient gave is clinical and is not shown here."""

    audit_what = "visit"

    list_display = ["start", "visit_type", "provider", "status", "series"]
    list_filter = ["status", "visit_type"]
    date_hierarchy = "start"
    fields = [
        "patient",
        "provider",
        "visit_type",
        "start",
        "end",
        "blocked_until",
        "status",
        "series",
    ]
    readonly_fields = fields
    list_select_related = ["visit_type", "provider__user"]

    def has_add_permission(self, request) -> bool:
        return False  # visits are booked through the booking services, which check everything


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    """Loaded from the definition files after every migrate; change a file and raise its version."""

    list_display = ["title", "slug", "version", "kind", "loaded_at"]
    list_filter = ["kind"]


@admin.register(SafetyAlert)
class SafetyAlertAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    audit_what = "safety alert"
    list_display = ["created_at", "reason", "acknowledged_at", "acknowledged_by"]
    fields = ["created_at", "reason", "acknowledged_at", "acknowledged_by", "note"]
    readonly_fields = fields


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log: who read or changed which patient's data, when and from where."""

    list_display = ["at", "actor", "action", "what", "patient", "object_id", "ip_address"]
    list_filter = ["action", "what"]
    date_hierarchy = "at"
    search_fields = ["actor__email", "patient__email", "object_id"]
    list_select_related = ["actor", "patient"]
