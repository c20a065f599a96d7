"""Grade one submission: `python -m grading check SUBMISSION [--chapter ID] [--json]`.

SUBMISSION is a folder holding the student's `mytorch/` package and, optionally, chapter
notebooks. Every check of the chapter (of all chapters by default) runs the submission in an
isolated process (grading/grader/sandbox.py) and the reference in another; this process only
compares the plain arrays both send back, so student code never runs where the score is
decided. With --json, stdout is exactly one JSON object:

    {"checks": [{"id", "chapter", "points", "max_points", "passed", "message"}, ...],
     "score": float, "max_score": float}

Exit status 0 whenever grading completed (whatever the score), 1 when the grader itself failed
(the reference fails a check), 2 on a usage error, 3 when this machine cannot sandbox student
code (one line says why and how to fix it; `--sandbox limits` or GRADING_SANDBOX=limits opts in
to weaker isolation). Options:
--timeout S (the submission's total wall time, default 120), --case-timeout S (default 30),
--memory MB (default 2048, or $GRADING_MEMORY_MB), --only PREFIX[,PREFIX] (checks whose id
starts with one of them), --sandbox bwrap|nobody|limits (default: bwrap, or refuse). The JSON
says which method isolated the submission ("isolation").
"""

import argparse
import dataclasses
import hashlib
import json
import os
import sys
from pathlib import Path

from grading.course import ROOT

from . import diagnosis
from .checks import CHAPTERS, HELD_OUT, all_checks
from .execute import GraderError, run_cases
from .reference import ReferenceStore, release_stamp
from .sandbox import Limits, Sandbox, SandboxUnavailable

REFERENCE = ROOT / "solutions"
_reference_memo = {}


def sandbox_case(case):
    """The case as the sandbox gets it: without the judge's own data (HELD_OUT)."""
    return {k: v for k, v in case.items() if k != HELD_OUT}


def case_key(check, case):
    """Checks sharing a program and a case share one run of it."""
    text = json.dumps(
        [str(check.cases_file), check.program, check.target, check.cells, sandbox_case(case)], sort_keys=True
    )
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def prepare(checks, secret):
    """The checks with their held-out cases made (Check.held_out) from this grading run's secret:
    the sandbox gets the data, the judge alone the answers (under HELD_OUT), nobody the secret."""
    prepared = []
    for check in checks:
        if check.held_out is not None:
            cases = []
            for case in check.cases:
                public, private = check.held_out(case, secret)
                cases.append(dict(case, **public, **{HELD_OUT: private}))
            check = dataclasses.replace(check, cases=cases)
        prepared.append(check)
    return prepared


def work_items(checks):
    items = {}
    for check in checks:
        for case in check.cases:
            key = case_key(check, case)
            timeout = max(check.timeout or 0, items.get(key, {}).get("case_s") or 0) or None
            items[key] = dict(
                key=key,
                target=check.target,
                cells=check.cells,
                case_file=str(check.cases_file),
                program=check.program,
                case=sandbox_case(case),
                case_s=timeout,
            )
    return list(items.values())


def reference_results(items, limits, sandbox, reference_dir=REFERENCE, disk_cache=None, stamp=None):
    """The reference's results for `items`: remembered per process, kept in the release's
    reference store (grading/grader/reference.py: `disk_cache`, else $DLCOURSE_REFERENCE_STORE or
    grading/.reference/, a folder of the grader's that no sandbox binds), and computed in the
    reference's own sandboxed process only for what neither holds (under the store's lock: one
    grading process computes a release's results, the others wait and read them)."""
    store = ReferenceStore(disk_cache) if disk_cache else ReferenceStore.default()
    stamp = stamp or release_stamp(reference_dir, [item["case_file"] for item in items])

    def missing():
        return [item for item in items if (stamp, item["key"]) not in _reference_memo]

    def read():
        for key, result in store.load(stamp, [item["key"] for item in missing()]).items():
            _reference_memo[(stamp, key)] = result

    read()
    if missing():
        with store.locked(stamp):
            read()  # another process may have computed them meanwhile
            todo = missing()
            if todo:
                trusted = Limits(
                    wall_s=max(limits.wall_s, 120),
                    case_s=max(limits.case_s, 60),
                    memory_bytes=max(limits.memory_bytes, 4 << 30),
                )
                found = run_cases(reference_dir, todo, trusted, reference=True, sandbox=Sandbox(trusted, sandbox.how))
                for key, result in found.items():
                    _reference_memo[(stamp, key)] = result
    results = {item["key"]: _reference_memo[(stamp, item["key"])] for item in items}
    store.save(stamp, results)  # what this store lacks (a result remembered from another store's run)
    return results


def _describe_case(case):
    shape = case.get("shape")
    bits = [f"input {tuple(shape)}" if shape else None, case.get("dtype"), case.get("label")]
    return ", ".join(b for b in bits if b)


def score_case(check, case, got, ref):
    """(units passed, units in all, messages) of one case of one check."""
    if ref.error:
        raise GraderError(f"the reference fails {check.id}: {ref.error}")
    ctx = {k[4:]: v for k, v in ref.arrays.items() if k.startswith("ctx.")}
    ctx.update({k: v for k, v in ref.arrays.items() if not k.startswith("ctx.")})
    ok = total = 0
    messages = []
    values_right = True  # every compared quantity of the case: the units that are not values need them
    for name in check.compare:
        problem = got.problems.get(name) or (f"was not produced: {got.error}" if got.error else None)
        candidates = check.mistakes(name, ctx, case) if check.mistakes and name in got.arrays else None
        units, all_units, message = diagnosis.compare(
            name,
            ref.arrays[name],
            got.arrays.get(name),
            problem,
            check.rtol,
            check.atol,
            candidates,
            check.nonfinite_cause,
        )
        values_right = values_right and units > 0
        fd = got.arrays.get("fd." + name)
        if (
            message
            and units < all_units
            and fd is not None
            and name in got.arrays
            and diagnosis.close(got.arrays[name], fd, 1e-4, 1e-6)
        ):
            message += " (it agrees with finite differences of your own forward: check the forward first)"
        ok, total = ok + units, total + all_units
        messages += [message] if message else []
    wrong_forward = [name for name in check.forward if not _right(name, got, ref, check)] if check.gradcheck else []
    for name in check.gradcheck:
        analytic, numeric = got.arrays.get(name), got.arrays.get("fd." + name)
        total += 1
        if analytic is None or numeric is None:
            messages.append(f"{name} was not produced: {got.problems.get(name) or got.error}")
        elif wrong_forward:  # zeros agree with the finite differences of zeros: no point for that
            if name == check.gradcheck[0]:
                messages.append(
                    f"your forward's {', '.join(wrong_forward)} is wrong in this case, and agreeing "
                    f"with the finite differences of a wrong forward earns nothing: fix the forward first"
                )
        elif analytic.shape == numeric.shape and diagnosis.close(analytic, numeric, 1e-4, 1e-6):
            ok += 1
        else:
            _, _, message = diagnosis.compare(name, numeric, analytic, rtol=1e-4, atol=1e-6)
            messages.append(f"against finite differences of your forward: {message}")
    if check.judge:
        units, all_units, notes = judged(check, case, got, ref, ctx)
        ok, total = ok + units, total + all_units
        messages += notes
    if check.warnings and not got.error:
        total += 1
        if got.warnings == 0 and values_right:  # no warning is worth something only with the right values
            ok += 1
        else:
            cause = diagnosis.cause_text(check.nonfinite_cause) if check.nonfinite_cause else ""
            messages.append(f"numpy warned {got.warnings} time(s) (overflow or invalid value).{cause}")
    if got.error and not messages:
        messages.append(got.error)
    causes = [cause for phrase, cause in check.error_causes if got.error and phrase in got.error]
    if causes:
        messages = [
            f"{message}.{diagnosis.cause_text(causes[0])}" if got.error in message else message for message in messages
        ]
    return ok, total, messages


def _right(name, got, ref, check):
    """Whether the student's `name` equals the reference's in this case (its dtype aside)."""
    if name not in got.arrays or name not in ref.arrays:
        return False
    rtol, atol = diagnosis.tolerances(ref.arrays[name].dtype, check.rtol, check.atol)
    return diagnosis.close(got.arrays[name], ref.arrays[name], rtol, atol)


def judged(check, case, got, ref, ctx):
    """The judge's (units passed, units in all, messages) for the student's arrays; the reference's
    own arrays must earn every unit (else the check or the reference is wrong)."""
    passed, total, notes = check.judge(ref.arrays, ctx, case)
    if passed != total:
        raise GraderError(f"the reference fails {check.id}: {'; '.join(notes)}")
    try:
        units, _, notes = check.judge(got.arrays, ctx, case)
    except KeyError as exc:
        name = exc.args[0] if exc.args else "a result"
        problem = got.problems.get(name)
        return 0, total, [f"{name} {problem}" if problem else got.error or f"{name} was not produced"]
    except (ValueError, TypeError, IndexError, FloatingPointError) as exc:  # arrays of a shape no judge expects
        return 0, total, [f"your results could not be evaluated ({type(exc).__name__}: {exc})"]
    return min(units, total), total, list(notes)  # the reference's count: a case weighs the same for all


def score_check(check, keys, student, reference):
    ok = total = 0
    first, failed_cases = None, 0
    for number, (case, key) in enumerate(zip(check.cases, keys), start=1):
        units, all_units, messages = score_case(check, case, student[key], reference[key])
        ok, total = ok + units, total + all_units
        if units < all_units:
            failed_cases += 1
            if first is None:
                first = f"case {number} of {len(keys)} ({_describe_case(case)}): " + "; ".join(messages)
    passed = ok == total
    message = (
        f"ok ({len(keys)} cases)"
        if passed
        else (f"{check.exercise}: {first}" + (f" [{failed_cases} of {len(keys)} cases wrong]" if len(keys) > 1 else ""))
    )
    return {
        "id": check.id,
        "chapter": check.chapter,
        "points": round(check.points * ok / total, 2),
        "max_points": check.points,
        "passed": passed,
        "message": message,
    }


def grade(
    submission,
    chapter=None,
    checks=None,
    limits=None,
    how=None,
    reference_dir=REFERENCE,
    only=None,
    reference_cache=None,
):
    """Grade one submission; returns the report dict printed by --json.

    reference_cache: another folder for the reference's results than the release's store
    (grading/grader/reference.py); the in-notebook test cells on a student's machine use one.
    """
    checks = list(checks) if checks is not None else all_checks(chapter)
    if only:
        checks = [c for c in checks if any(c.id == p or c.id.startswith(p + ".") for p in only)]
    store = ReferenceStore(reference_cache) if reference_cache else ReferenceStore.default()
    stamp = release_stamp(reference_dir, [check.cases_file for check in checks])
    checks = prepare(checks, store.secret(stamp))  # one secret per release (grading/grader/reference.py)
    limits = limits or Limits()
    sandbox = Sandbox(limits, how)
    items = work_items(checks)
    student = run_cases(Path(submission), items, limits, sandbox=sandbox)
    reference = reference_results(items, limits, sandbox, reference_dir, reference_cache, stamp)
    rows = [score_check(check, [case_key(check, c) for c in check.cases], student, reference) for check in checks]
    return {
        "checks": rows,
        "score": round(sum(r["points"] for r in rows), 2),
        "max_score": round(sum(r["max_points"] for r in rows), 2),
        "isolation": sandbox.how,
    }


def table(report):
    width = max([len(r["id"]) for r in report["checks"]] + [5])
    lines = [f"{'check':<{width}}  points  result"]
    for r in report["checks"]:
        lines.append(f"{r['id']:<{width}}  {r['points']:>4g}/{r['max_points']:<2g} {r['message']}")
    lines.append(f"score {report['score']:g} / {report['max_score']:g}")
    return "\n".join(lines)


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m grading check", description=__doc__.splitlines()[0])
    parser.add_argument("submission", help="folder holding mytorch/ and optionally chapter notebooks")
    parser.add_argument("--chapter", choices=CHAPTERS, help="grade this chapter only (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--only", help="comma-separated check ids or id prefixes")
    parser.add_argument("--timeout", type=float, default=120.0, help="total wall time of the submission (s)")
    parser.add_argument("--case-timeout", type=float, default=30.0, help="wall time of one case (s)")
    parser.add_argument(
        "--memory",
        type=int,
        default=int(os.environ.get("GRADING_MEMORY_MB", 2048)),
        help="memory limit of the student's process (MB)",
    )
    parser.add_argument("--sandbox", choices=["bwrap", "nobody", "limits"], help="isolation method")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    submission = Path(args.submission)
    if not submission.is_dir():
        print(f"grading check: {submission} is not a folder", file=sys.stderr)
        return 2
    limits = Limits(wall_s=args.timeout, case_s=min(args.case_timeout, args.timeout), memory_bytes=args.memory << 20)
    only = [p.strip() for p in args.only.split(",")] if args.only else None
    try:
        report = grade(submission, args.chapter, limits=limits, how=args.sandbox, only=only)
    except SandboxUnavailable as exc:
        print(exc, file=sys.stderr)
        return 3
    except GraderError as exc:
        print(f"grading check: the grader failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report) if args.json else table(report))
    return 0
