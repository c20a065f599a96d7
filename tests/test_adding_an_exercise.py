"""The instructor guide's worked example, done for real: a new library exercise (4.13 Softplus)
added to a copy of the course in the guide's steps (grading/README.md, "Adding an exercise"),
released twice, checked by the visible check and graded by the grader."""

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux"),
]

REFERENCE = '''

class Softplus(Activation):
    """A = log(1 + exp(Z)), written stably;  dA/dZ = sigmoid(Z)."""

    def _forward(self, Z):
        ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.13 Softplus.forward | hint: log(1 + e^z), stably
        return np.logaddexp(0.0, Z)
        ### END SOLUTION

    def _backward(self, dLdA):
        ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.13 Softplus.backward | hint: differentiate log(1 + e^z)
        return dLdA * sigmoid(self.Z)
        ### END SOLUTION
'''
VISIBLE = '''

def softplus_checks(seed=0):
    """Softplus (exercise 4.13): forward, backward, finite differences, float32."""
    import mytorch

    torch = _torch()
    _, Z, G = _case(seed)
    return _activation_checks(
        "Softplus", lambda dtype: mytorch.nn.Softplus(), torch.nn.functional.softplus, seed, Z, G
    )


CHECKS["backprop.softplus"] = softplus_checks
'''
GRADER = """
CHECKS += activation("softplus", "4.13", "Softplus")
"""
TEST_CELL = """from mytorch.testing import check
check("backprop.softplus")
### BEGIN HIDDEN TESTS
from grading.notebook import score  # the course grader: your files, graded in a separate process
score("backprop.softplus", points=2)
### END HIDDEN TESTS"""


def run(*argv, cwd, env=None):
    return subprocess.run([sys.executable, *argv], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the committed course with the worked example's five pieces added and released."""
    root = tmp_path_factory.mktemp("adding") / "course"
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
    root.mkdir()
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    library = root / "solutions" / "mytorch" / "nn"
    # 1. the reference, with its solution regions
    with open(library / "activations.py", "a") as f:
        f.write(REFERENCE)
    init = (library / "__init__.py").read_text()
    (library / "__init__.py").write_text(
        init.replace("Sigmoid, Softmax,", "Sigmoid, Softmax, Softplus,").replace('"Softmax",', '"Softmax", "Softplus",')
    )
    # 2. the visible check; 3. the grader check (reusing the activations' case program)
    with open(root / "solutions" / "mytorch" / "testing" / "backprop.py", "a") as f:
        f.write(VISIBLE)
    with open(root / "grading" / "checks" / "backprop.py", "a") as f:
        f.write(GRADER)
    # 4. the locked test cell, after the chapter's last exercise
    path = root / "solutions" / "backprop" / "backprop.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = new_code_cell(TEST_CELL)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "backprop_softplus",
        "locked": True,
        "points": 2,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    del cell["id"]  # written by a script: the release gives it a stable id
    nb.cells.append(cell)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nbformat.validator.MissingIDFieldWarning)
        nbformat.write(nb, path, version=4)
    done = run("-m", "grading", "release", "--root", str(root), "--no-gradebook", "--no-bundle", cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def test_the_release_makes_stubs_naming_the_exercise_and_a_cell_without_the_hidden_test(course):
    stub = (course / "mytorch" / "nn" / "activations.py").read_text()
    assert "exercise 4.13 Softplus.forward: not implemented yet" in stub
    assert "logaddexp" not in stub
    released = nbformat.read(course / "chapters" / "backprop" / "backprop.ipynb", as_version=4)
    cell = next(c for c in released.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "backprop_softplus")
    assert 'check("backprop.softplus")' in cell.source and "score(" not in cell.source and cell.get("id")


def test_a_second_release_changes_nothing(course):
    before = (course / "chapters" / "backprop" / "backprop.ipynb").read_bytes()
    done = run("-m", "grading", "release", "--root", str(course), "--no-gradebook", "--no-bundle", cwd=course)
    assert done.returncode == 0, done.stderr
    assert (course / "chapters" / "backprop" / "backprop.ipynb").read_bytes() == before
    drift = run("-m", "grading", "driftcheck", cwd=course)
    assert drift.returncode == 0, drift.stdout + drift.stderr


def test_the_visible_check_passes_the_reference_and_names_the_exercise_on_the_stub(course):
    code = "from mytorch.testing import check\ncheck('backprop.softplus')"
    reference = run("-c", f"import sys; sys.path.insert(0, 'solutions')\n{code}", cwd=course)
    assert reference.returncode == 0 and "FAIL" not in reference.stdout, reference.stdout + reference.stderr
    stub = run("-c", code, cwd=course)
    assert "4.13" in stub.stdout + stub.stderr and "not implemented" in stub.stdout + stub.stderr


def test_the_grader_gives_the_reference_full_marks_and_a_slip_less(course, tmp_path):
    def grade(folder):
        done = run(
            "-m",
            "grading",
            "check",
            str(folder),
            "--chapter",
            "backprop",
            "--only",
            "backprop.softplus",
            "--json",
            cwd=course,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    full = grade(course / "solutions")
    assert full["score"] == full["max_score"] > 0
    assert {"backprop.softplus.forward", "backprop.softplus.backward.dLdZ"} <= {row["id"] for row in full["checks"]}
    slip = tmp_path / "slip"
    shutil.copytree(course / "solutions" / "mytorch", slip / "mytorch")
    source = (slip / "mytorch" / "nn" / "activations.py").read_text()
    (slip / "mytorch" / "nn" / "activations.py").write_text(
        source.replace("return dLdA * sigmoid(self.Z)", "return dLdA * self.A * (1 - self.A)")
    )
    wrong = grade(slip)
    assert wrong["score"] < wrong["max_score"]
    assert any("dLdZ" in row["message"] for row in wrong["checks"] if not row["passed"])
    stubs = grade(course)
    assert stubs["score"] == 0 and "not implemented" in json.dumps(stubs)
