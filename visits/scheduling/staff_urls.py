"""Schedules for clinic staff (every provider) and clinicians (their own)."""

from django.urls import path

from visits.scheduling import staff_views as views

urlpatterns = [
    path("schedules/<int:provider_id>/", views.schedule_edit, name="schedule_edit"),
    path(
        "schedules/<int:provider_id>/hours/<int:weekday>/",
        views.schedule_day,
        name="schedule_day",
    ),
    path(
        "schedules/<int:provider_id>/hours/blocks/<int:block_id>/",
        views.schedule_block,
        name="schedule_block",
    ),
    path(
        "schedules/<int:provider_id>/hours/blocks/<int:block_id>/remove/",
        views.schedule_block_remove,
        name="schedule_block_remove",
    ),
    path("schedules/<int:provider_id>/hours/copy/", views.schedule_copy, name="schedule_copy"),
    path(
        "schedules/<int:provider_id>/exceptions/",
        views.schedule_exceptions,
        name="schedule_exceptions",
    ),
    path(
        "schedules/<int:provider_id>/exceptions/<int:exception_id>/remove/",
        views.schedule_exception_remove,
        name="schedule_exception_remove",
    ),
    path(
        "schedules/<int:provider_id>/calendar/",
        views.schedule_calendar,
        name="schedule_calendar",
    ),
    path(
        "schedules/<int:provider_id>/book/",
        views.visit_book_for_patient,
        name="schedule_book",
    ),
    path(
        "schedules/<int:provider_id>/visits/<uuid:visit_id>/move/",
        views.visit_move_for_patient,
        name="schedule_visit_move",
    ),
    path(
        "schedules/<int:provider_id>/visits/<uuid:visit_id>/cancel/",
        views.visit_cancel_for_patient,
        name="schedule_visit_cancel",
    ),
]
