"""nbgrader's configuration of the course.

nbgrader reads it when run from grading/ (`cd grading && nbgrader autograde backprop`) or with
`--NbGrader.config_file=grading/nbgrader_config.py` from the repository root (nbgrader has no
`--config` option: it warns and ignores it). nbgrader's `alembic` script must be on PATH
(activate .venv). `python -m grading release` loads this file and points nbgrader at a scratch
release folder, so generation never writes chapters/ directly.

Layout: source notebooks in solutions/<chapter_id>/<chapter_id>.ipynb, released into
chapters/<chapter_id>/; everything nbgrader writes while grading lives under grading/ and
is gitignored.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

c = get_config()  # noqa: F821 (nbgrader's config loader provides it)

c.CourseDirectory.course_id = "dlcourse"
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "chapters"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.solution_directory = "grading/solution"
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'grading' / 'gradebook.db'}"

# Basenames at any depth, kept out of the release AND out of autograde's copy of a
# submission. `mytorch` is deliberately NOT listed: a hand-in carries the student's mytorch/,
# which the grader must see. solutions/mytorch is never generated because the course's
# generator only names chapter ids (nbgrader's formgrader may still list it as a source folder).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "__pycache__", "*.pyc", "feedback",
                            ".pytest_cache", ".hypothesis", ".DS_Store"]

# Release: nbgrader's defaults replace solution regions with a stub and drop hidden tests.
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearSolutions.enforce_metadata = True
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
c.ClearOutput.enabled = True
