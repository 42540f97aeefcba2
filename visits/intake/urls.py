"""The patient's intake steps and the page where it is read."""

from django.urls import path

from visits.intake import views

urlpatterns = [
    path("intake/", views.intake_start, name="intake_start"),
    path("intake/<slug:step>/", views.intake_step, name="intake_step"),
    path("patients/<int:patient_id>/intake/", views.patient_intake, name="patient_intake"),
]
