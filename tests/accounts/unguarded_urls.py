"""A URL configuration with one view that declares no rule, for the run-time refusal test."""

from django.http import HttpResponse
from django.urls import include, path

from accounts.policy import public


def forgotten(request):
    """A view whose author forgot its access rule."""
    return HttpResponse("patient data")


@public
def declared(request):
    """A public view, declared as such."""
    return HttpResponse("hello")


urlpatterns = [
    path("forgotten/", forgotten),
    path("declared/", declared),
    path("", include("config.urls")),
]
