"""Production's static files storage answers each URL as whitenoise's own storage does."""

import pytest
from django.core.management import call_command
from django.test import override_settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from config.storage import StaticFilesStorage

NAMES = ["css/housecall.css", "js/housecall.js", "images/favicon.svg", "css/housecall.css#top"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    storages = {"staticfiles": {"BACKEND": "config.storage.StaticFilesStorage"}}
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def test_each_url_is_whitenoises_hashed_url_and_stays_so(collected):
    with override_settings(STATIC_ROOT=collected):
        ours, theirs = StaticFilesStorage(), CompressedManifestStaticFilesStorage()
        for _ in range(2):
            for name in NAMES:
                assert ours.url(name) == theirs.url(name)
        assert ours.url("css/housecall.css") != "/static/css/housecall.css"  # hashed
        assert ours.url("css/housecall.css", force=True) == theirs.url("css/housecall.css", True)


def test_a_file_missing_from_the_manifest_is_refused_every_time(collected):
    with override_settings(STATIC_ROOT=collected):
        storage = StaticFilesStorage()
        for _ in range(2):
            with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
                storage.url("css/not-there.css")
