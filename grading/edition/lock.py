"""`python -m grading lock`: rewrite requirements.lock from `pip freeze` of this interpreter's
environment (run it with the course venv's python, as `make lock` does).

The course package itself (its editable `-e` line) is left out, and local version labels such
as torch's `+cpu` are dropped so the lock names the version any platform can install. The
comment lines at the top of the current lock are kept.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

from .release import ROOT

PROJECT = "dlcourse"


def _name(requirement):
    """Normalized distribution name of a `name==version` line (PEP 503)."""
    return re.sub(r"[-_.]+", "-", re.split(r"[\s=<>!~@;\[]", requirement, maxsplit=1)[0]).lower()


def lock_text(freeze, header):
    """The lock file for the output of `pip freeze`, under the given header comment lines."""
    pins = []
    for line in freeze.splitlines():
        line = line.strip()
        # comments (pip writes one above an editable install), editables, and the course itself
        if not line or line.startswith(("#", "-e ", "--editable")) or _name(line) == PROJECT:
            continue
        pins.append(re.sub(r"^([^=\s]+==[^+\s]+)\+\S+$", r"\1", line))
    return "\n".join([*header, *pins]) + "\n"


def header_of(text):
    """The leading comment lines of a lock file."""
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    return header


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading lock", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="course repository (default: this one)")
    parser.add_argument("--check", action="store_true", help="only report whether the lock is up to date")
    args = parser.parse_args(argv)
    path = args.root / "requirements.lock"
    old = path.read_text() if path.is_file() else ""
    proc = subprocess.run([sys.executable, "-m", "pip", "freeze"], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"lock: pip freeze failed:\n{proc.stderr}", file=sys.stderr)
        return 1
    new = lock_text(proc.stdout, header_of(old))
    old_pins, new_pins = (set(text.splitlines()) - set(header_of(text)) for text in (old, new))
    changes = [f"- {p}" for p in sorted(old_pins - new_pins)] + [f"+ {p}" for p in sorted(new_pins - old_pins)]
    if args.check:
        print("\n".join(changes) if changes else "lock: requirements.lock matches the environment")
        return 1 if changes else 0
    if new != old:
        path.write_text(new)
    print(f"lock: {path.name} from {sys.executable}: {len(new_pins)} pins, {len(changes)} line(s) changed")
    for line in changes:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
