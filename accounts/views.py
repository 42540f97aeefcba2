"""Public pages, the role router and a person's own details."""

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from accounts.forms import PatientProfileForm
from accounts.models import PatientProfile, Role
from accounts.policy import allow, public
from accounts.sessions import restores_pending_form, take_pending_form, user_has_mfa
from visits.web import HtmxHttpRequest, SignedInRequest

DASHBOARDS: dict[str, str] = {
    Role.PATIENT: "patient_dashboard",
    Role.CLINICIAN: "clinician_dashboard",
    Role.STAFF: "staff_dashboard",
}


@public
@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The front door: what Housecall is, or straight to the signed-in user's dashboard."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "accounts/home.html")


@public
@require_GET
def privacy(request: HtmxHttpRequest) -> HttpResponse:
    """The notice of privacy practices."""
    return render(request, "accounts/privacy.html")


@public
@require_GET
def healthz(request: HtmxHttpRequest) -> JsonResponse:
    """Liveness check for the platform's router; says nothing about anyone."""
    return JsonResponse({"status": "ok"})


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_GET
def dashboard(request: SignedInRequest) -> HttpResponse:
    """Send each role to its own dashboard."""
    return redirect(DASHBOARDS[request.user.role])


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_GET
def account_security(request: SignedInRequest) -> HttpResponse:
    """Sign-in email, password and two-factor authentication in one place."""
    return render(
        request,
        "accounts/account_security.html",
        {
            "has_mfa": user_has_mfa(request.user),
            # Patients read who opened their record; the log is about them, not about staff.
            "shows_access_log": request.user.role == Role.PATIENT,
        },
    )


@restores_pending_form
@allow(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def profile_edit(request: SignedInRequest) -> HttpResponse:
    """A patient's own details; bad input comes back with a message and everything typed."""
    data = request.POST if request.method == "POST" else take_pending_form(request)
    # The signed-in patient comes with their details; a form with data changes the instance it
    # checks, so that one is read afresh rather than the request's own.
    profile = (
        request.user.patient_profile_or_none
        if data is None
        else PatientProfile.objects.filter(user=request.user).first()
    )
    form = PatientProfileForm(data, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.instance.user = request.user
        form.save()
        messages.success(request, "Your details are saved.")
        url = reverse("patient_dashboard")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = "accounts/profile_edit.html"
    if request.htmx:
        template += "#profile-form"
    return render(request, template, {"form": form, "is_new": profile is None})
