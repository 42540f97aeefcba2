"""Patients' booking flow and the pages of one visit."""

from django.urls import path

from visits.scheduling import views

urlpatterns = [
    path("book/", views.booking_start, name="booking_start"),
    path("book/<slug:slug>/", views.booking_providers, name="booking_providers"),
    path("book/<slug:slug>/<int:provider_id>/", views.booking_times, name="booking_times"),
    path(
        "book/<slug:slug>/<int:provider_id>/confirm/", views.booking_confirm, name="booking_confirm"
    ),
    path("visits/<uuid:visit_id>/", views.visit_detail, name="visit_detail"),
    path("visits/<uuid:visit_id>/calendar.ics", views.visit_ics, name="visit_ics"),
    path("visits/<uuid:visit_id>/cancel/", views.visit_cancel_view, name="visit_cancel"),
    path(
        "visits/<uuid:visit_id>/reschedule/", views.visit_reschedule_view, name="visit_reschedule"
    ),
]
