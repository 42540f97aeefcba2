"""The visit record's pages: the day, the chart, notes, prescriptions and lab orders.

Each area keeps its routes in its own block; every view declares its rule (accounts.policy).
"""

from django.urls import path

from visits.records.views import chart, day, notes, orders, status

app_name = "records"

urlpatterns = [
    # The visit's life, the day and the chart.
    path("clinician/day/", day.day_view, name="day"),
    path("clinician/patients/<int:patient_id>/", chart.patient_chart, name="chart"),
    path("visits/<uuid:visit_id>/status/", status.visit_status, name="visit_status"),
    # The note, its addenda, psychotherapy notes and the after-visit summary.
    path("visits/<uuid:visit_id>/note/", notes.visit_note, name="visit_note"),
    # Prescriptions and lab orders.
    path("visits/<uuid:visit_id>/orders/", orders.visit_orders, name="visit_orders"),
]
