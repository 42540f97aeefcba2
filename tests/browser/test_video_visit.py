"""A video visit between two browsers on one machine: check-in, device check, waiting room, the
room with real WebRTC media over loopback, leaving and rejoining, and the clinician completing it.

Chromium runs with fake camera and microphone (and no permission prompt); no STUN or TURN server
is needed between two browsers on one machine, and mDNS names for local addresses are turned off
so the loopback candidates are usable. The room shows what the test reads in data attributes
(data-connection-state, data-frames), not in globals.
"""

import contextlib
import datetime
import re
from collections.abc import Callable, Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, expect

from tests.accounts.fixtures import enrol_totp
from tests.browser.booking_steps import (
    patient,
    provider,
    seed_clinic,
    sign_in_clinician,
    sign_in_patient,
)
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LAPTOP,
    OPENED_CONTEXTS,
    PHONE,
    TIMEOUT_MS,
    AxeCheck,
    BrowserLog,
)
from tests.browser.steps import path_is
from visits.scheduling.models import Visit, VisitType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEDIA_ARGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]
# Connecting two peers, from the first poll to decoded frames, on a slow shared machine.
CONNECT_MS = 45_000


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


@pytest.fixture(scope="module")
def media_browser(playwright: Playwright) -> Iterator[Browser]:
    """Chromium with a fake camera and microphone that needs no permission prompt."""
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + MEDIA_ARGS, headless=True
    )
    yield chromium
    chromium.close()


@pytest.fixture
def media_page(
    request: pytest.FixtureRequest, media_browser: Browser, live_server
) -> Iterator[Callable]:
    """A page in a fresh context allowed the camera and microphone, watched for CSP refusals and
    script errors like every browser test's pages."""
    opened: list[tuple[BrowserContext, BrowserLog]] = []
    request.node.stash[OPENED_CONTEXTS] = opened

    def open_page(*, viewport: ViewportSize = PHONE) -> Page:
        context = media_browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            timezone_id="America/Chicago",
            locale="en-US",
            permissions=["camera", "microphone"],
        )
        context.set_default_timeout(TIMEOUT_MS)
        log = BrowserLog()
        context.on("console", log.on_console)
        context.on("weberror", log.on_web_error)
        opened.append((context, log))
        return context.new_page()

    yield open_page
    for context, _ in opened:
        with contextlib.suppress(Exception):
            context.close()


def connected(page: Page) -> None:
    """This side's peer connection is connected and the other side's video frames are decoded."""
    room = page.locator("#video-room")
    expect(room).to_have_attribute("data-connection-state", "connected", timeout=CONNECT_MS)
    page.wait_for_function(
        "() => Number(document.getElementById('video-room').dataset.frames) > 0",
        timeout=CONNECT_MS,
    )


def visit_soon(client, clinician) -> Visit:
    """An urgent-care visit starting in five minutes: check-in is open."""
    kind = VisitType.objects.get(slug="urgent-care")
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=5)
    return Visit.objects.create(
        patient=client,
        provider=clinician,
        visit_type=kind,
        start=start,
        end=start + kind.duration,
        blocked_until=start + kind.duration + kind.buffer_after,
    )


def test_a_video_visit_between_two_browsers(media_page, axe_check: AxeCheck):
    """The patient checks in and passes the device check, the clinician starts the visit, both
    see each other's video; the patient leaves and rejoins; the clinician completes the visit and
    the patient's room says it has ended."""
    doctor = provider(name="Dr. Maya Patel")
    secret = enrol_totp(doctor.user)
    sam = patient(time_zone="America/Chicago", legal_first_name="Sam", legal_last_name="Lee")
    visit = visit_soon(sam, doctor)

    # The patient checks in from their home page, on a phone.
    phone = media_page(viewport=PHONE)
    sign_in_patient(phone, sam)
    phone.get_by_role("button", name="Check in for your video visit").click()
    expect(phone).to_have_url(path_is(f"/visits/{visit.pk}/check-in/"))
    axe_check(phone)
    phone.get_by_role("button", name="Check in now").click()

    # The device check explains the prompt, then shows the camera, the microphone's level and
    # plays a tone.
    expect(phone).to_have_url(path_is(f"/visits/{visit.pk}/device-check/"))
    expect(phone.get_by_text("Choose Allow").first).to_be_visible()
    axe_check(phone)
    phone.get_by_role("button", name="Start the check").click()
    check = phone.locator("#device-check")
    expect(check).to_have_attribute("data-state", "ok")
    phone.wait_for_function(
        "() => document.getElementById('camera-preview').videoWidth > 0", timeout=CONNECT_MS
    )
    phone.wait_for_function(
        "() => Number(document.getElementById('device-check').dataset.microphoneLevel) > 2",
        timeout=CONNECT_MS,
    )
    phone.get_by_role("button", name="Play a test sound").click()
    expect(check).to_have_attribute("data-tone-played", "yes")
    expect(phone.get_by_text("Your microphone works")).to_be_visible()
    axe_check(phone)
    phone.get_by_role("button", name="Continue to the waiting room").click()

    # The waiting room says the visit has not started and updates by itself.
    expect(phone).to_have_url(path_is(f"/visits/{visit.pk}/waiting-room/"))
    expect(phone.locator("#waiting-status")).to_contain_text("You are checked in.")
    axe_check(phone)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CHECKED_IN

    # The clinician starts the visit from its page; both are in the room.
    desk = media_page(viewport=LAPTOP)
    sign_in_clinician(desk, doctor.user, secret=secret)
    desk.goto(f"/visits/{visit.pk}/")
    desk.get_by_role("button", name="Start video visit").click()
    expect(desk).to_have_url(path_is(f"/visits/{visit.pk}/room/"))
    expect(phone).to_have_url(path_is(f"/visits/{visit.pk}/room/"), timeout=15_000)
    connected(desk)
    connected(phone)
    expect(desk.locator("#connection-quality")).to_have_text(re.compile(r"^(good|fair|poor)"))
    expect(desk.get_by_role("link", name="Open the note on its own page")).to_be_visible()
    axe_check(phone)
    axe_check(desk)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.IN_PROGRESS

    # The patient leaves and rejoins: connected again.
    phone.get_by_role("button", name="Leave the call").click()
    expect(phone.locator("#video-room")).to_have_attribute("data-connection-state", "left")
    expect(desk.locator("#room-status")).to_contain_text("left the call", timeout=15_000)
    phone.get_by_role("button", name="Rejoin the call").click()
    connected(phone)
    connected(desk)

    # The clinician reloads (rejoins by reloading): connected again.
    desk.reload()
    connected(desk)
    connected(phone)

    # The clinician completes the visit: the room closes for both.
    desk.get_by_role("button", name="Complete the visit").click()
    expect(desk).to_have_url(path_is(f"/visits/{visit.pk}/"))
    expect(desk.get_by_role("status").first).to_contain_text("The visit is completed")
    expect(phone.locator("#room-status")).to_have_text("This visit has ended.", timeout=15_000)
    expect(phone.locator("#video-room")).to_have_attribute("data-connection-state", "closed")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.COMPLETED


def test_video_that_does_not_connect_offers_the_phone(media_page, axe_check: AxeCheck, settings):
    """Nobody answers the call within the set time: the room says so plainly and offers "Have the
    clinic call me"; the clinician's room shows the request with the patient's number."""
    settings.VIDEO_CONNECT_TIMEOUT = 2
    doctor = provider(name="Dr. Maya Patel")
    secret = enrol_totp(doctor.user)
    sam = patient(
        time_zone="America/Chicago",
        legal_first_name="Sam",
        legal_last_name="Lee",
        phone="+15125550123",
    )
    visit = visit_soon(sam, doctor)
    Visit.objects.filter(pk=visit.pk).update(
        status=Visit.Status.IN_PROGRESS, started_at=timezone.now()
    )

    phone = media_page(viewport=PHONE)
    sign_in_patient(phone, sam)
    phone.goto(f"/visits/{visit.pk}/room/")
    expect(phone.locator("#room-status")).to_contain_text(
        "Video could not connect after 2 seconds. You can still have your visit by phone"
    )
    fallback = phone.get_by_role("region", name="Video not working?")
    expect(fallback).to_be_visible()
    axe_check(phone)
    fallback.get_by_role("button", name="Have the clinic call me").click()
    expect(phone.get_by_text("The clinic will call you at (512) 555-0123")).to_be_visible()

    desk = media_page(viewport=LAPTOP)
    sign_in_clinician(desk, doctor.user, secret=secret)
    desk.goto(f"/visits/{visit.pk}/room/")
    expect(desk.get_by_role("alert")).to_contain_text("The patient asked to be called")
    expect(desk.get_by_role("link", name="(512) 555-0123")).to_have_attribute(
        "href", "tel:+15125550123"
    )
