"""Shared test set-up: a clean cache, fast password hashing, and people in each role."""

import pytest
from django.core.cache import cache

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
