"""`{% url %}` remembers the links it makes, and still answers exactly as Django's would."""

import uuid

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, reverse

from visits.templatetags import remembered_urls
from visits.templatetags.remembered_urls import remembered_reverse


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_every_template_gets_the_remembering_tag():
    # No {% load %}: the library is a builtin, and replaces Django's own tag.
    node = Template("{% url 'patient_dashboard' %}").nodelist[0]
    assert isinstance(node, remembered_urls.RememberedURLNode)


def test_links_are_the_ones_django_makes():
    visit = uuid.uuid4()
    assert render("{% url 'patient_dashboard' %}") == reverse("patient_dashboard")
    assert render("{% url 'scheduling:visit_detail' visit %}", visit=visit) == reverse(
        "scheduling:visit_detail", args=[visit]
    )
    assert render("{% url 'scheduling:booking_providers' slug=slug %}", slug="therapy") == reverse(
        "scheduling:booking_providers", kwargs={"slug": "therapy"}
    )


def test_the_same_link_is_worked_out_once():
    remembered_urls._remembered.cache_clear()
    visit = uuid.uuid4()
    for _ in range(3):
        render("{% url 'scheduling:visit_detail' visit %}", visit=visit)
    info = remembered_urls._remembered.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_another_url_configuration_gets_its_own_answers(settings):
    remembered_reverse("patient_dashboard")
    settings.ROOT_URLCONF = "config.bench_urls"
    assert remembered_reverse("bench_bare") == "/bench/bare/"
    settings.ROOT_URLCONF = "config.urls"
    with pytest.raises(NoReverseMatch):
        remembered_reverse("bench_bare")


def test_a_link_that_does_not_exist_fails_as_it_does_in_django():
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")
    # `as var` turns the failure into an empty link, as Django's tag does.
    assert render("{% url 'no-such-page' as link %}[{{ link }}]") == "[]"


def test_arguments_it_cannot_remember_still_work():
    class Identifier:
        def __str__(self) -> str:
            return "12345678-1234-1234-1234-123456789012"

    remembered_urls._remembered.cache_clear()
    link = remembered_reverse("scheduling:visit_detail", [Identifier()])
    assert link == reverse("scheduling:visit_detail", args=["12345678-1234-1234-1234-123456789012"])
    assert remembered_urls._remembered.cache_info().currsize == 0


def test_a_tag_without_a_page_name_is_refused_when_the_template_is_read():
    with pytest.raises(TemplateSyntaxError):
        Template("{% url %}")
