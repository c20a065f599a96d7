"""The shared-JupyterHub path: release_assignment -> fetch_assignment -> submit -> collect,
with a local exchange folder and two real student accounts (created here when run as root)."""
import contextlib
import os
import pwd
import shutil
import stat
import struct
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


# The students run this very interpreter (nbgrader is installed in it). Where it lives under a
# private folder (pyenv in /root, mode 0700) they cannot reach it, so for the test's duration
# each ancestor folder that others cannot traverse gets a POSIX access ACL granting the two
# test uids traverse (x) only: no listing, no reading, nobody else. Where the filesystem takes
# no ACLs the fallback is others' x bit (still traverse only). Afterwards the ACL is removed
# and the exact original mode put back (removing an ACL leaves its mask in the group bits).
ACL = "system.posix_acl_access"
ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
NO_ID = 0xFFFFFFFF


def traverse_acl(mode, uids):
    """The xattr value of the minimal ACL of `mode` plus traverse for `uids` (kernel format:
    version 2, then (tag, perm, id) entries sorted by tag and id)."""
    entries = [(ACL_USER_OBJ, mode >> 6 & 7, NO_ID), *[(ACL_USER, 1, uid) for uid in sorted(uids)],
               (ACL_GROUP_OBJ, mode >> 3 & 7, NO_ID), (ACL_MASK, mode >> 3 & 7 | 1, NO_ID),
               (ACL_OTHER, mode & 7, NO_ID)]
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)


def closed_folders(paths):
    """Every folder on the way to `paths` (and each path that is a folder) others cannot enter."""
    folders = set()
    for path in map(Path, paths):
        for folder in [path, *path.parents] if path.is_dir() else path.parents:
            if folder.is_dir() and not folder.stat().st_mode & stat.S_IXOTH:
                folders.add(folder)
    return sorted(folders)


@contextlib.contextmanager
def traversable(uids, paths):
    changed = []  # (folder, original mode, original ACL or None), restored in reverse
    try:
        for folder in closed_folders(paths):
            mode = stat.S_IMODE(folder.stat().st_mode)
            try:
                original = os.getxattr(folder, ACL)
            except OSError:
                original = None
            changed.append((folder, mode, original))
            try:
                if original is not None:
                    raise OSError("keep an existing ACL as it is")
                os.setxattr(folder, ACL, traverse_acl(mode, uids))
            except OSError:
                folder.chmod(mode | stat.S_IXOTH)
        yield
    finally:
        for folder, mode, original in reversed(changed):
            if original is None:
                with contextlib.suppress(OSError):
                    os.removexattr(folder, ACL)
                folder.chmod(mode)
            else:
                folder.chmod(mode)
                os.setxattr(folder, ACL, original)


def interpreter_paths():
    return {os.path.realpath(sys.executable), sys.executable, sys.prefix, sys.base_prefix,
            *[entry for entry in sys.path if entry and os.path.exists(entry)]}


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
        with traversable([pwd.getpwnam(user).pw_uid for user in USERS], interpreter_paths()):
            probe = as_user(USERS[0], base / "home" / USERS[0], "-c", "import nbgrader")
            assert probe.returncode == 0, f"a student account cannot run {sys.executable}: {probe.stderr[-500:]}"
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
        fetched = as_user(user, home, "-m", "nbgrader", "fetch_assignment", "ps1", *root_flags)
        assert fetched.returncode == 0, fetched.stderr
        work = home / "ps1" / "ps1.ipynb"
        assert work.is_file()
        assert "BEGIN SOLUTION" not in work.read_text()
        mine = nbformat.read(work, as_version=4)  # each student answers, so collect must bring back theirs
        mine.cells[0].source = f"def add(a, b):\n    return a + b  # answered by {user}"
        nbformat.write(mine, work)
        sent = as_user(user, home, "-m", "nbgrader", "submit", "ps1", *root_flags)
        assert sent.returncode == 0, sent.stderr
    nbgrader(course, "collect", "ps1", *root_flags)
    assert sorted(p.name for p in (course / "submitted").iterdir()) == sorted(USERS)
    for user in USERS:
        collected = nbformat.read(course / "submitted" / user / "ps1" / "ps1.ipynb", as_version=4)
        assert collected.cells[0].source.endswith(f"# answered by {user}")
        assert (course / "submitted" / user / "ps1" / "timestamp.txt").is_file()
