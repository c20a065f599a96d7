"""What isolation this machine gives student code: `python -m grading doctor`.

Prints the method grading would use (or why grading refuses), the user student code runs as,
how its limits are enforced and what that guarantees (grading/README-isolation.md). Exit 0
when student code can be sandboxed, 3 when grading would refuse. `make install` runs it.
"""

import argparse
import sys

from .sandbox import describe


def main(argv=None):
    argparse.ArgumentParser(prog="python -m grading doctor", description=__doc__.splitlines()[0]).parse_args(argv)
    found = describe()
    if found["method"] is None:
        print(f"isolation: none - {found['problem']}")
        return 3
    print(f"isolation: {found['method']} ({found['guarantees']})")
    print(f"student code runs as: {found['user']}")
    print(f"whole-sandbox limits: {found['limits']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
