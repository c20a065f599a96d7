"""The leak check: planted solutions, markers, hidden tests and reference files are caught, with
their file and line; a clean release passes."""

import json
import shutil
import zipfile

import pytest
from release_helpers import CHAPTER, HIDDEN_TEST_LINE, ROOT, copy_of_released, released_course

from grading.edition import leakcheck
from grading.edition.release import BUNDLE, BUNDLE_TOP


@pytest.fixture
def course(tmp_path):
    return copy_of_released(tmp_path)


def leaks_in(root, bundle=True):
    found, _ = leakcheck.check(root, root / BUNDLE if bundle else None)
    return [str(leak) for leak in found]


def test_a_fresh_release_has_no_leaks():
    course = released_course()
    found, secrets = leakcheck.check(course, course / BUNDLE)
    assert found == []
    # the fingerprints are the long region lines of the library, the chapter helper and the
    # notebook, but not the short ones nor one that also occurs outside a region
    assert secrets.find("    squared_value_of_x = x * x") == "squared_value_of_x = x * x"
    assert secrets.find("cubed_value_of_x_here = x * x * x")
    assert secrets.find("notebook_solution_value = 3 * x")
    assert secrets.find(HIDDEN_TEST_LINE)
    assert secrets.find("The reference answer: tripling is linear in x.")
    assert secrets.find("return shared_line_also_outside") is None
    assert secrets.find("return squared_value_of_x") == "return squared_value_of_x"
    assert secrets.find("x = 2 * x") is None


def test_a_copied_solution_line_is_caught_with_file_and_line(course):
    ops = course / "mytorch" / "ops.py"
    lines = ops.read_text().splitlines()
    lines.insert(5, "    doubled_result_of_x = 2 * x  # pasted back")
    ops.write_text("\n".join(lines) + "\n")
    assert leaks_in(course) == ["mytorch/ops.py:6: reference line `doubled_result_of_x = 2 * x`"]


def test_short_and_shared_lines_are_not_leaks(course):
    with open(course / "mytorch" / "plain.py", "a") as f:
        f.write("x = x * x\nreturn shared_line_also_outside\n")
    assert leaks_in(course) == []


@pytest.mark.parametrize(
    "marker", ["### BEGIN SOLUTION", "### END SOLUTION", "# BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"]
)
def test_a_marker_is_caught(course, marker):
    with open(course / "mytorch" / "plain.py", "a") as f:
        f.write(f"{marker}\n")
    line = len((course / "mytorch" / "plain.py").read_text().splitlines())
    assert leaks_in(course) == [f"mytorch/plain.py:{line}: marker `{marker.lstrip('# ')}`"]


def test_a_hidden_test_in_a_notebook_is_caught_with_cell_and_line(course):
    path = course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
    nb = json.loads(path.read_text())
    index = next(i for i, c in enumerate(nb["cells"]) if "assert triple(2) == 6" in "".join(c["source"]))
    nb["cells"][index]["source"] = ["assert triple(2) == 6\n", HIDDEN_TEST_LINE]
    path.write_text(json.dumps(nb))
    assert leaks_in(course, bundle=False) == [
        f"chapters/{CHAPTER}/{CHAPTER}.ipynb: cell {index + 1}, line 2: reference line `{HIDDEN_TEST_LINE}`"
    ]


def test_notebook_outputs_are_caught(course):
    path = course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
    nb = json.loads(path.read_text())
    index = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"][index]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": ["notebook_solution_value = 3 * x\n"]}
    ]
    path.write_text(json.dumps(nb))
    where = f"chapters/{CHAPTER}/{CHAPTER}.ipynb: cell {index + 1}"
    assert leaks_in(course, bundle=False) == [
        f"{where}: 1 output(s) saved in the student edition",
        f"{where}, output line 1: reference line `notebook_solution_value = 3 * x`",
    ]


def test_a_copy_of_a_reference_file_is_caught(course):
    shutil.copy(course / "solutions" / "mytorch" / "plain.py", course / "assets" / "plain.py")
    assert leaks_in(course, bundle=False) == [
        "assets/plain.py: verbatim copy of the reference solutions/mytorch/plain.py"
    ]


def _add_to_bundle(course, name, data):
    with zipfile.ZipFile(course / BUNDLE, "a") as archive:
        archive.writestr(f"{BUNDLE_TOP}/{name}", data)


def test_a_solutions_folder_in_the_bundle_is_caught(course):
    reference = (course / "solutions" / "mytorch" / "ops.py").read_bytes()
    _add_to_bundle(course, "solutions/mytorch/ops.py", reference)
    found = leaks_in(course)
    where = f"{BUNDLE.name}:{BUNDLE_TOP}/solutions/mytorch/ops.py"
    assert f"{where}: entry the student bundle should not have" in found
    assert f"{where}: solutions/ folder in the student bundle" in found
    assert f"{where}: verbatim copy of the reference solutions/mytorch/ops.py" in found
    assert f"{where}:9: marker `BEGIN SOLUTION`" in found
    assert f"{where}:10: reference line `squared_value_of_x = x * x`" in found


def test_a_gradebook_or_grading_folder_in_the_bundle_is_caught(course):
    _add_to_bundle(course, "mytorch/grading/gradebook.db", b"\x00sqlite")
    found = leaks_in(course)
    where = f"{BUNDLE.name}:{BUNDLE_TOP}/mytorch/grading/gradebook.db"
    assert found == [f"{where}: grading/ folder in the student bundle", f"{where}: a gradebook in the student bundle"]


def test_cli_exit_status_and_report(course, capsys):
    assert leakcheck.main(["--root", str(course)]) == 0
    assert "no leaks" in capsys.readouterr().out
    with open(course / "mytorch" / "plain.py", "a") as f:
        f.write("### END SOLUTION\n")
    assert leakcheck.main(["--root", str(course), "--no-bundle"]) == 1
    err = capsys.readouterr().err
    assert "leakcheck: 1 leak(s)" in err and "mytorch/plain.py:" in err
    assert leakcheck.main(["--root", str(course), "--bundle", str(course / "missing.zip")]) == 2


def test_committed_student_edition_has_no_leaks():
    """The repository's own mytorch/ and chapters/ (and bundle, if built) leak nothing."""
    bundle = ROOT / BUNDLE
    found, _ = leakcheck.check(ROOT, bundle if bundle.is_file() else None)
    assert [str(leak) for leak in found] == []
