# GENERATED from solutions/mytorch/testing/registry.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""The table of visible checks and `check(name)` that runs them.

Each chapter keeps its checks in `mytorch/testing/<chapter_id>.py`, which defines a dict
`CHECKS = {"<chapter_id>.<exercise>": function(**answers) -> list[CheckResult]}`.
"""
import importlib

CHAPTER_IDS = ("universal_approximation", "perceptron_learning", "matrix_calculus",
               "backprop", "optimization", "torch_pipeline")


def chapter_modules(package, names=CHAPTER_IDS):
    """The modules `package.<name>` that exist, in the order of `names`."""
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(f"{package}.{name}"))
        except ModuleNotFoundError as missing:
            if missing.name != f"{package}.{name}":
                raise
    return modules


def _collect():
    checks = {}
    for module in chapter_modules(__package__):
        checks.update(module.CHECKS)
    return checks


CHECKS = _collect()


def check(name, **answers):
    """Run the checks called `name` (e.g. "backprop.linear"), print and return their results.

    answers: what a notebook exercise hands in (e.g. `weights=...`), passed to the check.
    Never raises on a wrong answer, so the notebook keeps going; the returned Results know
    how many passed, and `.points(max_points)` turns that into partial credit.
    """
    if name not in CHECKS:
        known = ", ".join(sorted(CHECKS))
        raise KeyError(f"no check named {name!r}; known checks: {known}")
    results = Results(CHECKS[name](**answers))
    for result in results:
        print(result)
    print(results.summary())
    return results


class Results(list):
    """A list of CheckResult whose notebook display is a one-line summary."""

    @property
    def passed(self):
        return sum(result.passed for result in self)

    def points(self, max_points):
        """Partial credit: max_points times the fraction of checks passed (a float for nbgrader)."""
        return round(max_points * self.passed / len(self), 2) if self else 0.0

    def summary(self):
        done = " - well done!" if self.passed == len(self) else ""
        return f"{self.passed}/{len(self)} checks passed{done}"

    def __repr__(self):
        return f"<{self.summary()}>"
