"""The instructor guide's worked example, done for real (grading/README.md, "Adding an exercise"):
a new library exercise (4.13 Softplus) and a new inline notebook exercise (1.7 `xor_network`)
added to one copy of the course in the guide's steps, released twice, checked by the visible
checks and graded by the grader."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow(why="releases a copy of the course twice with nbgrader and grades two new exercises"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux"),
]

# ------------------------------------------------------------------ the library exercise

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
from grading.grader.notebook import score  # the course grader: your files, graded in a separate process
score("backprop.softplus", points=2)
### END HIDDEN TESTS"""

# ------------------------------------------------------------------ the inline exercise

XOR_SOLUTION = '''def xor_network():
    """XOR of two bits with two hidden threshold units: OR(x1, x2) and not AND(x1, x2).

    -> (W1 (2, 2), b1 (2,), w2 (2,), b2), evaluated as step(step(X @ W1.T + b1) @ w2 + b2).
    """
    ### BEGIN SOLUTION
    W1 = np.ones((2, 2))           # both units add up the inputs
    b1 = np.array([-0.5, -1.5])    # OR fires at one input on, AND at two
    w2 = np.array([1.0, -1.0])     # OR and not AND
    b2 = -0.5
    return W1, b1, w2, b2
    ### END SOLUTION'''
XOR_AS_OR = "w2 = np.array([1.0, 1.0])"  # the slip: both hidden units counted up, which is OR
XOR_VISIBLE = '''

# ------------------------------------------------------------------ exercise 1.7

# The causes of a wrong XOR network, in the grader's words too (grading/grader/checks/universal_approximation.py).
XOR_CAUSES = {
    "or": "the network computes OR - the unit that fires on two inputs on must count against the one that "
          "fires on one: output weights +1 and -1, output bias -1/2",
    "flipped": "every output is flipped - the output unit must fire on exactly one input on, not stay silent there",
}
XOR_OUTPUTS = {"or": (0, 1, 1, 1), "flipped": (1, 0, 0, 1)}  # on the inputs 00, 01, 10, 11


def xor_checks(answer, seed=0):
    """Exercise 1.7: xor_network() -> (W1 (H, 2), b1 (H,), w2 (H,), b2) computes XOR of two bits.

    One case: the four inputs (seed is unused, XOR has no other sizes).
    """
    X = truth_table_inputs(2)
    xor = np.array([0, 1, 1, 0])

    def body():
        got = threshold_network_output(_check_threshold_shapes(answer(), 2, "xor_network"), X)
        wrong, rows = _wrong_inputs(X, xor, got)
        if wrong.size:
            cause = next((key for key, outputs in XOR_OUTPUTS.items() if tuple(got) == outputs), None)
            explained = f" Likely cause: {XOR_CAUSES[cause]}." if cause else ""
            raise Mismatch(f"{wrong.size} of 4 inputs wrong: {rows}.{explained}")

    return [run_check("XOR of two inputs (every input)", body)]


CHECKS["universal_approximation.xor"] = xor_checks
'''
XOR_GRADER = '''

# ------------------------------------------------------------------ exercise 1.7

# In the visible check's words (solutions/mytorch/testing/universal_approximation.py, XOR_CAUSES).
XOR_CAUSES = {
    "or": "the network computes OR - the unit that fires on two inputs on must count against the one that "
    "fires on one: output weights +1 and -1, output bias -1/2",
    "flipped": "every output is flipped - the output unit must fire on exactly one input on, not stay silent there",
}
XOR_OUTPUTS = {"or": [0, 1, 1, 1], "flipped": [1, 0, 0, 1]}  # on the inputs 00, 01, 10, 11


def xor_judge(arrays, ctx, case):
    """Three units, all for XOR on every input: right shapes alone earn nothing."""
    verdict = Verdict()
    W1, b1, w2, b2 = (get(arrays, name) for name in ("W1", "b1", "w2", "b2"))
    H = W1.shape[0] if W1.ndim == 2 else None
    if not (W1.ndim == 2 and W1.shape[1] == 2 and b1.shape == (H,) and w2.shape == (H,) and b2.size == 1):
        why = f"shapes: W1 {W1.shape}, b1 {b1.shape}, w2 {w2.shape}, b2 {b2.shape}; expected W1 (H, 2), b1 (H,), w2 (H,)"
        return verdict.unit(False, why + " and b2 one number", units=3) or verdict.result()
    X = np.array(list(itertools.product([0, 1], repeat=2)), dtype=np.float64)
    got = threshold_network(W1, b1, w2, float(b2.reshape(())), X)
    wrong = np.flatnonzero(got != np.array([0, 1, 1, 0]))
    rows = ", ".join(f"input {tuple(int(v) for v in X[r])}: got {got[r]}" for r in wrong)
    cause = next((key for key, outputs in XOR_OUTPUTS.items() if got.tolist() == outputs), None)
    verdict.unit(
        wrong.size == 0,
        f"{wrong.size} of 4 inputs wrong ({rows})." + (f" Likely cause: {XOR_CAUSES[cause]}." if cause else ""),
        units=3,
    )
    return verdict.result()


CHECKS.append(
    Check(
        "universal_approximation.xor",
        "1.7 xor_network",
        2,
        "xor",
        [dict(label="two inputs")],
        judge=xor_judge,
        target=NOTEBOOK,
        timeout=NOTEBOOK_TIMEOUT_S,
    )
)
'''
XOR_CASE = '''

def xor(ns, case, t):
    """1.7: xor_network() -> W1 (H, 2), b1 (H,), w2 (H,), b2; the case holds nothing to pass."""
    build = _answer(ns, "xor_network", "1.7")
    _parts(t, build(), ("W1", "b1", "w2", "b2"), "xor_network")
'''
XOR_TEST_CELL = """from mytorch.testing import check
check("universal_approximation.xor", answer=xor_network)
### BEGIN HIDDEN TESTS
from grading.grader.notebook import score  # the course grader: your files, graded in a separate process
score("universal_approximation.xor", points=2)
### END HIDDEN TESTS"""
CHAPTER_1 = Path("universal_approximation") / "universal_approximation.ipynb"


def run(*argv, cwd, env=None):
    return subprocess.run([sys.executable, *argv], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def append(path, text):
    with open(path, "a") as f:
        f.write(text)


def script_cell(source, nbgrader):
    """A code cell as a script writes it: nbgrader metadata and no id (nbformat.write would add a
    random one; the release gives it a stable one)."""
    metadata = {"nbgrader": {"schema_version": 3, "task": False, **nbgrader}}
    return {"cell_type": "code", "execution_count": None, "metadata": metadata, "outputs": [], "source": source}


def graded_cell(source, grade_id, points):
    """4. a locked, graded test cell."""
    return script_cell(source, dict(grade=True, grade_id=grade_id, locked=True, points=points, solution=False))


def insert_cells(path, cells, after=None):
    """Put `cells` after the cell whose grade_id is `after` (at the end when None), as plain JSON."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    at = ids.index(after) + 1 if after else len(nb["cells"])
    nb["cells"][at:at] = cells
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def add_softplus(root):
    """The library example: 4.13 Softplus in chapter 4 (backprop)."""
    library = root / "solutions" / "mytorch" / "nn"
    # 1. the reference, with its solution regions
    append(library / "activations.py", REFERENCE)
    init = (library / "__init__.py").read_text()
    (library / "__init__.py").write_text(
        init.replace("Sigmoid, Softmax,", "Sigmoid, Softmax, Softplus,").replace('"Softmax",', '"Softmax", "Softplus",')
    )
    # 2. the visible check; 3. the grader check (reusing the activations' case program)
    append(root / "solutions" / "mytorch" / "testing" / "backprop.py", VISIBLE)
    append(root / "grading" / "grader" / "checks" / "backprop.py", GRADER)
    # 4. the locked test cell, after the chapter's last exercise
    insert_cells(root / "solutions" / "backprop" / "backprop.ipynb", [graded_cell(TEST_CELL, "backprop_softplus", 2)])


def add_xor(root):
    """The inline example: 1.7 xor_network in chapter 1 (universal_approximation), after 1.6."""
    # 2. the visible check; 3. the grader check and its case program
    append(root / "solutions" / "mytorch" / "testing" / "universal_approximation.py", XOR_VISIBLE)
    append(root / "grading" / "grader" / "checks" / "universal_approximation.py", XOR_GRADER)
    append(root / "grading" / "grader" / "cases" / "universal_approximation.py", XOR_CASE)
    # 1. the solution cell and 4. the test cell, which also runs the visible check
    solution = script_cell(XOR_SOLUTION, dict(grade=False, grade_id="ua_xor_solution", locked=False, solution=True))
    test = graded_cell(XOR_TEST_CELL, "ua_xor", 2)
    insert_cells(root / "solutions" / CHAPTER_1, [solution, test], after="ua_sawtooth")


def release(root):
    done = run("-m", "grading", "release", "--root", str(root), "--no-gradebook", "--no-bundle", cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the committed course with both worked examples added and released."""
    root = tmp_path_factory.mktemp("adding") / "course"
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
    root.mkdir()
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    add_softplus(root)
    add_xor(root)
    release(root)
    return root


def released_cell(course, notebook, grade_id):
    nb = nbformat.read(course / "chapters" / notebook, as_version=4)
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_the_release_makes_stubs_naming_the_exercise_and_a_cell_without_the_hidden_test(course):
    stub = (course / "mytorch" / "nn" / "activations.py").read_text()
    assert "exercise 4.13 Softplus.forward: not implemented yet" in stub
    assert "logaddexp" not in stub
    cell = released_cell(course, Path("backprop") / "backprop.ipynb", "backprop_softplus")
    assert 'check("backprop.softplus")' in cell.source and "score(" not in cell.source
    assert cell.id == "backprop_softplus"  # written without an id: the release gives it its grade_id


def test_the_release_stubs_the_solution_cell_and_keeps_the_check_cell(course):
    solution = released_cell(course, CHAPTER_1, "ua_xor_solution")
    assert solution.source.startswith("def xor_network():") and solution.id == "ua_xor_solution"
    assert solution.source.endswith("    # YOUR CODE HERE\n    raise NotImplementedError()")
    assert "BEGIN SOLUTION" not in solution.source and "np.array([-0.5, -1.5])" not in solution.source
    test = released_cell(course, CHAPTER_1, "ua_xor")
    assert test.source == 'from mytorch.testing import check\ncheck("universal_approximation.xor", answer=xor_network)'
    assert test.id == "ua_xor" and test.metadata.editable is False


def test_a_second_release_changes_nothing(course):
    notebooks = [course / "chapters" / "backprop" / "backprop.ipynb", course / "chapters" / CHAPTER_1]
    before = [path.read_bytes() for path in notebooks]
    release(course)
    assert [path.read_bytes() for path in notebooks] == before
    drift = run("-m", "grading", "driftcheck", cwd=course)
    assert drift.returncode == 0, drift.stdout + drift.stderr


def test_the_visible_check_passes_the_reference_and_names_the_exercise_on_the_stub(course):
    code = "from mytorch.testing import check\ncheck('backprop.softplus')"
    reference = run("-c", f"import sys; sys.path.insert(0, 'solutions')\n{code}", cwd=course)
    assert reference.returncode == 0 and "FAIL" not in reference.stdout, reference.stdout + reference.stderr
    stub = run("-c", code, cwd=course)
    assert "4.13" in stub.stdout + stub.stderr and "not implemented" in stub.stdout + stub.stderr


def test_the_inline_visible_check_passes_the_reference_and_names_the_cause_of_an_or(course):
    def check(solution):
        code = f"import numpy as np\n{solution}\nfrom mytorch.testing import check\n"
        code += 'check("universal_approximation.xor", answer=xor_network)'
        done = run("-c", code, cwd=course)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert check(XOR_SOLUTION).endswith("1/1 checks passed - well done!\n")
    wrong = check(XOR_SOLUTION.replace("w2 = np.array([1.0, -1.0])", XOR_AS_OR))
    assert "1 of 4 inputs wrong: input (1, 1): expected 0, got 1." in wrong
    assert "Likely cause: the network computes OR" in wrong and wrong.endswith("0/1 checks passed\n")


def grade(course, folder, chapter, only):
    """`python -m grading check FOLDER` on one check, as JSON."""
    done = run("-m", "grading", "check", str(folder), "--chapter", chapter, "--only", only, "--json", cwd=course)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_grader_gives_the_reference_full_marks_and_a_slip_less(course, tmp_path):
    def softplus(folder):
        return grade(course, folder, "backprop", "backprop.softplus")

    full = softplus(course / "solutions")
    assert full["score"] == full["max_score"] > 0
    assert {"backprop.softplus.forward", "backprop.softplus.backward.dLdZ"} <= {row["id"] for row in full["checks"]}
    slip = tmp_path / "slip"
    shutil.copytree(course / "solutions" / "mytorch", slip / "mytorch")
    source = (slip / "mytorch" / "nn" / "activations.py").read_text()
    (slip / "mytorch" / "nn" / "activations.py").write_text(
        source.replace("return dLdA * sigmoid(self.Z)", "return dLdA * self.A * (1 - self.A)")
    )
    wrong = softplus(slip)
    assert wrong["score"] < wrong["max_score"]
    assert any("dLdZ" in row["message"] for row in wrong["checks"] if not row["passed"])
    stubs = softplus(course)
    assert stubs["score"] == 0 and "not implemented" in json.dumps(stubs)


def test_the_grader_gives_the_inline_reference_full_marks_and_an_or_none(course, tmp_path):
    def xor(folder):
        return grade(course, folder, "universal_approximation", "universal_approximation.xor")

    full = xor(course / "solutions")
    assert (full["score"], full["max_score"]) == (2, 2)
    assert [row["id"] for row in full["checks"]] == ["universal_approximation.xor"]
    slip = tmp_path / "slip"
    shutil.copytree(course / "solutions" / "mytorch", slip / "mytorch")
    (slip / CHAPTER_1.parent).mkdir()
    notebook = (course / "solutions" / CHAPTER_1).read_text()
    assert notebook.count("w2 = np.array([1.0, -1.0])") == 1
    (slip / CHAPTER_1).write_text(notebook.replace("w2 = np.array([1.0, -1.0])", XOR_AS_OR))
    wrong = xor(slip)
    (row,) = wrong["checks"]
    assert (wrong["score"], row["passed"]) == (0, False)
    assert row["message"].startswith("1.7 xor_network: case 1 of 1 (two inputs): 1 of 4 inputs wrong (input (1, 1): ")
    assert "Likely cause: the network computes OR" in row["message"]
    stubs = xor(course)  # the released chapter, its solution cell a stub
    assert stubs["score"] == 0 and "exercise 1.7 (xor_network): not implemented yet" in json.dumps(stubs)
