"""nbgrader's exchange with one private inbound folder per student (the course's hub).

nbgrader's own exchange has one inbound folder that every student writes (mode 0733), and each
submission in it is left world-writable (0777) with world-readable files: a classmate who learns
its name can read it, replace a file in it or delete it. On the course's hub
(grading/nbgrader_glue/hub/jupyterhub_config.py) the exchange is laid out by the hub instead:

    <exchange>/dlcourse/               the instructor's, 0755
    <exchange>/dlcourse/outbound/      the instructor's, 0755: released chapters, readable by all
    <exchange>/dlcourse/inbound/       the instructor's, 0755: no student can create anything here
    <exchange>/dlcourse/inbound/<s>/   student s's, group = the instructor's group, mode 2750

PrivateSubmit writes `inbound/<s>/<s>+<chapter>+<timestamp>+<random>` and undoes nbgrader's 0777 on
it (folders 0755, files 0644: files written after the copy are in the student's group, which the
instructor is not in). The student's folder (2750) is the wall: only the student and the
instructor's group can enter it; nobody else can list, read or write a submission.
PrivateReleaseAssignment keeps the inbound folder 0755 (nbgrader's would make it 0733 again).
PrivateCollect is the course's SafeCollect (nothing followed, owner checked) reading each
student's own folder; an entry whose folder or owner is not that student's is skipped.

This file is copied to the hub's python/ folder as `dlcourse_hub_exchange` (students' servers
import it from there: they never need the course repository). It imports nbgrader only;
PrivateCollect, used by the instructor alone, is built on first use from grading.nbgrader_glue.exchange,
which the instructor's course configuration puts on sys.path.
"""

import base64
import os
import stat

from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import check_mode, get_username

DIR_MODE, FILE_MODE = 0o755, 0o644


def student_inbound(root, course_id, student):
    return os.path.join(root, course_id, "inbound", student)


class PrivateReleaseAssignment(ExchangeReleaseAssignment):
    """nbgrader's release, with the shared inbound folder closed to students (0755)."""

    def init_dest(self):
        super().init_dest()
        os.chmod(self.inbound_path, 0o755)


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit into the student's own inbound folder (entered by the instructor's group only)."""

    def init_dest(self):
        # nbgrader's ExchangeSubmit.init_dest, with inbound/<student>/ as the inbound folder
        course = self.coursedir.course_id
        if course == "":
            self.fail("No course id specified. Re-run with --course flag.")
        if not self.authenticator.has_access(self.coursedir.student_id, course):
            self.fail("You do not have access to this course.")
        student = self.coursedir.student_id
        if student == "*":
            student = get_username()
        elif "*" in student or "+" in student:
            self.fail(f"The student ID should contain no '*' nor '+'; got {student}")
        self.inbound_path = student_inbound(self.root, course, student)
        if not os.path.isdir(self.inbound_path):
            self.fail(f"No inbound folder {self.inbound_path}: ask your instructor to add you to the hub")
        if not check_mode(self.inbound_path, write=True, execute=True):
            self.fail(f"You don't have write permissions to the directory: {self.inbound_path}")
        self.cache_path = os.path.join(self.cache, course)
        random_str = base64.urlsafe_b64encode(os.urandom(9)).decode("ascii")
        parts = [student, self.coursedir.assignment_id, self.timestamp] + (
            [random_str] if self.add_random_string else []
        )
        self.assignment_filename = "+".join(parts)

    def copy_files(self):
        super().copy_files()  # leaves the submission 0777 with 0644 files: close it
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        for folder, _dirs, files in os.walk(dest):
            os.chmod(folder, DIR_MODE)
            for name in files:
                os.chmod(os.path.join(folder, name), FILE_MODE)


def _private_collect():
    import fnmatch
    import pwd

    from grading.nbgrader_glue.exchange import SafeCollect

    class PrivateCollect(SafeCollect):
        """SafeCollect over the per-student inbound folders."""

        def init_src(self):
            super().init_src()  # checks the course; the shared inbound itself holds no submission
            shared, wanted = self.inbound_path, self.coursedir.student_id or "*"
            duedate = self.assignment_duedate()
            for student in sorted(os.listdir(shared)):
                folder = os.path.join(shared, student)
                info = os.lstat(folder)
                if not stat.S_ISDIR(info.st_mode):
                    self.log.error("Skipped inbound entry %r: not a student's folder", student)
                    continue
                if not fnmatch.fnmatchcase(student, wanted):
                    continue
                if self.check_owner and getattr(_owner(info.st_uid), "pw_name", None) != student:
                    self.log.error("Skipped inbound folder %r: not owned by %s", student, student)
                    continue
                self.inbound_path = folder
                try:
                    entries = [
                        rec
                        for rec in map(self.inbound_record, sorted(os.listdir(folder)))
                        if rec and rec["username"] == student
                    ]
                except OSError as err:
                    self.log.error("Skipped inbound folder %r: %s", student, err.strerror)
                    entries = []
                finally:
                    self.inbound_path = shared
                if entries:  # the newest, or the newest before the due date (as SafeCollect)
                    entries.sort(key=lambda item: item["timestamp"], reverse=True)
                    early = [r for r in entries if duedate is not None and r["timestamp"] <= duedate]
                    rec = early[0] if early and self.before_duedate else entries[0]
                    self.src_records.append(dict(rec, filename=f"{student}/{rec['filename']}"))

    def _owner(uid):
        try:
            return pwd.getpwuid(uid)
        except KeyError:
            return None

    return PrivateCollect


def __getattr__(name):  # nbgrader's import_item asks the module for the class by name
    if name == "PrivateCollect":
        return _private_collect()
    raise AttributeError(name)
