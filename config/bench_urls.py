"""The benchmark's URLs: the site's, plus a bare page to measure every page against.

Mounted only by `bench_pages` (ROOT_URLCONF=config.bench_urls), never in production.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from accounts.policy import public
from config.urls import urlpatterns as site_urlpatterns


@public
def bare(request: HttpRequest) -> HttpResponse:
    """A static 5 KB template through the same middleware: the ceiling for one process."""
    return render(request, "bench/bare.html")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *site_urlpatterns]
