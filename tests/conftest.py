"""Shared test set-up: production-like settings, a clean cache, and people in each role."""

import pytest
from django.core.cache import cache

pytest_plugins = ["tests.accounts.fixtures"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters from one test never leak into the next."""
    cache.clear()
    yield
    cache.clear()
