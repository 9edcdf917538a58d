"""Headless Chromium for the browser tests (the site, JupyterLab), driven through Playwright's Python
package. The browser is the distribution's (`/usr/bin/chromium`, installed by .ci/system-packages):
Playwright's own browser download needs a network this course's CI does not have.

Every step a test takes can be kept as a screenshot in work/screenshots/<test>/, so that a failure in
CI can be seen, not only read.
"""
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "work" / "screenshots"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts, which a closed
# network refuses, many times a second; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    executable = chromium_path()
    if executable is None:
        pytest.fail("no Chromium on this machine: the browser tests need the distribution's chromium package "
                    "(`bash .ci/system-packages` installs it as root; or `apt-get install chromium`)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Screenshots:
    """Numbered screenshots of one test's steps: ``shots(page, "validated")``."""

    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def __call__(self, page, step):
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', step)}.png"
        page.screenshot(path=str(path), full_page=False)
        return path


@pytest.fixture
def shots(request):
    """Keep this test's screenshots in work/screenshots/<test name>/."""
    return Screenshots(SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name))


@pytest.fixture
def page(browser, shots):
    """A fresh page (its own context) that records console errors and failed requests in
    ``page.problems``; on a failing test the last screen is kept too."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda message: message.type == "error" and page.problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: page.problems.append(f"request failed: {request.url} ({request.failure})"))
    yield page
    shots(page, "last")
    context.close()
