"""Every command block of README.md and grading/README.md works as written, on a fresh clone.

Each fenced block in the two guides is preceded by `<!-- doc-test: NAME (why/how) -->`. NAME is
`skip` (the reason in parentheses says why and which test covers it) or the name of a runner
below, which runs the block's text as written (`bash -e`) from the repository root of a fresh
`git clone` of this repository, with the course environment active (`.venv` linked from this
checkout, `source .venv/bin/activate` as the guide says). Around the blocks a runner only does
what the guide's prose says happens between them (the LMS zips are put in `archive/`, each
student has the bundle in its home and runs the Hand in cell). Any nbgrader warning about the
configuration ("Config option ... not recognized") fails the test.

Also here: the Python floor that `make install` checks agrees with README.md, pyproject.toml
and the real `Requires-Python` of the locked packages, and an older interpreter is refused in
one line before anything is installed.

Durations on the idle 2-core machine: the fast tests < 5 s; the clone's release ~25 s; the LMS
and grading path ~2.5 min; the exchange with two accounts ~80 s; the formgrader start ~10 s.
"""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from servers import free_port, stop
from test_nbgrader_exchange import students  # noqa: F401 (the fixture: two real student accounts)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "grading/README.md")
MARKER = re.compile(r"^\s*<!-- doc-test: ([a-z-]+)(?: \((.+)\))? -->\s*$")
FENCE = re.compile(r"^(\s*)```")
CONFIG_WARNING = re.compile(r"(?i)config option|not recognized|unrecognized (option|argument|alias|flag)")
RUNNERS = {
    "formgrader",
    "release",
    "roster",
    "lms",
    "grading",
    "end-of-term",
    "exchange-root",
    "exchange-config",
    "exchange-release",
    "exchange-fetch",
    "exchange-submit",
    "exchange-collect",
    "cluster-scheduler",
    "cluster-workers",
    "cluster-grading",
    "cluster-slurm",
    "cluster-kubernetes",
    "hub",  # this one and the next: tests/test_hub_browser.py
    "hub-grading",
}


def doc_blocks():
    """[(doc, line, name, reason, text)] of every fenced block in the guides."""
    found = []
    for doc in DOCS:
        lines = (ROOT / doc).read_text().splitlines()
        i = 0
        while i < len(lines):
            fence = FENCE.match(lines[i])
            if not fence:
                i += 1
                continue
            indent = len(fence.group(1))
            end = next(j for j in range(i + 1, len(lines)) if FENCE.match(lines[j]))
            text = "\n".join(line[indent:] for line in lines[i + 1 : end]) + "\n"
            before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            marker = MARKER.match(before)
            found.append((doc, i + 1, marker and marker.group(1), marker and marker.group(2), text))
            i = end + 1
    return found


def block(name):
    texts = [text for _, _, n, _, text in doc_blocks() if n == name]
    assert len(texts) == 1, f"exactly one block marked doc-test: {name}, found {len(texts)}"
    return texts[0]


def test_every_block_is_marked_and_skips_say_why():
    blocks = doc_blocks()
    assert len(blocks) >= 12
    problems = [f"{doc}:{line}: no <!-- doc-test: NAME --> before it" for doc, line, name, _, _ in blocks if not name]
    problems += [
        f"{doc}:{line}: skip without a reason"
        for doc, line, name, reason, _ in blocks
        if name == "skip" and not (reason and len(reason) > 20)
    ]
    problems += [
        f"{doc}:{line}: unknown doc-test {name}"
        for doc, line, name, _, _ in blocks
        if name and name != "skip" and name not in RUNNERS
    ]
    named = {name for _, _, name, _, _ in blocks}
    problems += [f"no block is marked doc-test: {name}" for name in sorted(RUNNERS - named)]
    assert not problems, "\n".join(problems)
    skipped = [b for b in blocks if b[2] == "skip"]
    assert len(skipped) <= 5, "keep the skipped blocks few"
    # indented (4-space) code blocks would escape the test: the guides use fences only
    for doc in DOCS:
        text = (ROOT / doc).read_text()
        indented = re.search(r"\n\n( {4,}[^ \-*`<].*)", text)
        assert not indented, f"{doc}: an indented code block: {indented.group(1).strip()}"


# ---------------------------------------------------------------- the Python floor


def lock_floor():
    """The highest lower bound in the Requires-Python of the locked packages, as installed."""
    from importlib import metadata

    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    floor, why = Version("3.0"), None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" not in line:
            continue
        name = line.split("==")[0].strip()
        requires = metadata.distribution(name).metadata.get("Requires-Python")
        for spec in SpecifierSet(requires or ""):
            if spec.operator in (">=", ">") and Version(spec.version) > floor:
                floor, why = Version(spec.version), name
    return str(floor), why


def test_the_python_floor_is_the_locks_everywhere():
    import tomllib

    floor, package = lock_floor()
    makefile = re.search(r"^PYTHON_FLOOR := (\S+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    readme = (ROOT / "README.md").read_text()
    assert makefile == floor, f"Makefile's PYTHON_FLOOR {makefile}, but {package} needs Python >= {floor}"
    assert project == f">={floor}"
    assert f"Python {floor} or later" in readme and f"Python {floor}+" in readme
    assert not re.search(r"Python 3\.11\+", readme)


FAKE_PYTHON = """#!{real}
# a python3 that says it is 3.11.2 (Debian 12's): runs `-c CODE` only
import sys
sys.version_info = (3, 11, 2, "final", 0)
sys.version = "3.11.2 (fake)"
sys.executable = __file__
if sys.argv[1:2] != ["-c"]:
    sys.exit("fake python3: only -c")
code = sys.argv[2]
sys.argv = ["-c", *sys.argv[3:]]
exec(compile(code, "<string>", "exec"), {{"__name__": "__main__"}})
"""


def test_make_install_refuses_an_old_python_before_installing(tmp_path):
    for name in ("Makefile", "requirements.lock", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python3"
    fake.write_text(FAKE_PYTHON.format(real=sys.executable))
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    env.pop("PYTHON", None)
    done = subprocess.run(["make", "install"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    said = [line for line in (done.stdout + done.stderr).splitlines() if not line.startswith("make: ***")]
    assert said == [
        f"make install: Python 3.11.2 found ({fake}), the course needs Python >= "
        f"{lock_floor()[0]} (requirements.lock); install a newer one and run make again, "
        "with PYTHON=/path/to/python3 if it is not python3"
    ], said
    assert not (tmp_path / ".venv").exists()  # nothing created, nothing installed
    # and this interpreter passes the same check
    ok = subprocess.run(
        ["make", "check-python", f"PYTHON={sys.executable}"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_make_install_shows_its_steps():
    text = subprocess.run(
        ["make", "-n", "-B", "install", "VENV=/nonexistent-venv"], cwd=ROOT, capture_output=True, text=True, timeout=60
    ).stdout
    steps = re.findall(r'echo "make install: \[(\d)/5\]', text)
    assert steps == ["1", "2", "3", "4", "5"], text
    assert "-r requirements.lock" in text and "--quiet -c requirements.lock" not in text  # pip's progress shows


# ---------------------------------------------------------------- the blocks, in a fresh clone


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A fresh clone of this repository's HEAD (commit first), the course's .venv linked in."""
    where = tmp_path_factory.mktemp("docs") / "dlcourse"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(where)], check=True, timeout=120)
    (where / ".venv").symlink_to(Path(sys.prefix))
    # the clone's files are newer than the venv's install stamp: make would reinstall into the
    # shared venv (and point its editable install at the clone); date them back instead
    stamp = Path(sys.prefix) / ".installed"
    old = (stamp.stat().st_mtime if stamp.exists() else time.time()) - 3600
    for name in ("requirements.lock", "pyproject.toml"):
        os.utime(where / name, (old, old))
    return where


def environment(home, clone):
    """The guide's environment: `source .venv/bin/activate` in the clone. PYTHONPATH is the
    clone because the shared venv's editable install points at this checkout, not the clone."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTEST", "VIRTUAL_ENV"))}
    env.update(
        HOME=str(home),
        VIRTUAL_ENV=str(clone / ".venv"),
        PYTHONPATH=str(clone),
        MPLBACKEND="Agg",
        PATH=f"{clone / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    )
    return env


def run_block(name, cwd, env, timeout=600, user=None):
    text = block(name)
    command = ["bash", "-e", "-c", text]
    if user:
        command = ["runuser", "-u", user, "--", "env", *[f"{k}={v}" for k, v in env.items()], *command]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"doc-test {name} failed (exit {done.returncode}):\n{text}\n{output[-4000:]}"
    warnings = sorted({line for line in output.splitlines() if CONFIG_WARNING.search(line)})
    assert not warnings, f"doc-test {name}: configuration warnings:\n" + "\n".join(warnings)
    return output


@pytest.fixture(scope="module")
def released(clone, tmp_path_factory):
    """The clone after the guide's `Start of term` block (make release, make check-release)."""
    run_block("release", clone, environment(tmp_path_factory.mktemp("home"), clone))
    return clone


def copy_of(released, tmp_path):
    course = tmp_path / "dlcourse"
    shutil.copytree(released, course, symlinks=True)
    return course


def untracked(course):
    return subprocess.run(
        ["git", "status", "--porcelain", "--ignored=no"], cwd=course, capture_output=True, text=True, check=True
    ).stdout.split("\n")


@pytest.mark.slow(why="runs the guide's LMS, grading and end-of-term commands on a released course")
def test_lms_zips_then_grading_then_end_of_term(released, tmp_path):
    course = copy_of(released, tmp_path)
    env = environment(tmp_path / "home", course)
    # two students' LMS zips, made by the Hand in cell's code (`python -m grading pack`)
    reference = (course / "solutions" / "mytorch" / "nn" / "linear.py").read_bytes()
    archive = course / "grading" / "downloaded" / "backprop" / "archive"
    archive.mkdir(parents=True)
    for student, linear in (("alice", reference), ("bob", None)):
        student_linear = course / "mytorch" / "nn" / "linear.py"
        kept = student_linear.read_bytes()
        if linear:
            student_linear.write_bytes(linear)
        subprocess.run(
            [sys.executable, "-m", "grading", "pack", "backprop"],
            cwd=course,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        student_linear.write_bytes(kept)
        shutil.move(course / "handin" / "backprop-handin.zip", archive / f"{student}_backprop-handin.zip")
    (course / "grading" / "roster.csv").write_text("id,first_name,last_name,email\nbob,Bob,Brown,bob@example.edu\n")
    run_block("roster", course, env)
    run_block("lms", course, env)
    submitted = course / "grading" / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["alice", "bob"]
    assert (submitted / "alice" / "backprop" / "mytorch" / "nn" / "linear.py").read_bytes() == reference
    assert (submitted / "bob" / "backprop" / "backprop.ipynb").is_file()
    run_block("grading", course, env)
    for student in ("alice", "bob"):
        assert (course / "grading" / "feedback" / student / "backprop" / "backprop.html").is_file()
    report = course / "grading" / "reports" / "verify-backprop.txt"
    assert report.is_file()  # where the guide says
    assert not (course / "reports").exists()
    graded_on_cluster(course, env, tmp_path, report)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gb:  # names as the roster gave them
        assert {s.id: (s.first_name, s.last_name) for s in gb.students} == {
            "alice": ("Alice", "Adams"),
            "bob": ("Bob", "Brown"),
        }
    (course / "grading" / "grades.csv").unlink()
    run_block("end-of-term", course, env)
    rows = (course / "grading" / "grades.csv").read_text().splitlines()
    backprop = {row.split(",")[3]: float(row.split(",")[9]) for row in rows if row.startswith("backprop,")}
    assert set(backprop) == {"alice", "bob"} and backprop["alice"] > backprop["bob"]
    # every run-time file the guide's commands wrote is gitignored
    assert untracked(course) == [""], untracked(course)


def start_block(name, cwd, env, log):
    """A block that runs until stopped (a server), started as written, in the background."""
    return subprocess.Popen(
        ["bash", "-e", "-c", block(name)],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def graded_on_cluster(course, env, tmp_path, report):
    """The guide's cluster blocks on the class the grading block has just graded: its scheduler
    and workers (here all on this machine) and its grading through them, then its Slurm and
    Kubernetes scripts."""
    from distributed import Client

    env = dict(env, SCHEDULER_HOST="127.0.0.1")
    address = "tcp://127.0.0.1:8786"
    servers = []
    with open(tmp_path / "cluster.log", "w") as log:
        try:
            servers.append(start_block("cluster-scheduler", course, env, log))
            servers.append(start_block("cluster-workers", course, env, log))
            with Client(address, timeout="60s") as watcher:
                watcher.wait_for_workers(os.cpu_count() or 1, timeout=120)  # --nworkers -1: one per core
            verified_before = report.stat().st_mtime_ns
            output = run_block("cluster-grading", course, env)
            assert "2 student(s) already graded" in output, output[-2000:]  # a re-run grades only who is left
            assert report.stat().st_mtime_ns > verified_before, output[-2000:]  # verify graded them again
            assert "NOT VERIFIED" not in report.read_text(), report.read_text()
            log.flush()
            while_grading = (tmp_path / "cluster.log").read_text()  # stopping them logs closed connections
            assert "Traceback" not in while_grading, while_grading[-4000:]
        finally:
            for server in reversed(servers):  # the workers, then the scheduler
                stop(server)
    # the Slurm and Kubernetes scripts, with stand-ins for the two packages the course does not
    # install: each takes exactly the parameters the guide passes (a misspelt one fails) and is a
    # LocalCluster; the course's own part, autograde(COURSE, CHAPTER, scheduler=...), runs for real
    stand_ins = tmp_path / "stand-ins"
    (stand_ins / "dask_kubernetes").mkdir(parents=True)
    (stand_ins / "dask_jobqueue.py").write_text(SLURM_STAND_IN)
    (stand_ins / "dask_kubernetes" / "__init__.py").write_text("")
    (stand_ins / "dask_kubernetes" / "operator.py").write_text(KUBERNETES_STAND_IN)
    for name in ("cluster-slurm", "cluster-kubernetes"):
        script = env | {
            "PYTHONPATH": f"{stand_ins}{os.pathsep}{env['PYTHONPATH']}",
            "STAND_IN_LOG": str(tmp_path / name),
        }
        done = subprocess.run(
            ["python", "-c", block(name)], cwd=course, env=script, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"doc-test {name} failed:\n{block(name)}\n{(done.stdout + done.stderr)[-4000:]}"
        asked = {"cluster-slurm": ["started", "scaled"], "cluster-kubernetes": ["started"]}[name]
        assert (tmp_path / name).read_text().split() == asked, name  # the stand-in was used as the guide says


# Stand-ins for dask-jobqueue's SLURMCluster and dask-kubernetes' KubeCluster (their signatures as
# documented, keyword arguments only): a LocalCluster of this machine's cores.
SLURM_STAND_IN = """
import os
from distributed import LocalCluster

def _log(word):
    with open(os.environ["STAND_IN_LOG"], "a") as log:
        log.write(word + "\\n")

class SLURMCluster(LocalCluster):
    def __init__(self, *, cores, processes, memory, walltime, job_script_prologue=()):
        assert cores >= processes and memory and walltime
        super().__init__(n_workers=0, threads_per_worker=1, dashboard_address=":0", silence_logs=40)
        self.processes = processes
        _log("started")

    def scale(self, *, jobs):
        super().scale(min(jobs * self.processes, os.cpu_count() or 1))
        _log("scaled")
"""

KUBERNETES_STAND_IN = """
import os
from distributed import LocalCluster

def _log(word):
    with open(os.environ["STAND_IN_LOG"], "a") as log:
        log.write(word + "\\n")

class KubeCluster(LocalCluster):
    def __init__(self, *, name, image, n_workers=3, resources=None, namespace=None, env=None):
        assert name and image
        super().__init__(n_workers=min(n_workers, os.cpu_count() or 1), threads_per_worker=1,
                         dashboard_address=":0", silence_logs=40)
        _log("started")
"""


@pytest.fixture
def exchange_root():
    root = Path("/srv/nbgrader")
    if os.geteuid() != 0:
        pytest.skip("the exchange block makes /srv/nbgrader/exchange: needs root")
    if root.exists():
        pytest.skip(f"{root} exists (a real exchange?): not touched")
    try:
        yield root / "exchange"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow(why="the guide's exchange commands as real Unix accounts, both sides")
def test_exchange_both_sides_with_real_accounts(released, tmp_path, exchange_root, students):
    from test_nbgrader_exchange import USERS
    from test_nbgrader_pack import hand_in_cell, setup_cell

    course = copy_of(released, tmp_path)
    instructor = environment(tmp_path / "instructor", course)
    run_block("exchange-root", course, instructor)
    assert exchange_root.stat().st_mode & 0o7777 == 0o1777
    run_block("exchange-config", course, instructor)
    run_block("exchange-release", course, instructor)
    for user in USERS:
        home = students / "home" / user
        # a student runs the course's interpreter, not the instructor's private clone
        env = dict(
            environment(home, course), USER=user, PATH=f"{Path(sys.prefix) / 'bin'}{os.pathsep}{os.environ['PATH']}"
        )
        del env["PYTHONPATH"], env["VIRTUAL_ENV"]
        shutil.copy(course / "dist" / "dlcourse-student.zip", home)
        shutil.chown(home / "dlcourse-student.zip", user, user)
        run_block("exchange-config", home, env, user=user)
        listed = run_block("exchange-fetch", home, env, user=user)
        assert "backprop" in listed
        work = home / "dlcourse-student" / "backprop"
        assert (work / "backprop.ipynb").is_file()
        handed = subprocess.run(
            [
                "runuser",
                "-u",
                user,
                "--",
                "env",
                *[f"{k}={v}" for k, v in env.items()],
                sys.executable,
                "-c",
                setup_cell("backprop") + hand_in_cell("backprop"),
            ],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert handed.returncode == 0, handed.stderr
        run_block("exchange-submit", home, env, user=user)
    run_block("exchange-collect", course, instructor)
    submitted = course / "grading" / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == sorted(USERS)
    for user in USERS:
        assert (submitted / user / "backprop" / "mytorch" / "nn" / "linear.py").is_file()


@pytest.mark.slow(why="starts the formgrader from a clone and fetches its pages")
def test_make_formgrader_starts_and_serves_the_formgrader(clone, tmp_path):
    port = free_port()
    env = environment(tmp_path / "home", clone)
    text = block("formgrader").split("#")[0].strip()
    assert text == "make formgrader"
    log = tmp_path / "formgrader.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            ["bash", "-c", f"{text} PORT={port}"],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        token, deadline = None, time.time() + 120
        while time.time() < deadline and token is None:
            assert server.poll() is None, log.read_text()[-3000:]
            found = re.search(rf"127\.0\.0\.1:{port}/\S*\?token=(\w+)", log.read_text())
            token = found and found.group(1)
            time.sleep(0.5)
        assert token, log.read_text()[-3000:]
        for page in ("/formgrader", "/formgrader/api/assignments"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}?token={token}", timeout=60) as answer:
                assert answer.status == 200
                body = answer.read().decode()
        import json

        from grading.edition.release import CHAPTER_IDS

        # only the chapters (no solutions/mytorch), and Generate writes scratch, not chapters/
        assert sorted(a["name"] for a in json.loads(body)) == sorted(CHAPTER_IDS)
        assert (clone / "grading" / "formgrader" / "source" / "backprop").resolve() == clone / "solutions" / "backprop"
    finally:
        stop(server)
    output = log.read_text()
    warnings = sorted({line for line in output.splitlines() if CONFIG_WARNING.search(line)})
    assert not warnings, "formgrader: configuration warnings:\n" + "\n".join(warnings)
