"""Housecall's URLs. Every view here declares who may use it (accounts.policy)."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from visits import views as visit_views

admin.site.site_header = "Housecall administration"
admin.site.site_title = "Housecall admin"
# Admins sign in through allauth, so its rate limits and MFA apply to the admin too. allauth's
# documented way wraps this one site's bound login view, which mypy reads as assigning to a method.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", account_views.home, name="home"),
    path("privacy/", account_views.privacy, name="privacy"),
    path("healthz", account_views.healthz, name="healthz"),
    path("dashboard/", account_views.dashboard, name="dashboard"),
    path("me/details/", account_views.profile_edit, name="profile_edit"),
    path("me/security/", account_views.account_security, name="account_security"),
    path("patient/", visit_views.patient_dashboard, name="patient_dashboard"),
    path("clinician/", visit_views.clinician_dashboard, name="clinician_dashboard"),
    path("staff/", visit_views.staff_dashboard, name="staff_dashboard"),
    path("me/access-log/", visit_views.access_log, name="access_log"),
    path("", include("visits.scheduling.urls")),
    path("", include("visits.questionnaires.urls")),
    path("", include("visits.intake.urls")),
    path("", include("visits.records.urls")),
    path("", include("visits.results.urls")),
    path("", include("visits.video.urls")),
    path("", include("visits.ondemand.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
