"""Real Unix accounts for the tests that need them (the nbgrader exchange, the hub): made with
their homes under one temporary folder, able to run this interpreter, and removed afterwards with
every process they left. Tests that make accounts take turns (they change /root's ACLs)."""

import contextlib
import os
import pwd
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import machine_lock


@contextlib.contextmanager
def unix_accounts(users, why):
    """Make `users` (homes in BASE/home/USER), yield BASE; skip the test unless root can.
    why: what the test needs them for (the skip message)."""
    if os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("runuser"):
        pytest.skip(f"needs root (useradd, runuser): {why}")
    with machine_lock("unix-accounts"), _accounts(users) as base:
        yield base


@contextlib.contextmanager
def _accounts(users):
    base = Path(tempfile.mkdtemp(prefix="dlcourse-accounts-"))
    base.chmod(0o755)
    made = []
    try:
        for user in users:
            home = base / "home" / user
            subprocess.run(
                ["useradd", "--home-dir", str(home), "--create-home", "--shell", "/bin/bash", user], check=True
            )
            made.append(user)
        with traversable([pwd.getpwnam(user).pw_uid for user in made], interpreter_paths()):
            yield base
    finally:
        uids = {pwd.getpwnam(user).pw_uid for user in made}
        for _ in range(3):  # whatever a server of these accounts left behind, by its id
            for pid in processes_of(uids):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
        for user in made:
            subprocess.run(["userdel", "--remove", user], check=False, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def processes_of(uids):
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid in uids:
                    pids.append(int(entry.name))
    return pids


# The students run this very interpreter (nbgrader is installed in it). Where it lives under a
# private folder (pyenv in /root, mode 0700) they cannot reach it, so for the test's duration
# each ancestor folder that others cannot traverse gets a POSIX access ACL granting the test's
# uids traverse (x) only: no listing, no reading, nobody else. Where the filesystem takes
# no ACLs the fallback is others' x bit (still traverse only). Afterwards the ACL is removed
# and the exact original mode put back (removing an ACL leaves its mask in the group bits).
ACL = "system.posix_acl_access"
ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
NO_ID = 0xFFFFFFFF


def traverse_acl(mode, uids):
    """The xattr value of the minimal ACL of `mode` plus traverse for `uids` (kernel format:
    version 2, then (tag, perm, id) entries sorted by tag and id)."""
    entries = [
        (ACL_USER_OBJ, mode >> 6 & 7, NO_ID),
        *[(ACL_USER, 1, uid) for uid in sorted(uids)],
        (ACL_GROUP_OBJ, mode >> 3 & 7, NO_ID),
        (ACL_MASK, mode >> 3 & 7 | 1, NO_ID),
        (ACL_OTHER, mode & 7, NO_ID),
    ]
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
    return {
        os.path.realpath(sys.executable),
        sys.executable,
        sys.prefix,
        sys.base_prefix,
        *[entry for entry in sys.path if entry and os.path.exists(entry)],
    }
