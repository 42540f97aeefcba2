"""Booking's provider cards, written in Python: the template engine spent some three hundred
lookups, tags and filters on each card, so a full page of providers cost twice a short one.
`tests/visits/scheduling/` holds the template the cards were written with, and a test that
this writes what it wrote."""

from collections.abc import Iterable, Mapping

from django import template
from django.utils.safestring import SafeString

from config.html import escape
from visits.templatetags.remembered_urls import remembered_reverse

register = template.Library()
FOCUS = ' tabindex="-1" autofocus'


def _card(card: Mapping, *, focus: bool, slug: str, search_days: int) -> str:
    provider = card["provider"]
    name = escape(str(provider))
    languages = ", ".join(escape(name) for name in provider.languages_spoken)
    if card["next_free"]:
        url = escape(remembered_reverse("scheduling:booking_times", [slug, provider.pk]))
        days = card["days"]
        times = (
            f"\n              <p>Next free: <strong>{escape(card['next_free_words'])}</strong>"
            f" · {days} day{'' if days == 1 else 's'} with free time</p>\n"
            f'              <a role="button" href="{url}">See times with {name}</a>\n            '
        )
    else:
        times = (
            f'\n              <p class="empty">No free time in the next {escape(search_days)}'
            " days.</p>\n            "
        )
    return (
        "\n        <li>\n"
        '          <article class="provider-card">\n'
        f"            <h2{FOCUS if focus else ''}>{name}</h2>\n"
        f"            <p>{escape(provider.get_kind_display())} · speaks "
        f"{languages or 'English'}</p>\n"
        f"            {times}\n"
        "          </article>\n"
        "        </li>\n      "
    )


@register.simple_tag(takes_context=True)
def provider_cards(context: template.Context, cards: Iterable[Mapping]) -> SafeString:
    """Each provider on this page of the list: who they are, what they speak, their next free
    time and a link to their times. The first card of a later page, fetched by "show more",
    takes the focus so a screen reader goes on from there."""
    request = context.get("request")
    focus_first = (context.get("page") or 1) > 1 and bool(getattr(request, "htmx", False))
    slug, search_days = context["visit_type"].slug, context.get("search_days") or 0
    return SafeString(
        "".join(
            _card(card, focus=focus_first and number == 0, slug=slug, search_days=search_days)
            for number, card in enumerate(cards)
        )
    )
