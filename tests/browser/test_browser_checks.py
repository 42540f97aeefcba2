"""The browser suite's own safety nets work: a CSP refusal is seen, and axe sees problems."""

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import AxeCheck, BrowserLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_csp_refusals_reach_the_console_watcher(browser: Browser, live_server):
    """An inline script without the nonce is blocked, and the console watcher sees the refusal."""
    context = browser.new_context(base_url=live_server.url)
    log = BrowserLog()
    context.on("console", log.on_console)
    try:
        page = context.new_page()
        page.goto("/privacy/")
        with page.expect_console_message(
            lambda message: "Content Security Policy" in message.text, timeout=5000
        ):
            page.evaluate(
                """() => {
                    const script = document.createElement("script");
                    script.textContent = "window.injected = true";
                    document.body.append(script);
                }"""
            )
        assert page.evaluate("() => window.injected") is None
    finally:
        context.close()
    assert log.csp_refusals(), log.console


def test_axe_check_reports_serious_violations(browser: Browser, live_server, axe_check: AxeCheck):
    """A form field without a label is reported by axe_check, with its id and the element."""
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/privacy/")
        page.evaluate(
            """() => {
                const input = document.createElement("input");
                input.id = "unlabelled";
                document.querySelector("main").append(input);
            }"""
        )
        problems = axe_check.problems(page)
    finally:
        context.close()
    assert "label (critical)" in problems
    assert "#unlabelled" in problems
