"""The course as its users see it, in a real (headless) browser.

A student's `make lab`: open a chapter, run all its cells, move a widget's slider and see its
figure change, see matplotlib figures and nbgrader's Validate button. An instructor's
`make formgrader`: nbgrader's formgrader lists the course's chapters.

Needs the playwright package (the `test` extra) and Debian's chromium (`apt-get install
chromium`; `.ci/run` installs it). Playwright's own browser download is never used.
Screenshots go to test-artifacts/browser/.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.request
from contextlib import contextmanager

import pytest
from notebooks import ROOT
from servers import free_port, stop

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    sync_playwright = None

CHROMIUM = shutil.which("chromium")
SHOTS = ROOT / "test-artifacts" / "browser"
CHAPTER = "matrix_calculus"  # the quickest chapter to run whole (~25 s), and it has a slider widget
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = [
    pytest.mark.slow(why="starts JupyterLab and drives Chromium through a chapter"),
    pytest.mark.skipif(
        sync_playwright is None,
        reason="browser tests need the playwright package: "
        "pip install -e '.[test]' (never `playwright install`: the system chromium is used)",
    ),
    pytest.mark.skipif(
        CHROMIUM is None, reason="browser tests need Debian's chromium: apt-get install chromium (.ci/run installs it)"
    ),
]


# JupyterLab settings for the test server: no autosave (the run must never write its outputs
# into chapters/), no news pop-up. Kept in a scratch folder, so the user's settings are untouched.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}


@contextmanager
def served(target, scratch):
    """Run `make <target>` on a free loopback port with JupyterLab settings and workspaces in
    `scratch`; yield its base URL and token; stop it."""
    for name, settings in LAB_SETTINGS.items():
        (scratch / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (scratch / "settings" / name).write_text(json.dumps(settings))
    port, token = free_port(), secrets.token_hex(16)
    log = open(SHOTS / f"{target}-server.log", "w")
    server = subprocess.Popen(
        ["make", "-s", target, f"PORT={port}"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={
            **os.environ,
            "JUPYTER_TOKEN": token,
            "JUPYTERLAB_SETTINGS_DIR": str(scratch / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces"),
        },
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, f"make {target} exited; see {log.name}"
            assert time.monotonic() < deadline, f"make {target} did not answer on port {port}"
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5).close()
                break
            except OSError:
                time.sleep(0.5)
        yield base, token
    finally:
        stop(server)
        log.close()


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def scroll_notebook(page, to):
    """Scroll the open notebook's panel (JupyterLab renders only the cells near the view)."""
    page.locator(".jp-NotebookPanel-notebook").evaluate(
        "(el, to) => { el.scrollTop = to === 'end' ? el.scrollHeight : to; }", to
    )
    page.wait_for_timeout(300)


def scroll_until(page, locator, step=700, limit=200):
    """Scroll down the notebook until `locator` is in the page; fail if the end comes first."""
    for _ in range(limit):
        if locator.count():
            locator.first.scroll_into_view_if_needed()
            return locator.first
        scroll_notebook(page, page.locator(".jp-NotebookPanel-notebook").evaluate("el => el.scrollTop") + step)
    raise AssertionError(f"never found {locator}")


def run_all_cells(page, tries=3):
    """Run > Run All Cells, until the setup cell shows it is queued or ran. A click in the first
    seconds after the kernel reports idle is sometimes dropped, so it is retried."""
    started = page.locator(".jp-CodeCell .jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]"))
    for attempt in range(1, tries + 1):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            expect(started.first).to_be_attached(timeout=10_000)
            return
        except AssertionError:
            page.screenshot(path=SHOTS / f"lab-run-all-not-started-{attempt}.png")
            page.keyboard.press("Escape")
    raise AssertionError(f"Run All Cells did not start the notebook in {tries} tries")


@pytest.fixture
def chapter_file_untouched():
    """The chapter the browser runs must stay as committed; if a save slipped through, put the
    file back and fail."""
    path = ROOT / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
    original = path.read_bytes()
    yield
    if path.read_bytes() != original:
        path.write_bytes(original)
        pytest.fail(f"the browser session wrote {path} (restored)")


def test_student_runs_a_chapter_and_plays_with_its_widget(page, tmp_path, chapter_file_untouched):
    with served("lab", tmp_path) as (base, token):
        started = time.monotonic()
        page.goto(f"{base}/lab/tree/{CHAPTER}/{CHAPTER}.ipynb?token={token}")
        status = page.locator(".jp-Notebook-ExecutionIndicator")
        expect(status).to_have_attribute("data-status", "idle", timeout=60_000)

        # nbgrader's lab extension is there: its menu and the notebook's Validate button.
        expect(page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")).to_be_visible()
        expect(page.locator(".jp-NotebookPanel-toolbar .validate-button")).to_be_visible()

        run_all_cells(page)

        # Every code cell ran: the last one gets an execution count, and the kernel is idle.
        last_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").last
        deadline = time.monotonic() + 150
        while not (
            re.fullmatch(r"\[\d+\]:", last_prompt.inner_text().strip())
            and status.get_attribute("data-status") == "idle"
        ):
            assert time.monotonic() < deadline, "the chapter did not finish running in 150 s"
            scroll_notebook(page, "end")
            page.wait_for_timeout(700)
        ran = time.monotonic() - started
        page.screenshot(path=SHOTS / "lab-1-end-of-chapter.png")
        scroll_notebook(page, 0)

        # The setup cell imported the student edition, and a matplotlib figure was drawn.
        expect(page.locator(".jp-OutputArea-output", has_text="mytorch from").first).to_contain_text(
            str(ROOT / "mytorch")
        )
        figure = scroll_until(page, page.locator(".jp-CodeCell:not(:has(.widget-interact)) .jp-RenderedImage img"))
        assert figure.evaluate("img => img.naturalWidth") > 100
        page.screenshot(path=SHOTS / "lab-2-figure.png")

        # The layout widget: move the 'size of x' slider; the figure it draws must change.
        widget = scroll_until(page, page.locator(".widget-interact", has_text="size of x"))
        image = widget.locator(".jp-RenderedImage img")
        expect(image).to_have_count(1, timeout=30_000)
        before = image.get_attribute("src")
        readout = widget.locator(".widget-slider", has_text="size of x").locator(".widget-readout")
        expect(readout).to_have_text("5")
        widget.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / "lab-3-widget-before.png")
        handle = widget.locator(".widget-slider", has_text="size of x").locator(".noUi-handle")
        handle.focus()
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        expect(readout).to_have_text("3")
        expect(image).not_to_have_attribute("src", before, timeout=30_000)
        page.screenshot(path=SHOTS / "lab-4-widget-after.png")
        errors = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']", has_text="Traceback"
        )
        assert errors.count() == 0
        print(f"chapter {CHAPTER} ran in the browser in {ran:.0f} s")


def test_instructor_sees_the_course_in_the_formgrader(page, tmp_path):
    with served("formgrader", tmp_path) as (base, token):
        page.goto(f"{base}/formgrader?token={token}")
        table = page.locator("table")
        for chapter in ["matrix_calculus", "backprop", "optimization"]:
            expect(table.locator("tr", has_text=chapter).first).to_be_visible(timeout=60_000)
        page.screenshot(path=SHOTS / "formgrader-assignments.png", full_page=True)
