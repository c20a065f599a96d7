"""Grading on Dask distributed: one task per student, the driver the only writer.

    python -m grading autograde-parallel CHAPTER [--scheduler ADDRESS] [--jobs N] [--force]
    python -m grading verify CHAPTER [--scheduler ADDRESS] [--jobs N]

Without --scheduler a LocalCluster of N worker processes (default: the cores, one thread each)
runs on this machine; with it, any Dask cluster does (`dask scheduler` + `dask worker`s,
dask-jobqueue on Slurm, dask-kubernetes). Nothing is shared but the scheduler's connection:

- The driver (this process, the instructor's machine) unpacks each submission, takes its pristine
  copy (grading/nbgrader_glue/pristine.py) and sends its bytes to the cluster, with one bundle per batch,
  broadcast to every worker once: the chapter's source files, a gradebook holding the chapter
  and no student, the reference's results of the release (grading/grader/reference.py; computed once,
  on a worker, when the driver's store lacks them) and the release's 4.12 secret.
- A task grades one student on its worker, student code only in the worker's sandbox
  (grading/grader/sandbox.py: it refuses where bubblewrap cannot run): autograde runs `nbgrader
  autograde --student` in a private course folder (its kernel sandboxed, its scores from
  TrustedScores); verify runs the isolated grader on the copy. It returns plain data: the
  student's grades, comments and flag, the autograded folder's files (the notebook as nbgrader
  wrote it), or verify's report. The worker's copy of the course must be the driver's release
  (same stamp), else the task refuses: grades never mix two releases.
- The driver writes each student's result into the course gradebook and autograded/ as it
  arrives, once per student. A worker that dies mid-task has its task run on another worker
  (Dask reschedules it); a task that fails is retried once; a student whose task still fails is
  reported and the others go on. Re-running grades only the students not done yet (a gradebook
  submission and an autograded notebook newer than the pristine copy), unless --force.
"""

import contextlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from grading.grader.reference import STORE_ENV, ReferenceStore, release_stamp, result_from_data, result_to_data

from . import pristine

# s for one student's whole notebook (~20 s on an idle core here): a kernel that will not die,
# or a notebook that never ends, is killed then and autograded once more.
STUDENT_TIMEOUT = 300
ATTEMPTS = 2
TASK_RETRIES = 1


class ReleaseMismatch(RuntimeError):
    """A worker's copy of the course is another release than the driver's."""


# ---------------------------------------------------------------- the cluster


@contextlib.contextmanager
def connect(scheduler=None, jobs=None):
    """A Dask client: on the cluster at `scheduler`, else on a LocalCluster of `jobs` workers."""
    import dask
    from distributed import Client, LocalCluster

    settings = {
        "distributed.scheduler.allowed-failures": 3,
        "distributed.worker.daemon": False,
        # a task waits on nbgrader's process: sampling its stack every 10 ms, and the machine's
        # load every 0.5 s, cost the LocalCluster a tenth of a core that the students need
        "distributed.worker.profile.enabled": False,
        "distributed.admin.system-monitor.interval": "5s",
    }
    with dask.config.set(settings):
        if scheduler:
            with Client(scheduler, timeout="60s") as client:
                yield client
            return
        with (
            LocalCluster(
                n_workers=jobs or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                memory_limit=0,
                silence_logs=40,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client


def files_of(folder):
    """{relative path: bytes} of the regular files under folder (links never followed)."""
    return {rel: (Path(folder) / rel).read_bytes() for rel in pristine.hashes(folder)}


def write_files(folder, files):
    """Write {relative path: bytes} under folder; a path that would leave it is refused."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        target = (folder / rel).resolve()
        if folder.resolve() not in target.parents:
            raise ValueError(f"refused path {rel!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def empty_gradebook(db_url, out):
    """A copy of the course gradebook with its assignments and cells and no student: what a
    worker's nbgrader needs (the course's grades stay on the driver)."""
    import sqlite3

    shutil.copyfile(db_url.removeprefix("sqlite:///"), out)
    with contextlib.closing(sqlite3.connect(out)) as db:
        for table in ("comment", "grade", "submitted_notebook", "submitted_assignment", "student"):
            db.execute(f"DELETE FROM {table}")
        db.commit()
        db.execute("VACUUM")
    return Path(out).read_bytes()


def chapter_stamp(chapter):
    from grading.grader.check import REFERENCE
    from grading.grader.checks import all_checks

    return release_stamp(REFERENCE, [c.cases_file for c in all_checks(chapter)])


def chapter_items(chapter, secret):
    from grading.grader.check import prepare, work_items
    from grading.grader.checks import all_checks

    return work_items(prepare(all_checks(chapter), secret))


def reference_data(client, chapter):
    """(stamp, secret, {key: result as data}) of the chapter's reference, from the driver's store,
    what it lacks computed once on a worker and kept in the store."""
    store = ReferenceStore.default()
    stamp = chapter_stamp(chapter)
    secret = store.secret(stamp)
    keys = [item["key"] for item in chapter_items(chapter, secret)]
    found = store.load(stamp, keys)
    if len(found) < len(keys):
        computed = client.submit(reference_task, chapter, stamp, secret, pure=False, retries=TASK_RETRIES).result()
        store.save(stamp, {k: result_from_data(v) for k, v in computed.items()})
        found.update({k: result_from_data(v) for k, v in computed.items()})
    return stamp, secret, {key: result_to_data(found[key]) for key in keys}


# ---------------------------------------------------------------- on a worker

_worker_stores = {}


def _worker_store(bundle):
    """This worker process's store for the bundle's release (written once per process)."""
    from grading.grader.sandbox import method

    method()  # fail closed: SandboxUnavailable on a worker that cannot sandbox student code
    stamp = bundle["stamp"]
    if stamp not in _worker_stores:
        mine = chapter_stamp(bundle["chapter"])
        if mine != stamp:
            raise ReleaseMismatch(
                f"this worker's course is another release ({mine[:12]}) than the "
                f"driver's ({stamp[:12]}): install the same commit of the course"
            )
        folder = Path(tempfile.mkdtemp(prefix="dlcourse-reference-"))
        store = ReferenceStore(folder)
        store.put_secret(stamp, bundle["secret"])
        store.save(stamp, {k: result_from_data(v) for k, v in bundle["reference"].items()})
        _worker_stores[stamp] = folder
    return _worker_stores[stamp]


def reference_task(chapter, stamp, secret):
    """The reference's results of the chapter, computed on this worker (its own sandbox)."""
    from grading.grader.check import reference_results
    from grading.grader.sandbox import Limits, Sandbox, method

    method()
    if chapter_stamp(chapter) != stamp:
        raise ReleaseMismatch("this worker's course is another release than the driver's")
    with tempfile.TemporaryDirectory(prefix="dlcourse-reference-") as folder:
        limits = Limits()
        found = reference_results(
            chapter_items(chapter, secret), limits, Sandbox(limits), disk_cache=folder, stamp=stamp
        )
    return {key: result_to_data(result) for key, result in found.items()}


def autograde_task(bundle, student, files):
    """Autograde one student on this worker: plain data back (see the module's doc)."""
    from .autograde import course_config, nbgrader_forked, read_grades

    store = _worker_store(bundle)
    chapter = bundle["chapter"]
    with tempfile.TemporaryDirectory(prefix="dlcourse-task-") as tmp:
        course = course_config(Path(tmp) / "course")
        (course / "gradebook.db").write_bytes(bundle["gradebook"])
        write_files(course / "source" / chapter, bundle["source"])
        write_files(course / "submitted" / student / chapter, files)
        killed = []  # the logs of attempts killed at the timeout
        for _ in range(ATTEMPTS):
            proc = nbgrader_forked(
                course,
                "autograde",
                chapter,
                f"--student={student}",
                "--force",
                timeout=STUDENT_TIMEOUT,
                env={STORE_ENV: str(store)},
            )
            if proc.returncode != -9:
                break
            killed.append((proc.stdout + proc.stderr)[-3000:])
        log = (proc.stdout + proc.stderr)[-2000:]
        grades = read_grades(f"sqlite:///{course / 'gradebook.db'}", chapter, student) if proc.returncode == 0 else None
        autograded = course / "autograded" / student / chapter
        return {
            "student": student,
            "grades": grades,
            "log": log,
            "killed": killed,
            "autograded": files_of(autograded) if grades and autograded.is_dir() else None,
        }


def grade_task(bundle, files):
    """verify's isolated grade of one pristine copy on this worker: the grader's report."""
    from grading.grader.check import grade

    store = _worker_store(bundle)
    with tempfile.TemporaryDirectory(prefix="dlcourse-task-") as tmp:
        write_files(Path(tmp) / "submission", files)
        return grade(Path(tmp) / "submission", bundle["chapter"], reference_cache=store)


# ---------------------------------------------------------------- on the driver


def make_bundle(client, chapter, gradebook=None, source=None):
    stamp, secret, reference = reference_data(client, chapter)
    bundle = {
        "chapter": chapter,
        "stamp": stamp,
        "secret": secret,
        "reference": reference,
        "gradebook": gradebook,
        "source": files_of(source) if source else {},
    }
    return client.scatter([bundle], broadcast=True, hash=False)[0]  # a list: a dict would scatter its values


def run_tasks(client, function, bundle, jobs, label, progress=True):
    """Submit {student: args} as tasks of `function`; yield (student, result or exception) as each ends."""
    from distributed import as_completed
    from tqdm import tqdm

    token = uuid.uuid4().hex[:8]
    futures = {
        client.submit(
            function, bundle, *args, key=f"{function.__name__}-{student}-{token}", retries=TASK_RETRIES, pure=False
        ): student
        for student, args in jobs.items()
    }
    with tqdm(total=len(futures), desc=label, unit="student", disable=not progress) as bar:
        for future in as_completed(futures):
            student = futures[future]
            try:
                yield student, future.result()
            except Exception as exc:  # noqa: BLE001 - a task that failed on every try: reported, the others go on
                yield student, exc
            finally:
                future.release()
                bar.set_postfix_str(f"{student} done", refresh=False)  # with the count, elapsed<left
                bar.update(1)


def done_students(folders, chapter, students):
    """Students already autograded for their current pristine copy."""
    from nbgrader.api import Gradebook

    with Gradebook(folders["db_url"]) as gb:
        try:
            submitted = {s.student.id for s in gb.find_assignment(chapter).submissions}
        except Exception:  # noqa: BLE001 - no such assignment yet
            submitted = set()
    done = set()
    for student in students:
        notebook = Path(folders["autograded"]) / student / chapter / f"{chapter}.ipynb"
        manifest = pristine_store(folders, student, chapter) / pristine.MANIFEST
        if (
            student in submitted
            and notebook.is_file()
            and manifest.is_file()
            and notebook.stat().st_mtime_ns >= manifest.stat().st_mtime_ns
        ):
            done.add(student)
    return done


def pristine_store(folders, student, chapter):
    return Path(folders["submitted"]).parent / "pristine" / student / chapter


def replace_folder(target, files):
    """target's contents become `files` (written beside it, then swapped in)."""
    target = Path(target)
    fresh = target.with_name(f".{target.name}.new")
    shutil.rmtree(fresh, ignore_errors=True)
    write_files(fresh, files)
    if target.exists():
        shutil.rmtree(target)
    fresh.rename(target)


def autograde(course, chapter, students=None, jobs=None, scheduler=None, force=False, progress=True, timed_out=None):
    """Autograde `chapter` on Dask; returns {student: why it failed} (see the module's doc).
    Students killed at STUDENT_TIMEOUT (then tried again) are said, and the logs of their killed
    attempts put in the dict `timed_out` if given."""
    from tqdm import tqdm

    from grading.grader.sandbox import SandboxUnavailable, require

    from .autograde import settings, submitted_students, write_grades
    from .unpack import HANDED_IN, UNPACKED, unpack_submissions

    if not scheduler:
        require()  # the LocalCluster's workers are this machine
    course = Path(course)
    folders = settings(course)
    students = list(students) if students else submitted_students(folders["submitted"], chapter)
    for student, status in unpack_submissions(folders["submitted"], chapter, students).items():
        if status not in (HANDED_IN, UNPACKED) and progress:
            tqdm.write(f"{student}: {status}")
    copies = {}
    for student in students:
        copy = pristine.keep(Path(folders["submitted"]) / student / chapter, pristine_store(folders, student, chapter))
        if copy.refused:
            tqdm.write(f"{student}: not graded: {copy.refused}") if progress else None
        else:
            copies[student] = copy.files
    todo = sorted(copies) if force else sorted(set(copies) - done_students(folders, chapter, copies))
    if progress and len(todo) < len(copies):
        tqdm.write(f"{len(copies) - len(todo)} student(s) already graded (--force grades them again)")
    failures = {}
    if not todo:
        return failures
    with connect(scheduler, jobs) as client, tempfile.TemporaryDirectory(prefix="dlcourse-driver-") as tmp:
        gradebook = empty_gradebook(folders["db_url"], Path(tmp) / "empty.db")
        bundle = make_bundle(client, chapter, gradebook, Path(folders["source"]) / chapter)
        jobs_ = {student: (student, files_of(copies[student])) for student in todo}
        written, refused = set(), None
        for student, result in run_tasks(client, autograde_task, bundle, jobs_, f"autograde {chapter}", progress):
            if isinstance(result, SandboxUnavailable):
                refused = result
            if isinstance(result, dict) and result["killed"]:
                if timed_out is not None:
                    timed_out[student] = result["killed"]
                if progress:
                    killed = len(result["killed"])
                    tqdm.write(f"{student}: {killed} of {ATTEMPTS} attempts killed after {STUDENT_TIMEOUT} s")
            if isinstance(result, Exception) or not result["grades"]:
                failures[student] = result["log"] if isinstance(result, dict) else f"{type(result).__name__}: {result}"
                continue
            assert student not in written, f"{student} came back twice"
            write_grades(folders["db_url"], chapter, student, result["grades"])
            replace_folder(Path(folders["autograded"]) / student / chapter, result["autograded"])
            written.add(student)
    if refused:
        raise refused  # fail closed: a worker that cannot sandbox graded no one (the command exits 3)
    return failures


def grade_copies(folders, chapter, students, jobs=None, scheduler=None, progress=True):
    """verify's isolated grades on Dask: {student: report, or the exception of its task}, for
    every student whose pristine copy can be taken (the others are verify's to report)."""
    from grading.grader.sandbox import require

    from .unpack import unpack_library

    if not scheduler:
        require()
    copies = {}
    for student in students:
        submission = Path(folders["submitted"]) / student / chapter
        try:
            unpack_library(submission)
            copy = pristine.keep(submission, pristine_store(folders, student, chapter))
        except Exception:  # noqa: BLE001 - verify_student reports it
            continue
        if not copy.refused:
            copies[student] = copy.files
    if not copies:
        return {}
    with connect(scheduler, jobs) as client:
        bundle = make_bundle(client, chapter)
        jobs_ = {student: (files_of(folder),) for student, folder in copies.items()}
        return dict(run_tasks(client, grade_task, bundle, jobs_, f"verify {chapter}", progress))
