"""Shared test set-up: a clean cache, fast password hashing, and people in each role."""

import os

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

# CI explores the same examples on every run, so a run fails only for a change in the code.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

pytest_plugins = ["tests.accounts.fixtures"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters from one test never leak into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords quickly; production keeps Django's slow default."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
