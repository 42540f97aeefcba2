"""Lab messages in, for clinic staff: the reconciliation list, upload, and each message's page
where it is attached to the right patient or rejected. Staff see identifiers, never values."""

from django.contrib import messages
from django.db.models import BigIntegerField, Case, CharField, IntegerField, Value, When
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from accounts.models import PatientProfile, Role
from accounts.policy import allow
from config.prepared import Param, Params, Prepared, Viewer
from visits.audit import Record, audit_page
from visits.results.importer import ResolveRefused, import_message, inbound_attach, inbound_reject
from visits.results.inbox_forms import AttachForm, RejectForm, UploadForm
from visits.results.models import InboundResult
from visits.web import SignedInRequest, go, page_number, render_page

INBOX_PAGE = 50


def _inbound(viewer):
    return policy.RECONCILIATION.filter(InboundResult.objects.all(), viewer)


# The inbox's reads, built and compiled once (config.prepared).
INBOX_ROWS = Prepared(
    lambda viewer: (
        _inbound(viewer)
        .select_related("resolved_by")
        .defer("raw")  # the message as it arrived: its own page shows it, the list never does
        .annotate(
            waiting=Case(
                When(state=InboundResult.State.UNMATCHED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", "-received_at", "-pk")
    ),
    viewer=Viewer(),
)
INBOUND = Prepared(
    lambda viewer, inbound: (
        _inbound(viewer)
        .select_related("patient__patient_profile", "resolved_by")
        .filter(pk=inbound)
        .order_by("pk")
    ),
    viewer=Viewer(),
    inbound=Param("inbound", BigIntegerField()),
)
OWNERS = Prepared(
    lambda numbers: (
        PatientProfile.objects.filter(record_number__in=numbers)
        .order_by()
        .values_list("record_number", "user_id")
    ),
    numbers=Params("numbers", CharField()),
)


def _identified(rows: list[InboundResult]) -> list[Record]:
    """The patients whose identifiers these rows show: those a message is attached to, and
    those whose record number an unmatched message gives (one query for all rows)."""
    numbers = {
        row.identifiers.get("record_number")
        for row in rows
        if row.patient_id is None and isinstance(row.identifiers, dict)
    }
    numbers.discard(None)
    owners = dict(OWNERS.run(numbers=sorted(numbers)) if numbers else [])
    records: list[Record] = []
    for row in rows:
        patient_id = row.patient_id or owners.get(row.identifiers.get("record_number"))
        if patient_id is not None:
            records.append((patient_id, row.pk))
    return records


@allow(Role.STAFF)
@require_GET
def inbox(request: SignedInRequest) -> HttpResponse:
    """Every lab message that came in, those needing reconciling first, with the reason and the
    identifiers the message gave; INBOX_PAGE at a time."""
    page = page_number(request.GET.get("page"))
    start = (page - 1) * INBOX_PAGE
    rows = INBOX_ROWS.run(viewer=request.user, offset=start, limit=INBOX_PAGE + 1)
    shown = rows[:INBOX_PAGE]
    audit_page(request, {"lab message": _identified(shown)})
    if page == 1 and (len(rows) <= INBOX_PAGE or rows[-1].waiting):
        # Those waiting come first: the first page, read one row past its end, holds them all
        # when that row is not waiting, so they are counted here rather than by a query.
        waiting = sum(1 for row in rows if not row.waiting)
    else:
        waiting = _inbound(request.user).filter(state=InboundResult.State.UNMATCHED).count()
    return render_page(
        request,
        "visits/results/inbox_list.html",
        {
            "rows": shown,
            "page": page,
            "next_page": page + 1 if len(rows) > INBOX_PAGE else None,
            "waiting": waiting,
        },
        partial="inbox-rows",
    )


@allow(Role.STAFF)
@require_http_methods(["GET", "POST"])
def inbox_upload(request: SignedInRequest) -> HttpResponse:
    """Upload a lab's message file: it is imported at once, matched or kept for reconciling."""
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            inbound = import_message(
                form.cleaned_data["message_file"],
                source=f"Uploaded: {form.file_name}",
                received_by=request.user,
            )
            if inbound.state == InboundResult.State.MATCHED:
                messages.success(
                    request, "The message matched its patient and order; its results are recorded."
                )
            else:
                messages.warning(request, f"The message needs reconciling. {inbound.reason}")
            return go(request, reverse("results:inbox_detail", args=[inbound.pk]))
    return render_page(
        request, "visits/results/inbox_upload.html", {"form": form}, partial="upload-form"
    )


def _detail_page(
    request: SignedInRequest,
    inbound: InboundResult,
    *,
    attach_form: AttachForm | None = None,
    reject_form: RejectForm | None = None,
) -> HttpResponse:
    attach_form = attach_form or AttachForm()
    found = attach_form.patient if attach_form.is_bound else None
    records = _identified([inbound])
    if found is not None:
        records.append((found.pk, inbound.pk))
    audit_page(request, {"lab message": records})
    reports = list(inbound.reports.all()) if inbound.patient_id is not None else []
    return render_page(
        request,
        "visits/results/inbox_detail.html",
        {
            "inbound": inbound,
            "ids": inbound.identifiers if isinstance(inbound.identifiers, dict) else {},
            "reports": reports,
            "attach_form": attach_form,
            "found": found,
            "found_profile": attach_form.profile if found is not None else None,
            "reject_form": reject_form or RejectForm(),
            "open": inbound.state == InboundResult.State.UNMATCHED,
        },
    )


def _get_inbound(request: SignedInRequest, pk: int) -> InboundResult:
    found = INBOUND.run(viewer=request.user, inbound=pk, limit=1)
    if not found:
        raise Http404("No such lab message.")
    return found[0]


@allow(Role.STAFF)
@require_GET
def inbox_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """One message: what it says of whom, why it did not match, and how to resolve it."""
    return _detail_page(request, _get_inbound(request, pk))


@allow(Role.STAFF)
@require_POST
def inbox_attach(request: SignedInRequest, pk: int) -> HttpResponse:
    """Attach a message to the patient whose record number and birth date staff give, and one
    of their orders: the import runs again for them. Without an order, offer theirs."""
    inbound = _get_inbound(request, pk)
    form = AttachForm(request.POST)
    if not form.is_valid() or form.patient is None:
        return _detail_page(request, inbound, attach_form=form)
    order = form.cleaned_data.get("order")
    if order is None:
        if "attach" in request.POST:
            form.add_error("order", "Choose which of the patient's orders these results are for.")
            return _detail_page(request, inbound, attach_form=form)
        return _detail_page(request, inbound, attach_form=form)
    try:
        inbound_attach(inbound=inbound, patient=form.patient, order=order, actor=request.user)
    except ResolveRefused as refusal:
        form.add_error(None, str(refusal))
        return _detail_page(request, inbound, attach_form=form)
    messages.success(request, "The results are attached to the patient's order and recorded.")
    return go(request, reverse("results:inbox_detail", args=[inbound.pk]))


@allow(Role.STAFF)
@require_POST
def inbox_reject(request: SignedInRequest, pk: int) -> HttpResponse:
    """Reject a message that belongs to nobody here, with the reason; it stays kept."""
    inbound = _get_inbound(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, inbound, reject_form=form)
    try:
        inbound_reject(inbound=inbound, reason=form.cleaned_data["reason"], actor=request.user)
    except ResolveRefused as refusal:
        messages.info(request, str(refusal))
    else:
        messages.success(request, "The message is rejected and kept with your reason.")
    return go(request, reverse("results:inbox_detail", args=[inbound.pk]))
