"""How long each list of the patient's results pages is: a page of rows, more on asking, never
more than MOST_SHOWN, each read in one query for its rows plus one that says whether there are
more."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from config.prepared import Prepared

VISITS_PAGE = 10
PRESCRIPTIONS_PAGE = 10
ORDERS_PAGE = 10
REPORTS_PAGE = 10
TRENDS_PAGE = 6
# The most a "show more" link can ask for, so no page's cost grows with the record.
MOST_SHOWN = 200


@dataclass(frozen=True)
class Bounded[T]:
    """The first `shown` rows of a list, and whether there are more after them."""

    items: list[T]
    shown: int
    more: bool
    page: int

    @property
    def next_shown(self) -> int:
        return min(self.shown + self.page, MOST_SHOWN)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def bounded(rows: QuerySet | Prepared, *, shown: int, page: int, **values: Any) -> Bounded:
    """One query for `shown` rows plus one, which says whether there are more: of a QuerySet, or
    of a prepared query run with `values` (each length its own compiled variant)."""
    if isinstance(rows, Prepared):
        fetched = rows.run(limit=shown + 1, **values)
    else:
        fetched = list(rows[: shown + 1])
    return Bounded(fetched[:shown], shown, len(fetched) > shown, page)


def shown_count(asked: str | None, *, page: int) -> int:
    """How many rows a list shows: what the "show more" link asked for, in whole pages, capped."""
    try:
        wanted = int(asked or page)
    except ValueError:
        wanted = page
    pages = max(1, -(-wanted // page))
    return min(pages * page, MOST_SHOWN)
