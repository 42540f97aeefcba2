"""Every scheduling page: the patient's booking, one visit, and the staff side of schedules."""

from django.urls import path

from visits.scheduling.views import (
    booking,
    booking_gate,
    calendar,
    for_patient,
    for_patient_visit,
    hours,
    visit,
)

app_name = "scheduling"

urlpatterns = [
    # A patient books step by step.
    path("book/", booking.booking_start, name="booking_start"),
    path("book/<slug:slug>/", booking.booking_providers, name="booking_providers"),
    path(
        "book/<slug:slug>/for-something-else/",
        booking_gate.booking_other_complaint,
        name="booking_other_complaint",
    ),
    path("book/<slug:slug>/<int:provider_id>/", booking.booking_times, name="booking_times"),
    path(
        "book/<slug:slug>/<int:provider_id>/confirm/",
        booking.booking_confirm,
        name="booking_confirm",
    ),
    # One visit.
    path("visits/<uuid:visit_id>/", visit.visit_detail, name="visit_detail"),
    path("visits/<uuid:visit_id>/calendar.ics", visit.visit_ics, name="visit_ics"),
    path("visits/<uuid:visit_id>/cancel/", visit.visit_cancel_view, name="visit_cancel"),
    path(
        "visits/<uuid:visit_id>/reschedule/",
        visit.visit_reschedule_view,
        name="visit_reschedule",
    ),
    # The hours editor.
    path("schedules/<int:provider_id>/", hours.schedule_edit, name="schedule_edit"),
    path(
        "schedules/<int:provider_id>/hours/<int:weekday>/",
        hours.schedule_day,
        name="schedule_day",
    ),
    path(
        "schedules/<int:provider_id>/hours/blocks/<int:block_id>/",
        hours.schedule_block,
        name="schedule_block",
    ),
    path(
        "schedules/<int:provider_id>/hours/blocks/<int:block_id>/remove/",
        hours.schedule_block_remove,
        name="schedule_block_remove",
    ),
    path("schedules/<int:provider_id>/hours/copy/", hours.schedule_copy, name="schedule_copy"),
    path(
        "schedules/<int:provider_id>/exceptions/",
        hours.schedule_exceptions,
        name="schedule_exceptions",
    ),
    path(
        "schedules/<int:provider_id>/exceptions/<int:exception_id>/remove/",
        hours.schedule_exception_remove,
        name="schedule_exception_remove",
    ),
    # The calendar, and booking, moving and cancelling for a patient.
    path(
        "schedules/<int:provider_id>/calendar/",
        calendar.schedule_calendar,
        name="schedule_calendar",
    ),
    path(
        "schedules/<int:provider_id>/book/",
        for_patient.visit_book_for_patient,
        name="schedule_book",
    ),
    path(
        "schedules/<int:provider_id>/visits/<uuid:visit_id>/move/",
        for_patient_visit.visit_move_for_patient,
        name="schedule_visit_move",
    ),
    path(
        "schedules/<int:provider_id>/visits/<uuid:visit_id>/cancel/",
        for_patient_visit.visit_cancel_for_patient,
        name="schedule_visit_cancel",
    ),
]
