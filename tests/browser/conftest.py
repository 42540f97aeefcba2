"""Browser fixtures: one Chromium for the browser suite, a fresh context per page, axe and CSP.

Debian's Chromium is driven by Playwright's sync API against pytest-django's ``live_server``.
Every page a test opens is watched: a console message saying the Content-Security-Policy
blocked something, or an uncaught script error, fails the test.
"""

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    ViewportSize,
    WebError,
    expect,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
# Long enough for a slow CI machine, short enough that a missing element fails quickly.
TIMEOUT_MS = 10_000
# Assertions wait as long as actions do: `expect` keeps its own default of 5 s otherwise, and on
# a loaded CI machine a swap that follows a click has taken longer than that.
expect.set_options(timeout=TIMEOUT_MS)
# Chromium has said both "Refused to load ..." and "Loading ... violates the following
# Content Security Policy directive ... The action has been blocked."
CSP_MARKERS = ("Content Security Policy", "Refused to")
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


@dataclass
class BrowserLog:
    """What the pages of one browser context said on the console, and scripts that crashed."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        self.console.append(f"[{message.type}] {message.text} ({message.location.get('url')})")

    def on_web_error(self, error: WebError) -> None:
        self.errors.append(str(error.error))

    def csp_refusals(self) -> list[str]:
        return [line for line in self.console if any(marker in line for marker in CSP_MARKERS)]

    def problems(self) -> list[str]:
        return [f"CSP: {line}" for line in self.csp_refusals()] + [
            f"script error: {error}" for error in self.errors
        ]


OPENED_CONTEXTS = pytest.StashKey[list[tuple[BrowserContext, BrowserLog]]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """After a browser test passes, fail it if its pages hit the CSP or a script error."""
    result = yield
    problems = []
    for context, log in item.stash.get(OPENED_CONTEXTS, []):
        # A round trip to the browser delivers console events still on their way.
        with contextlib.suppress(Error):
            context.cookies()
        problems += log.problems()
    if problems:
        pytest.fail("The browser reported problems:\n" + "\n".join(problems), pytrace=False)
    return result


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started only once the test database exists.

    Session fixtures are set up before function ones, so without this the server starts
    before the in-memory SQLite test database is created, does not share its connection, and
    each of its threads opens (and leaks) a connection of its own.
    """
    return live_server


@pytest.fixture(autouse=True)
def _site_url_is_the_live_server(settings, live_server):
    """Links in emails lead to the server the browser is using, as SITE_URL does in production."""
    settings.SITE_URL = live_server.url


# Playwright's sync API keeps an asyncio loop running in this thread while it is open, so it
# is opened once for the browser tests (package scope) and closed before any other tests run.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's headless Chromium, launched once for the whole browser suite."""
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


@pytest.fixture
def new_page(request: pytest.FixtureRequest, browser: Browser, live_server) -> Iterator[Callable]:
    """Open a page in a fresh browser context (its own cookies) pointed at the live server.

    ``new_page(javascript=False, viewport=LAPTOP, time_zone="America/Denver")`` gives a
    browser with scripts turned off; the default is a phone with JavaScript on.
    """
    opened: list[tuple[BrowserContext, BrowserLog]] = []
    request.node.stash[OPENED_CONTEXTS] = opened

    def open_page(
        *, javascript: bool = True, viewport: ViewportSize = PHONE, time_zone: str = "UTC"
    ) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            java_script_enabled=javascript,
            timezone_id=time_zone,
            locale="en-US",
        )
        context.set_default_timeout(TIMEOUT_MS)
        log = BrowserLog()
        context.on("console", log.on_console)
        context.on("weberror", log.on_web_error)
        opened.append((context, log))
        return context.new_page()

    yield open_page

    for context, _ in opened:
        with contextlib.suppress(Error):
            context.close()
    _wait_for_the_server_to_finish()


def _wait_for_the_server_to_finish(timeout: float = 10.0) -> None:
    """Let requests still running in the live server end before the database is emptied.

    A page may close while its last request (a poll, a form sent as the test ended) is still in
    the server. On PostgreSQL that request's transaction holds locks while the flush's TRUNCATE
    takes every table's, and the two can deadlock. SQLite's in-memory database is shared with
    the server's threads, so there is nothing to wait for there.
    """
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                " AND state <> 'idle'"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)


@pytest.fixture(autouse=True, scope="session")
def _flush_outlasts_a_late_request():
    """Empty the database again when the flush after a browser test lost a deadlock.

    A request that reaches the live server after its page closed (a poll already sent) can
    still take a row lock while the flush's TRUNCATE takes every table's: PostgreSQL then
    cancels one of the two. When it cancels the flush, the request has ended by the time the
    flush runs again, so the next test still starts from an empty database.
    """
    from django.core.management.base import CommandError
    from django.core.management.commands import flush

    handle = flush.Command.handle

    def retrying(self, **options):
        for attempt in range(3):
            try:
                return handle(self, **options)
            except CommandError as error:
                if attempt == 2 or "deadlock detected" not in str(error.__cause__):
                    raise
                time.sleep(0.5)
        return None

    flush.Command.handle = retrying
    yield
    flush.Command.handle = handle


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A phone-sized page with JavaScript on, as most patients use Housecall."""
    return new_page()


class AxeCheck:
    """Runs axe-core on a page and reports its serious and critical violations."""

    def __init__(self) -> None:
        self.axe = Axe()

    def problems(self, page: Page) -> str:
        """The page's serious and critical violations, described; empty if there are none."""
        page.wait_for_load_state("load")
        results = self.axe.run(page)
        violations = [
            violation
            for violation in results.response["violations"]
            if violation.get("impact") in BLOCKING_IMPACTS
        ]
        lines = []
        for violation in violations:
            lines.append(
                f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']}"
                f" <{violation.get('helpUrl', '')}>"
            )
            lines += [f"    {node['target']}: {node['html'][:300]}" for node in violation["nodes"]]
        return "\n".join(lines)

    def __call__(self, page: Page) -> None:
        """Fail the test if axe-core finds a serious or critical violation on the page."""
        problems = self.problems(page)
        assert not problems, "axe-core found accessibility problems:\n" + problems


@pytest.fixture(scope="session")
def axe_check() -> AxeCheck:
    """``axe_check(page)`` fails the test if axe-core finds a serious or critical violation.

    ``axe_check.problems(page)`` returns them instead, to report several pages at once.
    Needs JavaScript on in the page's context.
    """
    return AxeCheck()
