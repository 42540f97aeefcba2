"""The definition files are kept in the database."""

import pytest

from visits.questionnaires.models import Questionnaire

pytestmark = pytest.mark.django_db


def test_definitions_are_loaded_into_the_database():
    """Every definition file is in the database after migrating."""
    assert set(Questionnaire.objects.values_list("slug", flat=True)) >= {
        "phq-9",
        "gad-7",
        "symptoms-rash",
    }
