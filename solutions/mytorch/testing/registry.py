"""The table of visible checks, one module per chapter, and `check(name)` that runs them."""
from . import backprop

CHECKS = {}
for chapter in (backprop,):
    CHECKS.update(chapter.CHECKS)


def check(name):
    """Run the visible checks called `name` (e.g. "backprop.linear"), print and return the results.

    Returns a list of CheckResult; it never raises on a wrong answer, so a notebook keeps going.
    """
    if name not in CHECKS:
        known = ", ".join(sorted(CHECKS))
        raise KeyError(f"no visible check named {name!r}; known checks: {known}")
    results = CHECKS[name]()
    passed = sum(r.passed for r in results)
    for result in results:
        print(result)
    print(f"{passed}/{len(results)} checks passed" + (" - well done!" if passed == len(results) else ""))
    return _Results(results)


class _Results(list):
    """A list of results whose notebook display is a one-line summary, not a repr dump."""

    def __repr__(self):
        return f"<{sum(r.passed for r in self)}/{len(self)} checks passed>"
