"""What a session remembers about itself: when it began, the last activity, MFA status."""

import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models import BigIntegerField
from django.dispatch import receiver
from django.http import HttpRequest, QueryDict

from config.prepared import Param, Prepared

STARTED_KEY = "housecall_started_at"
LAST_ACTIVITY_KEY = "housecall_last_activity"
MFA_ENROLLED_KEY = "housecall_mfa_enrolled"
# A form posted after the session expired, kept for the same person to finish after signing in.
PENDING_FORM_KEY = "housecall_pending_form"
# Sent by requests a page makes on its own (polling); they never extend an idle session.
BACKGROUND_HEADER = "X-Housecall-Background"


# Built and compiled once (config.prepared): the security page and sign-in ask it.
_TOTP = Prepared(
    lambda user: (
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        .order_by()
        .values_list("pk", flat=True)
    ),
    user=Param("user", BigIntegerField()),
)


def user_has_mfa(user) -> bool:
    """Whether the user has an authenticator app set up."""
    return bool(_TOTP.run(user=user, limit=1))


def keep_pending_form(request: HttpRequest, *, user_id: int, data: QueryDict) -> None:
    """Hold what someone typed when their session ran out, so nothing they typed is lost.

    The caller has checked the post's CSRF token: a foreign page cannot plant values here.
    """
    fields = {key: values for key, values in data.lists() if key != "csrfmiddlewaretoken"}
    request.session[PENDING_FORM_KEY] = {
        "path": request.path,
        "query": request.META.get("QUERY_STRING", ""),
        "user": user_id,
        "data": fields,
    }


def restores_pending_form(view):
    """Mark a view that reads a kept form back into its own form (with take_pending_form).

    Every other view gets the kept form back from PendingFormMiddleware, which offers to send
    it again exactly as it was typed.
    """
    view.restores_pending_form = True
    return view


def take_pending_form_for_resend(request: HttpRequest) -> dict | None:
    """The kept form for this page and person, once, with where to send it; else None.

    A kept form belonging to someone else who used this browser is thrown away unseen.
    """
    pending = request.session.get(PENDING_FORM_KEY)
    if not pending or pending["path"] != request.path:
        return None
    del request.session[PENDING_FORM_KEY]
    if pending["user"] != request.user.pk:
        return None
    query = pending.get("query", "")
    return {
        "action": request.path + (f"?{query}" if query else ""),
        "fields": [(key, value) for key, values in pending["data"].items() for value in values],
    }


def take_pending_form(request: HttpRequest) -> QueryDict | None:
    """The form data this person was sending to this page when signed out, once; else None."""
    pending = request.session.get(PENDING_FORM_KEY)
    if not pending or pending["path"] != request.path:
        return None
    del request.session[PENDING_FORM_KEY]
    if pending["user"] != request.user.pk:
        return None
    data = QueryDict(mutable=True)
    for key, values in pending["data"].items():
        data.setlist(key, values)
    return data


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs) -> None:
    """A new sign-in starts the 12-hour clock and the idle clock."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[STARTED_KEY] = now
    request.session[LAST_ACTIVITY_KEY] = now
    if user.must_use_mfa and not user_has_mfa(user):
        _count_sign_in_as_confirmation(request, now)


def _count_sign_in_as_confirmation(request: HttpRequest, now: float) -> None:
    """Staff and clinicians are sent to set up MFA straight after signing in; the password they
    typed a moment ago counts as confirming it, so they are not asked for it twice in a row."""
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    if records and records[-1].get("method") == "password" and now - records[-1]["at"] < 60:
        records[-1]["reauthenticated"] = True
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = records


@receiver(user_logged_out)
def mark_signed_out(sender, request, user, **kwargs) -> None:
    """Ask the browser to drop anything it kept from this session."""
    if request is not None:
        request.housecall_signed_out = True
