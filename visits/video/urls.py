"""The video pages' URLs; every view declares its rule (accounts.policy)."""

from django.urls import path  # noqa: F401 - routes are added with the pages

app_name = "video"

urlpatterns: list = []
