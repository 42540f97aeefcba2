"""Patients' booking flow and their visits."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
