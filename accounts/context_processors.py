"""Template context every page needs: the site's name, the role's navigation, htmx's configuration."""

import json

from django.conf import settings
from django.http import HttpRequest

from accounts.models import Role
from visits.templatetags.remembered_urls import remembered_reverse

# What each role may use, in the order it appears in the navigation.
NAVIGATION = {
    Role.PATIENT: [
        ("Home", "patient_dashboard"),
        ("Book a visit", "scheduling:booking_start"),
        ("Results", "results:my_results"),
        ("Health history", "intake_start"),
        ("My details", "profile_edit"),
    ],
    Role.CLINICIAN: [("My day", "clinician_dashboard"), ("Visits by day", "records:day")],
    Role.STAFF: [("Schedules", "staff_dashboard"), ("Lab messages", "results:inbox")],
}
ACCOUNT_NAVIGATION = [("Security", "account_security")]


def navigation(request: HttpRequest) -> dict:
    """Links for the signed-in user's role, marking the current page."""
    items = []
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        for label, name in NAVIGATION.get(user.role, []) + ACCOUNT_NAVIGATION:
            url = remembered_reverse(name)
            items.append({"label": label, "url": url, "current": request.path == url})
        if user.is_staff:
            items.append(
                {"label": "Admin", "url": remembered_reverse("admin:index"), "current": False}
            )
    return {
        "nav_items": items,
        "htmx_config_json": json.dumps(settings.HTMX_CONFIG),
        "viewer_zone_name": getattr(request, "viewer_zone_name", ""),
        "site_name": settings.SITE_NAME,
    }
