"""Collect and unpack never trust the exchange's files (issue 14, item 4).

Real files, real zips and, in the slow test, the real `nbgrader collect` through the course
config. Each attack is planted next to an honest classmate, who must come through intact."""

import bz2
import os
import socket
import stat
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from grading import handin as pack
from grading.nbgrader_glue import exchange, unpack
from grading.nbgrader_glue.exchange import SubmissionRefused, safe_copy_tree

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "backprop"
HONEST = {"mytorch/__init__.py": b"# honest\n", "mytorch/nn/linear.py": b"W = 'honest work'\n"}


def write_zip(path, entries):
    """A zip holding `entries` ({ZipInfo or name: bytes}) exactly as given (names unchecked)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name)
            archive.writestr(info, data)
    return path


def honest_submission(submitted, student="honest"):
    folder = submitted / student / CHAPTER
    folder.mkdir(parents=True)
    (folder / f"{CHAPTER}.ipynb").write_text("{}")
    write_zip(folder / pack.LIBRARY_ZIP, HONEST)
    return folder


def reference(tmp_path):
    """A stand-in for solutions/mytorch: nothing of it may ever reach a submission."""
    ref = tmp_path / "solutions" / "mytorch"
    (ref / "nn").mkdir(parents=True, exist_ok=True)
    (ref / "__init__.py").write_text("REFERENCE = 1\n")
    (ref / "nn" / "linear.py").write_text("REFERENCE = 'linear'\n")
    return ref


def no_reference_under(folder):
    for path in Path(folder).rglob("*"):
        assert not path.is_symlink(), path
        if path.is_file():
            assert b"REFERENCE" not in path.read_bytes(), path


def library(folder):
    base = folder / "mytorch"
    return {f"mytorch/{p.relative_to(base).as_posix()}": p.read_bytes() for p in base.rglob("*") if p.is_file()}


# ---------------------------------------------------------------- hostile zips


def assert_refused_alone(tmp_path, entries, because):
    """The crafted zip is refused with a reason; its student gets the stubs; the honest
    classmate is unpacked; nothing is written outside the two submissions' mytorch/."""
    submitted = tmp_path / "submitted"
    honest = honest_submission(submitted)
    hostile = submitted / "mallory" / CHAPTER
    write_zip(hostile / pack.LIBRARY_ZIP, entries)
    statuses = unpack.unpack_submissions(submitted, CHAPTER)
    assert statuses["honest"] == unpack.UNPACKED and library(honest) == HONEST
    status = statuses["mallory"]
    assert status.startswith(f"no mytorch handed in ({pack.LIBRARY_ZIP} refused: ") and because in status, status
    assert unpack.refused(status)
    assert (hostile / "mytorch" / unpack.NOT_HANDED_IN).read_text().strip() == status
    stub = (hostile / "mytorch" / "nn" / "linear.py").read_bytes()
    assert stub == (unpack.EDITION / "nn" / "linear.py").read_bytes()
    assert not [
        p for p in hostile.rglob("*") if p.is_file() and p.name != pack.LIBRARY_ZIP and b"EVIL" in p.read_bytes()
    ]
    assert sorted(p.name for p in hostile.iterdir()) == sorted(["mytorch", pack.LIBRARY_ZIP])
    assert unpack.unpack_submissions(submitted, CHAPTER) == statuses  # the same on every run
    return status


@pytest.mark.parametrize("names", [("mytorch/x.py", "mytorch/x.py/y.py"), ("mytorch/x.py/y.py", "mytorch/x.py")])
def test_a_file_that_is_also_a_folder_refuses_that_zip_alone(tmp_path, names):
    assert_refused_alone(tmp_path, {name: b"EVIL = 1\n" for name in names}, "is both a file and a folder")


@pytest.mark.parametrize("name", ["mytorch/" + "a" * 300 + ".py", "mytorch/" + "/".join(["d" * 90] * 4) + "/x.py"])
def test_a_long_name_refuses_that_zip_alone(tmp_path, name):
    assert_refused_alone(tmp_path, {"mytorch/__init__.py": b"EVIL = 1\n", name: b"EVIL = 2\n"}, "characters")


def test_a_name_twice_refuses_that_zip_alone(tmp_path):
    # zipfile keeps both; the second silently won before
    with pytest.warns(UserWarning, match="Duplicate name"):
        entries = write_zip(tmp_path / "dup.zip", {"mytorch/__init__.py": b"EVIL = 1\n"})
        with zipfile.ZipFile(entries, "a") as archive:
            archive.writestr("mytorch/__init__.py", b"EVIL = 2\n")
    submitted = tmp_path / "submitted"
    honest_submission(submitted)
    hostile = submitted / "mallory" / CHAPTER
    hostile.mkdir(parents=True)
    entries.rename(hostile / pack.LIBRARY_ZIP)
    status = unpack.unpack_submissions(submitted, CHAPTER)["mallory"]
    assert "'mytorch/__init__.py' is in the zip twice" in status and unpack.refused(status)


@pytest.mark.parametrize("name,because", [("mytorch/evil\x1b[2J.py", "printable"), ("mytorch/evil\n.py", "printable")])
def test_an_unprintable_name_refuses_that_zip_alone(tmp_path, name, because):
    assert_refused_alone(tmp_path, {name: b"EVIL = 1\n"}, because)


def test_a_symlink_entry_or_an_encrypted_or_bzip2_member_refuses_that_zip_alone(tmp_path):
    link = zipfile.ZipInfo("mytorch/link.py")
    link.create_system, link.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
    assert_refused_alone(tmp_path / "a", {"mytorch/__init__.py": b"", link: b"/etc/EVIL"}, "not a regular file")
    squeezed = zipfile.ZipInfo("mytorch/__init__.py")
    squeezed.compress_type = zipfile.ZIP_BZIP2
    assert_refused_alone(tmp_path / "b", {squeezed: b"EVIL = 1\n"}, "only stored or deflated")
    secret = write_zip(tmp_path / "c" / "x.zip", {"mytorch/__init__.py": b"EVIL = 1\n"})
    data = bytearray(secret.read_bytes())
    for at in (6, data.index(b"PK\x01\x02") + 8):  # the encrypted bit, local and central headers
        data[at] |= 1
    submitted = tmp_path / "c" / "submitted"
    (submitted / "mallory" / CHAPTER).mkdir(parents=True)
    (submitted / "mallory" / CHAPTER / pack.LIBRARY_ZIP).write_bytes(bytes(data))
    assert "is encrypted" in unpack.unpack_submissions(submitted, CHAPTER)["mallory"]


def test_a_zip_that_is_not_a_regular_file_is_refused(tmp_path):
    ref = reference(tmp_path)
    zipped = write_zip(tmp_path / "ref.zip", {"mytorch/__init__.py": (ref / "__init__.py").read_bytes()})
    submitted = tmp_path / "submitted"
    honest_submission(submitted)
    hostile = submitted / "mallory" / CHAPTER
    hostile.mkdir(parents=True)
    (hostile / pack.LIBRARY_ZIP).symlink_to(zipped)
    status = unpack.unpack_submissions(submitted, CHAPTER)["mallory"]
    assert status.startswith("submission refused ('mytorch-handin.zip' is a symlink)"), status
    no_reference_under(submitted)


def lying_zip(path, method, real, declared):
    """One member, mytorch/__init__.py: `real` bytes of zeros compressed with `method`, while
    both headers say it holds `declared` bytes (with the CRC of that many zeros)."""
    if method == zipfile.ZIP_DEFLATED:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    else:
        packer = bz2.BZ2Compressor(9)
    block = bytes(1 << 20)
    data = b"".join(packer.compress(block) for _ in range(real >> 20)) + packer.flush()
    name = b"mytorch/__init__.py"
    crc = zlib.crc32(bytes(declared))
    local = (
        struct.pack("<4s5H3L2H", b"PK\x03\x04", 46, 0, method, 0, 0x21, crc, len(data), declared, len(name), 0) + name
    )
    central = (
        struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            46,
            46,
            0,
            method,
            0,
            0x21,
            crc,
            len(data),
            declared,
            len(name),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + name
    )
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(local + data + central + end)
    return path


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_a_zip_bomb_whose_headers_lie_never_decompresses_past_the_cap(tmp_path, monkeypatch, method):
    cap = 1 << 20
    monkeypatch.setattr(unpack, "MAX_BYTES", cap)
    bomb = lying_zip(tmp_path / "mallory" / CHAPTER / pack.LIBRARY_ZIP, method, real=64 << 20, declared=cap)
    assert bomb.stat().st_size < cap  # small on disk, 64 MB of zeros inside
    tracemalloc.start()
    try:
        status = unpack.unpack_library(bomb.parent)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # before: zipfile's read() inflated the whole member in one call (peak ~130 MB here)
    assert peak < 4 * cap, f"peak {peak >> 20} MB"
    written = bomb.parent / "mytorch" / "__init__.py"
    assert written.stat().st_size <= cap, status


def test_too_many_entries_are_refused_before_they_are_parsed(tmp_path, monkeypatch):
    monkeypatch.setattr(unpack, "MAX_FILES", 3)
    submitted = tmp_path / "submitted"
    honest_submission(submitted)
    write_zip(submitted / "mallory" / CHAPTER / pack.LIBRARY_ZIP, {f"mytorch/m{i}.py": b"" for i in range(10)})
    statuses = unpack.unpack_submissions(submitted, CHAPTER)
    assert statuses["honest"] == unpack.UNPACKED and "more than 3 files" in statuses["mallory"]


# ---------------------------------------------------------------- hostile folders


def plant_symlinked_library(folder, ref):
    (folder / "mytorch").symlink_to(ref)
    return "'mytorch' is a symlink"


def plant_symlinked_file(folder, ref):
    (folder / "mytorch" / "nn").mkdir(parents=True)
    (folder / "mytorch" / "__init__.py").write_text("")
    (folder / "mytorch" / "nn" / "linear.py").symlink_to(ref / "nn" / "linear.py")
    return "'mytorch/nn/linear.py' is a symlink"


def plant_symlink_in_cache(folder, ref):
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x").symlink_to(ref)
    return "'__pycache__/x' is a symlink"


def plant_fifo(folder, ref):
    os.mkfifo(folder / "pipe")
    return "'pipe' is a fifo"


def plant_socket(folder, ref):
    here = os.getcwd()
    os.chdir(folder)  # a socket's path is limited to ~100 characters: bind it by a short one
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind("sock")
    finally:
        os.chdir(here)
    return "'sock' is a socket"


def plant_device(folder, ref):
    if os.geteuid() != 0:
        pytest.skip("mknod of a device needs root")
    os.mknod(folder / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return "'null' is a character device"


def plant_hard_link(folder, ref):
    os.link(ref / "__init__.py", folder / "notes.txt")
    return "'notes.txt' is a hard link"


PLANTS = [
    plant_symlinked_library,
    plant_symlinked_file,
    plant_symlink_in_cache,
    plant_fifo,
    plant_socket,
    plant_device,
    plant_hard_link,
]


@pytest.mark.parametrize("plant", PLANTS, ids=lambda f: f.__name__[6:])
def test_safe_copy_tree_refuses_anything_but_regular_files_and_folders(tmp_path, plant):
    ref = reference(tmp_path)
    src = tmp_path / "inbound" / "mallory"
    src.mkdir(parents=True)
    (src / f"{CHAPTER}.ipynb").write_text("{}")
    because = plant(src, ref)
    with pytest.raises(SubmissionRefused) as refused:
        safe_copy_tree(src, tmp_path / "copy", ignore=["__pycache__"])
    assert refused.value.reason.startswith(because), refused.value.reason
    assert not (tmp_path / "copy").exists()
    with pytest.raises(SubmissionRefused):
        safe_copy_tree(src, None)  # a check only


def test_safe_copy_tree_copies_regular_files_with_plain_modes_and_limits(tmp_path):
    src = tmp_path / "src"
    (src / "mytorch" / "nn").mkdir(parents=True)
    (src / "mytorch" / "nn" / "linear.py").write_bytes(b"x" * 1000)
    (src / "run.sh").write_text("#!/bin/sh\n")
    (src / "run.sh").chmod(0o4755)  # setuid: a root-owned copy must not keep it
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "a.pyc").write_bytes(b"cache")
    safe_copy_tree(src, tmp_path / "copy", ignore=["__pycache__"])
    copied = {p.relative_to(tmp_path / "copy").as_posix(): p for p in (tmp_path / "copy").rglob("*")}
    assert sorted(copied) == ["mytorch", "mytorch/nn", "mytorch/nn/linear.py", "run.sh"]
    assert copied["mytorch/nn/linear.py"].read_bytes() == b"x" * 1000
    assert stat.S_IMODE(copied["run.sh"].stat().st_mode) == 0o644
    assert stat.S_IMODE(copied["mytorch"].stat().st_mode) == 0o755
    for limits, because in [((999, 100), "larger than 999 bytes"), ((10**6, 3), "more than 3 files")]:
        with pytest.raises(SubmissionRefused, match=because):
            safe_copy_tree(src, tmp_path / "again", *limits)
        assert not (tmp_path / "again").exists()
    deep = tmp_path / "deep"
    (deep / Path(*["d"] * (exchange.MAX_DEPTH + 2))).mkdir(parents=True)
    with pytest.raises(SubmissionRefused, match="nested deeper"):
        safe_copy_tree(deep, None)
    link = tmp_path / "link"
    link.symlink_to(src)
    with pytest.raises(SubmissionRefused, match="is not a folder"):
        safe_copy_tree(link, tmp_path / "via-link")


@pytest.mark.parametrize("plant", PLANTS, ids=lambda f: f.__name__[6:])
def test_unpack_refuses_a_submitted_folder_holding_a_special_file(tmp_path, plant):
    ref = reference(tmp_path)
    before = library(ref.parent)
    submitted = tmp_path / "submitted"
    honest = honest_submission(submitted)
    hostile = submitted / "mallory" / CHAPTER
    hostile.mkdir(parents=True)
    (hostile / f"{CHAPTER}.ipynb").write_text("{}")
    because = plant(hostile, ref)
    statuses = unpack.unpack_submissions(submitted, CHAPTER)
    assert statuses["honest"] == unpack.UNPACKED and library(honest) == HONEST
    status = statuses["mallory"]
    assert status.startswith(f"submission refused ({because}") and status.endswith("(stubs)"), status
    assert unpack.refused(status)
    assert (hostile / "mytorch" / unpack.NOT_HANDED_IN).read_text().strip() == status
    assert (hostile / f"{CHAPTER}.ipynb").read_text() == "{}"  # the notebook is still graded
    leftovers = [p for p in hostile.rglob("*") if not (p.is_dir() or p.is_file()) or p.is_symlink()]
    assert leftovers == []  # nothing a later copy (nbgrader autograde) could follow
    if plant is not plant_hard_link:
        no_reference_under(submitted)
    assert library(ref.parent) == before  # the reference untouched
    assert unpack.unpack_submissions(submitted, CHAPTER) == statuses  # the same on every run


def test_unpack_replaces_a_submission_folder_that_is_a_symlink(tmp_path):
    ref = reference(tmp_path)
    (tmp_path / "solutions" / CHAPTER).mkdir()
    before = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "solutions").rglob("*"))
    submitted = tmp_path / "submitted"
    honest_submission(submitted)
    (submitted / "mallory").mkdir()
    (submitted / "mallory" / CHAPTER).symlink_to(ref.parent / CHAPTER)
    (submitted / "eve").symlink_to(tmp_path / "solutions")  # submitted/<student> itself
    statuses = unpack.unpack_submissions(submitted, CHAPTER)
    assert statuses == {"eve": unpack.NOT_A_FOLDER, "honest": unpack.UNPACKED, "mallory": unpack.NOT_A_FOLDER}
    assert unpack.refused(unpack.NOT_A_FOLDER)
    for student in ("eve", "mallory"):  # a real folder now, with the stubs, for autograde and verify
        folder = submitted / student / CHAPTER
        assert not folder.is_symlink() and not folder.parent.is_symlink()
        assert sorted(p.name for p in folder.iterdir()) == ["mytorch"]
        assert (folder / "mytorch" / unpack.NOT_HANDED_IN).read_text().strip() == unpack.NOT_A_FOLDER
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "solutions").rglob("*")) == before
    no_reference_under(submitted)
    assert unpack.unpack_submissions(submitted, CHAPTER) == statuses  # the same on every run
    # verify calls unpack_library on submitted/<student>/<chapter> directly
    (submitted / "zoe").symlink_to(tmp_path / "solutions")
    assert unpack.unpack_library(submitted / "zoe" / CHAPTER) == unpack.NOT_A_FOLDER
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "solutions").rglob("*")) == before


def test_the_library_is_rebuilt_from_the_zip_whatever_folder_is_beside_it(tmp_path):
    submitted = tmp_path / "submitted"
    honest = honest_submission(submitted)
    (honest / "mytorch").mkdir()
    (honest / "mytorch" / "planted.py").write_text("EVIL = 1\n")
    assert unpack.unpack_submissions(submitted, CHAPTER) == {"honest": unpack.UNPACKED}
    assert library(honest) == HONEST


# ---------------------------------------------------------------- the real nbgrader collect


def inbound_entry(inbound, name, files, owner=None, links=()):
    folder = inbound / name
    folder.mkdir(parents=True)
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    for path, target in links:
        (folder / path).symlink_to(target)
    if owner is not None:
        import pwd

        uid, gid = pwd.getpwnam(owner).pw_uid, pwd.getpwnam(owner).pw_gid
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, uid, gid, follow_symlinks=False)
    return folder


@pytest.mark.slow(why="collects a hostile submission through nbgrader and autogrades it")
@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0,
    reason="chowns inbound entries to the system accounts nobody and daemon: root on Linux",
)
def test_nbgrader_collect_refuses_the_hostile_and_collects_the_honest(tmp_path):
    from grading.nbgrader_glue.autograde import course_config, environment, nbgrader

    ref = reference(tmp_path)
    course = course_config(tmp_path / "instructor")
    inbound = course / "exchange" / "dlcourse" / "inbound"
    inbound.mkdir(parents=True)
    (course / "exchange").chmod(0o1777)
    handin = write_zip(tmp_path / "h.zip", HONEST).read_bytes()
    day = "2026-12-0{} 10:00:00.000000 UTC"
    honest = {
        f"{CHAPTER}.ipynb": b'{"honest": 1}',
        pack.LIBRARY_ZIP: handin,
        "timestamp.txt": day.format(1).encode(),
        "__pycache__/x.pyc": b"cache",
    }
    inbound_entry(inbound, f"nobody+{CHAPTER}+{day.format(1)}+aaa", honest, owner="nobody")
    # a later "submission" in nobody's name, by someone else (root owns it): must not hide nobody's
    inbound_entry(
        inbound,
        f"nobody+{CHAPTER}+{day.format(2)}+zzz",
        {f"{CHAPTER}.ipynb": b"IMPOSTOR", "timestamp.txt": day.format(2).encode()},
    )
    inbound_entry(
        inbound,
        f"daemon+{CHAPTER}+{day.format(1)}+bbb",
        {f"{CHAPTER}.ipynb": b"{}", "timestamp.txt": day.format(1).encode()},
        owner="daemon",
        links=[("mytorch", ref)],
    )
    inbound_entry(inbound, f"eve+{CHAPTER}+not a date", {f"{CHAPTER}.ipynb": b"{}"})
    inbound_entry(inbound, f"..+{CHAPTER}+{day.format(1)}", {f"{CHAPTER}.ipynb": b"{}"})
    run = nbgrader(course, "collect", CHAPTER, check=False)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log
    assert f"Refused submission: daemon {CHAPTER}: 'mytorch' is a symlink (not collected)" in log
    assert "owned by root, not by nobody" in log
    assert "its timestamp does not parse" in log and "not a plain student id" in log
    submitted = course / "submitted"
    assert [p.name for p in submitted.iterdir()] == ["nobody"]
    got = {
        p.relative_to(submitted / "nobody" / CHAPTER).as_posix(): p.read_bytes()
        for p in (submitted / "nobody" / CHAPTER).rglob("*")
        if p.is_file()
    }
    assert got == {k: v for k, v in honest.items() if not k.startswith("__pycache__")}
    no_reference_under(submitted)
    assert not (course.parent / CHAPTER).exists()  # `..` wrote nothing beside submitted/

    # a hostile zip beside it: the command reports it and still unpacks the honest one
    write_zip(submitted / "zed" / CHAPTER / pack.LIBRARY_ZIP, {"mytorch/x.py": b"", "mytorch/x.py/y.py": b""})
    cli = subprocess.run(
        [sys.executable, "-m", "grading", "unpack", CHAPTER, "--course", str(course)],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 3, cli.stdout + cli.stderr
    assert f"nobody: {unpack.UNPACKED}" in cli.stdout
    assert (
        f"zed: no mytorch handed in ({pack.LIBRARY_ZIP} refused: 'mytorch/x.py/y.py' is both a file and a folder)"
        in cli.stdout
    )
    assert "1 of 2 submissions refused: zed" in cli.stderr
    assert library(submitted / "nobody" / CHAPTER) == HONEST
