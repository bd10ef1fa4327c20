"""Fixtures for real front ends: one JupyterLab, Notebook 7 and Voila server per session
(started on first use, see ``servers.py``), headless Debian Chromium, a fresh page per test
(with a screenshot when it fails), and where screenshots go.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .servers import ROOT, Server, start_server

CHROMIUM = os.environ.get("VEO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FRONTENDS = ("lab", "notebook7", "voila")


def _server_fixture(kind: str, save_widget_state: bool = False) -> Any:
    @pytest.fixture(scope="session")
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
        server = start_server(kind, tmp_path_factory.mktemp(kind), save_widget_state=save_widget_state)
        try:
            yield server
        finally:
            server.stop()

    return fixture


# JupyterLab saves widget state with the notebook, so the saved-key check covers it too;
# Notebook 7 keeps the default (no widget state), as most people have it.
lab_server = _server_fixture("lab", save_widget_state=True)
notebook7_server = _server_fixture("notebook7")
voila_server = _server_fixture("voila")


@pytest.fixture(params=FRONTENDS)
def server(request: pytest.FixtureRequest) -> Server:
    """Each front end in turn (parametrize ``server`` indirectly to pick some)."""
    return request.getfixturevalue(f"{request.param}_server")  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------- browser


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Chromium, for this package's tests only: Playwright's sync API keeps an event loop
    running on the main thread while it is open, and ``asyncio.run`` in the tests of other
    packages (which may share this worker) refuses to start inside it."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run)"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh page; on failure its screenshot and console are kept next to the test's files."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.set_default_timeout(60_000)
    tab = context.new_page()
    console: list[str] = []
    tab.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    try:
        yield tab
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            (tmp_path / "console.txt").write_text("\n".join(console))
            # Every tab still open: a test that reopened its notebook has a newer one.
            for number, open_tab in enumerate(context.pages):
                shot = tmp_path / f"failure-{number}.png"
                try:
                    open_tab.screenshot(path=str(shot), full_page=True)
                    print(f"failure screenshot: {shot}")
                except Exception as exc:  # the page may be gone; the test's own error matters more
                    print(f"no failure screenshot: {exc}")
        context.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: a temporary folder, or ``$VEO_SCREENSHOTS`` (``docs`` refreshes
    the README's pictures), so a plain test run never leaves the checkout modified."""
    wanted = os.environ.get("VEO_SCREENSHOTS")
    if not wanted:
        return tmp_path_factory.mktemp("screenshots")
    folder = Path(wanted) if Path(wanted).is_absolute() else ROOT / wanted
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def upload_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The picture a person uploads, from a folder the servers do not serve."""
    folder = tmp_path_factory.mktemp("pictures")
    return Path(shutil.copy(ROOT / "examples" / "lighthouse.jpg", folder / "lighthouse.jpg"))
