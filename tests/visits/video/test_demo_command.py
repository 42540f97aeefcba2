"""The demo's video visit: a visit a few minutes from now, with the two links to open."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.zones import zone_name
from tests.walk import demo_clinic
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db


def test_it_books_alex_with_maya_soon_and_prints_the_links(settings):
    """A visit for Alex with Dr. Patel, and where the patient and the clinician go."""
    demo_clinic(settings)
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_video_visit", "--minutes", "7", stdout=out)
    visit = Visit.objects.order_by("-created_at").first()
    assert visit.patient.email == "alex.morgan@demo.housecall.example"
    assert visit.provider.user.email == "maya.patel@demo.housecall.example"
    assert f"/visits/{visit.pk}/check-in/" in out.getvalue()
    assert zone_name(visit.patient.patient_profile.zone) in out.getvalue()
    with pytest.raises(CommandError, match="already has a visit"):
        call_command("demo_video_visit", "--minutes", "7", stdout=io.StringIO())


def test_it_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=True"):
        call_command("demo_video_visit", stdout=io.StringIO())
