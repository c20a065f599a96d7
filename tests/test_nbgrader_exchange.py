"""The shared-JupyterHub path: release_assignment -> fetch_assignment -> submit -> collect,
with a local exchange folder and two real student accounts (created here when run as root).
Each student works in the student bundle unpacked in its home, with a library of its own; the
Hand in cell puts that library into the fetched folder, so collect brings it back."""

import shutil
import subprocess
import sys

import nbformat
import pytest
from test_nbgrader_pack import hand_in_cell, setup_cell, unpacked_bundle
from unix_accounts import unix_accounts

from grading.edition.release import ROOT
from grading.nbgrader_glue import unpack
from grading.nbgrader_glue.autograde import course_config, environment, nbgrader

pytestmark = [
    pytest.mark.slow(why="release, fetch, submit and collect as real Unix accounts through nbgrader"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Unix accounts: Linux only"),
]
USERS = ("dlcourse-stu1", "dlcourse-stu2")


def as_user(user, home, *args, cwd=None):
    env = {k: v for k, v in environment().items() if not k.startswith(("JUPYTER", "PYTEST"))}
    env.update(HOME=str(home), USER=user)
    return subprocess.run(
        ["runuser", "-u", user, "--", "env", *[f"{k}={v}" for k, v in env.items()], sys.executable, *args],
        cwd=cwd or home,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def students():
    with unix_accounts(USERS, "the two student accounts of the exchange test") as base:
        probe = as_user(USERS[0], base / "home" / USERS[0], "-c", "import nbgrader")
        assert probe.returncode == 0, f"a student account cannot run {sys.executable}: {probe.stderr[-500:]}"
        yield base


def student_course(user, home):
    """The student bundle unpacked in the student's home, with the student's own work: the first
    student has done exercise 4.1 (Linear, the reference's file), the second only signed it."""
    course = unpacked_bundle(home / "dlcourse-student")
    linear = course / "mytorch" / "nn" / "linear.py"
    if user == USERS[0]:
        shutil.copyfile(ROOT / "solutions" / "mytorch" / "nn" / "linear.py", linear)
    else:
        linear.write_text(linear.read_text() + f"# work of {user}\n")
    for path in [course, *course.rglob("*")]:
        shutil.chown(path, user, user)
    return course


def test_release_fetch_hand_in_submit_collect(students):
    base = students
    chapter = "backprop"  # a small stand-in notebook: the Hand in cell finds it by the chapter's name
    exchange = base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)  # everyone writes their inbound submission; the sticky bit protects them
    course = course_config(base / "instructor")
    source = course / "source" / chapter
    source.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION")
    answer.metadata.nbgrader = dict(grade=False, solution=True, locked=False, grade_id="add", schema_version=3)
    test = nbformat.v4.new_code_cell("assert add(1, 2) == 3")
    test.metadata.nbgrader = dict(
        grade=True, solution=False, locked=True, grade_id="add_test", points=1, schema_version=3
    )
    nb.cells = [answer, test]
    nbformat.write(nb, source / f"{chapter}.ipynb")
    root_flags = [f"--Exchange.root={exchange}", "--CourseDirectory.course_id=dlcourse"]
    nbgrader(course, "generate_assignment", chapter, "--force")
    nbgrader(course, "release_assignment", chapter, "--force", *root_flags)
    libraries = {}
    for user in USERS:
        home = base / "home" / user
        mine = student_course(user, home)  # fetched below it, so the setup cell finds its mytorch/
        libraries[user] = (mine / "mytorch" / "nn" / "linear.py").read_bytes()
        fetched = as_user(user, home, "-m", "nbgrader", "fetch_assignment", chapter, *root_flags, cwd=mine)
        assert fetched.returncode == 0, fetched.stderr
        work = mine / chapter / f"{chapter}.ipynb"
        assert work.is_file()
        assert "BEGIN SOLUTION" not in work.read_text()
        answered = nbformat.read(work, as_version=4)  # each student answers, so collect must bring back theirs
        answered.cells[0].source = f"def add(a, b):\n    return a + b  # answered by {user}"
        nbformat.write(answered, work)
        handed = as_user(user, home, "-c", setup_cell(chapter) + hand_in_cell(chapter), cwd=mine / chapter)
        assert handed.returncode == 0, handed.stderr
        assert f"Next: `nbgrader submit {chapter}` in {mine}" in handed.stdout
        sent = as_user(user, home, "-m", "nbgrader", "submit", chapter, *root_flags, cwd=mine)
        assert sent.returncode == 0, sent.stderr
    nbgrader(course, "collect", chapter, *root_flags)
    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == sorted(USERS)
    for user in USERS:
        collected = nbformat.read(submitted / user / chapter / f"{chapter}.ipynb", as_version=4)
        assert collected.cells[0].source.endswith(f"# answered by {user}")
        assert (submitted / user / chapter / "timestamp.txt").is_file()
        assert not (submitted / user / chapter / "mytorch").exists()  # the library came as the zip
    assert unpack.unpack_submissions(submitted, chapter) == {user: unpack.UNPACKED for user in USERS}
    for user in USERS:  # each student's own library, not the other's, not the student edition
        assert (submitted / user / chapter / "mytorch" / "nn" / "linear.py").read_bytes() == libraries[user]
        library = {
            p.relative_to(submitted / user / chapter).as_posix()
            for p in (submitted / user / chapter / "mytorch").rglob("*")
            if p.is_file()
        }
        assert library == {
            f"mytorch/{p.relative_to(ROOT / 'mytorch').as_posix()}" for p in (ROOT / "mytorch").rglob("*.py")
        }
    assert libraries[USERS[0]] != libraries[USERS[1]]
    assert b"NotImplementedError" not in libraries[USERS[0]]
