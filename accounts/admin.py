"""Admin for people, roles and provider profiles."""

from typing import Any

from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse
from django_tasks_db.admin import DBTaskResultAdmin as BaseTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from accounts.models import Language, PatientProfile, ProviderLicense, ProviderProfile, Role, User
from visits.audit import AuditedAdminMixin, admin_page


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin[User]):
    """Users log in with their email; the role decides what they may use."""

    audit_what = "account"

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        """A patient's account holds their record: it is deactivated, never deleted here."""
        if obj is not None and obj.role == Role.PATIENT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> dict[str, Any]:
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # it could take patients with the rest
        return actions

    def audit_patient_id(self, obj: User) -> int | None:
        return obj.pk if obj.role == Role.PATIENT else None

    @admin_page
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """The password page names the account, so opening a patient's is in their log."""
        response = super().user_change_password(request, id, form_url)
        user = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and user is not None:
            self.audit_shown(request, [user])
        return response

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        """The admin's autocomplete offers accounts for clinicians' profiles only: never a patient.

        It answers with every match's email; the one field that uses it (a provider profile's
        user) only ever names a clinician, so patients are not offered, and not shown.
        """
        if request.resolver_match is not None and request.resolver_match.url_name == "autocomplete":
            queryset = queryset.filter(role=Role.CLINICIAN)
        return super().get_search_results(request, queryset, search_term)

    ordering = ["email"]
    filter_horizontal = ()  # labelled multiple selects: the two-box widget fails axe
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


class ProviderLicenseInline(admin.StackedInline[ProviderLicense, ProviderProfile]):
    """Stacked, so each license's fields have their own labels (a table's headers are not)."""

    model = ProviderLicense
    extra = 1


@admin.register(ProviderProfile)
class ProviderProfileAdmin(admin.ModelAdmin[ProviderProfile]):
    """Clinicians' practice, licenses, languages and time zone."""

    list_display = ["__str__", "kind", "time_zone"]
    list_filter = ["kind", "licenses__state"]
    search_fields = ["user__email", "user__display_name"]
    inlines = [ProviderLicenseInline]
    list_select_related = ["user"]
    # Plain labelled fields: Django's autocomplete and two-box filter widgets fail axe (an
    # unnamed combobox, ARIA labels on plain spans).

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        """A profile belongs to a clinician: only clinicians are offered, never a patient."""
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(role=Role.CLINICIAN).order_by("email")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PatientProfile)
class PatientProfileAdmin(AuditedAdminMixin, admin.ModelAdmin[PatientProfile]):
    """Patients' identifying details."""

    audit_what = "details"
    # A choice list of users would show every account's email; the id box shows none.
    raw_id_fields = ["user"]

    def has_delete_permission(
        self, request: HttpRequest, obj: PatientProfile | None = None
    ) -> bool:
        return False  # a patient's details are part of their record

    def get_readonly_fields(
        self, request: HttpRequest, obj: PatientProfile | None = None
    ) -> list[str] | tuple[str, ...]:
        """Whose details these are never changes once they exist."""
        return ("user",) if obj is not None else ()

    def audit_patient_id(self, obj: PatientProfile) -> int:
        return obj.user_id

    list_display = ["__str__", "current_state", "time_zone"]
    search_fields = ["legal_last_name", "user__email"]
    list_select_related = ["user"]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin[Language]):
    list_display = ["name", "code"]


# allauth's own admin shows an authenticator's data (the TOTP key) in an editable box.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AuditedAdminMixin, admin.ModelAdmin[Authenticator]):
    """Who has which authenticator, and when it was used; never its secret."""

    audit_what = "sign-in methods"
    list_select_related = ["user"]

    def audit_patient_id(self, obj: Authenticator) -> int | None:
        return obj.user_id if obj.user.role == Role.PATIENT else None

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Authenticator | None = None) -> bool:
        return False


# Django's group admin uses the two-box filter widget, whose ARIA fails axe.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """Groups of permissions, chosen in a labelled multiple select."""

    filter_horizontal = ()


# allauth's list of email addresses shows patients' emails; each one shown is in their log.
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(AuditedAdminMixin, BaseEmailAddressAdmin):
    """Sign-in addresses and whether they are verified."""

    audit_what = "email address"
    list_select_related = ["user"]

    def audit_patient_id(self, obj: EmailAddress) -> int | None:
        return obj.user_id if obj.user.role == Role.PATIENT else None


# django-tasks-db's admin shows each task's arguments, return value and traceback: a failed
# email's traceback names its recipient. Only what the task was and how it went is shown here.
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(BaseTaskResultAdmin):
    """Background tasks: which, when and how they went; never their arguments or output."""

    HIDDEN = ("args_kwargs", "return_value", "traceback", "formatted_traceback", "worker_ids")

    def get_readonly_fields(
        self, request: HttpRequest, obj: DBTaskResult | None = None
    ) -> list[str]:
        return [
            name for name in super().get_readonly_fields(request, obj) if name not in self.HIDDEN
        ]
