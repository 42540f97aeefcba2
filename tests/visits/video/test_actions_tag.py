"""`{% video_actions %}` writes exactly what its template writes, and nothing where the
template writes nothing (most visits on a list), without rendering it then."""

import datetime
import itertools

import pytest
from django.template import Context, Template
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Role
from tests.accounts.factories import UserFactory
from tests.visits.factories import VisitFactory
from visits.scheduling.models import Visit
from visits.templatetags import video

pytestmark = pytest.mark.django_db

Status = Visit.Status
# Before check-in opens, while it is open, during the visit, and after it.
STARTS = [
    datetime.timedelta(hours=2),
    datetime.timedelta(minutes=10),
    -datetime.timedelta(minutes=5),
    -datetime.timedelta(hours=3),
]


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_tag_writes_what_its_template_writes_for_every_viewer_status_and_time():
    visit = VisitFactory()
    staff = UserFactory(role=Role.STAFF)
    viewers = [visit.patient, visit.provider.user, staff]
    tag = Template("{% load video %}{% video_actions visit compact=compact %}")
    template = get_template(video.TEMPLATE)
    shown = 0
    for start, status, compact, viewer in itertools.product(
        STARTS, Status.values, (False, True), viewers
    ):
        visit.start = timezone.now() + start
        visit.end = visit.start + datetime.timedelta(minutes=20)
        visit.status = status
        request = _request(viewer)
        context = Context(
            {"visit": visit, "compact": compact, "request": request, "csrf_token": "token"}
        )
        written = tag.render(context)
        values = video._video_actions(context, visit, compact=compact)
        expected = template.render({**values, "csrf_token": "token"}, request)
        if expected.strip():
            shown += 1
            assert written == expected, (start, status, compact, viewer.role)
        else:
            assert written == "", (start, status, compact, viewer.role)
    assert shown >= 8  # check-in, waiting room, join, start, open the room, the notice
