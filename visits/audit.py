"""Who read or changed which patient's protected data, when and from where."""

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connections, models, router
from django.http import HttpRequest, HttpResponse

from accounts.policy import EXTERNAL_RULES, RULE_ATTRIBUTE
from config.prepared import Param, Prepared, insert_rows

if TYPE_CHECKING:
    from django.contrib import admin

    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object

# (patient id, object id): one record of a patient's data that a page showed or a service changed.
Record = tuple[int, object]

OBJECT_IDS_KEPT = 255

# Where a page is, in the words of the patient's access log ("Viewed your visit on the calendar").
PAGE_WORDS = {
    "clinician_dashboard": "on the clinician's dashboard",
    "scheduling:schedule_calendar": "on the clinic's calendar",
    "scheduling:schedule_book": "while booking a visit for you",
    "scheduling:schedule_visit_move": "while moving a visit",
    "scheduling:schedule_visit_cancel": "while cancelling a visit",
    "scheduling:schedule_edit": "while changing a clinician's hours",
    "scheduling:visit_detail": "on the visit's page",
    "patient_alerts": "in your safety alert history",
    "patient_scores": "in your scores over time",
    "patient_intake": "in your health history",
    "questionnaire_result": "on the answers' page",
    "safety_alert_detail": "on the alert's page",
    "results:inbox": "on the clinic's list of lab results coming in",
    "results:inbox_detail": "on the page of a lab result that came in",
    "results:inbox_attach": "while attaching a lab result to your record",
    "results:inbox_reject": "while setting aside a lab result",
    "records:visit_note": "on your visit's note",
    "records:visit_note_draft": "on your visit's note",
    "records:visit_note_sign": "while your visit's note was signed",
    "records:visit_note_diagnosis_search": "on your visit's note",
    "records:psychotherapy_notes": "in your therapist's own session notes",
    "records:day": "on the clinician's day view",
    "records:chart": "on your chart",
    "records:visit_orders": "on the visit's prescriptions and lab orders page",
    "results:report_detail": "on the lab report's page",
    "results:critical_alert_detail": "on the critical result alert's page",
    "results:my_results": "on your results page",
    "results:my_report": "on your lab report's page",
    "results:my_test_history": "on a test's page of results over time",
    "results:my_visit_summary": "on your visit summary",
    "results:my_record": "in a download of your record",
    "results:report_hold": "while holding a lab report for review",
    "results:report_release": "while releasing a lab report",
    "results:critical_alerts": "in a clinician's critical result alerts",
    "results:critical_alert_acknowledge": "while acknowledging a critical result",
    "results:result_entry": "while entering a lab result",
    "results:visit_result_entry": "while entering a lab result",
    "records:prescription_add": "while prescribing",
    "records:lab_order_add": "while ordering a lab test",
    "records:prescription_stop": "while stopping a prescription",
    "records:prescription_print": "on a printable prescription record",
    "video:room": "in the video visit's room",
    "video:device_check": "on the video visit's device check",
}


class AuditEvent(models.Model):
    """What one page view (or one change) touched of one patient's protected data."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        CANCEL = "cancel", "Cancelled"
        EXPORT = "export", "Exported"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_actions"
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_events"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    what = models.CharField(max_length=64, help_text="The kind of record, e.g. visit.")
    object_id = models.CharField(
        max_length=OBJECT_IDS_KEPT,
        blank=True,
        help_text="The records' ids, comma separated; cut short when long (count says how many).",
    )
    count = models.PositiveIntegerField(
        default=1, db_default=1, help_text="How many of the patient's records the page showed."
    )
    page = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text="The page's URL name, e.g. admin:index.",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        # In the access log's order, newest first, so a page of it reads only its own rows.
        indexes = [models.Index(fields=["patient", "-at", "-id"], name="audit_patient_newest")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} {self.what} of {self.patient_id}"

    @property
    def summary(self) -> str:
        """The event in the patient's words: "Viewed 21 of your visits on the clinic's calendar"."""
        return event_summary(self.action, self.what, self.count, self.page)


ACTION_WORDS = dict(AuditEvent.Action.choices)


def event_summary(action: str, what: str, count: int, page: str) -> str:
    """An event in the patient's words, from its columns (AuditEvent.summary)."""
    kinds = [kind.strip() for kind in what.split(",") if kind.strip()]
    if len(kinds) == 1 and count > 1:
        shown = f"{count} of your {_plural(kinds[0])}"
    else:
        shown = "your " + _and(kinds or ["record"])
    return " ".join(
        part for part in [ACTION_WORDS.get(action, action), shown, page_words(page)] if part
    )


def page_words(page: str) -> str:
    """Where the page is, in words; the admin's pages are all "in the clinic's admin"."""
    if page in PAGE_WORDS:
        return PAGE_WORDS[page]
    if page.startswith("admin:"):
        return "in the clinic's administration pages"
    return ""


def _plural(kind: str) -> str:
    return kind if kind.endswith(("s", "history", "details", "intake")) else f"{kind}s"


def _and(kinds: list[str]) -> str:
    return kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]


def _object_ids(ids: list[str]) -> str:
    joined = ",".join(ids)
    if len(joined) <= OBJECT_IDS_KEPT:
        return joined
    return joined[: OBJECT_IDS_KEPT - 1].rsplit(",", 1)[0] + ",…"


def audit_change(
    *,
    actor: Any,
    action: str,
    what: str,
    records: Iterable[Record],
    ip_address: str | None = None,
) -> None:
    """Record a change to patients' protected data, from inside the service that makes it.

    One event per (patient id, object id), written with a single insert in the caller's
    transaction, so the record commits or rolls back with the change. A patient's own actions
    on their own record are not events: the record itself says who booked or cancelled.
    """
    events = [
        AuditEvent(
            actor=actor,
            patient_id=patient_id,
            action=action,
            what=what,
            object_id=str(object_id),
            ip_address=ip_address,
        )
        for patient_id, object_id in records
        if patient_id != actor.pk
    ]
    if events:
        AuditEvent.objects.bulk_create(events)


def audit_page(request: HttpRequest, shown: Mapping[str, Iterable[Record]]) -> None:
    """Record what one page view showed of patients' protected data: one event per patient.

    `shown` maps each kind of record on the page ("visit", "safety alert") to the records of it;
    each patient shown gets one event naming every kind and how many records, whatever the
    number of rows, written with one insert. A patient's own reads are not logged.
    """
    viewer = request.user.pk
    kinds: dict[int, dict[str, None]] = {}
    ids: dict[int, dict[str, None]] = {}
    for what, records in shown.items():
        for patient_id, object_id in records:
            if patient_id is None or patient_id == viewer:
                continue
            kinds.setdefault(patient_id, {})[what] = None
            ids.setdefault(patient_id, {})[str(object_id)] = None
    if not kinds:
        return
    if viewer is None:  # nobody signed in is ever shown a patient's data
        raise PermissionDenied
    match = request.resolver_match
    page = match.view_name if match is not None else ""
    ip_address = get_adapter(request).get_client_ip(request)
    # Written as bulk_create writes them, in SQL written once (config.prepared): every page
    # that shows a patient's data writes its events.
    insert_rows(
        [
            AuditEvent(
                actor_id=viewer,
                patient_id=patient_id,
                action=AuditEvent.Action.VIEW,
                what=", ".join(kinds[patient_id])[:64],
                object_id=_object_ids(list(ids[patient_id])),
                count=len(ids[patient_id]),
                page=page[:100],
                ip_address=ip_address,
            )
            for patient_id in kinds
        ]
    )


def audit_read(request: HttpRequest, *, what: str, records: Iterable[Record]) -> None:
    """The one helper that records what a page or export showed of one kind of record.

    Called once per page view by the selector or view that assembles the page; a page that
    shows several kinds calls `audit_page` once instead, so each patient still has one event.
    """
    audit_page(request, {what: records})


# The patient's access log, a page of it and how long it is: built and compiled once.
_ACCESS_LOG = Prepared(
    lambda patient: (
        AuditEvent.objects.filter(patient=patient)
        .order_by("-at", "-pk")
        .values(
            "at",
            "action",
            "what",
            "count",
            "page",
            "actor__display_name",
            "actor__email",
            "actor__role",
        )
    ),
    patient=Param("patient", models.BigIntegerField()),
)
# The log counts this many of a patient's accesses and no more: counting every one would cost
# a long-treated patient's page more with each access, and the page says "more than 1,000".
ACCESS_LOG_COUNTED = 1000
_COUNTED_SQL: dict[str, str] = {}


def access_log_events(patient, *, offset: int, limit: int) -> list[dict]:
    """The events of the patient's record, newest first, `limit` of them after `offset`: each
    its time, its columns the summary is made of, and who the actor is (their name, email and
    role)."""
    return _ACCESS_LOG.run(patient=patient, offset=offset, limit=limit)


def access_log_total(patient) -> int:
    """How many events the patient's record has, counted up to one more than
    ACCESS_LOG_COUNTED (so more than that reads as ACCESS_LOG_COUNTED + 1): one query that reads
    at most that many entries of the index by patient, however long the record."""
    alias = router.db_for_read(AuditEvent)
    connection = connections[alias]
    sql = _COUNTED_SQL.get(alias)
    if sql is None:
        quote = connection.ops.quote_name
        meta = AuditEvent._meta
        patient_column = quote(meta.get_field("patient").column)
        # Every name comes from the model's metadata, quoted; the values are parameters.
        sql = _COUNTED_SQL[alias] = (
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {quote(meta.db_table)}"  # noqa: S608
            f" WHERE {patient_column} = %s LIMIT %s) counted"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [getattr(patient, "pk", patient), ACCESS_LOG_COUNTED + 1])
        return cursor.fetchone()[0]


ADMIN_RULE = next(reason for prefix, _, reason in EXTERNAL_RULES if prefix == "admin/")


def admin_page[F: Callable[..., Any]](view: F) -> F:
    """Mark an admin view we override as the admin's own: the admin site admits is_staff only."""
    setattr(view, RULE_ATTRIBUTE, ADMIN_RULE)
    return view


class AuditedAdminMixin(_AdminBase):
    """Log every patient an admin page shows: the rows of a list, an opened record, its history,
    its delete and password pages. Changes made in the admin are also in the admin's own history.

    `audit_what` names the record in the patient's access log; `audit_patient_id` says whose it is.
    """

    audit_what = "record"

    def audit_patient_id(self, obj: Any) -> int | None:
        return obj.patient_id

    def _records(self, objects: Iterable[Any]) -> list[Record]:
        return [
            (patient_id, obj.pk)
            for obj in objects
            if (patient_id := self.audit_patient_id(obj)) is not None
        ]

    def audit_shown(self, request: HttpRequest, objects: Iterable[Any]) -> None:
        """One event per patient among `objects`, for this page view."""
        audit_read(request, what=self.audit_what, records=self._records(objects))

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        self.audit_shown(request, changelist.result_list)
        return changelist

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None:
            self.audit_shown(request, [obj])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def render_delete_form(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        self.audit_shown(request, [context["object"]])
        return super().render_delete_form(request, context)

    @admin_page
    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        obj = getattr(response, "context_data", {}).get("object")
        if response.status_code == 200 and obj is not None:
            self.audit_shown(request, [obj])
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_change(
            actor=request.user,
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            what=self.audit_what,
            records=self._records([obj]),
            ip_address=get_adapter(request).get_client_ip(request),
        )
