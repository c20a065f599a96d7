"""The program that runs INSIDE the sandbox: it imports one submission and runs case programs.

    python -I -S runner.py JOB.json RESULT_FD

Trusted code, standard library and numpy only: it is copied next to the job into the sandbox,
never imported from the repository. The job (JSON) names the submission folder, the
site-packages folder, the case files (modules of case programs, numpy only, no reference
values) and the cases to run. Student code runs in this process, so nothing here decides a
score: results go back as plain arrays over the pipe RESULT_FD, one frame per item:

    {"kind": "hello" | "imported" | "start" | "array" | "meta" | "done", ...}\\n [payload bytes]

An "array" frame's payload is the array in .npy format (numeric dtypes only); a "meta"
frame's payload is a small JSON object (the case's error message, warning count). The grader
validates every frame and ignores stdout and stderr entirely.
"""

import importlib.util
import io
import json
import os
import signal
import sys
import traceback
import warnings

NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")
CELL_SECONDS = 10  # a notebook cell running longer is stopped and skipped (a demo loop gone slow)


class CellTimeout(BaseException):
    """Raised by the alarm in a notebook cell that runs past CELL_SECONDS."""


def _stop_cell(signum, frame):
    raise CellTimeout()


class Results:
    """Writes frames to the grader's pipe."""

    def __init__(self, fd):
        self.pipe = os.fdopen(fd, "wb", buffering=0)

    def frame(self, header, payload=b""):
        header = dict(header, nbytes=len(payload))
        self.pipe.write(json.dumps(header).encode() + b"\n" + payload)


class Tools:
    """What a case program gets besides the module under test: outputs and finite differences.

    `t.out(name, value)` records a result; `t.ctx(name, value)` records context that only the
    reference run reports (inputs the diagnosis needs); `t.reference` tells which run this is.
    """

    def __init__(self, np, reference):
        self.np = np
        self.reference = reference
        self.values = {}

    def out(self, name, value):
        """Record a result now, as a copy (the submission may reuse its buffers later)."""
        self.values[name] = as_plain_array(self.np, value)
        return value

    def ctx(self, name, value):
        if self.reference:
            self.values["ctx." + name] = as_plain_array(self.np, value)

    def numgrad(self, f, x, eps=1e-6):
        """Central differences of the scalar f() with respect to the array x, changed in place."""
        np = self.np
        grad = np.zeros(x.shape, dtype=np.float64)
        for index in np.ndindex(x.shape):
            original = x[index]
            x[index] = original + eps
            plus = float(f())
            x[index] = original - eps
            minus = float(f())
            x[index] = original
            grad[index] = (plus - minus) / (2 * eps)
        return grad


def describe_error(exc, submission):
    """One line a student understands: 'not implemented yet' for stubs, else type, text, place."""
    text = str(exc)
    if isinstance(exc, NotImplementedError):
        return text if "not implemented yet" in text else f"not implemented yet: {text}".rstrip(": ")
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(submission):
            where = f" (at {os.path.relpath(frame.filename, submission)}, line {frame.lineno})"
            break
    if isinstance(exc, MemoryError):
        text = "ran out of memory"
    return f"{type(exc).__name__}: {text[:500]}{where}"


def as_plain_array(np, value):
    """A plain numeric ndarray (never a subclass, never objects), or a reason why not."""
    if value is None:
        return None, "is None (not set)"
    try:
        array = np.array(value, copy=True, subok=False)
    except Exception as exc:  # noqa: BLE001 - student values can fail in any way
        return None, f"is not an array ({type(value).__name__}): {exc}"
    if array.dtype.kind not in "biuf":
        return None, f"is not a numeric array (dtype {array.dtype}, type {type(value).__name__})"
    return array, None


class _BrokenMeta(type):
    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(cls._why)


def broken_object(name, why):
    """A stand-in for `name` of a library file that does not import: using it (calling,
    instantiating, subclassing and instantiating, reading an attribute) raises ImportError(why)."""

    def refuse(cls, *args, **kwargs):
        raise ImportError(why)

    return _BrokenMeta(name, (), {"__new__": refuse, "_why": why, "__module__": "mytorch"})


def file_error(exc, path, submission):
    """'mytorch could not import mytorch/optim/rprop.py: SyntaxError: ... (line 12)'."""
    rel = os.path.relpath(path, submission) if path else "a file of mytorch"
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    if line is None:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if path and os.path.abspath(frame.filename) == os.path.abspath(path):
                line = frame.lineno
                break
    text = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    return f"mytorch could not import {rel}: {type(exc).__name__}: {text[:300]}" + (f" (line {line})" if line else "")


class TolerantLoader:
    """Runs a mytorch module; a module whose own code fails (a syntax error, a bad import, a
    NameError at import time) stays importable: what it defined before the error is kept and
    every other name is a broken_object naming the file and line. So one broken file costs
    only the exercises that use it."""

    def __init__(self, loader, submission):
        self.loader, self.submission = loader, submission

    def __getattr__(self, name):  # get_source, is_package, ... as the file loader has them
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        try:
            self.loader.exec_module(module)
        except BaseException as exc:  # noqa: BLE001 - a student's module may fail in any way
            why = file_error(exc, getattr(module, "__file__", None), self.submission)
            BROKEN_FILES.append(why)
            package = module.__name__ if hasattr(module, "__path__") else None

            def missing(name):
                if name.startswith("__"):
                    raise AttributeError(name)
                if package:
                    try:
                        return importlib.import_module(f"{package}.{name}")
                    except ImportError:
                        pass
                return broken_object(name, why)

            module.__getattr__ = missing


BROKEN_FILES = []


class TolerantFinder:
    """sys.meta_path entry: every module of the submission's mytorch package gets a TolerantLoader."""

    def __init__(self, submission):
        self.submission = submission

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "mytorch" and not fullname.startswith("mytorch."):
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(fullname, path if path is not None else [self.submission])
        if spec is None or spec.loader is None or not str(spec.origin or "").startswith(self.submission):
            return spec
        spec.loader = TolerantLoader(spec.loader, self.submission)
        return spec


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def find_notebook(submission, name):
    """The notebook `name` (a path inside the submission, or a file name found at any depth)."""
    path = os.path.join(submission, name)
    if os.path.isfile(path):
        return path
    for folder, dirs, files in sorted(os.walk(submission)):
        if os.path.basename(name) in files:
            return os.path.join(folder, os.path.basename(name))
    raise FileNotFoundError(f"the submission has no notebook {name}")


def run_notebook(np, path, cells):
    """Execute a notebook's code cells (never its test cells) in one namespace.

    cells: "all" runs every code cell that is not an nbgrader test; "solution" only solution
    cells. Lines starting with % or ! (IPython magics and shell) are dropped. A cell running
    over CELL_SECONDS is stopped and the next one runs: grading calls the exercises' functions
    itself, so a demo cell made slow by a wrong answer must not use up the case's time. Returns
    the namespace and the first cell error (or None).
    """
    with open(path, encoding="utf-8") as f:
        notebook = json.load(f)
    namespace = {"__name__": "__main__", "display": lambda *a, **k: None}
    first_error = None
    here = os.getcwd()
    os.chdir(os.path.dirname(path))  # the notebook's relative paths start at its folder
    sys.path.insert(0, os.path.dirname(path))  # and, as in Jupyter, its imports (helper modules beside it)
    for number, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        marks = cell.get("metadata", {}).get("nbgrader", {})
        if marks.get("grade") and not marks.get("solution"):
            continue  # a test cell: it would call the grader
        if cells == "solution" and not marks.get("solution"):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        previous = signal.signal(signal.SIGALRM, _stop_cell)
        try:
            signal.setitimer(signal.ITIMER_REAL, CELL_SECONDS)
            exec(compile(source, f"{os.path.basename(path)} cell {number}", "exec"), namespace)
            signal.setitimer(signal.ITIMER_REAL, 0)
        except BaseException as exc:  # noqa: BLE001 - keep going: later cells may still define names
            signal.setitimer(signal.ITIMER_REAL, 0)
            if isinstance(exc, SystemExit):
                exc = RuntimeError("a cell called exit()")
            if isinstance(exc, CellTimeout):
                exc = TimeoutError(f"was stopped after {CELL_SECONDS} s (an infinite loop?)")
            if first_error is None:
                first_error = f"cell {number} raised {type(exc).__name__}: {str(exc)[:300]}"
        finally:
            signal.signal(signal.SIGALRM, previous)
    os.chdir(here)
    return namespace, first_error


def main(argv):
    job_path, fd = argv[1], int(argv[2])
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    results = Results(fd)
    results.frame({"kind": "hello"})
    sys.path.append(job["site_packages"])
    import numpy as np  # only after site-packages is on the path

    submission = job["submission"]
    sys.path.insert(0, submission)
    sys.meta_path.insert(0, TolerantFinder(submission))  # one broken library file costs only its exercises
    os.chdir(submission)
    reference = job["reference"]
    subject = {}
    if job["needs_mytorch"]:
        try:
            subject["mytorch"] = importlib.import_module("mytorch")
            error = None
        except BaseException as exc:  # noqa: BLE001 - an import may fail in any way
            error = "mytorch could not be imported: " + describe_error(exc, submission)
        subject["mytorch_error"] = error
    results.frame({"kind": "imported"})
    programs = {path: load_module(path, f"cases_{i}") for i, path in enumerate(job["case_files"])}
    notebooks = {}
    for item in job["items"]:
        key = item["key"]
        results.frame({"kind": "start", "key": key})
        tools = Tools(np, reference)
        meta = {"error": None, "warnings": 0}
        try:
            with (
                warnings.catch_warnings(record=True) as caught,
                np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"),
            ):
                warnings.simplefilter("always")
                target = item["target"]
                if target == "mytorch":
                    if subject["mytorch_error"]:
                        raise ImportError(subject["mytorch_error"])
                    arg = subject["mytorch"]
                else:
                    if target not in notebooks:
                        path = find_notebook(submission, target)
                        notebooks[target] = run_notebook(np, path, item.get("cells", "all"))
                    arg, cell_error = notebooks[target]
                    meta["notebook_error"] = cell_error
                program = getattr(programs[item["case_file"]], item["program"])
                program(arg, item["case"], tools)
            meta["warnings"] = len(caught)
        except ImportError as exc:
            meta["error"] = str(exc) if str(exc).startswith("mytorch could not") else describe_error(exc, submission)
        except BaseException as exc:  # noqa: BLE001 - SystemExit and friends count as the case's failure
            if isinstance(exc, KeyError) and target != "mytorch":
                meta["error"] = f"the notebook does not define {exc}" + (
                    f" ({meta['notebook_error']})" if meta.get("notebook_error") else ""
                )
            else:
                meta["error"] = describe_error(exc, submission)
        for name, (array, problem) in tools.values.items():
            if not set(name) <= NAME_OK:
                continue
            if problem:
                meta.setdefault("problems", {})[name] = problem
                continue
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            results.frame({"kind": "array", "key": key, "name": name}, buffer.getvalue())
        results.frame({"kind": "meta", "key": key}, json.dumps(meta).encode())
    results.frame({"kind": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
