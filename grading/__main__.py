"""`python -m grading COMMAND ...`: the course's command line (run from the repository root).

Each command lives in its own module, which exposes `main(argv) -> int`.
"""

import importlib
import sys

COMMANDS = {
    "release": ("grading.release", "regenerate mytorch/, chapters/ and the student bundle from solutions/"),
    "leakcheck": ("grading.leakcheck", "fail if the student edition or bundle holds solutions or hidden tests"),
    "driftcheck": ("grading.release", "fail if the committed student edition differs from a fresh generation"),
    "lock": ("grading.lock", "rewrite requirements.lock from the installed environment"),
    "check": ("grading.check", "grade one submission: python -m grading check SUBMISSION [--chapter ID] [--json]"),
    "verify": ("grading.verify", "re-grade autograded submissions in isolation and report disagreements"),
    "pack": ("grading.pack", "zip a chapter notebook and mytorch/ for hand-in (Colab)"),
    "unpack": ("grading.unpack", "give exchange submissions their mytorch/ from mytorch-handin.zip (after collect)"),
    "sample-class": ("grading.sample_class", "generate the simulated class of submissions (grading/sample_class/)"),
    "autograde-parallel": ("grading.autograde", "nbgrader autograde of many students at once, one gradebook writer"),
    "doctor": ("grading.doctor", "what isolation this machine gives student code (or why grading refuses)"),
    "grade-demo": ("grading.demo", "the whole grading workflow on the sample class (make grade-demo)"),
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
        if err.name != COMMANDS[name][0]:
            raise
        # the student bundle ships grading/pack.py alone
        print(f"python -m grading {name}: not in this copy of the course (only `pack` is)", file=sys.stderr)
        return 2
    entry = getattr(module, name.replace("-", "_"), None) if name == "driftcheck" else module.main
    return entry(rest)


if __name__ == "__main__":
    sys.exit(main())
