"""Admin for people, roles and provider profiles."""

from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Language, PatientProfile, ProviderLicense, ProviderProfile, Role, User
from visits.audit import AuditedAdminMixin


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    """Users log in with their email; the role decides what they may use."""

    audit_what = "account"

    def has_delete_permission(self, request, obj=None) -> bool:
        """A patient's account holds their record: it is deactivated, never deleted here."""
        if obj is not None and obj.role == Role.PATIENT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # it could take patients with the rest
        return actions

    def audit_patient_id(self, obj) -> int | None:
        return obj.pk if obj.role == Role.PATIENT else None

    ordering = ["email"]
    list_display = ["email", "display_name", "role", "is_active", "is_staff", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("display_name", "role", "time_zone")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "role", "password1", "password2")}),
    )


class ProviderLicenseInline(admin.TabularInline):
    model = ProviderLicense
    extra = 1


@admin.register(ProviderProfile)
class ProviderProfileAdmin(admin.ModelAdmin):
    """Clinicians' practice, licenses, languages and time zone."""

    list_display = ["__str__", "kind", "time_zone"]
    list_filter = ["kind", "licenses__state"]
    search_fields = ["user__email", "user__display_name"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["languages"]
    inlines = [ProviderLicenseInline]
    list_select_related = ["user"]


@admin.register(PatientProfile)
class PatientProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Patients' identifying details."""

    audit_what = "details"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a patient's details are part of their record

    def audit_patient_id(self, obj) -> int:
        return obj.user_id

    list_display = ["__str__", "current_state", "time_zone"]
    search_fields = ["legal_last_name", "user__email"]
    list_select_related = ["user"]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


# allauth's own admin shows an authenticator's data (the TOTP key) in an editable box.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Who has which authenticator, and when it was used; never its secret."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
