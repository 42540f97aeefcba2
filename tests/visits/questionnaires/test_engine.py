"""Questionnaire definitions, branching, validation, scoring and red flags, as published."""

import itertools
import json

import pytest

from visits.questionnaires import engine

DEFINITIONS = {definition["slug"]: definition for definition in engine.load_all()}
PHQ9, GAD7 = DEFINITIONS["phq-9"], DEFINITIONS["gad-7"]


def published_phq9_band(total: int) -> str:
    """Kroenke, Spitzer & Williams (2001): 0-4, 5-9, 10-14, 15-19, 20-27."""
    for ceiling, label in [
        (4, "None to minimal"),
        (9, "Mild"),
        (14, "Moderate"),
        (19, "Moderately severe"),
    ]:
        if total <= ceiling:
            return label
    return "Severe"


def published_gad7_band(total: int) -> str:
    """Spitzer et al. (2006): 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe."""
    for ceiling, label in [(4, "Minimal"), (9, "Mild"), (14, "Moderate")]:
        if total <= ceiling:
            return label
    return "Severe"


class TestValidatedInstruments:
    def test_phq9_every_combination_scores_as_published(self):
        """All 4^9 answer combinations give the published total, band, PHQ-2 screen and item-9 escalation."""
        for combination in itertools.product(range(4), repeat=9):
            answers = {f"phq9_{number}": value for number, value in enumerate(combination, 1)}
            result = engine.score(PHQ9, answers)
            total = sum(combination)
            assert (result.total, result.band) == (total, published_phq9_band(total))
            assert result.screens["PHQ-2"] is (combination[0] + combination[1] >= 3)
            flags = engine.red_flags(PHQ9, answers)
            if combination[8] > 0:
                assert [flag.kind for flag in flags] == ["crisis"]
            else:
                assert flags == []

    def test_gad7_every_combination_scores_as_published(self):
        """All 4^7 answer combinations give the published total, band and GAD-2 screen."""
        for combination in itertools.product(range(4), repeat=7):
            answers = {f"gad7_{number}": value for number, value in enumerate(combination, 1)}
            result = engine.score(GAD7, answers)
            total = sum(combination)
            assert (result.total, result.band) == (total, published_gad7_band(total))
            assert result.screens["GAD-2"] is (combination[0] + combination[1] >= 3)

    @pytest.mark.parametrize(("slug", "prefix"), [("phq-2", "phq9"), ("gad-2", "gad7")])
    def test_two_item_screens_are_positive_at_three(self, slug, prefix):
        """PHQ-2 and GAD-2 screen positive at 3 or more, for every combination."""
        for first, second in itertools.product(range(4), repeat=2):
            result = engine.score(DEFINITIONS[slug], {f"{prefix}_1": first, f"{prefix}_2": second})
            assert result.band == ("Positive screen" if first + second >= 3 else "Negative screen")

    def test_published_wording_and_loinc_codes(self):
        """The wording and codes match the published instruments."""
        assert (
            PHQ9["items"][8]["text"]
            == "Thoughts that you would be better off dead or of hurting yourself in some way"
        )
        assert [option["label"] for option in PHQ9["items"][0]["options"]] == [
            "Not at all",
            "Several days",
            "More than half the days",
            "Nearly every day",
        ]
        assert PHQ9["loinc"] == {
            "panel": "44249-1",
            "total": "44261-6",
            "items": {"phq9_9": "44260-8"},
        }
        assert GAD7["loinc"] == {"panel": "69737-5", "total": "70274-6"}
        assert GAD7["items"][0]["text"] == "Feeling nervous, anxious, or on edge"

    def test_difficulty_question_follows_any_problem_and_is_not_scored(self):
        """The PHQ-9 difficulty item appears only after a problem is checked, and adds nothing."""
        none = {f"phq9_{n}": 0 for n in range(1, 10)}
        assert "phq9_difficulty" not in [item["id"] for item in engine.visible_items(PHQ9, none)]
        some = {**none, "phq9_3": 1}
        assert "phq9_difficulty" in [item["id"] for item in engine.visible_items(PHQ9, some)]
        assert engine.score(PHQ9, {**some, "phq9_difficulty": "very"}).total == 1


class TestAnswers:
    def test_required_items_must_be_answered(self):
        """A missing required answer gets a message on that item."""
        answers, errors = engine.clean_answers(GAD7, {"gad7_1": "1"})
        assert answers == {"gad7_1": 1}
        assert errors["gad7_2"] == "Please answer this question."
        assert len(errors) == 6

    def test_branching_shows_the_temperature_only_with_fever(self):
        """Fever brings up 'highest temperature'; without fever it is neither asked nor kept."""
        respiratory = DEFINITIONS["symptoms-respiratory"]
        base = {
            "symptoms": ["cough"],
            "days": "3",
            "chest_pain": "no",
            "short_of_breath": "no",
            "blue_lips": "no",
        }
        answers, errors = engine.clean_answers(respiratory, {**base, "highest_temperature": "103"})
        assert errors == {}
        assert "highest_temperature" not in answers
        _, errors = engine.clean_answers(respiratory, {**base, "symptoms": ["cough", "fever"]})
        assert errors == {"highest_temperature": "Please answer this question."}
        answers, errors = engine.clean_answers(
            respiratory, {**base, "symptoms": ["cough", "fever"], "highest_temperature": "101.4"}
        )
        assert answers["highest_temperature"] == 101.4

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ("hot", "Enter a number in °F."),
            ("120", "Enter a number from 90 to 110 °F."),
            ("nan", "Enter a number."),
        ],
    )
    def test_numbers_are_checked_against_their_range(self, raw, message):
        """A temperature that is not a number, or out of range, says so."""
        respiratory = DEFINITIONS["symptoms-respiratory"]
        raw_answers = {
            "symptoms": ["fever"],
            "days": "1",
            "highest_temperature": raw,
            "chest_pain": "no",
            "short_of_breath": "no",
            "blue_lips": "no",
        }
        assert engine.clean_answers(respiratory, raw_answers)[1] == {"highest_temperature": message}

    def test_choices_must_be_among_the_options(self):
        """An answer that is not one of the options is refused."""
        assert (
            engine.clean_answers(GAD7, {f"gad7_{n}": "9" for n in range(1, 8)})[1]["gad7_1"]
            == "Choose one of the answers."
        )

    def test_dates_and_text(self):
        """Dates must be dates; long text is refused."""
        respiratory = DEFINITIONS["symptoms-respiratory"]
        base = {
            "symptoms": ["cough"],
            "days": "1",
            "chest_pain": "no",
            "short_of_breath": "no",
            "blue_lips": "no",
        }
        assert engine.clean_answers(respiratory, {**base, "started_on": "last week"})[1] == {
            "started_on": "Enter a date, e.g. 2026-11-20."
        }
        assert "notes" in engine.clean_answers(respiratory, {**base, "notes": "x" * 301})[1]


class TestRedFlags:
    def test_chest_pain_with_breathlessness_is_an_emergency(self):
        """Chest pain with shortness of breath tells the patient to seek emergency care."""
        respiratory = DEFINITIONS["symptoms-respiratory"]
        answers = {
            "symptoms": ["cough"],
            "days": 1,
            "chest_pain": "yes",
            "short_of_breath": "yes",
            "blue_lips": "no",
        }
        kinds = {flag.id: flag.kind for flag in engine.red_flags(respiratory, answers)}
        assert kinds["chest_pain_and_breath"] == "emergency"

    def test_chest_pain_alone_is_not_flagged_by_the_combined_rule(self):
        """The combined rule needs both answers."""
        respiratory = DEFINITIONS["symptoms-respiratory"]
        answers = {
            "symptoms": ["cough"],
            "days": 1,
            "chest_pain": "yes",
            "short_of_breath": "no",
            "blue_lips": "no",
        }
        assert engine.red_flags(respiratory, answers) == []

    def test_a_suicidal_plan_is_a_crisis(self):
        """A plan to end one's life raises the crisis flag."""
        mood = DEFINITIONS["symptoms-mood"]
        answers = {
            "main_concern": "low_mood",
            "weeks": 3,
            "self_harm_thoughts": "yes",
            "plan": "yes",
        }
        assert "suicidal_plan" in [flag.id for flag in engine.red_flags(mood, answers)]

    @pytest.mark.parametrize(
        ("slug", "answers", "flag"),
        [
            (
                "symptoms-rash",
                {"where": "face", "days": 1, "spreading": "no", "swelling": "yes", "fever": "no"},
                "anaphylaxis",
            ),
            (
                "symptoms-urinary",
                {
                    "symptoms": ["burning"],
                    "flank_pain": "yes",
                    "vomiting": "yes",
                    "pregnant": "no",
                    "days": 2,
                },
                "kidney_infection_with_vomiting",
            ),
            (
                "symptoms-respiratory",
                {
                    "symptoms": ["fever"],
                    "days": 2,
                    "highest_temperature": 104.5,
                    "chest_pain": "no",
                    "short_of_breath": "no",
                    "blue_lips": "no",
                },
                "very_high_fever",
            ),
        ],
    )
    def test_each_complaint_has_its_emergency_signs(self, slug, answers, flag):
        """Each symptom questionnaire flags its own emergency signs."""
        assert flag in [f.id for f in engine.red_flags(DEFINITIONS[slug], answers)]


class TestBadDefinitions:
    def write(self, tmp_path, definition, name="broken.json"):
        path = tmp_path / name
        path.write_text(json.dumps(definition))
        return path

    def base(self, **changes):
        definition = {
            "slug": "broken",
            "version": 1,
            "title": "Broken",
            "kind": "symptom",
            "items": [{"id": "q1", "type": "yes_no", "text": "A question?"}],
        }
        definition.update(changes)
        return definition

    @pytest.mark.parametrize(
        ("items", "message"),
        [
            (
                [{"id": "q1", "type": "slider", "text": "?"}],
                "broken.json, item q1: unknown type 'slider'",
            ),
            (
                [{"id": "q1", "type": "single", "text": "?", "options": []}],
                "broken.json, item q1: choice items need options",
            ),
            (
                [
                    {"id": "q1", "type": "yes_no", "text": "?"},
                    {"id": "q1", "type": "yes_no", "text": "?"},
                ],
                "broken.json, item q1: duplicate id",
            ),
            (
                [
                    {
                        "id": "q1",
                        "type": "yes_no",
                        "text": "?",
                        "show_if": {"item": "q2", "op": "eq", "value": "yes"},
                    }
                ],
                "refers to unknown or later item 'q2'",
            ),
            ([{"id": "q1", "type": "number", "text": "?", "min": 5, "max": 1}], "min is above max"),
            ([{"id": "q1", "type": "yes_no"}], "every item needs its text"),
        ],
    )
    def test_mistakes_fail_loudly_naming_file_and_item(self, tmp_path, items, message):
        """A bad definition stops the load and says which file and item."""
        with pytest.raises(engine.DefinitionError, match=message.replace("?", r"\?")):
            engine.load_definition_file(self.write(tmp_path, self.base(items=items)))

    def test_bands_must_cover_every_total(self, tmp_path):
        """Scoring bands with a gap are refused."""
        definition = self.base(
            items=[
                {
                    "id": "q1",
                    "type": "single",
                    "text": "?",
                    "options": [{"value": 0, "label": "a"}, {"value": 3, "label": "b"}],
                }
            ],
            scoring={
                "items": ["q1"],
                "bands": [
                    {"min": 0, "max": 1, "label": "low"},
                    {"min": 2, "max": 2, "label": "mid"},
                ],
            },
        )
        with pytest.raises(engine.DefinitionError, match="bands end at 2 but the maximum is 3"):
            engine.load_definition_file(self.write(tmp_path, definition))

    def test_invalid_json_names_the_file(self, tmp_path):
        """A file that is not JSON is named in the error."""
        path = tmp_path / "garbled.json"
        path.write_text("{not json")
        with pytest.raises(engine.DefinitionError, match=r"garbled\.json: not valid JSON"):
            engine.load_definition_file(path)

    def test_red_flag_rules_are_checked(self, tmp_path):
        """A red flag without a kind is refused."""
        definition = self.base(
            red_flags=[
                {"id": "x", "when": {"item": "q1", "op": "eq", "value": "yes"}, "message": "m"}
            ]
        )
        with pytest.raises(engine.DefinitionError, match="red flag x: needs kind"):
            engine.load_definition_file(self.write(tmp_path, definition))

    def test_shipped_definitions_all_load(self):
        """Every file in the repository is valid."""
        assert set(DEFINITIONS) == {
            "phq-9",
            "gad-7",
            "phq-2",
            "gad-2",
            "symptoms-respiratory",
            "symptoms-urinary",
            "symptoms-rash",
            "symptoms-mood",
        }
