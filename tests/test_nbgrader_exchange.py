"""The shared-JupyterHub path: release_assignment -> fetch_assignment -> submit -> collect,
with a local exchange folder and two real student accounts (created here when run as root)."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from grading.autograde import course_config, environment, nbgrader

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Unix accounts: Linux only")]
USERS = ("dlcourse-stu1", "dlcourse-stu2")


def as_user(user, home, *args):
    env = {k: v for k, v in environment().items() if not k.startswith(("JUPYTER", "PYTEST"))}
    env.update(HOME=str(home), USER=user)
    return subprocess.run(["runuser", "-u", user, "--", "env", *[f"{k}={v}" for k, v in env.items()],
                           sys.executable, *args], cwd=home, capture_output=True, text=True, timeout=120)


@pytest.fixture
def students():
    if os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("runuser"):
        pytest.skip("needs root (useradd, runuser) to create the two student accounts of the exchange test")
    base = Path(tempfile.mkdtemp(prefix="dlcourse-exchange-"))
    base.chmod(0o755)
    made = []
    try:
        for user in USERS:
            subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", user], check=True)
            made.append(user)
            home = base / "home" / user
            home.mkdir(parents=True)
            shutil.chown(home, user, user)
        probe = as_user(USERS[0], base / "home" / USERS[0], "-c", "import nbgrader")
        if probe.returncode != 0:
            pytest.skip(f"student accounts cannot run {sys.executable} (is it under a private /root?): "
                        f"{probe.stderr.strip()[-200:]}")
        yield base
    finally:
        for user in made:
            subprocess.run(["userdel", user], check=False)
        shutil.rmtree(base, ignore_errors=True)


def test_release_fetch_submit_collect(students):
    base = students
    exchange = base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)  # everyone writes their inbound submission; the sticky bit protects them
    course = course_config(base / "instructor")
    source = course / "source" / "ps1"
    source.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION")
    answer.metadata.nbgrader = dict(grade=False, solution=True, locked=False, grade_id="add", schema_version=3)
    test = nbformat.v4.new_code_cell("assert add(1, 2) == 3")
    test.metadata.nbgrader = dict(grade=True, solution=False, locked=True, grade_id="add_test", points=1,
                                  schema_version=3)
    nb.cells = [answer, test]
    nbformat.write(nb, source / "ps1.ipynb")
    root_flags = [f"--Exchange.root={exchange}", "--CourseDirectory.course_id=dlcourse"]
    nbgrader(course, "generate_assignment", "ps1", "--force")
    nbgrader(course, "release_assignment", "ps1", "--force", *root_flags)
    for user in USERS:
        home = base / "home" / user
        fetched = as_user(user, home, "-m", "nbgrader", "fetch_assignment", "ps1", "--course=dlcourse", *root_flags)
        assert fetched.returncode == 0, fetched.stderr
        work = home / "ps1" / "ps1.ipynb"
        assert work.is_file()
        assert "BEGIN SOLUTION" not in work.read_text()
        sent = as_user(user, home, "-m", "nbgrader", "submit", "ps1", "--course=dlcourse", *root_flags)
        assert sent.returncode == 0, sent.stderr
    nbgrader(course, "collect", "ps1", *root_flags)
    for user in USERS:
        assert (course / "submitted" / user / "ps1" / "ps1.ipynb").is_file()
