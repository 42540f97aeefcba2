"""Web helpers every view module shares: the typed htmx request, leaving a page, page-or-partial.

Views import these rather than writing them again: one URL renders the whole page, or only the
partial htmx asked for, and on success sends the browser on with a client redirect (htmx) or a
plain redirect (no JavaScript).
"""

from allauth.account.adapter import get_adapter
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """A request that has passed through django-htmx's middleware."""

    htmx: HtmxDetails


class SignedInRequest(HtmxHttpRequest):
    """A request behind `@allow(...)`: the view runs only for a signed-in user with a role, so
    `request.user` is a `User` (public views keep `HtmxHttpRequest`, whose user may be anonymous)."""

    user: "User"


def go(request: HttpRequest, url: str) -> HttpResponse:
    """Leave the page for `url`: a client redirect for htmx, a plain redirect otherwise.

    A client redirect makes the browser load `url` as a new page, so the messages queued for
    it show and focus starts at the top, exactly as after a plain redirect.
    """
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def render_page(
    request: HttpRequest, template: str, context: dict, *, partial: str | None = None
) -> HttpResponse:
    """The whole page, or only `partial` of it (`template#partial`) when htmx asked."""
    if partial and getattr(request, "htmx", False):
        template = f"{template}#{partial}"
    return render(request, template, context)


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, as allauth's adapter reads it behind the router."""
    return get_adapter(request).get_client_ip(request)


def page_number(value: str | None, *, last: int = 10_000) -> int:
    """A page number from the query string: 1 unless it is a whole number from 1 to `last`."""
    try:
        return max(1, min(int(value or 1), last))
    except ValueError:
        return 1
