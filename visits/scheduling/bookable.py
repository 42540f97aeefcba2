"""Which providers a patient can book: those who offer the visit type and hold a licence
current where the patient is now, by name, read for the booking pages with their schedules
(visits.scheduling.availability) through prepared queries (config.prepared).
"""

import datetime

from django.db.models import BigIntegerField, CharField, DateField, QuerySet
from django.utils import timezone

from accounts.licensure import current_licence, state_today
from accounts.models import ProviderProfile
from config.prepared import IfGiven, Param, Params, Prepared
from visits.scheduling.availability import add_schedules
from visits.scheduling.models import VisitType


def _bookable(visit_type, state, today, kinds, language=None, kind=None, provider=None):
    """Providers who offer this visit type (of `kinds`, its provider kinds) and hold a licence
    in `state` current on `today` (that state's date), by name."""
    providers = ProviderProfile.objects.filter(
        current_licence(state=state, today=today, path="licenses__"),
        visit_types=visit_type,
        kind__in=kinds,
        user__is_active=True,
    )
    if language is not None:
        providers = providers.filter(languages__code=language)
    if kind is not None:
        providers = providers.filter(kind=kind)
    if provider is not None:
        providers = providers.filter(pk=provider)
    return providers.select_related("user").order_by("user__display_name", "pk")


def bookable_providers(
    *,
    visit_type: VisitType,
    state: str,
    language: str = "",
    kind: str = "",
    now: datetime.datetime | None = None,
) -> QuerySet[ProviderProfile]:
    """Providers who offer this visit type and are licensed where the patient is now."""
    return _bookable(
        visit_type,
        state,
        state_today(state, now or timezone.now()),
        visit_type.provider_kinds,
        language or None,
        kind or None,
    )


# The booking pages' providers and the languages they speak, built and compiled once
# (config.prepared).
BOOKABLE = Prepared(
    _bookable,
    visit_type=Param("visit_type", BigIntegerField()),
    state=Param("state", CharField()),
    today=Param("today", DateField()),
    kinds=Params("kinds", CharField()),
    language=IfGiven("language", CharField()),
    kind=IfGiven("kind", CharField()),
    provider=IfGiven("provider", BigIntegerField()),
)
LANGUAGES_SPOKEN = Prepared(
    lambda providers: (
        ProviderProfile.languages.through.objects.filter(providerprofile_id__in=providers)
        .order_by("providerprofile_id", "language__name")
        .values_list("providerprofile_id", "language__name")
    ),
    providers=Params("providers", BigIntegerField()),
)


def add_languages(providers: list[ProviderProfile]) -> None:
    """Give each provider `languages_spoken`: the names of the languages they speak, in the
    order of their names, as `provider.languages.all()` lists them: one prepared query of plain
    rows (prefetching them built and compiled its query on every page), none for no providers."""
    spoken: dict[int, list[str]] = {provider.pk: [] for provider in providers}
    for provider_id, name in LANGUAGES_SPOKEN.run(providers=list(spoken)):
        spoken[provider_id].append(name)
    for provider in providers:
        provider.languages_spoken = spoken[provider.pk]  # type: ignore[attr-defined]


def load_bookable(
    *,
    visit_type: VisitType,
    state: str,
    now: datetime.datetime,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    language: str = "",
    kind: str = "",
    provider: int | None = None,
    offset: int = 0,
    limit: int | None = None,
    languages: bool = True,
) -> list[ProviderProfile]:
    """bookable_providers (narrowed to one `provider` if given, `limit` of them after `offset`)
    loaded with, given a window [start, end), their schedules near it (add_schedules) and,
    with `languages`, the languages they speak (add_languages)."""
    loaded = BOOKABLE.run(
        visit_type=visit_type,
        state=state,
        today=state_today(state, now),
        kinds=list(visit_type.provider_kinds),
        language=language,
        kind=kind,
        provider=provider,
        offset=offset,
        limit=limit,
    )
    if languages:
        add_languages(loaded)
    if start is not None and end is not None:
        add_schedules(loaded, start=start, end=end)
    return loaded


ONE_PROVIDER = Prepared(
    lambda provider: ProviderProfile.objects.filter(pk=provider).select_related("user"),
    provider=Param("provider", BigIntegerField()),
)


def load_provider(
    provider: int, *, now: datetime.datetime, start: datetime.datetime, end: datetime.datetime
) -> list[ProviderProfile]:
    """One provider, whoever may book them, with their schedule near [start, end) (a visit
    being moved keeps its provider)."""
    loaded = ONE_PROVIDER.run(provider=provider)
    add_schedules(loaded, start=start, end=end)
    return loaded
