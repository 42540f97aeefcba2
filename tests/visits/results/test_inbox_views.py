"""Staff's lab message pages: the reconciliation list, upload, attach and reject."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.accounts.factories import PatientProfileFactory
from tests.visits.results.inbound import fixed, lab_order, message, stored
from visits.audit import AuditEvent
from visits.results.importer import import_message
from visits.results.models import CriticalResultAlert, InboundResult, LabReport

pytestmark = pytest.mark.django_db

INBOX = reverse("results:inbox")
UPLOAD = reverse("results:inbox_upload")


@pytest.fixture
def order():
    patient = PatientProfileFactory(
        intake=False,
        legal_first_name="Lena",
        legal_last_name="Haddad",
        date_of_birth=datetime.date(1975, 4, 12),
    ).user
    return lab_order(patient)


def upload(client, name: str, data: bytes):
    return client.post(UPLOAD, {"message_file": SimpleUploadedFile(name, data)})


def detail(inbound) -> str:
    return reverse("results:inbox_detail", args=[inbound.pk])


def attach(inbound) -> str:
    return reverse("results:inbox_attach", args=[inbound.pk])


class TestAccess:
    @pytest.mark.parametrize("fixture", ["patient_client", "clinician_client"])
    def test_only_staff(self, request, fixture, order):
        """Patients and clinicians are refused every lab message page."""
        client = request.getfixturevalue(fixture)
        inbound = import_message(fixed("cbc.hl7"), source="drop")
        for url in (INBOX, UPLOAD, detail(inbound)):
            assert client.get(url).status_code == 403
        for url in (attach(inbound), reverse("results:inbox_reject", args=[inbound.pk])):
            assert client.post(url, {"reason": "x"}).status_code == 403
        assert InboundResult.objects.get().state == InboundResult.State.UNMATCHED

    def test_signed_out_sent_to_sign_in(self, client):
        """Signed-out visitors are sent to sign in."""
        assert client.get(INBOX)["Location"].startswith(reverse("account_login"))

    def test_unknown_message_is_404(self, scheduler_client):
        """A message that does not exist is not found."""
        assert scheduler_client.get(reverse("results:inbox_detail", args=[999])).status_code == 404

    def test_nav_and_dashboard_link_here(self, scheduler_client):
        """Staff reach the lab messages from the navigation and their dashboard."""
        content = scheduler_client.get(reverse("staff_dashboard")).content.decode()
        assert content.count(f'href="{INBOX}"') == 2
        assert f'href="{UPLOAD}"' in content


class TestInbox:
    def test_unmatched_first_with_reason_and_identifiers_never_values(
        self, scheduler_client, order
    ):
        """Messages to reconcile come first with why; identifiers show, values never do."""
        import_message(message("potassium_critical.hl7", order), source="drop/k.hl7")
        import_message(fixed("lipid.hl7", family_name="Quist"), source="drop/lipid.hl7")
        content = scheduler_client.get(INBOX).content.decode()
        assert "1 message to reconcile." in content
        assert content.index("Needs reconciling") < content.index("Matched")
        assert "No patient has the record number the message gives." in content
        assert "MRN HC99999999, born 1970-01-01" in content
        assert "Known Quist" in content
        assert "HCNOSUCHORD" in content
        for value in ("6.8", "165", "mmol/L", "mg/dL"):
            assert value not in content

    def test_audited_per_patient_shown(self, scheduler_client, scheduler, order):
        """The patients whose identifiers the list shows each get one audit event."""
        import_message(message("cbc.hl7", order), source="drop")
        import_message(message("lipid.hl7", order, family_name="Wrong"), source="drop")
        import_message(fixed("cbc.hl7"), source="drop")
        scheduler_client.get(INBOX)
        event = AuditEvent.objects.get(actor=scheduler, action="view")
        assert (event.patient, event.count, event.page) == (order.patient, 2, "results:inbox")
        assert event.summary == (
            "Viewed 2 of your lab messages on the clinic's list of lab results coming in"
        )

    @pytest.mark.parametrize("rows", [10, 500])
    def test_fixed_queries_and_bounded(self, scheduler_client, rows, django_assert_max_num_queries):
        """The list costs the same queries at 10 and 500 messages and shows 50 with show more."""
        patients = [PatientProfileFactory(intake=False) for _ in range(3)]
        InboundResult.objects.bulk_create(
            InboundResult(
                format="hl7v2",
                source=f"drop/{n}.hl7",
                raw="MSH|",
                state="unmatched" if n % 2 else "matched",
                reason="No patient has the record number the message gives.",
                identifiers={"record_number": patients[n % 3].record_number, "orders": ["X"]},
                patient=patients[n % 3].user if n % 2 == 0 else None,
            )
            for n in range(rows)
        )
        with django_assert_max_num_queries(10):
            response = scheduler_client.get(INBOX)
        content = response.content.decode()
        assert content.count("open message") == min(rows, 50)
        assert ("Show more" in content) == (rows > 50)
        assert scheduler_client.get(INBOX + "?page=2").status_code == 200
        assert scheduler_client.get(INBOX + "?page=nonsense").status_code == 200

    @pytest.mark.parametrize(("unmatched", "matched"), [(3, 2), (50, 0), (50, 1), (51, 0), (60, 5)])
    def test_the_number_to_reconcile_counts_every_page(self, scheduler_client, unmatched, matched):
        """Whether the first page holds every message to reconcile or not, the count is all of
        them, on the first page and the next."""
        InboundResult.objects.bulk_create(
            InboundResult(
                format="hl7v2",
                source=f"drop/{n}.hl7",
                raw="MSH|",
                state="unmatched" if n < unmatched else "matched",
                identifiers={},
            )
            for n in range(unmatched + matched)
        )
        for page in (INBOX, INBOX + "?page=2"):
            content = scheduler_client.get(page).content.decode()
            assert f"{unmatched} messages to reconcile." in content


class TestUpload:
    def test_matched_upload(self, scheduler_client, scheduler, order):
        """An uploaded message for a known patient and order is recorded, and says so."""
        response = upload(scheduler_client, "bmp.hl7", message("bmp.hl7", order).encode())
        inbound = InboundResult.objects.get()
        assert response.status_code == 302
        assert response["Location"] == detail(inbound)
        assert inbound.state == InboundResult.State.MATCHED
        assert inbound.source == "Uploaded: bmp.hl7"
        assert LabReport.objects.get().order == order
        assert AuditEvent.objects.filter(actor=scheduler, action="create").count() == 1
        page = scheduler_client.get(response["Location"]).content.decode()
        assert "The message matched its patient and order" in page
        assert "Lena Haddad" in page

    def test_unknown_patient_upload_goes_to_the_list(self, scheduler_client):
        """An upload for nobody we know is kept and the reason shown on its page."""
        response = upload(scheduler_client, "x.hl7", stored("unknown_patient.hl7").encode())
        page = scheduler_client.get(response["Location"]).content.decode()
        assert "The message needs reconciling." in page
        assert "No patient has the record number the message gives." in page
        assert "Attach it to the right patient" in page

    def test_garbage_text_is_kept_unmatched(self, scheduler_client):
        """A text file that is no lab message is kept with why it could not be read."""
        response = upload(scheduler_client, "notes.txt", stored("garbage.txt").encode())
        assert response.status_code == 302
        assert InboundResult.objects.get().reason.startswith("The message could not be read.")

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The file is not text"),
            (b"MSH|" + b"x" * (1024 * 1024), "a lab message can be at most 1.0 MB"),
            (b"", "That file is empty"),
        ],
    )
    def test_bad_files_refused_next_to_the_field(self, scheduler_client, data, error):
        """Binary, oversized and empty files get a message by the field, never a server error."""
        response = upload(scheduler_client, "scan.png", data)
        content = response.content.decode()
        assert response.status_code == 200
        assert error in content
        assert 'aria-describedby="id_message_file_helptext id_message_file_error"' in content
        assert 'id="id_message_file_error"' in content
        assert not InboundResult.objects.exists()

    def test_htmx_upload(self, scheduler_client, order):
        """With htmx, success is a client redirect and a refusal swaps in only the form."""
        headers = {"HX-Request": "true"}
        bad = scheduler_client.post(
            UPLOAD, {"message_file": SimpleUploadedFile("a.bin", b"\x00\x01")}, headers=headers
        )
        content = bad.content.decode()
        assert content.lstrip().startswith('<form id="upload-form"')
        assert "The file is not text" in content
        good = scheduler_client.post(
            UPLOAD,
            {"message_file": SimpleUploadedFile("c.hl7", message("cbc.hl7", order).encode())},
            headers=headers,
        )
        assert good["HX-Redirect"] == detail(InboundResult.objects.get())

    def test_no_file(self, scheduler_client):
        """Submitting without a file asks for one."""
        response = scheduler_client.post(UPLOAD, {})
        assert "Choose the file the lab sent." in response.content.decode()

    def test_page_renders(self, scheduler_client):
        """The upload page has a labelled file input and its limit."""
        content = scheduler_client.get(UPLOAD).content.decode()
        assert '<label for="id_message_file">Message file' in content
        assert "Up to 1.0 MB." in content


class TestResolve:
    def test_find_then_attach(self, scheduler_client, scheduler, order):
        """Staff find the patient by record number and birth date, pick the order, attach."""
        inbound = import_message(fixed("potassium_critical.hl7"), source="drop")
        profile = order.patient.patient_profile
        found = scheduler_client.post(
            attach(inbound),
            {"record_number": profile.record_number.lower(), "date_of_birth": "1975-04-12"},
        )
        content = found.content.decode()
        assert "Patient found: <strong>Lena Haddad</strong>" in content
        assert order.number in content
        assert not LabReport.objects.exists()
        response = scheduler_client.post(
            attach(inbound),
            {
                "record_number": profile.record_number,
                "date_of_birth": "1975-04-12",
                "order": order.number,
                "attach": "1",
            },
        )
        assert response["Location"] == detail(inbound)
        inbound.refresh_from_db()
        assert inbound.state == InboundResult.State.RESOLVED
        assert inbound.resolved_by == scheduler
        assert LabReport.objects.get().patient == order.patient
        assert CriticalResultAlert.objects.get().clinician == order.ordering_clinician
        page = scheduler_client.get(detail(inbound)).content.decode()
        assert "Resolved by staff" in page
        assert "1 report recorded" in page
        assert "Attach it to the right patient" not in page
        assert "6.8" not in page

    def test_birth_date_must_agree(self, scheduler_client, order):
        """A record number with the wrong birth date finds nobody, and says so by the field."""
        inbound = import_message(fixed("cbc.hl7"), source="drop")
        response = scheduler_client.post(
            attach(inbound),
            {
                "record_number": order.patient.patient_profile.record_number,
                "date_of_birth": "1975-04-13",
                "order": order.number,
                "attach": "1",
            },
        )
        content = response.content.decode()
        assert "That date of birth does not agree with the patient&#x27;s record" in content
        assert "Lena Haddad" not in content
        assert 'value="1975-04-13"' in content
        assert not LabReport.objects.exists()

    def test_unknown_record_number(self, scheduler_client):
        """A record number nobody has is named in the error, the typing kept."""
        inbound = import_message(fixed("cbc.hl7"), source="drop")
        response = scheduler_client.post(
            attach(inbound), {"record_number": "HC00000000", "date_of_birth": "garbage"}
        )
        content = response.content.decode()
        assert "No patient has the record number HC00000000." in content
        assert "Enter the date of birth as a date" in content

    def test_another_patients_order_is_not_offered_or_accepted(self, scheduler_client, order):
        """Only the found patient's own orders can be chosen."""
        inbound = import_message(fixed("cbc.hl7"), source="drop")
        other = lab_order()
        response = scheduler_client.post(
            attach(inbound),
            {
                "record_number": order.patient.patient_profile.record_number,
                "date_of_birth": "1975-04-12",
                "order": other.number,
                "attach": "1",
            },
        )
        assert "Choose one of this patient" in response.content.decode()
        assert not LabReport.objects.exists()

    def test_attach_without_choosing_an_order(self, scheduler_client, order):
        """Pressing attach without an order asks for one."""
        inbound = import_message(fixed("cbc.hl7"), source="drop")
        response = scheduler_client.post(
            attach(inbound),
            {
                "record_number": order.patient.patient_profile.record_number,
                "date_of_birth": "1975-04-12",
                "attach": "1",
            },
        )
        assert "Choose which of the patient" in response.content.decode()

    def test_unreadable_message_cannot_be_attached(self, scheduler_client, order):
        """Attaching a message that cannot be read is refused with what to do instead."""
        inbound = import_message(stored("garbage.txt"), source="drop")
        response = scheduler_client.post(
            attach(inbound),
            {
                "record_number": order.patient.patient_profile.record_number,
                "date_of_birth": "1975-04-12",
                "order": order.number,
                "attach": "1",
            },
        )
        assert "reject it and ask the lab to send it again" in response.content.decode()

    def test_reject_with_reason(self, scheduler_client, scheduler):
        """A rejected message stays, with who rejected it and why."""
        inbound = import_message(fixed("cbc.hl7"), source="drop")
        url = reverse("results:inbox_reject", args=[inbound.pk])
        empty = scheduler_client.post(url, {"reason": ""})
        assert "Say why this message is rejected." in empty.content.decode()
        response = scheduler_client.post(url, {"reason": "Another clinic's patient"})
        assert response["Location"] == detail(inbound)
        inbound.refresh_from_db()
        assert (inbound.state, inbound.resolved_by) == (InboundResult.State.REJECTED, scheduler)
        page = scheduler_client.get(detail(inbound)).content.decode()
        assert "Another clinic&#x27;s patient" in page
        again = scheduler_client.post(url, {"reason": "again"}, follow=True)
        assert "already been dealt with" in again.content.decode()

    def test_detail_audits_the_patient_named(self, scheduler_client, scheduler, order):
        """A message's page naming a patient's record number is in that patient's access log."""
        inbound = import_message(message("cbc.hl7", order, family_name="Wrong"), source="d")
        scheduler_client.get(detail(inbound))
        event = AuditEvent.objects.get(actor=scheduler)
        assert event.patient == order.patient
        assert event.page == "results:inbox_detail"
