"""Prescriptions and lab orders from a visit: the orders page, its forms, and the printable
prescription record.

Treating clinicians read a visit's orders (policy.CLINICAL_RECORDS); only the visit's own
clinician writes them (policy.DOCUMENTABLE_VISITS): another treating clinician is refused (403),
anyone else finds nothing (404).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, QuerySet, UUIDField
from django.forms import Form
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import policy
from accounts.models import Role
from accounts.policy import allow
from config.prepared import Param, Prepared, Viewer
from visits.audit import audit_page, audit_read
from visits.records import order_selectors
from visits.records.models import Prescription
from visits.records.order_forms import LabOrderForm, PrescriptionForm, StopPrescriptionForm
from visits.records.orders import (
    ORDERABLE_STATUSES,
    OrderInvalid,
    OrderRefused,
    lab_order_create,
    prescription_complete,
    prescription_create,
    prescription_stop,
)
from visits.scheduling.models import Visit
from visits.web import SignedInRequest, client_ip, go, render_page

TEMPLATE = "visits/records/visit_orders.html"


def _readable_visits(viewer) -> QuerySet[Visit]:
    """The visits whose orders the viewer reads, each saying whether they write them too
    (`documentable`, policy.DOCUMENTABLE_VISITS, answered in the same query)."""
    visits = policy.CLINICAL_RECORDS.filter(
        Visit.objects.select_related("patient__patient_profile", "provider__user", "visit_type"),
        viewer,
    )
    return policy.DOCUMENTABLE_VISITS.annotate(visits, viewer, "documentable")


# Built and compiled once (config.prepared), run with the viewer and the visit's id.
READABLE_VISIT = Prepared(
    lambda viewer, visit: _readable_visits(viewer).filter(pk=visit),
    viewer=Viewer(),
    visit=Param("visit", UUIDField()),
)


def _visit(request: SignedInRequest, visit_id: object, *, write: bool = False) -> Visit:
    """The visit, if the viewer treats its patient (else 404); to write, it must be theirs (403)."""
    found = READABLE_VISIT.run(viewer=request.user, visit=visit_id)
    if not found:
        raise Http404("No such visit.")
    visit = found[0]
    if write and not visit.documentable:
        raise PermissionDenied("Only the visit's own clinician can order from it.")
    return visit


def _add_errors(form: Form, refusal: OrderRefused) -> None:
    if isinstance(refusal, OrderInvalid):
        for name, message in refusal.errors.items():
            form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, str(refusal))


def _orders_page(
    request: SignedInRequest,
    visit: Visit,
    *,
    prescription_form: PrescriptionForm | None = None,
    lab_form: LabOrderForm | None = None,
    stopping: tuple[int, StopPrescriptionForm] | None = None,
    partial: str | None = None,
) -> HttpResponse:
    orders = order_selectors.visit_orders(visit)
    can_write = visit.documentable  # type: ignore[attr-defined]
    stop_forms = dict([stopping]) if stopping else {}
    for rx in orders.prescriptions:
        # One form per row, each with its own ids; the one just refused keeps what was typed.
        stop_form = stop_forms.get(rx.pk) or StopPrescriptionForm(prefix=f"stop-{rx.pk}")
        stop_form.fields["reason"].label = f"Why stop {rx.medication}?"
        rx.stop_form = stop_form  # type: ignore[attr-defined]
    audit_page(request, {"visit": [(visit.patient_id, visit.pk)], **orders.records()})
    context = {
        "visit": visit,
        "patient": visit.patient,
        "profile": visit.patient.patient_profile_or_none,
        "orders": orders,
        "can_write": can_write,
        "orderable": visit.status in ORDERABLE_STATUSES,
        "prescription_form": prescription_form
        or PrescriptionForm(initial={"pharmacy": orders.history.pharmacy}),
        "lab_form": lab_form or LabOrderForm(),
    }
    return render_page(request, TEMPLATE, context, partial=partial)


@allow(Role.CLINICIAN)
@require_GET
def visit_orders(request: SignedInRequest, visit_id: object) -> HttpResponse:
    """A visit's prescriptions and lab orders, with the forms to add each for its clinician."""
    return _orders_page(request, _visit(request, visit_id))


@allow(Role.CLINICIAN)
@require_POST
def prescription_add(request: SignedInRequest, visit_id: object) -> HttpResponse:
    """Prescribe from the visit; a controlled substance is refused next to the medication."""
    visit = _visit(request, visit_id, write=True)
    form = PrescriptionForm(request.POST)
    if form.is_valid():
        try:
            prescription = prescription_create(
                visit=visit, actor=request.user, ip_address=client_ip(request), **form.cleaned_data
            )
        except OrderRefused as refusal:
            _add_errors(form, refusal)
        else:
            messages.success(
                request, f"Prescribed {prescription.medication} {prescription.strength}."
            )
            return go(request, reverse("records:visit_orders", args=[visit.pk]))
    return _orders_page(request, visit, prescription_form=form, partial="prescription-form")


@allow(Role.CLINICIAN)
@require_POST
def lab_order_add(request: SignedInRequest, visit_id: object) -> HttpResponse:
    """Order a lab test from the visit."""
    visit = _visit(request, visit_id, write=True)
    form = LabOrderForm(request.POST)
    if form.is_valid():
        try:
            order = lab_order_create(
                visit=visit, actor=request.user, ip_address=client_ip(request), **form.cleaned_data
            )
        except OrderRefused as refusal:
            _add_errors(form, refusal)
        else:
            messages.success(request, f"Ordered {order.test_name}.")
            return go(request, reverse("records:visit_orders", args=[visit.pk]))
    return _orders_page(request, visit, lab_form=form, partial="lab-order-form")


PRESCRIPTION = Prepared(
    lambda viewer, prescription: (
        policy.CLINICAL_RECORDS.filter(
            Prescription.objects.select_related(
                "visit__provider__user",
                "visit__visit_type",
                "patient__patient_profile",
                "prescriber__provider_profile",
                "status_changed_by",
            ),
            viewer,
        )
        .filter(pk=prescription)
        .order_by("pk")
    ),
    viewer=Viewer(),
    prescription=Param("prescription", BigIntegerField()),
)


def _prescription(request: SignedInRequest, prescription_id: int) -> Prescription:
    """A prescription of a patient the viewer treats (policy.CLINICAL_RECORDS), else 404."""
    found = PRESCRIPTION.run(viewer=request.user, prescription=prescription_id, limit=1)
    if not found:
        raise Http404("No such prescription.")
    return found[0]


@allow(Role.CLINICIAN)
@require_POST
def prescription_complete_view(request: SignedInRequest, prescription_id: int) -> HttpResponse:
    """Mark a prescription completed: the course is finished."""
    prescription = _prescription(request, prescription_id)
    visit = _visit(request, prescription.visit_id, write=True)
    try:
        prescription_complete(
            prescription=prescription, actor=request.user, ip_address=client_ip(request)
        )
    except OrderRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{prescription.medication} marked completed.")
    return go(request, reverse("records:visit_orders", args=[visit.pk]))


@allow(Role.CLINICIAN)
@require_POST
def prescription_stop_view(request: SignedInRequest, prescription_id: int) -> HttpResponse:
    """Stop a prescription, with the reason; without one, the page says so next to the field."""
    prescription = _prescription(request, prescription_id)
    visit = _visit(request, prescription.visit_id, write=True)
    form = StopPrescriptionForm(request.POST, prefix=f"stop-{prescription.pk}")
    if form.is_valid():
        try:
            prescription_stop(
                prescription=prescription,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except OrderInvalid as refusal:
            _add_errors(form, refusal)
        except OrderRefused as refusal:  # already stopped or completed: the page shows it so
            messages.error(request, str(refusal))
            return go(request, reverse("records:visit_orders", args=[visit.pk]))
        else:
            messages.success(request, f"{prescription.medication} stopped.")
            return go(request, reverse("records:visit_orders", args=[visit.pk]))
    return _orders_page(request, visit, stopping=(prescription.pk, form))


@allow(Role.CLINICIAN)
@require_GET
def prescription_print(request: SignedInRequest, prescription_id: int) -> HttpResponse:
    """The printable record of one prescription: prescriber, patient, date and what to dispense."""
    prescription = _prescription(request, prescription_id)
    history = order_selectors.health_history_facts(prescription.patient_id)
    audit_read(request, what="prescription", records=[(prescription.patient_id, prescription.pk)])
    return render_page(
        request,
        "visits/records/prescription_print.html",
        {
            "rx": prescription,
            "patient": prescription.patient,
            "profile": prescription.patient.patient_profile_or_none,
            "prescriber": prescription.prescriber.provider_profile_or_none,
            "history": history,
        },
    )
