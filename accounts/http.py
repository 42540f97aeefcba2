"""The request a guarded view receives, typed so that `request.user` is a `User`.

`@allow(...)` lets a view run only for a signed-in user with a role, so such a view annotates
its request as `SignedInRequest`: the type checker then knows `request.user.role` exists and
that `request.user` may be used where a `User` is expected, with no narrowing in every view.
Public views keep `HtmxHttpRequest`, whose user may be anonymous.
"""

from accounts.models import User
from visits.web import HtmxHttpRequest


class SignedInRequest(HtmxHttpRequest):
    """A request behind `@allow`: django-htmx's details and a signed-in user."""

    user: User
