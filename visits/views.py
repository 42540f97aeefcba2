"""Each role's home page in the clinic."""

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import PatientProfile, ProviderLicense, ProviderProfile, Role
from accounts.policy import allow
from accounts.views import HtmxHttpRequest


@allow(Role.PATIENT)
@require_GET
def patient_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """What a patient should do next, and their visits."""
    profile = PatientProfile.objects.filter(user=request.user).first()
    return render(request, "visits/patient_dashboard.html", {"profile": profile})


@allow(Role.CLINICIAN)
@require_GET
def clinician_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """A clinician's day and how patients find them."""
    provider = (
        ProviderProfile.objects.filter(user=request.user)
        .prefetch_related("licenses", "languages")
        .first()
    )
    return render(request, "visits/clinician_dashboard.html", {"provider": provider})


@allow(Role.STAFF)
@require_GET
def staff_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The clinic's providers, where they are licensed and what they offer."""
    providers = ProviderProfile.objects.select_related("user").prefetch_related(
        Prefetch("licenses", queryset=ProviderLicense.objects.only("provider_id", "state")),
        "languages",
    )
    return render(request, "visits/staff_dashboard.html", {"providers": providers})
