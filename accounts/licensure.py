"""Whether a licence is current: one rule for booking, the on-demand queue and the access policy.

A licence counts through its expiry date as that date runs in its own state (see STATE_ZONES),
whoever asks and whatever zone their page speaks in.
"""

import datetime
import zoneinfo
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts.states import STATE_ZONES


def state_today(state: str, now: datetime.datetime) -> datetime.date:
    """The date it is now in `state`, where its day ends first."""
    return timezone.localdate(now, zoneinfo.ZoneInfo(STATE_ZONES[state]))


def current_licence(
    *,
    now: datetime.datetime | None = None,
    state: Any = None,
    path: str = "",
    today: Any = None,
) -> Q:
    """Licences that have not expired at `now`, in `state` or in any state.

    `path` leads from the filtered model to the licence ("licenses__" from a provider profile).
    A prepared query (config.prepared) gives the state and its date (state_today) as values
    taken when it runs, `state` and `today`, in place of `now`.
    """
    state_field, expiry = f"{path}state", f"{path}expires_on"
    if state is not None:
        if today is None:
            if now is None:
                raise TypeError("current_licence needs now, or the state's today.")
            today = state_today(state, now)
        return Q(**{state_field: state}) & (
            Q(**{f"{expiry}__isnull": True}) | Q(**{f"{expiry}__gte": today})
        )
    if now is None:
        raise TypeError("current_licence in any state needs now.")
    # One condition for each date it is somewhere (two or three at any moment), not one a state.
    states_on: dict[datetime.date, list[str]] = {}
    for each in STATE_ZONES:
        states_on.setdefault(state_today(each, now), []).append(each)
    in_force = Q(**{f"{expiry}__isnull": True})
    for today, states in sorted(states_on.items()):
        in_force |= Q(**{f"{state_field}__in": states, f"{expiry}__gte": today})
    return in_force
