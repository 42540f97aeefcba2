"""Questionnaires, symptom checks, score history and safety alerts."""

from django.urls import path

from visits.questionnaires import views

urlpatterns = [
    path("symptoms/", views.symptom_start, name="symptom_start"),
    path("questionnaires/<slug:slug>/", views.questionnaire_answer, name="questionnaire_answer"),
    path(
        "visits/<uuid:visit_id>/questionnaires/<slug:slug>/",
        views.visit_questionnaire,
        name="visit_questionnaire",
    ),
    path("responses/<int:response_id>/", views.questionnaire_result, name="questionnaire_result"),
    path("alerts/<int:alert_id>/", views.safety_alert_detail, name="safety_alert_detail"),
    path(
        "alerts/<int:alert_id>/acknowledge/",
        views.safety_alert_acknowledge,
        name="safety_alert_acknowledge",
    ),
    path("visits/<uuid:visit_id>/check-ins/", views.check_in_toggle, name="check_in_toggle"),
    path("me/scores/", views.my_scores, name="my_scores"),
    path("patients/<int:patient_id>/scores/", views.patient_scores, name="patient_scores"),
    path("patients/<int:patient_id>/alerts/", views.patient_alerts, name="patient_alerts"),
]
