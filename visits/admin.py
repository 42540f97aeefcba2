"""Admin for the clinic's data: visit types are edited here; questionnaires and the audit log are read."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import ProviderProfile
from visits.audit import AuditedAdminMixin, AuditEvent
from visits.questionnaires.models import Questionnaire, SafetyAlert
from visits.scheduling.models import ScheduleException, Visit, VisitType, WeeklyHours


class VisitTypeForm(forms.ModelForm):
    """A visit type's rules, checked with messages written for clinic staff."""

    class Meta:
        model = VisitType
        fields = [
            "slug",
            "name",
            "description",
            "duration_minutes",
            "buffer_after_minutes",
            "minimum_notice_minutes",
            "booking_horizon_days",
            "cancellation_window_hours",
            "slot_interval_minutes",
            "provider_kinds",
            "providers",
            "can_recur",
            "symptom_check",
            "questionnaires",
            "is_active",
            "sort_order",
        ]

    def clean_duration_minutes(self) -> int:
        minutes = self.cleaned_data["duration_minutes"]
        if minutes is not None and minutes < 1:
            raise forms.ValidationError(
                "The duration must be at least 1 minute: a visit needs time."
            )
        return minutes

    def clean_slot_interval_minutes(self) -> int:
        minutes = self.cleaned_data["slot_interval_minutes"]
        if minutes is not None and minutes < 1:
            raise forms.ValidationError(
                "The interval must be at least 1 minute: start times are offered that often."
            )
        return minutes

    def clean_questionnaires(self) -> list:
        slugs = self.cleaned_data.get("questionnaires") or []
        if not isinstance(slugs, list) or not all(isinstance(slug, str) for slug in slugs):
            raise forms.ValidationError('List the questionnaires by name, e.g. ["phq-9", "gad-7"].')
        known = set(Questionnaire.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            available = ", ".join(sorted(set(Questionnaire.objects.values_list("slug", flat=True))))
            raise forms.ValidationError(
                f"There is no questionnaire called {', '.join(unknown)}. "
                f"Patients would be sent to a missing page. Choose from: {available}."
            )
        return slugs

    def clean_provider_kinds(self) -> list:
        kinds = self.cleaned_data.get("provider_kinds") or []
        valid = {value for value, _ in ProviderProfile.Kind.choices}
        if not isinstance(kinds, list) or not kinds or any(kind not in valid for kind in kinds):
            raise forms.ValidationError(
                "Name at least one kind of provider, from: " + ", ".join(sorted(valid)) + "."
            )
        return kinds


@admin.register(VisitType)
class VisitTypeAdmin(admin.ModelAdmin):
    """Durations, buffers, notice, horizon and cancellation windows are data the clinic edits."""

    form = VisitTypeForm

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
    prepopulated_fields = {"slug": ["name"]}
    # A labelled multiple select: Django's two-box filter widget puts ARIA labels on plain spans.


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class HoursAdmin(ReadOnlyAdmin):
    """Hours are read here and changed in the schedule editor, which asks about every booked
    visit a change would leave outside the hours; the admin would skip that question."""

    list_select_related = ["provider__user"]

    @admin.display(description="Change in")
    def schedule_editor(self, obj) -> str:
        return format_html(
            '<a href="{}">{}\'s schedule editor</a>',
            reverse("scheduling:schedule_edit", args=[obj.provider_id]),
            obj.provider,
        )


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(HoursAdmin):
    list_display = ["provider", "weekday", "start_time", "end_time", "schedule_editor"]
    list_filter = ["weekday"]


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(HoursAdmin):
    list_display = [
        "provider",
        "kind",
        "start_date",
        "end_date",
        "start_time",
        "end_time",
        "note",
        "schedule_editor",
    ]
    list_filter = ["kind"]


@admin.register(Visit)
class VisitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Schedules only: the reason a patient gave is clinical and is not shown here."""

    audit_what = "visit"

    list_display = ["start", "visit_type", "provider", "status", "series"]
    list_filter = ["status", "visit_type"]
    date_hierarchy = "start"
    fields = readonly_fields = (
        "patient",
        "provider",
        "visit_type",
        "start",
        "end",
        "blocked_until",
        "status",
        "series",
    )
    list_select_related = ["visit_type", "provider__user"]

    def has_add_permission(self, request) -> bool:
        return False  # visits are booked through the booking services, which check everything

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # moved and cancelled through the services, which email and audit

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a visit is part of the clinical record: it is cancelled, never deleted


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    """Loaded from the definition files after every migrate; change a file and raise its version."""

    list_display = ["title", "slug", "version", "kind", "loaded_at"]
    list_filter = ["kind"]


@admin.register(SafetyAlert)
class SafetyAlertAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    audit_what = "safety alert"
    list_display = ["created_at", "reason", "acknowledged_at", "acknowledged_by"]
    fields = readonly_fields = (
        "created_at",
        "reason",
        "acknowledged_at",
        "acknowledged_by",
        "note",
    )


@admin.register(AuditEvent)
class AuditEventAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    """The audit log: who read or changed which patient's data, when and from where.

    It names patients too, so reading it is itself in each patient's access log.
    """

    audit_what = "access log"
    list_display = ["at", "actor", "action", "what", "count", "page", "patient", "ip_address"]
    list_filter = ["action", "what"]
    date_hierarchy = "at"
    search_fields = ["actor__email", "patient__email", "object_id"]
    list_select_related = ["actor", "patient"]
