"""Saving the intake: drafts as the patient types, steps once valid, consents signed, history kept."""

import copy
import datetime
from collections.abc import Callable
from enum import StrEnum

from django.db import transaction
from django.utils import timezone

from visits.intake.consents import CONSENTS
from visits.intake.models import ConsentSignature, Intake, IntakeStep, IntakeVersion
from visits.intake.selectors import intake_of


def intake_for(patient) -> Intake:
    """The patient's intake, started empty the first time they open it."""
    return intake_of(patient) or Intake.objects.get_or_create(patient=patient)[0]


def next_step(step: IntakeStep, missing: list[IntakeStep]) -> IntakeStep | None:
    """The first step still missing after this one, else the first missing at all; None when done."""
    order = list(IntakeStep)
    later = [other for other in missing if order.index(other) > order.index(step)]
    remaining = later or missing
    return remaining[0] if remaining else None


class Autosave(StrEnum):
    """What became of an autosaved draft."""

    KEPT = "kept"
    UNCHANGED = "unchanged"  # it says what the step already saved: the step has no draft
    STALE = "stale"  # the step was saved after the page that sent it was shown


def _locked(intake: Intake) -> Intake:
    """The intake read again under a row lock, inside the caller's transaction."""
    return Intake.objects.select_for_update().get(pk=intake.pk)


def intake_save_draft(
    *, intake: Intake, step: IntakeStep, raw: dict, now: datetime.datetime | None = None
) -> Intake:
    """Keep what the patient typed on a step, valid or not, and remember they are on it."""
    with transaction.atomic():
        # Read again under the lock, so a step saved meanwhile keeps its answers and other drafts.
        return _keep(_locked(intake), step, raw, now or timezone.now())


def intake_autosave(
    *,
    intake: Intake,
    step: IntakeStep,
    raw: dict,
    basis: str | None,
    says_same_as: Callable[[dict | None], bool],
    now: datetime.datetime | None = None,
) -> tuple[Intake, Autosave]:
    """Keep an autosaved draft, unless the step was saved since its page was shown.

    `basis` is the step's `Intake.basis` as the page was shown: an autosave that reaches the
    server after the same page's submit (or after another tab saved the step) would otherwise
    bring back a draft of what is already saved. `says_same_as` tells whether the raw answers
    say what the step saved.
    """
    with transaction.atomic():
        current = _locked(intake)
        if basis is not None and basis != current.basis(step):
            return current, Autosave.STALE
        if says_same_as(current.answers.get(step)):
            return _discard(current, step), Autosave.UNCHANGED
        return _keep(current, step, raw, now or timezone.now()), Autosave.KEPT


def _keep(intake: Intake, step: IntakeStep, raw: dict, now: datetime.datetime) -> Intake:
    intake.drafts[step] = {"raw": raw, "saved_at": now.isoformat()}
    intake.current_step = step
    intake.save(update_fields=["drafts", "current_step", "updated_at"])
    return intake


def _discard(intake: Intake, step: IntakeStep) -> Intake:
    if step in intake.drafts:
        del intake.drafts[step]
        intake.save(update_fields=["drafts", "updated_at"])
    return intake


def intake_remember_step(*, intake: Intake, step: IntakeStep) -> None:
    """Note the step an unfinished intake is on, so /intake/ brings the patient back to it."""
    if intake.current_step != step and not intake.is_complete:
        intake.current_step = step
        intake.save(update_fields=["current_step", "updated_at"])


def intake_save_step(
    *, intake: Intake, step: IntakeStep, answers: dict, now: datetime.datetime | None = None
) -> Intake:
    """Save a valid step and drop its draft; a complete intake that changed gets a new version."""
    now = now or timezone.now()
    with transaction.atomic():
        intake = _locked(intake)
        intake.answers[step] = answers
        intake.drafts.pop(step, None)
        missing = intake.missing_steps
        intake.current_step = next_step(step, missing) or ""
        if not missing:
            intake.completed_at = intake.completed_at or now
            _snapshot_if_changed(intake, now=now)
        intake.save()
    return intake


def intake_sign_consents(
    *,
    intake: Intake,
    signatures: dict[str, str],
    ip_address: str | None,
    now: datetime.datetime | None = None,
) -> Intake:
    """Record each typed-name signature with the exact version and hash of the text, then save the step."""
    now = now or timezone.now()
    with transaction.atomic():
        intake = _locked(intake)
        signed = dict(intake.answers.get(IntakeStep.CONSENTS, {}))
        for slug, typed_name in signatures.items():
            document = CONSENTS[slug]
            signature = ConsentSignature.objects.create(
                patient_id=intake.patient_id,
                document=slug,
                version=document.version,
                text_sha256=document.sha256,
                typed_name=typed_name,
                signed_at=now,
                ip_address=ip_address,
            )
            signed[slug] = {
                "title": document.title,
                "version": document.version,
                "sha256": document.sha256,
                "typed_name": typed_name,
                "signed_at": now.isoformat(),
                "signature_id": signature.pk,
            }
        return intake_save_step(intake=intake, step=IntakeStep.CONSENTS, answers=signed, now=now)


def _snapshot_if_changed(intake: Intake, *, now: datetime.datetime) -> IntakeVersion | None:
    """A new version when the answers differ from the latest one (the caller holds the lock)."""
    latest = IntakeVersion.objects.filter(patient_id=intake.patient_id).order_by("-number").first()
    if latest is not None and latest.answers == intake.answers:
        return None
    return IntakeVersion.objects.create(
        patient_id=intake.patient_id,
        number=latest.number + 1 if latest else 1,
        answers=copy.deepcopy(intake.answers),
        created_at=now,
    )
