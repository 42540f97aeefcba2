"""Booking's provider cards are written as the template wrote them, character for character
(provider_cards_reference.html, the cards before they were written in Python)."""

import datetime
from pathlib import Path

import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from accounts.models import Language, ProviderProfile
from tests.accounts.factories import ProviderProfileFactory, UserFactory
from tests.markup import rendered, side_by_side
from visits.scheduling.bookable import add_languages
from visits.scheduling.models import VisitType

BOTH = side_by_side(
    Path(__file__).parent / "provider_cards_reference.html",
    "{% load provider_cards %}      {% provider_cards cards %}",
)
NEXT_FREE = datetime.datetime(2026, 12, 3, 15, 0, tzinfo=datetime.UTC)


def _cards() -> list[dict]:
    Language.objects.get_or_create(code="x-a", defaults={"name": "Tongue <one> & two"})
    plain = ProviderProfileFactory(credentials="", language_codes=["en"])
    many = ProviderProfileFactory(
        user=UserFactory(display_name="Dr. O'Brien <Jr> & co"),
        kind=ProviderProfile.Kind.THERAPIST,
        credentials="LCSW & PhD",
        language_codes=["en", "es", "x-a"],
    )
    # No language at all: the card says English.
    silent = ProviderProfileFactory(user=UserFactory(display_name=""), language_codes=["en"])
    silent.languages.clear()
    providers = ProviderProfile.objects.filter(pk__in=[plain.pk, many.pk, silent.pk])
    by_pk = {provider.pk: provider for provider in providers.prefetch_related("languages")}
    add_languages(list(by_pk.values()))
    return [
        {
            "provider": by_pk[plain.pk],
            "next_free": NEXT_FREE,
            "next_free_words": "Thu 3 Dec, 9:00 AM CST",
            "days": 1,
        },
        {
            "provider": by_pk[many.pk],
            "next_free": NEXT_FREE,
            "next_free_words": "Fri <4> & Dec",
            "days": 12,
        },
        {"provider": by_pk[silent.pk], "next_free": None, "next_free_words": "", "days": 0},
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("page", "htmx"), [(1, False), (1, True), (2, False), (2, True)])
def test_the_cards_are_what_their_template_wrote(page, htmx):
    request = (
        RequestFactory().get("/", headers={"HX-Request": "true"})
        if htmx
        else RequestFactory().get("/")
    )
    request.htmx = HtmxDetails(request)
    values = {
        "cards": _cards(),
        "page": page,
        "request": request,
        "visit_type": VisitType.objects.get(slug="follow-up"),
        "search_days": 14,
    }
    reference, written = rendered(BOTH, values)
    assert written == reference
    assert ("autofocus" in written) is (page > 1 and htmx)
    assert "speaks English" in written
    assert "Tongue &lt;one&gt; &amp; two" in written
    assert "No free time in the next 14 days." in written


@pytest.mark.django_db
def test_no_cards_write_nothing():
    values = {"cards": [], "page": 1, "visit_type": VisitType.objects.get(slug="follow-up")}
    reference, written = rendered(BOTH, values)
    assert written == reference == "      "
