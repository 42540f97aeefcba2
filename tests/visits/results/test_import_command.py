"""The import_results command, for a lab's drop folder."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from tests.accounts.factories import PatientProfileFactory
from tests.visits.results.inbound import MESSAGES, fixed, lab_order, message
from visits.results.models import InboundResult, LabReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    patient = PatientProfileFactory(
        intake=False, legal_last_name="Castillo", date_of_birth=datetime.date(1979, 6, 30)
    ).user
    return lab_order(patient)


def run(*files) -> tuple[str, str, Exception | None]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    failure = None
    try:
        call_command("import_results", *[str(f) for f in files], stdout=out, stderr=err)
    except CommandError as error:
        failure = error
    return out.getvalue(), err.getvalue(), failure


def test_matched_and_unmatched_files(tmp_path, order):
    """Each file gets a line: matched with its report count, or to reconcile with the reason."""
    good = tmp_path / "bmp.hl7"
    good.write_bytes(message("bmp.hl7", order).encode())
    stranger = tmp_path / "stranger.json"
    stranger.write_bytes(fixed("bmp.json").encode())
    out, _err, failure = run(good, stranger)
    assert failure is None
    assert f"{good}: matched, 1 report recorded." in out
    assert f"{stranger}: to reconcile" in out
    assert "No patient has the record number the message gives." in out
    assert "1 matched, 1 to reconcile, 0 already imported, 0 could not be read." in out
    assert LabReport.objects.get().order == order
    assert set(InboundResult.objects.values_list("source", flat=True)) == {
        "bmp.hl7",
        "stranger.json",
    }


def test_output_names_no_patient_and_no_values(tmp_path, order):
    """Nothing printed carries the patient's identifiers or a result value."""
    path = tmp_path / "k.hl7"
    path.write_bytes(message("potassium_critical.hl7", order, family_name="Wrongname").encode())
    out, err, _ = run(path)
    profile = order.patient.patient_profile
    for value in (profile.record_number, "Castillo", "Wrongname", "6.8", "19790630", order.number):
        assert value not in out + err


def test_duplicate_file_is_skipped(tmp_path, order):
    """Importing the same file again records nothing twice."""
    path = tmp_path / "cbc.hl7"
    path.write_bytes(message("cbc.hl7", order).encode())
    run(path)
    out, _, failure = run(path)
    assert failure is None
    assert "already imported" in out
    assert InboundResult.objects.count() == 1


def test_unreadable_files_fail_the_command(tmp_path, order):
    """A missing or binary file is reported and the command exits non-zero; others still import."""
    good = tmp_path / "cbc.hl7"
    good.write_bytes(message("cbc.hl7", order).encode())
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.7\x00\x01\x02")
    out, err, failure = run(tmp_path / "missing.hl7", binary, good)
    assert failure is not None
    assert "2 files could not be read." in str(failure)
    assert "missing.hl7: could not be read (No such file or directory)." in err
    assert "scan.pdf: could not be read. The file is not text" in err
    assert f"{good}: matched" in out
    assert InboundResult.objects.count() == 1


def test_malformed_file_is_kept_for_reconciling(tmp_path):
    """A text file that is no lab message is kept (it was read) and waits for staff."""
    out, _err, failure = run(MESSAGES / "garbage.txt")
    assert failure is None
    assert "garbage.txt: to reconcile" in out
    assert "The message could not be read. It is neither an HL7 v2 message" in out
    assert InboundResult.objects.get().state == InboundResult.State.UNMATCHED
