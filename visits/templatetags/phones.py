"""Phone numbers as people read them, and whom a treating clinician can call for a patient.

`{{ number|phone }}` shows +15125550123 as (512) 555-0123; `{% patient_contacts patient %}` shows
the patient's own phone and their emergency contact, as `tel:` links, to a clinician who treats
them, and nothing to anyone else.
"""

from django import template

from accounts import policy
from visits.intake.selectors import emergency_contact, format_phone

register = template.Library()


@register.filter
def phone(number: str) -> str:
    """A stored E.164 number as it is read aloud; anything else as stored."""
    return format_phone(number or "")


@register.inclusion_tag("visits/_patient_contacts.html", takes_context=True)
def patient_contacts(context: template.Context, patient, treats: bool | None = None) -> dict:
    """The patient's phone and emergency contact, for the viewer only if they treat the patient.

    The viewer is the request's user; the policy's `treats` decides, so the page's own view needs
    nothing more than the patient. A view that has already asked the policy passes its answer
    as `treats`, so the page asks the database once.
    """
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if treats is None:
        treats = viewer is not None and policy.treats(viewer, patient)
    if viewer is None or not treats:
        return {"shown": False}
    return {
        "shown": True,
        "profile": patient.patient_profile_or_none,
        "emergency_contact": emergency_contact(patient),
    }
