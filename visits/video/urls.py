"""Virtual visits' URLs: check-in, the device check, the waiting room and the visit room."""

from django.urls import path

from visits.video import views

app_name = "video"

urlpatterns = [
    path("visits/<uuid:visit_id>/check-in/", views.check_in, name="check_in"),
    path("visits/<uuid:visit_id>/waiting-room/", views.waiting_room, name="waiting_room"),
    path("visits/<uuid:visit_id>/room/", views.room, name="room"),
]
