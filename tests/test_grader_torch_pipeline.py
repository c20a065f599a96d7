"""Chapter 6 (torch_pipeline)'s notebook exercises 6.1-6.4, graded by `python -m grading check`
from the submitted notebook: the reference notebook earns every point, the student edition
none, and planted typical mistakes are caught and named, each costing only its own checks.

A submission is a temp folder holding a copy of the reference mytorch, the notebook and the
helper modules it imports (utterances.py, broken_pipeline.py). Each grading run executes the
notebook once in one sandboxed process, so the mistakes are planted in groups: one run each.
"""
import json
import shutil
import sys

import pytest

from grader_helpers import ROOT, make_submission
from test_grader_notebook_exercises import write_notebook
from grading import check, diagnosis
from grading.checks import all_checks

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")]

CHAPTER = "torch_pipeline"
SOURCE = ROOT / "solutions" / CHAPTER


def cell_points():
    """{exercise: points} of the notebook's test cells (grade ids torch_pipeline_<exercise>)."""
    cells = json.loads((SOURCE / f"{CHAPTER}.ipynb").read_text())["cells"]
    marks = [c["metadata"]["nbgrader"] for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("points")]
    return {m["grade_id"].removeprefix(CHAPTER + "_"): m["points"] for m in marks}


def graded(tmp_path, edits=(), notebook=None):
    """Rows by id of chapter 6's checks on a submission of the reference notebook (or `notebook`)
    with edits [(old, new)] applied to its solution cells (each `old` in exactly one, once)."""
    submission = make_submission(tmp_path / "submission")
    for helper in ("utterances.py", "broken_pipeline.py"):
        shutil.copy(SOURCE / helper, submission / helper)
    write_notebook(submission, CHAPTER, edits, notebook)
    return {row["id"]: row for row in check.grade(submission, CHAPTER)["checks"]}


def test_the_checks_are_worth_the_test_cells_points():
    checks = all_checks(CHAPTER)
    points_of = cell_points()
    assert set(points_of) == {c.id.split(".")[1] for c in checks} and sum(points_of.values()) == 11
    assert all(c.target == f"{CHAPTER}.ipynb" for c in checks)
    for exercise, points in points_of.items():
        assert sum(c.points for c in checks if c.id.split(".")[1] == exercise) == pytest.approx(points), exercise


def test_the_reference_notebook_scores_full_marks(tmp_path):
    rows = graded(tmp_path)
    assert set(rows) == {c.id for c in all_checks(CHAPTER)}
    for row in rows.values():
        assert row["passed"] and row["points"] == row["max_points"], row
    assert sum(row["points"] for row in rows.values()) == pytest.approx(sum(cell_points().values()))


def test_the_student_edition_scores_zero_and_says_not_implemented(tmp_path):
    rows = graded(tmp_path, notebook=ROOT / "chapters" / CHAPTER / f"{CHAPTER}.ipynb")
    for row in rows.values():
        assert row["points"] == 0 and "not implemented yet" in row["message"], row


# (solution text, planted text, the checks that must fail, the catalogue cause their messages name)
MISTAKES = {
    "A": [
        ('padded = np.pad(np.asarray(features, dtype=np.float32), ((k, k), (0, 0)), mode="edge")',
         'padded = np.pad(np.asarray(features, dtype=np.float32), ((k, k), (0, 0)), mode="constant")',
         ["context_windows.items"], "window_zero_padding"),
        ("return len(self.labels)", "return len(self.padded)", ["context_windows.len"], "len_counts_padding"),
        ("        optimizer.zero_grad()\n        loss = loss_fn(torch_model(", "        loss = loss_fn(torch_model(",
         ["twins.torch"], "missing_zero_grad"),
        ("def __len__(self):\n        ### BEGIN SOLUTION\n        return len(self.X)",
         "def __len_(self):\n        ### BEGIN SOLUTION\n        return len(self.X)",
         ["fix_pipeline.dataset"], "dunder_typo"),
        ("super().__init__()\n        self.net", "self.net", ["fix_pipeline.model"], "missing_super_init"),
        ("            optimizer.zero_grad()\n            loss = loss_fn(model(x), y)",
         "            loss = loss_fn(model(x), y)", ["fix_pipeline.zero_grad"], "missing_zero_grad"),
        ("with torch.no_grad():\n        for x, y in DataLoader(val_set", "if True:\n        for x, y in DataLoader(val_set",
         ["fix_pipeline.modes"], "no_grad_missing"),
        ("for start in range(0, len(X), batch_size):", "for start in range(0, len(X) - batch_size + 1, batch_size):",
         ["device_batches.coverage"], "batches_drop_last"),
        ("yield X[idx], y[idx]", "yield torch.stack([X[i] for i in idx]), y[idx]", ["device_batches.indexing"],
         "per_sample_loop"),
    ],
    "B": [
        ("return self.padded[t:t + 2 * self.k + 1].reshape(-1), self.labels[t]",
         "return self.padded[t + self.k:t + 3 * self.k + 1].reshape(-1), self.labels[t]",
         ["context_windows.items"], "window_shifted"),
        ("self.padded = torch.from_numpy(padded)\n",
         "self.padded = torch.from_numpy(padded)\n        self.windows = [self.padded[t:t + 2 * k + 1].clone() "
         "for t in range(len(labels))]\n", ["context_windows.memory"], "windows_up_front"),
        ("    net = from_torch(torch_model)  # before torch trains: both start from the same weights\n", "",
         ["twins.mytorch"], "twin_after_training"),
        ("my_optimizer = mytorch.optim.SGD(", "net = from_torch(torch_model)\n    my_optimizer = mytorch.optim.SGD(",
         [], None),
        ("self.net = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Dropout(p_drop),",
         "self.net = nn.Sequential(*{nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Dropout(p_drop),", [], None),
        ("nn.Linear(n_hidden, n_classes))", "nn.Linear(n_hidden, n_classes)})", ["fix_pipeline.model"],
         "layers_in_a_set"),
        ("    model.eval()\n    correct = 0", "    correct = 0", ["fix_pipeline.modes", "fix_pipeline.accuracy"],
         "eval_never_called"),
        ("x, y = x.to(device), y.to(device)\n            optimizer.zero_grad()",
         "x.to(device)\n            y.to(device)\n            optimizer.zero_grad()", ["fix_pipeline.device"],
         "dropped_to_device"),
        ("order = torch.randperm(len(X), generator=generator, device=X.device)",
         "order = torch.randperm(len(X), device=X.device)", ["device_batches.reshuffle"], "generator_ignored"),
    ],
    "C": [
        ("return self.padded[t:t + 2 * self.k + 1].reshape(-1), self.labels[t]",
         "return self.padded[t:t + 2 * self.k + 1].T.reshape(-1), self.labels[t]",
         ["context_windows.items"], "window_flatten_order"),
        ("optimizer = torch.optim.SGD(torch_model.parameters(), lr=lr, momentum=momentum)",
         "optimizer = torch.optim.SGD(torch_model.parameters(), lr=lr)", ["twins.torch"], "momentum_not_passed"),
        ("        my_optimizer.step()\n", "", ["twins.mytorch"], "missing_step"),
        ("def __getitem__(self, i):", "def __getitem(self, i):", ["fix_pipeline.dataset"], "dunder_typo"),
        ("order = torch.randperm(len(X), generator=generator, device=X.device)",
         "order = torch.arange(len(X), device=X.device)", ["device_batches.coverage", "device_batches.reshuffle"],
         "batches_not_shuffled"),
    ],
}


@pytest.mark.parametrize("variant", sorted(MISTAKES))
def test_planted_mistakes_are_caught_and_named(tmp_path, variant):
    mistakes = MISTAKES[variant]
    rows = graded(tmp_path, [(old, new) for old, new, _, _ in mistakes])
    planted = set()
    for _, _, check_ids, cause in mistakes:
        for check_id in check_ids:
            row = rows[f"{CHAPTER}.{check_id}"]
            assert not row["passed"] and row["points"] < row["max_points"], row
            assert f"Likely cause: {diagnosis.CAUSES[cause][0]}" in row["message"], (check_id, row["message"])
            planted.add(check_id)
    for check_id, row in rows.items():  # no false alarm on the parts left right
        name = check_id.split(".", 1)[1]
        if name not in planted:
            assert row["passed"], row
