"""The visit record's pages: the day, the chart, notes, prescriptions and lab orders.

Each area keeps its routes in its own block; every view declares its rule (accounts.policy).
"""

from django.urls import path

from visits.records.views import chart, day, notes, orders, psychotherapy, status

app_name = "records"

urlpatterns = [
    # The visit's life, the day and the chart.
    path("clinician/day/", day.day_view, name="day"),
    path("clinician/patients/<int:patient_id>/", chart.patient_chart, name="chart"),
    path("visits/<uuid:visit_id>/status/", status.visit_status, name="visit_status"),
    # The note, its addenda, psychotherapy notes and the after-visit summary.
    path("visits/<uuid:visit_id>/note/", notes.visit_note, name="visit_note"),
    path("visits/<uuid:visit_id>/note/draft/", notes.visit_note_draft, name="visit_note_draft"),
    path("visits/<uuid:visit_id>/note/sign/", notes.visit_note_sign, name="visit_note_sign"),
    path(
        "visits/<uuid:visit_id>/note/addenda/",
        notes.visit_note_addendum,
        name="visit_note_addendum",
    ),
    path(
        "visits/<uuid:visit_id>/note/diagnoses/search/",
        notes.visit_note_diagnosis_search,
        name="visit_note_diagnosis_search",
    ),
    path(
        "visits/<uuid:visit_id>/note/diagnoses/",
        notes.visit_note_diagnosis_add,
        name="visit_note_diagnosis_add",
    ),
    path(
        "visits/<uuid:visit_id>/note/diagnoses/<int:diagnosis_id>/remove/",
        notes.visit_note_diagnosis_remove,
        name="visit_note_diagnosis_remove",
    ),
    path(
        "visits/<uuid:visit_id>/psychotherapy-notes/",
        psychotherapy.psychotherapy_notes,
        name="psychotherapy_notes",
    ),
    # Prescriptions and lab orders.
    path("visits/<uuid:visit_id>/orders/", orders.visit_orders, name="visit_orders"),
    path(
        "visits/<uuid:visit_id>/orders/prescriptions/",
        orders.prescription_add,
        name="prescription_add",
    ),
    path("visits/<uuid:visit_id>/orders/labs/", orders.lab_order_add, name="lab_order_add"),
    path(
        "prescriptions/<int:prescription_id>/print/",
        orders.prescription_print,
        name="prescription_print",
    ),
    path(
        "prescriptions/<int:prescription_id>/complete/",
        orders.prescription_complete_view,
        name="prescription_complete",
    ),
    path(
        "prescriptions/<int:prescription_id>/stop/",
        orders.prescription_stop_view,
        name="prescription_stop",
    ),
]
