"""The ondemand pages' URLs; every view declares its rule (accounts.policy)."""

from django.urls import path

from visits.ondemand import views

app_name = "ondemand"

urlpatterns = [
    # A patient asks to be seen now, and waits.
    path("on-demand/", views.seen_now, name="seen_now"),
    path("on-demand/waiting/", views.waiting, name="waiting"),
    path("on-demand/leave/", views.leave, name="leave"),
    # A physician on duty takes the next patient.
    path("clinician/on-demand/", views.queue, name="queue"),
    path("clinician/on-demand/duty/", views.duty, name="duty"),
    path("clinician/on-demand/take/", views.take, name="take"),
]
