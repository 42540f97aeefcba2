"""Virtual visits' URLs: check-in, the device check, the waiting room and the visit room."""

from django.urls import path

from visits.video import views

app_name = "video"

urlpatterns = [
    path("visits/<uuid:visit_id>/check-in/", views.check_in, name="check_in"),
    path("visits/<uuid:visit_id>/waiting-room/", views.waiting_room, name="waiting_room"),
    path("visits/<uuid:visit_id>/room/", views.room, name="room"),
    # The device check, the clinician's start and complete, and what the room's script calls.
    path("visits/<uuid:visit_id>/device-check/", views.device_check, name="device_check"),
    path("visits/<uuid:visit_id>/room/start/", views.start, name="start"),
    path("visits/<uuid:visit_id>/room/complete/", views.complete, name="complete"),
    path("visits/<uuid:visit_id>/room/signals/", views.signals, name="signals"),
    path("visits/<uuid:visit_id>/room/call-me/", views.call_me, name="call_me"),
    path("visits/<uuid:visit_id>/still-here/", views.still_here, name="still_here"),
]
