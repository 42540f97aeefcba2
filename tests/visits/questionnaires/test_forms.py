from django.http import QueryDict

from visits import field_groups
from visits.questionnaires import engine
from visits.questionnaires.forms import QuestionnaireForm


def _fresh_groups(form: QuestionnaireForm) -> list[str]:
    return [str(super(type(field), field).as_field_group()) for field in form]


class TestQuestionnaireForm:
    def test_a_remembered_choice_group_is_the_group_written_afresh(self):
        """A choice item's group, written once and kept, is the markup of writing it again."""
        definition = engine.load_definition_file(engine.DEFINITIONS_DIR / "phq-9.json")
        field_groups._written_groups.clear()
        for answers, data, errors in [
            ({}, None, None),
            ({"phq9_1": 2}, None, None),
            ({}, QueryDict("phq9_1=3"), {"phq9_2": "Please answer this question."}),
        ]:
            for _ in range(2):
                form = QuestionnaireForm(definition, answers, data=data, errors=errors)
                assert [str(field.as_field_group()) for field in form] == _fresh_groups(form)
        assert field_groups._written_groups

    def test_an_answer_that_is_not_a_choice_is_not_kept(self):
        """A posted value outside the item's choices is written afresh, never kept."""
        definition = engine.load_definition_file(engine.DEFINITIONS_DIR / "phq-9.json")
        field_groups._written_groups.clear()
        form = QuestionnaireForm(definition, {}, data=QueryDict("phq9_1=<b>9</b>"))
        form["phq9_1"].as_field_group()
        assert all(key[4] != "<b>9</b>" for key in field_groups._written_groups)
