"""Collect from nbgrader's exchange without trusting a byte of it.

The exchange's inbound folder is world-writable and each submission in it belongs to its
student, who can change it after `nbgrader submit` and while the instructor collects. nbgrader's
own collect copies it with shutil.copytree, which follows symlinks: a student who adds
`mytorch -> /proc/self/cwd/../solutions/mytorch` is collected with the reference library.

grading/nbgrader_config.py makes `nbgrader collect` use SafeCollect
(`c.ExchangeFactory.collect = "grading.nbgrader_glue.exchange.SafeCollect"`). For each student it:

- considers only inbound entries named `<student>+<chapter>+<timestamp>[+...]` whose student id
  is a plain name ([A-Za-z0-9._-], not `.` or `..`) and whose timestamp parses; anything else
  is logged and skipped (nbgrader's own collect stops for everybody on an unparseable name);
- skips an entry that is not a real folder (a symlink, a file) and, with
  `ExchangeCollect.check_owner` (nbgrader's default, True), one not owned by the Unix account of
  that name: another student cannot submit in someone's name, nor push a later timestamp to hide
  the real submission (nbgrader only warns);
- copies the newest remaining entry with `safe_copy_tree`: any symlink, device, fifo, socket or
  other non-regular file anywhere in it, a regular file with more than one hard link, more than
  `SafeCollect.max_bytes` or `SafeCollect.max_files`, or folders nested deeper than MAX_DEPTH
  refuses the submission with a reason (logged at ERROR: "Refused submission: <student>
  <chapter>: <reason>"). Nothing is ever followed: every entry is opened relative to its
  folder's descriptor with O_NOFOLLOW and checked again once open, so swapping a file for a
  symlink mid-copy is refused too. Files are written 0644 and folders 0755 (no setuid bit or
  mode of the student's survives). `CourseDirectory.ignore` names (basenames) are not copied,
  but checked all the same.
- A refused submission is not collected; a student's earlier collected copy (with `--update`)
  stays as it was. Every other student is collected, and collect exits 0.

`safe_copy_tree(src, dst, max_bytes, max_files)` is the walker, for any other copy of a
submission (the grader's pristine copy); `SubmissionRefused.reason` says why it refused.
"""

import datetime
import fnmatch
import os
import re
import shutil
import stat
import tempfile

MAX_BYTES = 50 << 20  # the grader's cap on a submission (grading/grader/execute.py: MAX_SUBMISSION_BYTES)
MAX_FILES = 2000  # files and folders, all counted
MAX_DEPTH = 32
CHUNK = 1 << 16
STUDENT_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")
KINDS = [
    (stat.S_ISLNK, "a symlink"),
    (stat.S_ISFIFO, "a fifo"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
]


class SubmissionRefused(Exception):
    """A submission that is not copied; `reason` says why, naming the offending path."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def kind(mode):
    """What a non-regular, non-folder st_mode is, in words."""
    return next((words for test, words in KINDS if test(mode)), "not a regular file")


def safe_copy_tree(src, dst, max_bytes=MAX_BYTES, max_files=MAX_FILES, ignore=()):
    """Copy the folder `src` to the new folder `dst` (its parent must exist): regular files and
    folders only, nothing followed. Raises SubmissionRefused (with `dst` removed again) at the
    first symlink, special file, hard-linked file, excess of `max_bytes` / `max_files` or
    folder deeper than MAX_DEPTH; `src` itself must be a real folder. `ignore`: fnmatch
    patterns of basenames not copied (what they name is still checked and counted).
    `dst=None` checks without copying."""
    budget = {"bytes": max_bytes, "files": max_files, "max_bytes": max_bytes, "max_files": max_files}
    try:
        top = os.open(src, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as err:
        raise SubmissionRefused(f"{os.fspath(src)!r} is not a folder ({err.strerror})") from err
    try:
        if dst is not None:
            os.mkdir(dst, 0o755)
        try:
            _copy_folder(top, dst, "", 0, budget, tuple(ignore))
        except BaseException:
            if dst is not None:
                shutil.rmtree(dst, ignore_errors=True)
            raise
    finally:
        os.close(top)


def _copy_folder(fd, dst, rel, depth, budget, ignore):
    if depth > MAX_DEPTH:
        raise SubmissionRefused(f"{rel!r}: folders nested deeper than {MAX_DEPTH}")
    names = []
    try:
        with os.scandir(fd) as entries:
            for entry in entries:  # stops at the limit, however many names a folder holds
                names.append(entry.name)
                if len(names) > budget["files"]:
                    raise SubmissionRefused(f"more than {budget['max_files']} files and folders")
    except OSError as err:
        raise SubmissionRefused(f"{rel or '.'!r} cannot be listed ({err.strerror})") from err
    names.sort()
    for name in names:
        path = f"{rel}/{name}" if rel else name
        budget["files"] -= 1
        if budget["files"] < 0:
            raise SubmissionRefused(f"more than {budget['max_files']} files and folders")
        try:
            mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
        except OSError as err:
            raise SubmissionRefused(f"{path!r} cannot be read ({err.strerror})") from err
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            raise SubmissionRefused(f"{path!r} is {kind(mode)}")
        skip = dst is None or any(fnmatch.fnmatch(name, pattern) for pattern in ignore)
        target = None if skip else os.path.join(dst, name)  # an ignored folder is still checked
        flags = (
            os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | (os.O_DIRECTORY if stat.S_ISDIR(mode) else 0)
        )
        try:
            child = os.open(name, flags, dir_fd=fd)
        except OSError as err:  # swapped for a symlink (ELOOP) or a folder since the stat
            raise SubmissionRefused(f"{path!r} changed or cannot be opened ({err.strerror})") from err
        try:
            info = os.fstat(child)
            if stat.S_ISDIR(mode) and stat.S_ISDIR(info.st_mode):
                if target is not None:
                    os.mkdir(target, 0o755)
                _copy_folder(child, target, path, depth + 1, budget, ignore)
            elif stat.S_ISREG(mode) and stat.S_ISREG(info.st_mode):
                if info.st_nlink != 1:
                    raise SubmissionRefused(f"{path!r} is a hard link ({info.st_nlink} names)")
                _copy_file(child, target, path, budget)
            else:
                raise SubmissionRefused(f"{path!r} changed while it was copied (now {kind(info.st_mode)})")
        finally:
            os.close(child)


def _copy_file(fd, target, path, budget):
    if target is None:  # a check only: the size the file has now is enough
        budget["bytes"] -= os.fstat(fd).st_size
        if budget["bytes"] < 0:
            raise SubmissionRefused(f"larger than {budget['max_bytes']} bytes in all (at {path!r})")
        return
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        while True:
            # the file may grow while it is read: the bytes actually read count, not its st_size
            data = os.read(fd, min(CHUNK, budget["bytes"] + 1))
            if not data:
                return
            budget["bytes"] -= len(data)
            if budget["bytes"] < 0:
                raise SubmissionRefused(f"larger than {budget['max_bytes']} bytes in all (at {path!r})")
            os.write(out, data)
    except OSError as err:
        raise SubmissionRefused(f"{path!r} cannot be read ({err.strerror})") from err
    finally:
        os.close(out)


try:  # the walker above needs the standard library only; the collector needs nbgrader
    from nbgrader.exchange.default.collect import ExchangeCollect
    from traitlets import Integer
except ImportError:  # pragma: no cover
    ExchangeCollect = None


def timestamp_of(text):
    """nbgrader's naive UTC datetime of a timestamp a student wrote, or None."""
    from nbgrader.utils import parse_utc

    try:
        value = parse_utc(text)
    except Exception:  # noqa: BLE001 (dateutil raises more than ValueError on junk)
        return None
    return value if isinstance(value, datetime.datetime) else None


def collected_timestamp(dest):
    """The timestamp.txt of an earlier collected copy (a student's file too), or None."""
    try:
        fd = os.open(os.path.join(dest, "timestamp.txt"), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        return (
            timestamp_of(os.read(fd, 200).decode("utf-8", "replace").strip())
            if stat.S_ISREG(os.fstat(fd).st_mode)
            else None
        )
    finally:
        os.close(fd)


if ExchangeCollect is not None:

    class SafeCollect(ExchangeCollect):
        """nbgrader's collect with nothing of the exchange trusted (see the module's doc)."""

        max_bytes = Integer(MAX_BYTES, help="Refuse a submission larger than this (bytes).").tag(config=True)
        max_files = Integer(MAX_FILES, help="Refuse a submission with more files and folders.").tag(config=True)

        def init_src(self):
            self.refused = {}
            if self.coursedir.course_id == "":
                self.fail("No course id specified. Re-run with --course flag.")
            self.course_path = os.path.join(self.root, self.coursedir.course_id)
            self.inbound_path = os.path.join(self.course_path, "inbound")
            if not os.path.isdir(self.inbound_path):
                self.fail(f"Course not found: {self.inbound_path}")
            wanted = self.coursedir.student_id or "*"  # a glob, as in nbgrader's collect
            records = {}
            for name in sorted(os.listdir(self.inbound_path)):
                record = self.inbound_record(name)
                if record and fnmatch.fnmatchcase(record["username"], wanted):
                    records.setdefault(record["username"], []).append(record)
            duedate = self.assignment_duedate()
            self.src_records = []
            for entries in records.values():
                entries.sort(key=lambda item: item["timestamp"], reverse=True)
                early = [r for r in entries if duedate is not None and r["timestamp"] <= duedate]
                self.src_records.append(early[0] if early and self.before_duedate else entries[0])

        def assignment_duedate(self):
            from nbgrader.api import Gradebook, MissingEntry

            with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
                try:
                    return gb.find_assignment(self.coursedir.assignment_id).duedate
                except MissingEntry:
                    return None

        def inbound_record(self, name):
            """{username, filename, timestamp} of an inbound entry of this assignment, or None
            (logged when it claims to be one but is not acceptable)."""
            parts = name.split("+")
            if len(parts) < 3 or parts[1] != self.coursedir.assignment_id:
                return None
            student = parts[0]
            if not STUDENT_ID.fullmatch(student) or student in (".", ".."):
                self.log.error("Skipped inbound entry %r: not a plain student id", name)
                return None
            timestamp = timestamp_of(parts[2])
            if timestamp is None:
                self.log.error("Skipped inbound entry %r: its timestamp does not parse", name)
                return None
            try:
                info = os.lstat(os.path.join(self.inbound_path, name))
            except OSError:  # removed since it was listed
                return None
            if not stat.S_ISDIR(info.st_mode):
                self.log.error("Skipped inbound entry %r: %s, not a folder", name, kind(info.st_mode))
                return None
            if self.check_owner:
                import pwd

                try:
                    owner = pwd.getpwuid(info.st_uid).pw_name
                except KeyError:
                    owner = f"uid {info.st_uid}"
                if owner != student:
                    self.log.error(
                        "Skipped inbound entry %r: owned by %s, not by %s (set "
                        "ExchangeCollect.check_owner = False only for an exchange without "
                        "Unix accounts)",
                        name,
                        owner,
                        student,
                    )
                    return None
            return {"username": student, "filename": name, "timestamp": timestamp}

        def copy_files(self):
            assignment = self.coursedir.assignment_id
            if not self.src_records:
                self.log.warning(
                    "No submissions of '%s' for course '%s' to collect", assignment, self.coursedir.course_id
                )
            for rec in self.src_records:
                student = rec["username"]
                src = os.path.join(self.inbound_path, rec["filename"])
                dest = self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment)
                if os.path.lexists(dest):
                    existing = collected_timestamp(dest)
                    newer = existing is None or rec["timestamp"] > existing
                    if not ((self.update and newer) or (self.before_duedate and existing != rec["timestamp"])):
                        self.log.info(
                            "Submission already exists%s: %s %s",
                            "" if self.update else ", use --update to update",
                            student,
                            assignment,
                        )
                        continue
                try:
                    self.collect_one(src, dest)
                except SubmissionRefused as err:
                    self.refused[student] = err.reason
                    self.log.error(
                        "Refused submission: %s %s: %s (not collected%s)",
                        student,
                        assignment,
                        err.reason,
                        "; the earlier copy stays" if os.path.lexists(dest) else "",
                    )
                else:
                    self.log.info("Collecting submission: %s %s", student, assignment)

        def collect_one(self, src, dest):
            """Copy into a scratch folder beside `dest`, then replace `dest`: a refused or failed
            copy leaves no half submission and no earlier one removed."""
            top = os.path.dirname(os.path.dirname(dest))  # submitted/: no student folder unless collected
            os.makedirs(top, exist_ok=True)
            scratch = tempfile.mkdtemp(prefix=".collect-", dir=top)
            try:
                staged = os.path.join(scratch, "submission")
                safe_copy_tree(src, staged, self.max_bytes, self.max_files, self.coursedir.ignore)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                if os.path.lexists(dest):
                    os.rename(dest, os.path.join(scratch, "earlier"))
                os.rename(staged, dest)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
