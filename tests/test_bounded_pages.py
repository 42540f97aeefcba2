"""Every page of the page benchmark, rendered with the demo clinic, with the clinic grown past
every page's list bounds, and grown as much again: no page's queries or bytes grow with the data.

Each growth is smaller than the benchmark's large clinic, so the test stays quick, but more than
any page shows at once: 40 more providers (a page of bookable providers is 10, of the staff
dashboard's 20), 60 past visits (a chart lists 10), 60 lab reports of 10 results (the results
page lists 10 reports and 6 tests' last values, a chart 10 reports), 30 questionnaire responses
(the score history charts 20) and 30 reads of the record (the access log lists 20). The same
URLs are opened at every size (the same report, visit and chart), each page's person signed in
as the benchmark signs them in.

The query count is the same at every size. Bytes are held to two bounds:

- From the demo clinic to the grown one, at most 2.5 times and 4 KB more: the demo clinic's
  lists are short, and growing fills each to its page (the staff dashboard's 6 providers become
  a page of 20, and the page about twice the bytes). A page that lists rows in proportion to the
  data, or whose bound is too generous to read (a report drawing twelve values of each of its
  tests), is far past it: the results page was 7.6 times the demo's, a report 7.1 times.
- From the grown clinic to twice grown, at most 5 % and 1 KB more: between one full page and the
  next only words and numbers change ("10 of 70 reports" says "of 130", "Bench Provider 47" is
  longer than "Bench Provider 7"), where a list that grows with the data adds a row per visit,
  report or response, several kilobytes at least.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from visits.bench import clinic, pages

GROWTH = {
    "providers": 40,
    "visits": 60,
    "observations": 600,
    "responses": 30,
    "accesses": 30,
}
FILLED_RATIO, FILLED_SLACK = 2.5, 4096
GROWN_RATIO, GROWN_SLACK = 1.05, 1024
# Not pages of the app: the bare page is mounted only on the benchmark's server.
NOT_APP_PAGES = {"bare Django page", "bare page, signed in"}
# Pages that answer otherwise by design, at every size (none at the moment).
STATUS: dict[str, int] = {}


def _render(urls: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """(status, queries, bytes) of one request of every page, by page name."""
    rendered = {}
    for name, _group, _path, client, _cookie in pages.signed_in_pages():
        if name in NOT_APP_PAGES:
            continue
        client.get(urls[name])  # the first request of a session sets what later ones read
        with CaptureQueriesContext(connection) as queries:
            response = client.get(urls[name])
        rendered[name] = (response.status_code, len(queries), len(response.content))
    return rendered


def _failures(demo: dict, grown: dict, twice: dict) -> list[str]:
    failures = []
    for name, (status, queries, size) in demo.items():
        grown_status, grown_queries, grown_size = grown[name]
        twice_status, twice_queries, twice_size = twice[name]
        figures = f"{size:,}, {grown_size:,} and {twice_size:,} bytes"
        if {status, grown_status, twice_status} != {STATUS.get(name, 200)}:
            failures.append(f"{name}: answers {status}, {grown_status} grown, {twice_status} twice")
        elif not queries == grown_queries == twice_queries:
            failures.append(f"{name}: {queries}, {grown_queries} and {twice_queries} queries")
        elif grown_size > size * FILLED_RATIO + FILLED_SLACK:
            failures.append(f"{name}: {figures}; grown, it passes a full page of each list")
        elif twice_size > grown_size * GROWN_RATIO + GROWN_SLACK:
            failures.append(f"{name}: {figures}; it grows with the data")
    return failures


@pytest.mark.django_db
def test_no_page_grows_with_the_clinic(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    urls = {name: path() for name, _group, path, _client, _cookie in pages.signed_in_pages()}
    demo = _render(urls)
    clinic.grow(**GROWTH)
    grown = _render(urls)
    clinic.grow(**GROWTH)
    twice = _render(urls)
    assert demo.keys() == grown.keys() == twice.keys()
    failures = _failures(demo, grown, twice)
    assert not failures, "\n".join(failures)


def test_a_page_that_grows_fails():
    """The bounds catch each way a page can grow: status, queries, bytes filled or growing."""
    demo = {"a": (200, 5, 10_000), "b": (200, 5, 10_000), "c": (200, 5, 10_000)}
    grown = {"a": (200, 6, 10_000), "b": (200, 5, 30_000), "c": (200, 5, 20_000)}
    twice = {"a": (200, 6, 10_000), "b": (200, 5, 30_000), "c": (200, 5, 25_000)}
    failures = _failures(demo, grown, twice)
    assert [line.split(":")[0] for line in failures] == ["a", "b", "c"]
    assert _failures({"a": (500, 5, 1)}, {"a": (200, 5, 1)}, {"a": (200, 5, 1)})
