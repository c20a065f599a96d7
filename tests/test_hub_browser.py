"""The course's JupyterHub (grading/nbgrader_glue/hub/jupyterhub_config.py), with real Unix accounts, in a
real browser.

An instructor and two students get Unix accounts (created here, removed afterwards) and log in
to the hub on 127.0.0.1 with headless Chromium. Each student fetches matrix_calculus from the
Assignments tab, edits a library file and the notebook's exercises (stu1 the reference answers,
stu2 the same with a typical mistake: dL/db as the batch mean), runs the setup and Hand in cells
and submits. stu2 then fails, from a terminal of its own, to list, read or overwrite stu1's
submission. The instructor sees the formgrader, collects and autogrades with the documented
commands (run as the instructor's account), releases feedback, and each student fetches it in
the Assignments tab and sees its own score and diagnosis.

Screenshots go to test-artifacts/hub/. Needs root (accounts, the hub's setuid spawner),
bubblewrap (autograde), Debian's chromium, playwright, and configurable-http-proxy
(`make hub-proxy`, which `make test` and `make hub` run; nothing is downloaded here).
"""

import contextlib
import json
import os
import pwd
import secrets
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from notebooks import ROOT
from servers import free_port, wait_until_up
from test_browser import CHROMIUM, LAUNCH_ARGS, sync_playwright
from test_docs_commands import doc_blocks
from unix_accounts import unix_accounts

from grading.grader.diagnosis import CAUSES
from grading.nbgrader_glue.autograde import course_config
from grading.nbgrader_glue.hub import role_environment

CHAPTER = "matrix_calculus"  # every exercise in the notebook; grades in ~30 s a student
INSTRUCTOR, STUDENTS = "dlhub-teacher", ("dlhub-stu1", "dlhub-stu2")
VENV = Path(sys.prefix)
PROXY = VENV / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
SHOTS = ROOT / "test-artifacts" / "hub"
MISTAKE = ("dLdb = dLdZ.sum(axis=0)", "dLdb = dLdZ.mean(axis=0)")  # grading/mistakes.py: linear-dLdb-mean

pytestmark = [
    pytest.mark.slow(
        why="starts JupyterHub with Unix accounts; Chromium fetches, submits and reads feedback; nbgrader grades"
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Unix accounts: Linux only"),
    pytest.mark.skipif(sync_playwright is None, reason="needs the playwright package (the test extra)"),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)"),
    pytest.mark.skipif(not PROXY.exists(), reason=f"needs configurable-http-proxy: make hub-proxy ({PROXY})"),
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="autograde needs bubblewrap"),
]


@pytest.fixture
def accounts():
    with unix_accounts(
        (INSTRUCTOR, *STUDENTS), "the hub's accounts are real Unix accounts and its spawner setuids"
    ) as base:
        yield base


def as_user(user, state, role, *command, timeout=300):
    """A command in the user's terminal on the hub: the environment its server gets."""
    home = pwd.getpwnam(user).pw_dir
    env = {**role_environment(state, role, VENV), "HOME": home, "USER": user, "LANG": "C.UTF-8"}
    return subprocess.run(
        ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()], *command],
        cwd=home,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def must(result):
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result


@contextlib.contextmanager
def hub(base, state, course, password):
    port = free_port()
    env = {
        **os.environ,
        "DLCOURSE_HUB_STATE": str(state),
        "DLCOURSE_HUB_INSTRUCTOR": INSTRUCTOR,
        "DLCOURSE_HUB_STUDENTS": ",".join(STUDENTS),
        "DLCOURSE_HUB_COURSE": str(course / "course_config.py"),
        "DLCOURSE_HUB_PORT": str(port),
        "DLCOURSE_HUB_API_PORT": str(free_port()),
        "DLCOURSE_HUB_PROXY_API_PORT": str(free_port()),
        "DLCOURSE_HUB_PASSWORD": password,
    }
    log = open(SHOTS / "hub.log", "w")  # noqa: SIM115 (closed in the finally below)
    assert "make hub" in documented("hub")
    server = subprocess.Popen(
        ["make", "-s", "hub"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(server, f"{base_url}/hub/health", "make hub", log.name, timeout=90)
        yield base_url
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the hub stops every user's server (cleanup_servers)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


class User:
    """One person's browser session on the hub."""

    def __init__(self, browser, base, name, password):
        self.name, self.base = name, base
        self.page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        self.page.set_default_timeout(30_000)
        self.page.goto(f"{base}/hub/login")
        self.page.fill("#username_input", name)
        self.page.fill("#password_input", password)
        self.page.click("#login_submit")
        self.page.wait_for_url(f"**/user/{name}/lab**", timeout=120_000)
        self.page.wait_for_selector("#jp-main-dock-panel")

    def shot(self, step):
        self.page.screenshot(path=str(SHOTS / f"{step}-{self.name}.png"))

    def url(self, path):
        return f"{self.base}/user/{self.name}/{path}"

    def assignments(self):
        self.page.goto(self.url("lab"))
        self.page.wait_for_selector("#jp-main-dock-panel")
        self.page.click("text=Nbgrader")
        self.page.click("text=Assignment List")
        self.page.wait_for_selector("#released_assignments_list")

    def row(self, listing):
        return self.page.locator(f"#{listing} .list_item").filter(has_text=CHAPTER).first

    def open_file(self, path):
        self.page.goto(self.url(f"lab/tree/{path}"))
        kind = ".jp-NotebookPanel .jp-Notebook" if path.endswith(".ipynb") else ".jp-FileEditor .cm-content"
        self.page.locator(kind).filter(visible=True).first.wait_for()

    def set_cell(self, index, text):
        cell = (
            self.page.locator(".jp-NotebookPanel .jp-Notebook")
            .filter(visible=True)
            .first.locator(".jp-Cell")
            .nth(index)
        )
        cell.scroll_into_view_if_needed()
        editor = cell.locator(".cm-content")
        editor.click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.press("Delete")
        self.page.keyboard.insert_text(text)

    def run_cell(self, index, waits_for):
        cell = (
            self.page.locator(".jp-NotebookPanel .jp-Notebook")
            .filter(visible=True)
            .first.locator(".jp-Cell")
            .nth(index)
        )
        cell.scroll_into_view_if_needed()
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Control+Enter")
        cell.locator(".jp-OutputArea").filter(has_text=waits_for).wait_for(timeout=120_000)


def documented(name):
    """The command lines of grading/README.md's block marked doc-test: NAME."""
    (text,) = [text for _, _, block, _, text in doc_blocks() if block == name]
    lines = [line.split("  #")[0].strip() for line in text.splitlines() if not line.startswith("#")]
    return [line for line in lines if line]


def solution_sources(chapter):
    """{grade_id: source} of the reference's answer cells."""
    nb = json.loads((ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    markers = {"### BEGIN SOLUTION", "### END SOLUTION"}  # whole lines, their indentation with them
    return {
        c["metadata"]["nbgrader"]["grade_id"]: "".join(line for line in c["source"] if line.strip() not in markers)
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution")
    }


def instructor_course(home):
    """The instructor's course folder: the course's configuration, the chapter generated."""
    course = course_config(home / "dlcourse")
    # nbgrader loads <course root>/nbgrader_config.py last, over the hub's exchange settings: keep the
    # course's settings under another name, loaded by the hub's instructor configuration (as a clone's
    # grading/nbgrader_config.py is)
    (course / "nbgrader_config.py").rename(course / "course_config.py")
    shutil.copytree(ROOT / "solutions" / CHAPTER, course / "source" / CHAPTER)
    for path in [course, *course.rglob("*")]:
        shutil.chown(path, INSTRUCTOR, INSTRUCTOR)
    return course


def student_works(user, answers, state, exchange):
    """In the browser: fetch, edit mytorch and the notebook, hand in, submit."""
    user.assignments()
    user.row("released_assignments_list").get_by_role("button", name="Fetch").click()
    user.row("fetched_assignments_list").wait_for()
    user.shot("1-fetched")
    # a library file: the Hand in cell must carry the student's own mytorch/
    user.open_file("mytorch/nn/linear.py")
    user.page.locator(".jp-FileEditor .cm-content").filter(visible=True).first.click()
    user.page.keyboard.press("Control+End")
    user.page.keyboard.insert_text(f"\n# reviewed by {user.name}\n")
    user.page.keyboard.press("Control+s")
    user.page.wait_for_timeout(500)
    user.shot("2-library-edited")
    user.open_file(f"{CHAPTER}/{CHAPTER}.ipynb")
    user.page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    released = json.loads((exchange / "outbound" / CHAPTER / f"{CHAPTER}.ipynb").read_text())
    cells = released["cells"]
    for index, cell in enumerate(cells):
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            user.set_cell(index, answers[grade_id])
    user.page.keyboard.press("Control+s")
    user.page.wait_for_timeout(1000)
    setup = next(i for i, cell in enumerate(cells) if cell["cell_type"] == "code")
    user.run_cell(setup, "mytorch from")
    user.run_cell(len(cells) - 1, "nbgrader submit")
    user.shot("3-handed-in")
    user.assignments()
    user.row("fetched_assignments_list").get_by_role("button", name="Submit").click()
    user.row("submitted_assignments_list").wait_for()
    user.shot("4-submitted")


def test_hub_fetch_submit_grade_feedback(accounts):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in [*SHOTS.glob("*.png"), *SHOTS.glob("*.log")]:
        old.unlink()
    base, state = accounts, accounts / "state"
    password = secrets.token_urlsafe(12)
    course = instructor_course(base / "home" / INSTRUCTOR)
    reference = solution_sources(CHAPTER)
    assert MISTAKE[0] in reference[f"{CHAPTER}_linear_backward"]
    answers = {
        STUDENTS[0]: reference,
        STUDENTS[1]: {
            **reference,
            f"{CHAPTER}_linear_backward": reference[f"{CHAPTER}_linear_backward"].replace(*MISTAKE),
        },
    }
    with hub(base, state, course, password) as url, sync_playwright() as p:
        exchange = state / "exchange" / "dlcourse"
        for step in ("generate_assignment", "release_assignment"):  # the hub wrote the instructor's config
            must(as_user(INSTRUCTOR, state, "instructor", "nbgrader", step, CHAPTER, "--force"))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        students = {name: User(browser, url, name, password) for name in STUDENTS}
        for name, user in students.items():
            student_works(user, answers[name], state, exchange)

        # students cannot touch each other's work
        inbound = exchange / "inbound"
        (mine,) = list((inbound / STUDENTS[0]).iterdir())
        target = mine / f"{CHAPTER}.ipynb"
        before = target.read_bytes()
        intruder = students[STUDENTS[1]]
        intruder.page.locator(".lm-MenuBar-itemLabel", has_text="File").click()
        intruder.page.locator(".lm-Menu-itemLabel", has_text="New").first.hover()
        intruder.page.locator(".lm-Menu-itemLabel").filter(has_text="Terminal").first.click()
        intruder.page.locator(".jp-Terminal .xterm-screen").filter(visible=True).first.click()
        intruder.page.wait_for_timeout(1500)
        q = shlex.quote
        attempts = (
            f"ls {q(str(inbound / STUDENTS[0]))}; cat {q(str(target))} | head -c 80; "
            f"echo overwritten > {q(str(target))}; mkdir {q(str(inbound / STUDENTS[0]))}/fake; "
            f"mkdir {q(str(inbound))}/{STUDENTS[0]}+{CHAPTER}+2026-12-31"
        )
        intruder.page.keyboard.type(f"({attempts}) 2>&1 | tee ~/attempts.txt\n")
        intruder.page.wait_for_timeout(2000)
        intruder.shot("5-classmate-denied")
        attempt_log = (base / "home" / STUDENTS[1] / "attempts.txt").read_text()
        assert attempt_log.count("Permission denied") == 5, attempt_log
        assert target.read_bytes() == before
        assert sorted(p.name for p in inbound.iterdir()) == sorted(STUDENTS)

        # the instructor: formgrader, then the documented commands from a terminal
        teacher = User(browser, url, INSTRUCTOR, password)
        teacher.page.goto(teacher.url("formgrader"))
        teacher.page.locator("td").filter(has_text=CHAPTER).first.wait_for()
        teacher.shot("6-formgrader")
        assert students[STUDENTS[0]].page.goto(students[STUDENTS[0]].url("formgrader")).status == 404
        for line in documented("hub-grading"):  # grading/README.md's commands, as the instructor
            started = time.monotonic()
            done = as_user(
                INSTRUCTOR,
                state,
                "instructor",
                "bash",
                "-e",
                "-c",
                line.replace("~/dlcourse", str(course)),
                timeout=600,
            )
            with open(SHOTS / "instructor-commands.log", "a") as out:
                out.write(f"$ {line}  # {time.monotonic() - started:.0f} s\n{done.stdout}{done.stderr}\n")
            must(done)
        store = (
            state / "reference"
        )  # grading/nbgrader_glue/hub: the instructor's reference store, outside the course install
        assert (store.stat().st_uid, stat.S_IMODE(store.stat().st_mode)) == (pwd.getpwnam(INSTRUCTOR).pw_uid, 0o700)
        assert any(store.glob("secret-*")) and any(store.glob("*.npz"))
        teacher.page.goto(teacher.url(f"formgrader/gradebook/{CHAPTER}/{CHAPTER}"))
        teacher.page.locator("td").filter(has_text=STUDENTS[1]).first.wait_for()
        teacher.page.get_by_role("button", name="Show All Names").click()
        teacher.shot("7-graded")

        # each student's feedback in the Assignments tab
        total = sum(
            c["metadata"]["nbgrader"].get("points", 0)
            for c in json.loads((course / "release" / CHAPTER / f"{CHAPTER}.ipynb").read_text())["cells"]
            if c["metadata"].get("nbgrader", {}).get("grade")
        )
        # the mistake fails 3.2's dLdb check, 1 of its 3 points (grading/grader/checks/matrix_calculus.py)
        expected = {STUDENTS[0]: total, STUDENTS[1]: total - 1}
        for name, user in students.items():
            user.assignments()
            user.row("submitted_assignments_list").get_by_role("button", name="Fetch Feedback").click()
            link = user.row("submitted_assignments_list").get_by_text("view feedback")
            link.wait_for()
            user.shot("8-feedback-fetched")
            (html,) = (base / "home" / name / "dlcourse-student" / CHAPTER / "feedback").glob("*/*.html")
            rel = html.relative_to(base / "home" / name / "dlcourse-student")
            user.page.goto(user.url(f"files/{rel}"))
            text = user.page.inner_text("body")
            user.shot("9-feedback")
            assert f"Score: {expected[name]:.1f} / {total:.1f}" in " ".join(text.split()), text[:1500]
            if name == STUDENTS[1]:
                assert f"Likely cause: {CAUSES['batch_mean'][0]}" in text, text[:1500]
        browser.close()
