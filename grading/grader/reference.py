"""The reference's results: computed once per release by the trusted side, then kept.

    store = ReferenceStore.default()          # $DLCOURSE_REFERENCE_STORE, else grading/.reference/
    stamp = release_stamp(solutions_dir)      # what the results depend on (see below)
    store.secret(stamp)                       # this release's held-out secret (4.12)
    store.load(stamp, keys) -> {key: CaseResult}; store.save(stamp, results)
    with store.locked(stamp): ...             # one process computes, the others wait and read

`grading.grader.check.grade` (the CLI, verify, the autograde's TrustedScores, the Dask workers) looks
here before running the reference: grading one submission then costs one sandboxed run of the
submission alone. The results of a case are keyed by the release stamp, a SHA-256 of the
*contents* of the reference (every .py and .ipynb under solutions/: the library and the
notebooks its notebook exercises execute), of the case programs (grading/grader/cases/) and of the
grader's runner, together with the case key (a hash of the case itself, which holds the case's
seed and, for 4.12, the held-out data): change any of them and the old entries are simply never
read again (`python -m grading reference --clear` removes them).

Where: the store is a folder of the grader's own (mode 0700, default `grading/.reference/`,
gitignored), outside everything a sandbox binds (a sandbox sees only its own copy of one
submission and the interpreter's files), so no student code can read the answers or write a
result. A result whose run failed (a timeout under load) is not kept.

The held-out secret of 4.12: one per release, made at random the first time the release is
graded and kept in the store (mode 0600, `secret-<stamp>`), instead of one per grading process.
Reference-once needs it (4.12's held-out data, and so the reference's results on it, follow from
the secret), and it makes the judged exercise fair within a term: every student of a release,
the in-autograde score and verify's alike, is judged on the same changed digits. The secret
stays on the trusted side (the driver, and workers of the grader's own cluster); the sandbox
gets the changed images, never the secret nor the held-out labels. $GRADING_SECRET still
overrides it for one command; removing the store (or --clear) draws a new one.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
from pathlib import Path

import numpy as np

from grading.course import ROOT

from .checks.judging import SECRET_ENV

STORE_ENV = "DLCOURSE_REFERENCE_STORE"
DEFAULT_STORE = ROOT / "grading" / ".reference"
CASES = Path(__file__).resolve().with_name("cases")
RUNNER = Path(__file__).resolve().with_name("runner.py")
_SKIP = {"__pycache__", ".ipynb_checkpoints", ".git"}


def _tree_digest(digest, folder, suffixes):
    folder = Path(folder)
    for here, dirs, files in sorted(os.walk(folder)):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP)
        for name in sorted(files):
            path = Path(here) / name
            if path.suffix in suffixes and path.is_file() and not path.is_symlink():
                digest.update(f"{path.relative_to(folder).as_posix()}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())


def release_stamp(reference_dir, case_files=()):
    """SHA-256 (hex) of the reference's files, the case programs, the runner and `case_files`."""
    digest = hashlib.sha256(b"dlcourse reference 1\0")
    _tree_digest(digest, reference_dir, {".py", ".ipynb"})
    _tree_digest(digest, CASES, {".py"})
    digest.update(hashlib.sha256(RUNNER.read_bytes()).digest())
    for path in sorted({str(p) for p in case_files}):
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()


def result_to_data(result):
    """A CaseResult as plain data (arrays stay numpy arrays): what crosses to a Dask worker."""
    return dict(
        arrays=dict(result.arrays), error=result.error, warnings=result.warnings, problems=dict(result.problems)
    )


def result_from_data(data):
    from .execute import CaseResult

    return CaseResult(
        arrays={k: np.asarray(v) for k, v in data["arrays"].items()},
        error=data.get("error"),
        warnings=int(data.get("warnings") or 0),
        problems=dict(data.get("problems") or {}),
    )


class ReferenceStore:
    """A folder of reference results (see the module's doc)."""

    def __init__(self, folder):
        self.folder = Path(folder)

    @classmethod
    def default(cls):
        return cls(os.environ.get(STORE_ENV) or DEFAULT_STORE)

    def _ensure(self):
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True)
            os.chmod(self.folder, 0o700)

    def _path(self, stamp, key):
        return self.folder / hashlib.sha256(f"{stamp}:{key}".encode()).hexdigest()[:32]

    def secret(self, stamp):
        """$GRADING_SECRET, else this release's secret (made on first use, kept mode 0600)."""
        if os.environ.get(SECRET_ENV):
            return os.environ[SECRET_ENV]
        path = self.folder / f"secret-{stamp[:32]}"
        if not path.is_file():
            self._ensure()
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(16))
            try:
                os.link(tmp, path)  # the first process wins; the others read its secret
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return path.read_text().strip()

    def put_secret(self, stamp, secret):
        """Keep `secret` as the release's secret (a worker given the driver's)."""
        self._ensure()
        path = self.folder / f"secret-{stamp[:32]}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secret)

    def load(self, stamp, keys):
        found = {}
        for key in keys:
            path = self._path(stamp, key)
            try:
                meta = json.loads(path.with_suffix(".json").read_text())
                with np.load(path.with_suffix(".npz"), allow_pickle=False) as saved:
                    arrays = {name: saved[name] for name in saved.files}
            except (OSError, ValueError, KeyError):
                continue
            found[key] = result_from_data(dict(meta, arrays=arrays))
        return found

    def save(self, stamp, results):
        """Keep each result that ran to its end (a failed reference run is never kept)."""
        self._ensure()
        for key, result in results.items():
            if result.error:
                continue
            path = self._path(stamp, key)
            if path.with_suffix(".json").exists():
                continue
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            with open(tmp.with_suffix(".npz"), "wb") as out:
                np.savez(out, **result.arrays)
            os.replace(tmp.with_suffix(".npz"), path.with_suffix(".npz"))
            meta = dict(error=result.error, warnings=result.warnings, problems=result.problems)
            tmp.with_suffix(".json").write_text(json.dumps(meta))
            os.replace(tmp.with_suffix(".json"), path.with_suffix(".json"))  # written last: the entry is complete

    @contextlib.contextmanager
    def locked(self, stamp):
        """Held while computing a release's results: parallel graders run the reference once."""
        self._ensure()
        with open(self.folder / f".lock-{stamp[:32]}", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def clear(self):
        """Remove every kept result and secret (the next grading computes them and draws a new secret)."""
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)
