# ruff: noqa: F811 -- fixtures imported from notes_fixtures are test arguments
"""The note page: who may open and write it, autosave and its conflicts, signing with a review
step, addenda, nothing lost across a re-sign-in, one audit event, fixed queries."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.sessions import PENDING_FORM_KEY
from tests.accounts.test_middleware import age_session
from tests.visits.records.notes_fixtures import (  # noqa: F401
    SOAP,
    colleague,
    draft,
    signed,
    signed_in,
    stranger,
    visit,
)
from visits.audit import AuditEvent
from visits.records.models import AfterVisitSummary, NoteAddendum, NoteDiagnosis, VisitNote
from visits.records.notes import note_add_addendum

pytestmark = pytest.mark.django_db


def note_url(visit, name="records:visit_note"):
    return reverse(name, args=[visit.pk])


class TestWhoOpensIt:
    def test_the_visits_clinician_gets_the_editor(self, clinician, visit):
        """SOAP and the four summary fields in one form, with Save draft and Review and sign."""
        body = signed_in(clinician).get(note_url(visit)).content.decode()
        for label in ("Subjective", "Objective", "Assessment", "Plan"):
            assert f">{label}:</label>" in body
        for label in ("What we found", "What to do", "When to seek care", "Follow-up"):
            assert f">{label}:</label>" in body
        assert f'action="{note_url(visit, "records:visit_note_draft")}"' in body
        assert 'hx-trigger="input changed delay:1s"' in body
        assert ">Save draft</button>" in body
        assert ">Review and sign</button>" in body
        assert "Jordan Rivera" in body

    def test_another_treating_clinician_does_not_see_a_draft(self, clinician, visit, colleague):
        """Drafts are their author's alone: 404, nothing about it shown."""
        draft(visit, clinician)
        response = signed_in(colleague).get(note_url(visit))
        assert response.status_code == 404
        assert SOAP["assessment"] not in response.content.decode()

    def test_another_treating_clinician_reads_the_signed_note(self, clinician, visit, colleague):
        """Signed: readable, with who signed and when, and no form to change it."""
        signed(visit, clinician)
        response = signed_in(colleague).get(note_url(visit))
        body = response.content.decode()
        assert response.status_code == 200
        assert f"Signed by {clinician.get_full_name()} at" in body
        assert SOAP["assessment"] in body
        assert (
            '<form method="post" action="' + note_url(visit, "records:visit_note_addendum")
            not in body
        )
        assert "Save draft" not in body

    def test_the_note_leads_to_the_visit_its_orders_and_the_chart(self, clinician, visit):
        """From the note the visit's clinician goes on to prescribe, order or complete it."""
        body = signed_in(clinician).get(note_url(visit)).content.decode()
        for name, args in [
            ("scheduling:visit_detail", [visit.pk]),
            ("records:visit_orders", [visit.pk]),
            ("records:chart", [visit.patient_id]),
        ]:
            assert f'href="{reverse(name, args=args)}"' in body, name

    def test_a_colleague_reading_the_note_gets_the_links_they_may_follow(
        self, clinician, visit, colleague
    ):
        """The orders and the chart, which they may read; not the visit's page, which is not theirs."""
        signed(visit, clinician)
        client = signed_in(colleague)
        body = client.get(note_url(visit)).content.decode()
        assert f'href="{reverse("scheduling:visit_detail", args=[visit.pk])}"' not in body
        for url in (
            reverse("records:visit_orders", args=[visit.pk]),
            reverse("records:chart", args=[visit.patient_id]),
        ):
            assert f'href="{url}"' in body
            assert client.get(url).status_code == 200, url

    def test_another_treating_clinician_cannot_write(self, clinician, visit, colleague):
        """Every write URL is "not there" for them, and nothing changes."""
        signed(visit, clinician)
        client = signed_in(colleague)
        for name in (
            "records:visit_note_draft",
            "records:visit_note_sign",
            "records:visit_note_addendum",
            "records:visit_note_diagnosis_search",
            "records:visit_note_diagnosis_add",
        ):
            response = client.post(note_url(visit, name), SOAP | {"text": "Mine", "code": "I10"})
            assert response.status_code == 404, name
        assert not NoteAddendum.objects.exists()
        assert not NoteDiagnosis.objects.exists()

    def test_a_clinician_who_does_not_treat_the_patient_gets_404(self, clinician, visit, stranger):
        signed(visit, clinician)
        response = signed_in(stranger).get(note_url(visit))
        assert response.status_code == 404
        assert SOAP["assessment"] not in response.content.decode()

    def test_the_patient_and_staff_are_refused(self, clinician, visit, scheduler):
        """403: the patient reads the after-visit summary on their own pages; staff never."""
        signed(visit, clinician)
        for user in (visit.patient, scheduler):
            response = signed_in(user).get(note_url(visit))
            assert response.status_code == 403
            assert SOAP["assessment"] not in response.content.decode()
            post = signed_in(user).post(note_url(visit, "records:visit_note_draft"), SOAP)
            assert post.status_code == 403

    def test_nobody_signed_in_is_sent_to_sign_in(self, visit):
        response = Client().get(note_url(visit))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


class TestAudit:
    def test_opening_the_note_writes_one_event_for_the_patient(self, clinician, visit):
        """One view event, by the clinician, naming the note and the page."""
        note = signed(visit, clinician)
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        signed_in(clinician).get(note_url(visit))
        [event] = AuditEvent.objects.filter(pk__gt=before)
        assert (event.actor, event.patient, event.action) == (clinician, visit.patient, "view")
        assert (event.what, event.object_id, event.page) == (
            "visit note",
            str(note.pk),
            "records:visit_note",
        )
        assert event.summary == "Viewed your visit note on your visit's note"

    def test_a_colleague_reading_it_is_audited_too(self, clinician, visit, colleague):
        signed(visit, clinician)
        signed_in(colleague).get(note_url(visit))
        assert AuditEvent.objects.filter(actor=colleague, patient=visit.patient).count() == 1

    def test_the_note_page_runs_a_fixed_number_of_queries(
        self, clinician, visit, django_assert_max_num_queries
    ):
        """10 or 200 addenda: the same queries (the diagnoses and addenda are prefetched)."""
        signed(visit, clinician)
        client = signed_in(clinician)
        client.get(note_url(visit))  # the session's first request does its own checks once
        counts = []
        for total in (10, 200):
            existing = NoteAddendum.objects.count()
            note = VisitNote.objects.get(visit=visit)
            NoteAddendum.objects.bulk_create(
                NoteAddendum(note=note, author=clinician, text=f"Addendum {n}")
                for n in range(total - existing)
            )
            with django_assert_max_num_queries(6) as captured:
                response = client.get(note_url(visit))
            assert f"Addendum {total - existing - 1}" in response.content.decode()
            counts.append(len(captured))
        assert counts[0] == counts[1]


class TestAutosave:
    def test_the_first_autosave_creates_the_draft_and_says_when(self, clinician, visit):
        """htmx: "Saved at …" in the viewer's zone, and the form's revision moved on."""
        response = signed_in(clinician).post(
            note_url(visit, "records:visit_note_draft"),
            SOAP | {"revision": "0"},
            HTTP_HX_REQUEST="true",
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert body.startswith("Saved at ")
        assert "Central time" in body
        assert 'id="note-revision" value="1" hx-swap-oob="true"' in body
        assert VisitNote.objects.get(visit=visit).subjective == SOAP["subjective"]
        assert AfterVisitSummary.objects.get(visit=visit).findings == SOAP["findings"]

    def test_a_stale_tab_is_told_and_nothing_is_overwritten(self, clinician, visit):
        """Another tab saved revision 2; this one, at 1, is refused in its status line."""
        draft(visit, clinician)
        draft(visit, clinician, plan="From the other tab")
        response = signed_in(clinician).post(
            note_url(visit, "records:visit_note_draft"),
            SOAP | {"revision": "1", "plan": "From this tab"},
            HTTP_HX_REQUEST="true",
        )
        body = response.content.decode()
        assert "Not saved: this note was saved from another tab or window" in body
        assert "hx-swap-oob" not in body
        assert VisitNote.objects.get(visit=visit).plan == "From the other tab"

    def test_without_javascript_a_conflict_shows_both_versions(self, clinician, visit):
        """409: the typed text kept in the form, the saved version shown below it; saving again
        from the page's revision replaces it deliberately."""
        draft(visit, clinician)
        draft(visit, clinician, plan="From the other tab")
        client = signed_in(clinician)
        response = client.post(
            note_url(visit, "records:visit_note_draft"),
            SOAP | {"revision": "1", "plan": "From this tab"},
        )
        body = response.content.decode()
        assert response.status_code == 409
        assert "was not saved. Your text is kept below." in body
        assert "From this tab</textarea>" in body
        assert "The version saved from the other tab" in body
        assert "From the other tab" in body
        assert 'name="revision" id="note-revision" value="2"' in body
        again = client.post(
            note_url(visit, "records:visit_note_draft"),
            SOAP | {"revision": "2", "plan": "From this tab"},
        )
        assert again.status_code == 302
        assert VisitNote.objects.get(visit=visit).plan == "From this tab"

    def test_save_draft_without_javascript_comes_back_with_the_time(self, clinician, visit):
        response = signed_in(clinician).post(
            note_url(visit, "records:visit_note_draft"), SOAP | {"revision": "0"}, follow=True
        )
        body = response.content.decode()
        assert "Draft saved at " in body
        assert f"{SOAP['plan']}</textarea>" in body

    def test_a_field_too_long_is_refused_with_everything_kept(self, clinician, visit):
        long_text = "x" * 20_001
        response = signed_in(clinician).post(
            note_url(visit, "records:visit_note_draft"),
            SOAP | {"revision": "0", "objective": long_text},
        )
        body = response.content.decode()
        assert response.status_code == 400
        assert "Keep this under 20000 characters." in body
        assert SOAP["subjective"] in body
        assert not VisitNote.objects.exists()

    def test_a_save_posted_after_the_session_ran_out_comes_back_in_the_form(self, clinician, visit):
        """Timed out mid-typing: after signing in, the draft URL shows the typed text, unsaved."""
        client = signed_in(clinician)
        age_session(client, idle_minutes=90)
        posted = client.post(
            note_url(visit, "records:visit_note_draft"),
            SOAP | {"revision": "0", "plan": "Typed <just> before the timeout"},
            HTTP_HX_REQUEST="true",
        )
        assert reverse("account_login") in posted["HX-Redirect"]
        assert not VisitNote.objects.exists()
        client.force_login(clinician)
        page = client.get(note_url(visit, "records:visit_note_draft"))
        body = page.content.decode()
        assert page.status_code == 200
        assert "is back below, as you typed it" in body
        assert "Typed &lt;just&gt; before the timeout</textarea>" in body
        assert PENDING_FORM_KEY not in client.session

    def test_the_draft_url_alone_leads_to_the_note(self, clinician, visit):
        response = signed_in(clinician).get(note_url(visit, "records:visit_note_draft"))
        assert response.status_code == 302
        assert response["Location"] == note_url(visit)


class TestSigning:
    def test_review_saves_what_was_typed_and_shows_it(self, clinician, visit):
        """Without JavaScript, "Review and sign" saves the form, then the review page."""
        client = signed_in(clinician)
        response = client.post(note_url(visit, "records:visit_note_sign"), SOAP | {"revision": "0"})
        assert response.status_code == 302
        assert response["Location"] == note_url(visit, "records:visit_note_sign")
        review = client.get(response["Location"]).content.decode()
        assert "Review and sign: Jordan Rivera" in review
        assert SOAP["assessment"] in review
        assert 'name="confirm" value="sign"' in review
        assert not VisitNote.objects.get(visit=visit).is_signed

    def test_confirming_signs_and_the_page_shows_it_read_only(self, clinician, visit):
        """Signed by whom and when; the summary released; an addendum form instead of fields."""
        draft(visit, clinician)
        client = signed_in(clinician)
        response = client.post(
            note_url(visit, "records:visit_note_sign"),
            {"confirm": "sign", "revision": "1"},
            follow=True,
        )
        body = response.content.decode()
        assert "Note signed." in body
        assert f"Signed by {clinician.get_full_name()} at" in body
        assert "Central time" in body
        assert "Released to the patient at" in body
        assert ">Add addendum</button>" in body
        assert '<textarea name="plan"' not in body
        assert AfterVisitSummary.objects.get(visit=visit).released_at is not None

    def test_a_note_without_a_plan_cannot_be_signed(self, clinician, visit):
        """The review says what is missing and offers no Sign button; a forced post is refused."""
        draft(visit, clinician, plan="")
        client = signed_in(clinician)
        review = client.get(note_url(visit, "records:visit_note_sign")).content.decode()
        assert "Write the plan before signing the note." in review
        assert 'value="sign"' not in review
        forced = client.post(
            note_url(visit, "records:visit_note_sign"),
            {"confirm": "sign", "revision": "1"},
            follow=True,
        )
        assert "Write the plan before signing the note." in forced.content.decode()
        assert not VisitNote.objects.get(visit=visit).is_signed

    def test_a_note_changed_after_review_is_not_signed(self, clinician, visit):
        draft(visit, clinician)
        draft(visit, clinician, plan="Changed elsewhere")
        response = signed_in(clinician).post(
            note_url(visit, "records:visit_note_sign"),
            {"confirm": "sign", "revision": "1"},
            follow=True,
        )
        assert "Review it again before signing." in response.content.decode()
        assert not VisitNote.objects.get(visit=visit).is_signed

    def test_the_review_page_of_a_signed_note_leads_back_to_it(self, clinician, visit):
        signed(visit, clinician)
        response = signed_in(clinician).get(note_url(visit, "records:visit_note_sign"))
        assert response["Location"] == note_url(visit)


class TestAddenda:
    def test_an_addendum_is_listed_with_who_and_when(self, clinician, visit, colleague):
        """Added by the author; shown to them and to the colleague who reads the note."""
        signed(visit, clinician)
        response = signed_in(clinician).post(
            note_url(visit, "records:visit_note_addendum"),
            {"text": "Rapid strep came back positive."},
            follow=True,
        )
        assert "Addendum added." in response.content.decode()
        read = signed_in(colleague).get(note_url(visit)).content.decode()
        assert f"Addendum by {clinician.get_full_name()} at" in read
        assert "Rapid strep came back positive." in read

    def test_an_empty_addendum_is_refused_next_to_its_field(self, clinician, visit):
        signed(visit, clinician)
        response = signed_in(clinician).post(
            note_url(visit, "records:visit_note_addendum"), {"text": ""}
        )
        body = response.content.decode()
        assert response.status_code == 400
        assert 'id="id_text_error"' in body
        assert "Write the addendum before adding it." in body
        assert not NoteAddendum.objects.exists()

    def test_a_draft_takes_no_addendum(self, clinician, visit):
        draft(visit, clinician)
        response = signed_in(clinician).post(
            note_url(visit, "records:visit_note_addendum"), {"text": "Later"}
        )
        assert response.status_code == 400
        assert not NoteAddendum.objects.exists()


def test_the_addenda_service_and_page_agree(clinician, visit):
    """An addendum added by the service shows on the page in order."""
    signed(visit, clinician)
    note_add_addendum(visit=visit, actor=clinician, text="First")
    note_add_addendum(visit=visit, actor=clinician, text="Second")
    body = signed_in(clinician).get(note_url(visit)).content.decode()
    assert body.index("First") < body.index("Second")
