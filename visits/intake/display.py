"""What the intake's pages show: a step's page around its form, and small wording helpers.

Plain assembly from an intake and a form already in hand: nothing here reads the database.
"""

import datetime
from zoneinfo import ZoneInfo

from django.utils.safestring import SafeString

from config.html import escape
from visits.intake.consents import CONSENTS
from visits.intake.forms import ConsentsForm, IntakeStepForm
from visits.intake.models import Intake, IntakeStep
from visits.templatetags.remembered_urls import remembered_reverse

STEP_TEMPLATE = "visits/intake/intake_step.html"


def step_url(step: IntakeStep) -> str:
    """The page of one intake step."""
    return remembered_reverse("intake_step", args=[str(step.value)])


def steps_markup(steps: list[dict]) -> SafeString:
    """The steps' list items, written once here rather than by half a dozen lookups a step."""
    return SafeString(
        "".join(
            f'\n      <li class="{"done" if entry["done"] else ""}"><a href="{escape(entry["url"])}"'
            f"{' aria-current="step"' if entry['current'] else ''}>{escape(entry['title'])}</a>"
            f"{' <span class="step-state">Saved</span>' if entry['done'] else ''}</li>\n    "
            for entry in steps
        )
    )


def draft_time(intake: Intake, step: IntakeStep) -> datetime.datetime | None:
    """When the step's draft was last kept, if it has one."""
    draft = intake.drafts.get(step)
    return datetime.datetime.fromisoformat(draft["saved_at"]) if draft else None


def consent_documents(form: IntakeStepForm, signed: dict) -> list[dict]:
    """Each consent in full, with its current signature or the field to sign it."""
    documents = []
    for slug, document in CONSENTS.items():
        signature = signed.get(slug)
        if signature and signature.get("version") == document.version:
            signature = {
                **signature,
                "signed_at": datetime.datetime.fromisoformat(signature["signed_at"]),
            }
        else:
            signature = None
        name = ConsentsForm.field_for(document)
        documents.append(
            {
                "document": document,
                "signature": signature,
                "field": form[name] if name in form.fields else None,
            }
        )
    return documents


def step_context(step: IntakeStep, intake: Intake, form: IntakeStepForm, zone: ZoneInfo) -> dict:
    """Everything a step's page shows around its form: progress, links, consents, the draft."""
    missing = intake.missing_steps
    order = list(IntakeStep)
    previous = order[order.index(step) - 1] if step.number > 1 else None
    signed = intake.answers.get(IntakeStep.CONSENTS, {})
    steps = [
        {
            "title": other.label,
            "url": step_url(other),
            "current": other == step,
            "done": other not in missing,
        }
        for other in order
    ]
    return {
        "step": step,
        "total": len(order),
        "steps": steps,
        "steps_markup": steps_markup(steps),
        "form": form,
        "error_links": form.error_links() if form.is_bound else [],
        "action": step_url(step),
        "previous_url": step_url(previous) if previous else None,
        "is_last": step == IntakeStep.CONSENTS,
        "step_template": f"visits/intake/_step_{step.value}.html",
        "documents": consent_documents(form, signed) if step == IntakeStep.CONSENTS else [],
        "draft_saved_at": draft_time(intake, step),
        "zone": zone,
        "basis": intake.basis(step),
    }


def listed(names: list[str]) -> str:
    """'a, b and c', capitalised."""
    if not names:
        return ""
    text = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return text[0].upper() + text[1:]
