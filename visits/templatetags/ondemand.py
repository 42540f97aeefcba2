"""The seen-now duty switch on the clinician's dashboard."""

from django import template

from accounts.models import ProviderProfile
from visits.ondemand.selectors import open_duty

register = template.Library()


@register.inclusion_tag("visits/ondemand/_dashboard_panel.html", takes_context=True)
def ondemand_duty_panel(context: template.Context) -> dict:
    """For a physician: on or off duty, the switch, and the way to the queue (one query)."""
    provider = context.get("provider")
    if provider is None or provider.kind != ProviderProfile.Kind.PHYSICIAN:
        return {"provider": None}
    return {
        "provider": provider,
        "duty": open_duty(provider),
        "csrf_token": context.get("csrf_token"),
        "viewer_zone_name": context.get("viewer_zone_name"),
    }
