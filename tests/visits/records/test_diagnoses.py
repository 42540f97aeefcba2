# ruff: noqa: F811 -- fixtures imported from notes_fixtures are test arguments
"""The ICD-10-CM list and its search: the data is well formed and sourced, the search finds by
code or words, and the picker adds only codes from the list."""

import json
import re

import pytest
from django.urls import reverse

from tests.visits.records.notes_fixtures import SOAP, draft, signed_in, visit  # noqa: F401
from visits.records import icd10
from visits.records.models import NoteDiagnosis

# Letter, digit, digit or letter; then optionally a dot and up to four more characters.
ICD10CM_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


class TestTheData:
    def test_every_code_is_well_formed_unique_and_described(self):
        """Codes as ICD-10-CM writes them, once each, each with a description."""
        rows = json.loads(icd10.DATA_FILE.read_text())["codes"]
        codes = [row["code"] for row in rows]
        assert len(codes) == len(set(codes))
        assert all(ICD10CM_CODE.match(code) for code in codes), [
            code for code in codes if not ICD10CM_CODE.match(code)
        ]
        assert all(row["description"].strip() for row in rows)
        assert 150 <= len(codes) <= 350

    def test_the_source_is_named(self):
        """The file says where the codes come from and that they are public domain."""
        source = icd10.source()
        assert "ICD-10-CM FY2026" in source
        assert "CMS" in source
        assert "public domain" in source

    def test_the_common_telehealth_diagnoses_are_there(self):
        """A few a telehealth clinic uses every day, with the code set's descriptions."""
        codes = icd10.code_set()
        assert codes["U07.1"].description == "COVID-19"
        assert codes["J06.9"].description == "Acute upper respiratory infection, unspecified"
        assert codes["F41.1"].description == "Generalized anxiety disorder"
        assert codes["N39.0"].description == "Urinary tract infection, site not specified"
        for code in ("I10", "E11.9", "E78.5", "J45.909", "K21.9", "M54.50", "F33.1", "F90.2"):
            assert code in codes


class TestLookup:
    @pytest.mark.parametrize("typed", ["J06.9", "j06.9", "J069", "  j069 "])
    def test_a_code_is_found_however_it_is_typed(self, typed):
        assert icd10.lookup(typed).code == "J06.9"

    @pytest.mark.parametrize("typed", ["", "J06", "Z99.999", "not a code"])
    def test_anything_else_is_none(self, typed):
        assert icd10.lookup(typed) is None


class TestSearch:
    def test_an_exact_code_comes_first(self):
        """J02.0 first, before codes that merely start the same way."""
        found = [dx.code for dx in icd10.search("J02.0")]
        assert found[0] == "J02.0"

    def test_the_start_of_a_code_finds_its_family(self):
        """ "F41" finds the anxiety disorders, and nothing outside F41."""
        found = [dx.code for dx in icd10.search("F41")]
        assert set(found) == {"F41.0", "F41.1", "F41.8", "F41.9"}

    def test_a_code_without_its_dot_is_found(self):
        assert [dx.code for dx in icd10.search("j069")] == ["J06.9"]

    def test_words_match_the_starts_of_words(self):
        """Every word typed begins a word of the description: "back pa" is back pain."""
        found = [dx.code for dx in icd10.search("low back pa")]
        assert "M54.50" in found
        assert all("back" in icd10.code_set()[code].description.lower() for code in found)

    def test_the_words_people_use_find_the_code(self):
        """ "UTI", "pink eye" and "flu" are not in the descriptions but find their codes."""
        assert "N39.0" in [dx.code for dx in icd10.search("uti")]
        assert "H10.9" in [dx.code for dx in icd10.search("pink eye")]
        assert "J11.1" in [dx.code for dx in icd10.search("flu")]

    def test_case_does_not_matter(self):
        assert icd10.search("MIGRAINE") == icd10.search("migraine")
        assert len(icd10.search("migraine")) == 3

    def test_nothing_typed_finds_nothing(self):
        assert icd10.search("") == []
        assert icd10.search("   ") == []

    def test_nothing_matching_finds_nothing(self):
        assert icd10.search("xylophone") == []

    def test_at_most_the_limit_is_returned(self):
        """Broad words are cut to the limit, so the list stays short."""
        assert len(icd10.search("disorder")) == icd10.SEARCH_LIMIT
        assert len(icd10.search("disorder", limit=5)) == 5


@pytest.mark.django_db
class TestThePicker:
    def test_htmx_search_returns_the_matches_with_add_buttons(self, clinician, visit):
        """As the clinician types: the list of matches, each with its own Add button."""
        client = signed_in(clinician)
        response = client.post(
            reverse("records:visit_note_diagnosis_search", args=[visit.pk]),
            {"dx_query": "strep"},
            HTTP_HX_REQUEST="true",
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert body.lstrip().startswith('<div id="diagnosis-matches"')
        assert 'aria-label="Matching diagnoses"' in body
        assert 'name="code" value="J02.0"' in body
        assert 'Add<span class="visually-hidden"> J02.0 Streptococcal pharyngitis' in body
        assert "<html" not in body

    def test_htmx_search_with_no_match_says_so(self, clinician, visit):
        client = signed_in(clinician)
        response = client.post(
            reverse("records:visit_note_diagnosis_search", args=[visit.pk]),
            {"dx_query": "xylophone"},
            HTTP_HX_REQUEST="true",
        )
        assert "No codes in the clinic's list match that" in response.content.decode()

    def test_without_javascript_the_note_page_shows_the_matches_and_keeps_the_text(
        self, clinician, visit
    ):
        """The whole form posts: the draft is saved and the page lists the matches."""
        client = signed_in(clinician)
        response = client.post(
            reverse("records:visit_note_diagnosis_search", args=[visit.pk]),
            SOAP | {"revision": "0", "dx_query": "migraine"},
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "<h1>Visit note:" in body
        assert "3 matches" in body
        assert 'value="G43.909"' in body
        assert SOAP["subjective"] in body
        assert 'value="migraine"' in body
        assert visit.note.subjective == SOAP["subjective"]

    def test_adding_a_listed_code_puts_it_on_the_note(self, clinician, visit):
        """Without JavaScript: added, and back on the note page with a message."""
        client = signed_in(clinician)
        draft(visit, clinician)
        response = client.post(
            reverse("records:visit_note_diagnosis_add", args=[visit.pk]),
            SOAP | {"revision": "1", "code": "G43.909"},
            follow=True,
        )
        assert "Added G43.909 Migraine, unspecified" in response.content.decode()
        assert list(NoteDiagnosis.objects.values_list("code", flat=True)) == ["G43.909"]

    def test_adding_with_htmx_returns_the_section_and_the_new_revision(self, clinician, visit):
        """The diagnoses section comes back with the code; the form's revision is updated."""
        client = signed_in(clinician)
        response = client.post(
            reverse("records:visit_note_diagnosis_add", args=[visit.pk]),
            SOAP | {"revision": "0", "code": "I10"},
            HTTP_HX_REQUEST="true",
        )
        body = response.content.decode()
        assert body.lstrip().startswith('<section id="note-diagnoses"')
        assert "Added I10 Essential (primary) hypertension." in body
        assert 'id="note-revision" value="1" hx-swap-oob="true"' in body
        assert "Saved at" in body

    def test_a_code_not_in_the_list_is_refused_with_a_message(self, clinician, visit):
        """A forged or mistyped code: nothing added, the clinician told why."""
        client = signed_in(clinician)
        draft(visit, clinician)
        response = client.post(
            reverse("records:visit_note_diagnosis_add", args=[visit.pk]),
            SOAP | {"revision": "1", "code": "Q99.9"},
            HTTP_HX_REQUEST="true",
        )
        assert "Q99.9 is not in the clinic&#x27;s list of ICD-10-CM codes" in (
            response.content.decode()
        )
        assert not NoteDiagnosis.objects.exists()

    def test_removing_takes_it_off(self, clinician, visit):
        client = signed_in(clinician)
        draft(visit, clinician)
        from visits.records.notes import note_add_diagnosis

        added = note_add_diagnosis(visit=visit, actor=clinician, code="I10")
        response = client.post(
            reverse("records:visit_note_diagnosis_remove", args=[visit.pk, added.pk]),
            SOAP | {"revision": "1"},
            follow=True,
        )
        assert "Removed I10 Essential (primary) hypertension." in response.content.decode()
        assert not NoteDiagnosis.objects.exists()
