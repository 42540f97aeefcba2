"""A patient's chart, for the clinicians who treat them."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from accounts import policy
from accounts.models import Role
from visits.audit import audit_page
from visits.records.chart import Shown, chart_page
from visits.web import SignedInRequest, clinical_patient_or_404, render_page


@policy.allow(Role.CLINICIAN)
@require_GET
def patient_chart(request: SignedInRequest, patient_id: int) -> HttpResponse:
    """The chart of a patient this clinician treats (policy.CLINICAL_PATIENTS); anyone else's
    is not found."""
    patient = clinical_patient_or_404(request, patient_id)
    page = chart_page(request.user, patient, shown=Shown.from_query(request.GET))
    audit_page(request, page.pop("audited"))
    return render_page(request, "visits/records/chart.html", page)
