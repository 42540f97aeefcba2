"""Answering questionnaires: drafts kept as the patient goes, immutable once submitted, crises escalated."""

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, CharField, F, Q, QuerySet, UUIDField
from django.http import QueryDict
from django.utils import timezone

from config.prepared import IfGiven, Param, Prepared
from visits.alerts import acknowledge
from visits.audit import AuditEvent, audit_change
from visits.questionnaires import engine
from visits.questionnaires.models import (
    AlertRecipient,
    CheckInPreference,
    Questionnaire,
    QuestionnaireResponse,
    SafetyAlert,
)
from visits.questionnaires.notifications import notify_recipients
from visits.questionnaires.selectors import alert_routing, treating_clinicians
from visits.questionnaires.tasks import schedule_escalation

# Built and compiled once (config.prepared): every questionnaire page reads it.
LATEST_VERSION = Prepared(
    lambda slug: Questionnaire.objects.filter(slug=slug).order_by("-version"),
    slug=Param("slug", CharField()),
)


def _open_response(patient, questionnaire, visit, shown) -> QuerySet:
    """The patient's draft of this questionnaire (for this visit, or for none), or the response
    the page showed (`shown`, when given), the submitted one first."""
    wanted = Q(submitted_at__isnull=True)
    if shown is not None:
        wanted |= Q(pk=shown)
    at_visit = Q(visit=visit) if visit is not None else Q(visit__isnull=True)
    return (
        QuestionnaireResponse.objects.filter(wanted)
        .filter(at_visit, patient=patient, questionnaire=questionnaire)
        .order_by(F("submitted_at").desc(nulls_last=True), "-started_at")
    )


OPEN_RESPONSE = Prepared(
    _open_response,
    patient=Param("patient", BigIntegerField()),
    questionnaire=Param("questionnaire", BigIntegerField()),
    visit=IfGiven("visit", UUIDField()),
    shown=IfGiven("shown", BigIntegerField()),
)


def latest_version(slug: str) -> Questionnaire:
    """The newest version of a questionnaire; new responses always answer it."""
    found = LATEST_VERSION.run(slug=slug, limit=1)
    if not found:
        raise Questionnaire.DoesNotExist(f"No questionnaire {slug!r}.")
    return found[0]


def raw_answers(definition: dict, data: QueryDict | dict) -> dict:
    """What the form sent, per item: lists for multiple choice, strings otherwise."""
    raw = {}
    for item in definition["items"]:
        if isinstance(data, QueryDict):
            value = data.getlist(item["id"]) if item["type"] == "multiple" else data.get(item["id"])
        else:
            value = data.get(item["id"])
        if value not in (None, "", []):
            raw[item["id"]] = value
    return raw


def response_start(
    *, patient, slug: str, visit=None, shown: str | None = None
) -> QuestionnaireResponse:
    """The patient's open draft for this questionnaire (and visit), or a new one.

    `shown` is the id a page posts of the response it showed. Once that response is submitted
    it is the one returned, so an autosave that arrives after the page's own submit starts no
    new draft of what was just sent.
    """
    questionnaire = latest_version(slug)
    found = OPEN_RESPONSE.run(
        patient=patient,
        questionnaire=questionnaire,
        visit=visit.pk if visit is not None else None,
        shown=int(shown) if shown is not None and shown.isdecimal() and len(shown) <= 18 else None,
        limit=1,
    )
    response = found[0] if found else None
    if response is None:
        return QuestionnaireResponse.objects.create(
            patient=patient, questionnaire=questionnaire, visit=visit
        )
    # The questionnaire (and its definition) is loaded once, not again through the response.
    response.questionnaire = questionnaire
    return response


def response_save_draft(*, response: QuestionnaireResponse, data: QueryDict | dict) -> bool:
    """Keep what the patient has typed so far, valid or not; nothing is lost.

    Only a draft is written: an autosave that reaches the server after the same page's submit
    must not replace the submitted answers. False when the response was submitted meanwhile.
    """
    answers = raw_answers(response.questionnaire.definition, data)
    drafts = QuestionnaireResponse.objects.filter(pk=response.pk, submitted_at__isnull=True)
    if not drafts.update(answers=answers):
        return False
    response.answers = answers
    return True


@dataclass
class Submission:
    response: QuestionnaireResponse
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def response_submit(*, response: QuestionnaireResponse, data: QueryDict | dict) -> Submission:
    """Validate and submit: score it, record red flags, and raise a safety alert for a crisis.

    Invalid answers are kept as a draft and returned with a message per item. A response
    already submitted (by an earlier post of the same page) is left as it was, and returned
    without errors.
    """
    definition = response.questionnaire.definition
    answers, errors = engine.clean_answers(definition, raw_answers(definition, data))
    if errors:
        if not response_save_draft(response=response, data=data):
            return Submission(response, {})  # submitted meanwhile, by the same page
        return Submission(response, errors)
    result = engine.score(definition, answers)
    flags = engine.red_flags(definition, answers)
    with transaction.atomic():
        # A second submit of the same page (a double click, a retry) finds it submitted: it
        # neither scores it again nor raises a second alert.
        # The row is locked whatever its state, so a second submit waits for the first.
        locked = QuestionnaireResponse.objects.select_for_update().filter(pk=response.pk)
        if locked.values_list("submitted_at", flat=True).get() is not None:
            return Submission(response, {})
        response.answers = answers
        if result is not None:
            response.total, response.band, response.screens = (
                result.total,
                result.band,
                result.screens,
            )
        response.flags = [
            {"id": flag.id, "kind": flag.kind, "message": flag.message} for flag in flags
        ]
        response.submitted_at = timezone.now()
        response.save()
        crises = [flag for flag in flags if flag.kind == "crisis"]
        if crises:
            alert_raise(
                response=response,
                reason=f"{response.questionnaire.title}: {crises[0].id.replace('_', ' ')}",
            )
    return Submission(response, {})


def alert_raise(*, response: QuestionnaireResponse, reason: str) -> SafetyAlert:
    """Raise a safety alert for a crisis answer, assign it, and plan its escalation."""
    with transaction.atomic():
        alert = SafetyAlert.objects.create(
            patient=response.patient, response=response, reason=reason
        )
        alert_assign(alert=alert)
        transaction.on_commit(partial(schedule_escalation, alert))
    return alert


def alert_assign(*, alert: SafetyAlert) -> list[AlertRecipient]:
    """Give the alert to the clinicians responsible for it first (selectors.alert_routing), and
    email each that there is an alert to see."""
    with transaction.atomic():
        clinicians = alert_routing(patient=alert.patient, visit=alert.response.visit)
        recipients = AlertRecipient.objects.bulk_create(
            [AlertRecipient(alert=alert, clinician=clinician) for clinician in clinicians],
            ignore_conflicts=True,
        )
        notify_recipients(alert.pk)
    return recipients


def alert_escalate(*, alert_id: int) -> bool:
    """Send an alert nobody acknowledged in time to the other clinicians who treat the patient.

    Escalation is claimed with one conditional UPDATE (still open, not yet escalated, due), so
    an acknowledgement that got there first, a retried task or an overlapping sweep all leave
    it alone. Returns whether this call escalated it.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = SafetyAlert.objects.filter(
            pk=alert_id,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            created_at__lte=now - settings.SAFETY_ALERT_ESCALATE_AFTER,
        ).update(escalated_at=now)
        if not claimed:
            return False
        alert = SafetyAlert.objects.select_related("patient").get(pk=alert_id)
        already = set(alert.recipients.values_list("clinician_id", flat=True))
        AlertRecipient.objects.bulk_create(
            [
                AlertRecipient(alert=alert, clinician=clinician, escalated=True)
                for clinician in treating_clinicians(alert.patient)
                if clinician.pk not in already
            ],
            ignore_conflicts=True,
        )
        notify_recipients(alert.pk)
    return True


def alert_acknowledge(
    *,
    alert: SafetyAlert,
    actor,
    outcome: str,
    note: str = "",
    ip_address: str | None = None,
) -> SafetyAlert:
    """Record which clinician acknowledged the alert, when and what they did; it then leaves
    the dashboards and stays in the patient's alert history.

    An alert already acknowledged keeps its first acknowledgement, and nothing is recorded again.
    """
    return acknowledge(
        alert, actor=actor, outcome=outcome, note=note, what="safety alert", ip_address=ip_address
    )


def check_ins_set(
    *, visit, enabled: bool, actor, ip_address: str | None = None
) -> CheckInPreference:
    """Switch the client's pre-session check-ins with this visit's clinician off or back on."""
    with transaction.atomic():
        preference, _ = CheckInPreference.objects.update_or_create(
            patient_id=visit.patient_id,
            provider_id=visit.provider_id,
            defaults={"enabled": enabled},
        )
        audit_change(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            what="check-in preference",
            records=[(visit.patient_id, preference.pk)],
            ip_address=ip_address,
        )
    return preference
