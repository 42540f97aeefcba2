"""Schedules for clinic staff (every provider) and clinicians (their own)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
