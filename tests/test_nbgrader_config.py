"""grading/nbgrader_config.py holds the settings the nbgrader facts call for, and they act."""

import logging
import re

import nbformat
import pytest
from nbgrader import utils
from nbgrader.preprocessors import IgnorePattern
from traitlets.config import PyFileConfigLoader

from grading.edition.regions import find_regions
from grading.edition.release import CHAPTER_IDS, ROOT, files_under
from grading.nbgrader_glue.feedback import HideHiddenTests


@pytest.fixture(scope="module")
def config():
    return PyFileConfigLoader("nbgrader_config.py", path=str(ROOT / "grading")).load_config()


def test_exclude_overwriting_is_every_file_with_a_solution_region(config):
    src = ROOT / "solutions" / "mytorch"
    expected = sorted(
        f"mytorch/{rel}" for rel in files_under(src) if rel.endswith(".py") and find_regions((src / rel).read_text())
    )
    assert "mytorch/nn/linear.py" in expected and "mytorch/optim/adam.py" in expected
    assert "mytorch/__init__.py" not in expected
    excluded = config.Autograde.exclude_overwriting
    assert set(excluded) == set(CHAPTER_IDS)
    for chapter in CHAPTER_IDS:
        assert sorted(excluded[chapter]) == expected


def test_missing_cells_are_added_back_and_cells_get_time_to_train(config):
    assert config.OverwriteCells.add_missing_cells is True
    assert config.Execute.timeout >= 180  # the digits cell trains three networks (~60 s)


def graded_cell(outputs):
    cell = nbformat.v4.new_code_cell("score(...)")
    cell.metadata.nbgrader = {"grade": True, "solution": False, "grade_id": "t", "points": 3, "locked": True}
    cell.outputs = outputs
    return cell


def test_a_warning_does_not_zero_a_correct_answer(config):
    warning = nbformat.v4.new_output("stream", name="stderr", text="RuntimeWarning: overflow in exp\n")
    result = nbformat.v4.new_output("execute_result", data={"text/plain": "2.5"}, execution_count=1)
    cell = graded_cell([warning, result])
    assert utils.determine_grade(cell, logging.getLogger())[0] == 0  # what nbgrader alone does
    pre = IgnorePattern(config=config)
    assert pre.enabled
    cell, _ = pre.preprocess_cell(cell, {}, 0)
    assert utils.determine_grade(cell, logging.getLogger())[0] == 2.5


def test_an_error_still_zeroes_the_cell(config):
    error = nbformat.v4.new_output("error", ename="AssertionError", evalue="wrong", traceback=["..."])
    cell, _ = IgnorePattern(config=config).preprocess_cell(graded_cell([error]), {}, 0)
    assert utils.determine_grade(cell, logging.getLogger())[0] == 0


def test_feedback_hides_hidden_tests_and_tracebacks(config):
    assert HideHiddenTests in config.GenerateFeedback.preprocessors
    cell = graded_cell(
        [
            nbformat.v4.new_output("stream", name="stdout", text="optimization.sgd.plain 0/1 missing momentum\n"),
            nbformat.v4.new_output(
                "error",
                ename="AssertionError",
                evalue="sgd wrong",
                traceback=["Traceback", "secret_hidden_call(seed=1234)", "AssertionError: sgd wrong"],
            ),
        ]
    )
    cell.source = (
        'check("optimization.sgd")\n### BEGIN HIDDEN TESTS\nfrom grading.grader.notebook import score\n'
        'score("optimization.sgd", points=3)\n### END HIDDEN TESTS'
    )
    cell, _ = HideHiddenTests().preprocess_cell(cell, {}, 0)
    assert "score(" not in cell.source and "HIDDEN" not in cell.source
    assert cell.source.startswith('check("optimization.sgd")')
    assert cell.outputs[1].traceback == ["AssertionError: sgd wrong"]
    assert "missing momentum" in cell.outputs[0].text  # the diagnosis stays


def test_zip_collector_maps_lms_zips_to_submission_folders(config):
    pattern = config.FileNameCollectorPlugin.named_regexp
    assert ".py" in config.FileNameCollectorPlugin.valid_ext
    path = "/course/downloaded/backprop/extracted/s10-colab_backprop_attempt_1/mytorch/nn/linear.py"
    match = re.match(pattern, path)
    assert match and match["student_id"] == "s10-colab" and match["file_id"] == "mytorch/nn/linear.py"
    match = re.match(pattern, "/course/downloaded/backprop/extracted/jdoe_backprop/backprop.ipynb")
    assert match["student_id"] == "jdoe" and match["file_id"] == "backprop.ipynb"
