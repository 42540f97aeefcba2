"""Session safety: idle and absolute timeouts, MFA for staff and clinicians, nothing cached."""

import logging
import re
import time
import zoneinfo
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.datastructures import MultiValueDict
from django.utils.functional import SimpleLazyObject, empty

from accounts.request_loads import user_of_session
from accounts.sessions import (
    BACKGROUND_HEADER,
    LAST_ACTIVITY_KEY,
    MFA_ENROLLED_KEY,
    PENDING_FORM_KEY,
    STARTED_KEY,
    keep_pending_form,
    take_pending_form_for_resend,
    user_has_mfa,
)
from accounts.zones import viewer_zone_key, zone_name
from visits.web import HtmxHttpRequest, go

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

    from accounts.models import User

# Activity is written at most this often, to spare a session write on every request.
ACTIVITY_WRITE_INTERVAL = 15

IDLE_MESSAGE = (
    "You were signed out after {minutes} minutes without activity, to keep your health "
    "information private. Sign in again to continue where you were."
)
ABSOLUTE_MESSAGE = (
    "You were signed out because you had been signed in for 12 hours. Sign in again to continue."
)
MFA_MESSAGE = (
    "Clinicians and clinic staff must turn on two-factor authentication before opening "
    "patient information. Scan the code with an authenticator app to continue."
)


# C0 and C1 control characters (NUL among them), except tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CLEANED_MESSAGE = (
    "We removed invisible control characters from what you sent. Nothing else was changed."
)
UNREADABLE_BODY_ERRORS = (
    BadRequest,
    SuspiciousOperation,
    MultiPartParserError,
    UnreadablePostError,
)
security_log = logging.getLogger("housecall.security")


def _without_controls(data: QueryDict) -> tuple[QueryDict, bool]:
    """The same query dict with control characters removed from every key and value."""
    cleaned = QueryDict(mutable=True)
    changed = False
    for key, values in data.lists():
        clean_key = CONTROL_CHARACTERS.sub("", key)
        clean_values = [CONTROL_CHARACTERS.sub("", value) for value in values]
        changed = changed or clean_key != key or clean_values != values
        cleaned.setlist(clean_key, clean_values)
    cleaned._mutable = False
    return cleaned, changed


class CleanInputMiddleware:
    """One boundary for every text input: what a view reads is text the database can store.

    Control characters (a NUL breaks PostgreSQL's text and JSON columns) are removed from every
    query and form value before any view or form sees it, drafts saved as the patient types
    included, and the person is told. A body that cannot be read at all (an unknown charset, a
    broken multipart body, too many fields) gets the product's own 400 page and one log line
    naming only the kind of error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            query, dirty_query = _without_controls(request.GET)
            request.GET = cast("_ImmutableQueryDict", query)
            dirty_form = False
            if request.method == "POST":
                form, dirty_form = _without_controls(request.POST)
                request.POST = cast("_ImmutableQueryDict", form)
        except UNREADABLE_BODY_ERRORS as error:
            # Later readers (the CSRF check, error pages) must not trip over the body again.
            request._post, request._files = QueryDict(), MultiValueDict()  # type: ignore[attr-defined]
            security_log.warning(
                "Refused a request body that could not be read: %s", type(error).__name__
            )
            return render(request, "400.html", status=400)
        if dirty_query or dirty_form:
            messages.warning(request, CLEANED_MESSAGE)
        return self.get_response(request)


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with the person read in the same query as the session (accounts/request_loads.py)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        # A lazy stand-in, as Django's own sets (read once by SessionTimeoutMiddleware, below).
        request.user = cast("User", SimpleLazyObject(lambda: user_of_session(request)))


class SessionTimeoutMiddleware:
    """Sign people out after their role's idle limit, and everyone after 12 hours.

    It runs after django-htmx's middleware, so every request it sees has `request.htmx`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HtmxHttpRequest) -> HttpResponse:
        user = request.user = loaded_user(request)
        if not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = time.time()
        started = session.setdefault(STARTED_KEY, now)
        last_activity = session.get(LAST_ACTIVITY_KEY, now)
        idle_limit = settings.SESSION_IDLE_TIMEOUT.get(
            user.role, min(settings.SESSION_IDLE_TIMEOUT.values())
        )
        if now - started > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
            return self._sign_out(request, user.pk, ABSOLUTE_MESSAGE)
        if now - last_activity > idle_limit.total_seconds():
            minutes = int(idle_limit.total_seconds() // 60)
            return self._sign_out(request, user.pk, IDLE_MESSAGE.format(minutes=minutes))
        # Requests a page makes by itself (polling) are not the person's activity.
        if request.headers.get(BACKGROUND_HEADER) != "1" and (
            LAST_ACTIVITY_KEY not in session or now - last_activity >= ACTIVITY_WRITE_INTERVAL
        ):
            session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _sign_out(self, request: HtmxHttpRequest, user_id: int, message: str) -> HttpResponse:
        next_path = request.path if not request.htmx or request.method == "POST" else None
        posted = request.POST.copy() if request.method == "POST" and _passes_csrf(request) else None
        logout(request)
        messages.info(request, message)
        if posted:
            keep_pending_form(request, user_id=user_id, data=posted)
            messages.info(
                request, "What you were saving is kept: it will be there after you sign in."
            )
        login_url = reverse("account_login")
        if next_path and next_path != login_url:
            login_url += "?" + urlencode({"next": next_path})
        return go(request, login_url)


def loaded_user(request: HttpRequest):
    """The request's person itself, not the lazy stand-in AuthenticationMiddleware sets.

    Every page reads the user (the timeout, the zone, the policy, the header), and each read
    of an attribute through Django's lazy object costs a method call or two: the ORM alone made
    over a thousand of them on a page that filters by the patient. Loading it here, once, costs
    nothing extra, as the first read would load it anyway.
    """
    user: object = request.user
    if not isinstance(user, SimpleLazyObject):  # already itself (signed in during this request)
        return user
    if user._wrapped is empty:
        user._setup()
    return user._wrapped


def _passes_csrf(request: HttpRequest) -> bool:
    """Whether a post carries a valid CSRF token: only then is what it holds worth keeping.

    The timeout answers before Django's own CSRF check would run, so the same check runs here;
    otherwise a foreign page could plant values that come back prefilled after sign-in.
    """
    refused = CsrfViewMiddleware(_no_response).process_view(request, _no_response, (), {})
    return refused is None


def _no_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=204)


class PendingFormMiddleware:
    """After signing in again, a form posted when the session had run out comes back.

    On the first plain visit to that page by the same person, they see what they were sending,
    kept exactly as typed, with one button to send it now (or to leave it). Views that put a
    kept form back into their own form themselves (`restores_pending_form`) are left to it.
    """

    template = "accounts/pending_form.html"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        if (
            request.method != "GET"
            or getattr(request, "htmx", False)
            or not request.user.is_authenticated
            or PENDING_FORM_KEY not in request.session
            or getattr(view_func, "restores_pending_form", False)
        ):
            return None
        pending = take_pending_form_for_resend(request)
        if pending is None:
            return None
        return render(request, self.template, pending)


class ViewerTimeZoneMiddleware:
    """Every date and time on a page is in the viewer's own zone, activated once per request.

    `request.viewer_zone` is that zone and `request.viewer_zone_name` its name in words
    ("Pacific time"); templates and the admin render aware datetimes in it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = zoneinfo.ZoneInfo(viewer_zone_key(request.user))
        request.viewer_zone = zone  # type: ignore[attr-defined]
        request.viewer_zone_name = zone_name(zone)  # type: ignore[attr-defined]
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class RequireMFAMiddleware:
    """Clinicians, clinic staff and admins enrol in MFA before any page with patient data.

    Like the session timeout, it runs after django-htmx's middleware.
    """

    # Pages they may open before enrolling: account and MFA set-up (allauth), signing out.
    EXEMPT_PREFIXES = ("/accounts/",)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HtmxHttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.must_use_mfa
            and not request.session.get(MFA_ENROLLED_KEY)
            and not request.path.startswith(self.EXEMPT_PREFIXES)
        ):
            if not user_has_mfa(user):
                messages.warning(request, MFA_MESSAGE)
                return go(request, reverse("mfa_activate_totp"))
            request.session[MFA_ENROLLED_KEY] = True
        return self.get_response(request)


def permissions_policy(allowed: Iterable[str] = ()) -> str:
    """The Permissions-Policy header: settings.PERMISSIONS_POLICY, with the `allowed` features
    (e.g. camera, microphone) opened to our own origin."""
    opened = set(allowed)
    unknown = opened - set(settings.PERMISSIONS_POLICY)
    if unknown:
        raise ValueError(f"Unknown browser features: {', '.join(sorted(unknown))}")
    return ", ".join(
        f"{feature}=({' '.join(['self'] if feature in opened else allowed_origins)})"
        for feature, allowed_origins in settings.PERMISSIONS_POLICY.items()
    )


def allows_browser_features(*features: str) -> Callable[[Callable], Callable]:
    """Let this view's pages use these browser features from our own origin, e.g.
    ``@allows_browser_features("camera", "microphone")`` on the video visit's pages.

    Every other page (and this view's refusals, which never reach it) keeps them off: the
    header the view's response carries wins over NoStoreMiddleware's default.
    """
    header = permissions_policy(features)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def with_features(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response["Permissions-Policy"] = header
            return response

        return with_features

    return decorator


class NoStoreMiddleware:
    """Pages are never cached, and browser features are off but where a view opens them.

    It sits outside every middleware that may answer early, so timeouts, MFA redirects and
    refusals carry these headers too; after sign-out the back button shows nothing. Camera and
    microphone are off unless the view declared `allows_browser_features`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = permissions_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        response.setdefault("Permissions-Policy", self.permissions_policy)
        if getattr(request, "housecall_signed_out", False):
            response["Clear-Site-Data"] = '"cache", "storage"'
        return response
