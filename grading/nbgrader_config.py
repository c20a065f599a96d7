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

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # grading.* below, and the feedback preprocessor

from grading.edition.regions import find_regions  # noqa: E402
from grading.edition.release import CHAPTER_IDS, files_under  # noqa: E402


def student_edited_files(root=ROOT):
    """mytorch/<path> of every reference file with a solution region: what students hand in."""
    src = Path(root) / "solutions" / "mytorch"
    return [
        f"mytorch/{rel}"
        for rel in files_under(src)
        if rel.endswith(".py") and find_regions((src / rel).read_text(), f"solutions/mytorch/{rel}")
    ]


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
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "__pycache__",
    "*.pyc",
    "feedback",
    ".pytest_cache",
    ".hypothesis",
    ".DS_Store",
]

# Release: nbgrader's defaults replace solution regions with a stub and drop hidden tests.
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearSolutions.enforce_metadata = True
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
c.ClearOutput.enabled = True

# The formgrader (`make formgrader` sets DLCOURSE_FORMGRADER) lists every folder of the source
# directory as an assignment (solutions/mytorch is the reference library, not one), and its
# Generate button writes the release directory (chapters/, which would then drift from
# `make release`). So the formgrader sees grading/formgrader/source/, a link to each chapter's
# source folder only, and generates into grading/formgrader/release/ (gitignored scratch).
# The course's release is `make release`; release to the exchange from the terminal.
if os.environ.get("DLCOURSE_FORMGRADER"):
    _staging = ROOT / "grading" / "formgrader" / "source"
    _staging.mkdir(parents=True, exist_ok=True)
    for _cid in CHAPTER_IDS:
        if not (_staging / _cid).is_symlink():
            (_staging / _cid).symlink_to(ROOT / "solutions" / _cid, target_is_directory=True)
    c.CourseDirectory.source_directory = "grading/formgrader/source"
    c.CourseDirectory.release_directory = "grading/formgrader/release"


# ---------------------------------------------------------------- autograding
# Autograde overwrites every non-notebook file of a submission that also exists in the
# assignment's source folder; the student's library files must never be replaced.
STUDENT_FILES = student_edited_files()
c.Autograde.exclude_overwriting = {cid: list(STUDENT_FILES) for cid in CHAPTER_IDS}
# A deleted or metadata-stripped test cell is put back (from the gradebook) and graded,
# instead of turning the notebook into "needs manual grade".
c.OverwriteCells.add_missing_cells = True
# Any stderr output zeroes a graded cell (a warning from a correct answer, a progress bar);
# scores come from the tests' values and errors, so stderr is dropped before grading.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"
# Per cell: the backprop digits test trains three networks (~60 s here); 4x headroom.
c.Execute.timeout = 240
c.Execute.interrupt_on_timeout = True
# Student code never runs with the instructor's rights: the kernel runs in the grader's sandbox
# (no bubblewrap: autograde refuses), and every test cell's score and output come from the
# isolated grader, not from the kernel (grading/nbgrader_glue/sandboxed_autograde.py).
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    CheckCellMetadata,
    Execute,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from grading.nbgrader_glue.sandboxed_autograde import TrustedScores  # noqa: E402

c.Execute.kernel_manager_class = "grading.nbgrader_glue.sandboxed_autograde.SandboxedKernelManager"
c.Autograde.autograde_preprocessors = [
    Execute,
    IgnorePattern,
    TrustedScores,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# ---------------------------------------------------------------- feedback
# nbgrader's feedback shows hidden tests and their tracebacks (issues 917, 1363): strip them.
# (Classes, not import strings: nbgrader asks each listed preprocessor for its traits.)
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from grading.nbgrader_glue.feedback import FeedbackSummary, HideHiddenTests, feedback_templates  # noqa: E402

# FeedbackSummary: the file opens with every exercise, its points, the mistake and what to do next
# (and any note that changes a score); no host path in any output; no hand-in zip in the folder.
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, FeedbackSummary, CSSHTMLHeaderPreprocessor]
# nbgrader's feedback page, its index naming each test cell by its exercises (not "Test cell")
c.HTMLExporter.template_name = "feedback"
c.HTMLExporter.extra_template_basedirs = [
    feedback_templates(),
    str(Path(__import__("nbgrader").__file__).parent / "server_extensions" / "formgrader" / "templates"),
]

# ---------------------------------------------------------------- Colab hand-ins
# `python -m grading pack CHAPTER` zips <CHAPTER>.ipynb and mytorch/**.py at the zip's top;
# the LMS download names each zip `<student_id>_<anything>.zip`. `nbgrader zip_collect`
# extracts them into downloaded/<CHAPTER>/extracted/<zip name>/ and this collector turns each
# file into submitted/<student_id>/<CHAPTER>/<its path inside the zip>.
# The LMS zips go in grading/downloaded/<CHAPTER>/archive/ (ZipCollectApp's own option, relative to
# the course root; CourseDirectory has no downloaded_directory).
c.ZipCollectApp.downloaded_directory = "grading/downloaded"
c.ZipCollectApp.collector_plugin = "nbgrader.plugins.zipcollect.FileNameCollectorPlugin"
c.FileNameCollectorPlugin.valid_ext = [".ipynb", ".py"]
c.FileNameCollectorPlugin.named_regexp = (
    r".*[/\\]extracted[/\\](?P<student_id>[A-Za-z0-9.-]+)_[^/\\]*[/\\](?P<file_id>.+)"
)

# ---------------------------------------------------------------- exchange
# `nbgrader collect` copies the world-writable inbound with shutil.copytree, which follows a
# symlink a student adds after submitting (mytorch -> .../solutions/mytorch). SafeCollect
# (grading/nbgrader_glue/exchange.py) follows nothing: a submission holding a symlink, device, fifo, socket or
# hard link, or over its size or file limits, is refused with a reason and not collected; so is
# an inbound entry with a junk name or timestamp, or (check_owner, on by default) one not owned
# by the student it names. The others are collected.
c.ExchangeFactory.collect = "grading.nbgrader_glue.exchange.SafeCollect"
