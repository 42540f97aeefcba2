"""Session safety: idle and absolute timeouts, MFA for staff and clinicians, nothing cached."""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from accounts.sessions import (
    BACKGROUND_HEADER,
    LAST_ACTIVITY_KEY,
    MFA_ENROLLED_KEY,
    STARTED_KEY,
    keep_pending_form,
    user_has_mfa,
)
from visits.web import HtmxHttpRequest, go

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


class SessionTimeoutMiddleware:
    """Sign people out after their role's idle limit, and everyone after 12 hours.

    It runs after django-htmx's middleware, so every request it sees has `request.htmx`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HtmxHttpRequest) -> HttpResponse:
        user = request.user
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
        posted = request.POST.copy() if request.method == "POST" else None
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


class NoStoreMiddleware:
    """Pages are never cached: after sign-out the back button shows nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        if getattr(request, "housecall_signed_out", False):
            response["Clear-Site-Data"] = '"cache", "storage"'
        return response
