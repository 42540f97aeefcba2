"""The visit record's pages: the day, the chart, notes, prescriptions and lab orders.

Each area keeps its routes in its own block; every view declares its rule (accounts.policy).
"""

from django.urls import path

from visits.records.views import chart, day, notes, orders

app_name = "records"

urlpatterns = [
    # The visit's life, the day and the chart.
    path("clinician/day/", day.day_view, name="day"),
    path("clinician/patients/<int:patient_id>/", chart.patient_chart, name="chart"),
    # The note, its addenda, psychotherapy notes and the after-visit summary.
    path("visits/<uuid:visit_id>/note/", notes.visit_note, name="visit_note"),
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
