"""`python -m grading COMMAND ...`: the course's command line (run from the repository root).

Each command lives in its own module, which exposes `main(argv) -> int`.
"""

import importlib
import sys

COMMANDS = {
    "release": ("grading.edition.release", "regenerate mytorch/, chapters/ and the student bundle from solutions/"),
    "leakcheck": ("grading.edition.leakcheck", "fail if the student edition or bundle holds solutions or hidden tests"),
    "driftcheck": ("grading.edition.release", "fail if the committed student edition differs from a fresh generation"),
    "lock": ("grading.edition.lock", "rewrite requirements.lock from the installed environment"),
    "check": (
        "grading.grader.check",
        "grade one submission: python -m grading check SUBMISSION [--chapter ID] [--json]",
    ),
    "verify": ("grading.nbgrader_glue.verify", "re-grade autograded submissions in isolation and report disagreements"),
    "pack": ("grading.handin", "zip a chapter notebook and mytorch/ for hand-in (Colab)"),
    "unpack": (
        "grading.nbgrader_glue.unpack",
        "give exchange submissions their mytorch/ from mytorch-handin.zip (after collect)",
    ),
    "sample-class": (
        "grading.mistakes.sample_class",
        "generate the simulated class of submissions (grading/sample_class/)",
    ),
    "autograde-parallel": (
        "grading.nbgrader_glue.autograde",
        "nbgrader autograde of many students at once, one gradebook writer",
    ),
    "doctor": ("grading.grader.doctor", "what isolation this machine gives student code (or why grading refuses)"),
    "grade-demo": ("grading.nbgrader_glue.demo", "the whole grading workflow on the sample class (make grade-demo)"),
}


def usage():
    lines = ["usage: python -m grading COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<18} {text}" for name, (_, text) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(COMMANDS[name][0])
    except ModuleNotFoundError as err:
        wanted = COMMANDS[name][0]
        if wanted != err.name and not wanted.startswith(f"{err.name}."):
            raise
        # the student bundle ships grading/handin.py alone
        print(f"python -m grading {name}: not in this copy of the course (only `pack` is)", file=sys.stderr)
        return 2
    entry = getattr(module, name.replace("-", "_"), None) if name == "driftcheck" else module.main
    return entry(rest)


if __name__ == "__main__":
    sys.exit(main())
